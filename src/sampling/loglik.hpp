#pragma once
// `trafl-eval loglik`: the Monte Carlo ELBO of log p(completion | prompt) for a checkpoint directory,
// with its standard error (see sampling/elbo.hpp for the estimator). Torch-free header so the CLI
// does not pay for LibTorch headers.
#include <cstdint>
#include <string>

namespace trafl::sampling {

struct LoglikOptions {
  std::string model_dir;
  std::string prompt;
  std::string completion;
  bool chat = false;             // chat template around the prompt (one user turn; tok::ChatFormat)
  std::int64_t mc = 128;         // Monte Carlo rows in total (a multiple of batch_size)
  std::int64_t batch_size = 16;  // rows per forward = one stratified batch
  double cfg_scale = 0.0;
  std::uint64_t seed = 0;
  std::string device = "cpu";
  std::string dtype = "f32";
  int threads = 0;  // torch intra-op threads; 0 = leave the default
};

struct LoglikResult {
  double elbo = 0.0;       // estimate of the ELBO (a lower bound on log p in expectation), nats
  double std_error = 0.0;  // over the stratified batches
  std::int64_t rows = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

LoglikResult estimate_loglik(const LoglikOptions& options);

}  // namespace trafl::sampling
