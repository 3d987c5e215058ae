#pragma once
// Per-step training metrics in the run database, torch-free.
//
// The tables are created here with CREATE TABLE IF NOT EXISTS (not through the store's schema
// migrations, which another part of the project owns): they are additive, only training writes
// them, and a database without them is still a valid run database. Layout:
//   training_runs  (id, out_dir, method, config JSON, created_at)   UNIQUE(out_dir, config):
//                  a resumed run (same directory, same resolved configuration) keeps its id
//   training_steps (run_id, step, loss, reward_mean, reward_std, log_z, kl, entropy, grad_norm, lr,
//                  samples_per_s, tokens_per_s, rollout_s, update_s, stats JSON)  PRIMARY KEY(run_id, step):
//                  a step redone after a resume replaces its row (with the same values).
// NULL where a metric does not apply (no reward in SFT, no log Z outside TraFL, …).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace trafl {
class Store;
}

namespace trafl::training {

struct StepMetrics {
  std::int64_t step = 0;  // 1-based optimiser step
  double loss = 0.0;
  std::optional<double> reward_mean, reward_std, log_z, kl, entropy;
  double grad_norm = 0.0;
  double lr = 0.0;
  double samples_per_s = 0.0;
  double tokens_per_s = 0.0;
  double rollout_s = 0.0;  // RL: sampling + rewards
  double update_s = 0.0;   // forward/backward/optimiser
  std::map<std::string, double> stats;  // everything else the objective reported
};

class TrainingLog {
 public:
  // Opens (creates) the database; registers the run.
  TrainingLog(const std::string& db_path, const std::string& out_dir, const std::string& method,
              const std::string& config_json);
  ~TrainingLog();
  std::int64_t run_id() const { return run_id_; }
  void record(const StepMetrics& metrics);

 private:
  std::unique_ptr<Store> store_;
  std::int64_t run_id_ = 0;
};

}  // namespace trafl::training
