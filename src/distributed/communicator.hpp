#pragma once
// The ranks of one training job and the collectives the trainer needs, over torch.distributed's
// C++ layer (c10d): a TCPStore for the rendezvous (rank 0 hosts it at MASTER_ADDR:MASTER_PORT),
// ProcessGroupGloo on the CPU, ProcessGroupNCCL for CUDA tensors where the LibTorch build has it
// (TRAFL_HAVE_NCCL, set by CMakeLists.txt from the LibTorch it finds). Requires LibTorch.
//
// Every collective waits at most `timeout`; a peer that died (its sockets close) or hangs makes the
// collective throw DistributedError on every surviving rank, naming the rank, the collective and
// the cause — the job ends, it never hangs. A world of one needs no store and no sockets: every
// collective is the identity.
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "distributed/launch_env.hpp"

namespace trafl::distributed {

class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  // backend: "gloo" (CPU tensors) or "nccl" (CUDA tensors; a UsageError where the build lacks it).
  static std::shared_ptr<Communicator> connect(const LaunchEnv& env, const std::string& backend,
                                               std::chrono::milliseconds timeout);
  static std::shared_ptr<Communicator> single();

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual int local_rank() const = 0;  // the rank on this machine: its GPU with --device cuda
  virtual std::chrono::milliseconds timeout() const = 0;
  // In place: every tensor becomes the element-wise sum over ranks. Issued together, waited together.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors, const std::string& what) = 0;
  // Starts an in-place sum of `t` over ranks and returns at once (the group's own threads carry it:
  // Gloo's worker threads, NCCL's stream), so computation can go on meanwhile; the returned function
  // waits for it, throwing DistributedError as all_reduce_sum does. Call it exactly once.
  virtual std::function<void()> start_sum(torch::Tensor t, const std::string& what) = 0;
  // Every rank's `t` (same shape everywhere), stacked in rank order: [world, ...].
  virtual torch::Tensor all_gather(const torch::Tensor& t, const std::string& what) = 0;
  virtual void barrier(const std::string& what) = 0;

  // Sums of a few doubles over ranks (float64 on the CPU).
  std::vector<double> sum(const std::vector<double>& values, const std::string& what);
  // Every rank's doubles (same count everywhere), rank after rank.
  std::vector<double> gather(const std::vector<double>& values, const std::string& what);
};

}  // namespace trafl::distributed
