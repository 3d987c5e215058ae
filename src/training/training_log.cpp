// Training metrics in the run database (see training_log.hpp).
#include "training/training_log.hpp"

namespace trafl::training {

TrainingLog::TrainingLog(const std::string& db_path, const std::string& out_dir, const std::string& method,
                         const std::string& config_json)
    : store_(std::make_unique<Store>(db_path, Store::OpenMode::kCreate)),
      run_id_(store_->ensure_training_run(out_dir, method, config_json)) {}

TrainingLog::~TrainingLog() = default;

void TrainingLog::record(const StepMetrics& m) { store_->put_training_step(run_id_, m); }

}  // namespace trafl::training
