#pragma once
// The hard per-comparison budget. Graders are called from many threads at once, so no signals
// (alarm/SIGALRM only reaches one thread and interrupts whatever it hits). Instead every symbolic
// step is bounded up front (input size, node count, exponent and factorial size) and a
// steady_clock deadline is checked between steps. A step that would break a bound is refused;
// the pair is then judged by the non-symbolic paths only and the grade's details say
// "budget_exceeded" with the reason.
#include <chrono>
#include <cstddef>
#include <string>

namespace trafl::grading {

struct Limits {
  std::size_t max_answer_chars = 2000;      // longer answers get string comparison only
  std::size_t max_nodes = 1500;             // expression nodes per side
  int max_depth = 120;                      // parser recursion depth (also guards the stack)
  std::size_t max_ginac_nodes = 400;        // GiNaC only sees small expressions
  long max_ginac_exponent = 10000;          // |integer exponent| on a numeric base in GiNaC
  long max_ginac_symbolic_exponent = 64;    // |integer exponent| on a base with symbols (expand blow-up)
  long max_factorial = 2000;                // n! in GiNaC
  std::chrono::milliseconds deadline{250};  // wall time for one comparison, GiNaC lock wait included
};

class Budget {
 public:
  explicit Budget(const Limits& limits = Limits())
      : limits_(limits), deadline_(std::chrono::steady_clock::now() + limits.deadline) {}

  const Limits& limits() const { return limits_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

  // True while there is time left; records the exhaustion the first time it fails.
  bool ok() {
    if (exceeded_) return false;
    if (std::chrono::steady_clock::now() > deadline_) exceed("deadline");
    return !exceeded_;
  }
  void exceed(const std::string& why) {
    if (!exceeded_) reason_ = why;
    exceeded_ = true;
  }
  bool exceeded() const { return exceeded_; }
  const std::string& reason() const { return reason_; }

 private:
  Limits limits_;
  std::chrono::steady_clock::time_point deadline_;
  bool exceeded_ = false;
  std::string reason_;
};

}  // namespace trafl::grading
