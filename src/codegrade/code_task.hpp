#pragma once
// What the grade pipeline needs to know about a code task (a Task that runs programs in the sandbox):
// how many concurrent Task::grade calls keep every sandbox slot busy. Code tasks inherit from it
// next to Task; the pipeline finds it with dynamic_cast (math tasks do not have it).
namespace trafl::codegrade {

class SandboxedGrading {
 public:
  virtual ~SandboxedGrading() = default;
  // Concurrent grade() calls wanted (default: 2 per sandbox slot, so a slot never waits on the
  // parent's comparison work). Creates the shared sandbox on first call.
  virtual unsigned grading_threads() const;
};

}  // namespace trafl::codegrade
