#pragma once
// Per-step training metrics in the run database, torch-free. The tables (training_runs,
// training_steps) are part of the store's versioned schema (v4, store/schema.cpp); this class only
// registers the run and hands each step to the store.
#include <cstdint>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace trafl::training {

using StepMetrics = TrainingStep;  // the store's record of one optimiser step

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
