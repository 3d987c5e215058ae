// The Store's training tables (schema v4): see store.hpp.
#include <nlohmann/json.hpp>

#include "store/sqlite.hpp"
#include "store/statements.hpp"
#include "store/store.hpp"

namespace trafl {

namespace {

constexpr const char* kInsertTrainingRun =
    "INSERT OR IGNORE INTO training_runs (out_dir, method, config) VALUES (?1, ?2, ?3)";
constexpr const char* kFindTrainingRun = "SELECT id FROM training_runs WHERE out_dir = ?1 AND config = ?2";
constexpr const char* kPutTrainingStep =
    "INSERT OR REPLACE INTO training_steps (run_id, step, loss, reward_mean, reward_std, log_z, kl, entropy, "
    "grad_norm, lr, samples_per_s, tokens_per_s, rollout_s, update_s, stats) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

}  // namespace

std::int64_t Store::ensure_training_run(const std::string& out_dir, const std::string& method,
                                        const std::string& config_json) {
  {
    auto q = TRAFL_STMT(kInsertTrainingRun);
    q->bind(1, out_dir).bind(2, method).bind(3, config_json).run();
  }
  auto q = TRAFL_STMT(kFindTrainingRun);
  q->bind(1, out_dir).bind(2, config_json);
  return q->step() ? q->col_int(0) : 0;
}

void Store::put_training_step(std::int64_t training_run_id, const TrainingStep& m) {
  auto q = TRAFL_STMT(kPutTrainingStep);
  auto real = [&](int i, std::optional<double> v) {
    if (v)
      q->bind_real(i, *v);
    else
      q->bind_null(i);
  };
  q->bind(1, training_run_id).bind(2, m.step);
  real(3, m.loss);
  real(4, m.reward_mean);
  real(5, m.reward_std);
  real(6, m.log_z);
  real(7, m.kl);
  real(8, m.entropy);
  real(9, m.grad_norm);
  real(10, m.lr);
  real(11, m.samples_per_s);
  real(12, m.tokens_per_s);
  real(13, m.rollout_s);
  real(14, m.update_s);
  q->bind(15, nlohmann::json(m.stats).dump());
  q->run();
}

}  // namespace trafl
