// c10d-backed communicator (see communicator.hpp).
#include "distributed/communicator.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef TRAFL_HAVE_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <functional>

#include "core/error.hpp"
#include "model/torch_compat.hpp"

namespace trafl::distributed {
namespace {

class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  int local_rank() const override { return 0; }
  std::chrono::milliseconds timeout() const override { return std::chrono::milliseconds(0); }
  void all_reduce_sum(std::vector<torch::Tensor>&, const std::string&) override {}
  std::function<void()> start_sum(torch::Tensor, const std::string&) override {
    return [] {};
  }
  torch::Tensor all_gather(const torch::Tensor& t, const std::string&) override { return t.unsqueeze(0).clone(); }
  void barrier(const std::string&) override {}
};

class C10dGroup : public Communicator {
 public:
  C10dGroup(const LaunchEnv& env, const std::string& backend, std::chrono::milliseconds timeout)
      : env_(env), timeout_(timeout) {
    try {
      c10d::TCPStoreOptions so;
      so.port = static_cast<std::uint16_t>(env.master_port);
      so.isServer = env.rank == 0;
      so.numWorkers = static_cast<std::size_t>(env.world_size);
      so.waitWorkers = true;
      so.timeout = timeout;
      torch_compat::use_socket_tcp_store(so);
      store_ = c10::make_intrusive<c10d::TCPStore>(env.master_addr, so);
      if (backend == "gloo") {
        auto o = c10d::ProcessGroupGloo::Options::create(timeout);
        // As torch.distributed: GLOO_SOCKET_IFNAME picks the interface, else the one the host name resolves to.
        const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
        o->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                               : c10d::ProcessGroupGloo::createDefaultDevice());
        bind(c10::make_intrusive<c10d::ProcessGroupGloo>(store_, env.rank, env.world_size, o));
      } else if (backend == "nccl") {
#ifdef TRAFL_HAVE_NCCL
        auto o = c10d::ProcessGroupNCCL::Options::create();
        o->timeout = timeout;
        bind(c10::make_intrusive<c10d::ProcessGroupNCCL>(store_, env.rank, env.world_size, o));
#else
        throw UsageError("distributed: this LibTorch build has no NCCL (a CUDA build of LibTorch is needed)");
#endif
      } else {
        throw UsageError(fmt::format("distributed: unknown backend '{}' (expected gloo or nccl)", backend));
      }
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      throw DistributedError(fmt::format("rank {} of {} ({}): cannot join the job at {}:{} within {} s: {}", env.rank,
                                         env.world_size, env.launcher, env.master_addr, env.master_port,
                                         timeout.count() / 1000.0, first_line(e.what())));
    }
  }

  int rank() const override { return env_.rank; }
  int world_size() const override { return env_.world_size; }
  int local_rank() const override { return env_.local_rank; }
  std::chrono::milliseconds timeout() const override { return timeout_; }

  void all_reduce_sum(std::vector<torch::Tensor>& tensors, const std::string& what) override {
    if (tensors.empty()) return;
    run(what, [&] { allreduce_(tensors); });
  }

  std::function<void()> start_sum(torch::Tensor t, const std::string& what) override {
    std::function<void()> wait;
    run(what, [&] { wait = start_(std::move(t)); });
    return [this, wait, what] { run(what, wait); };
  }

  torch::Tensor all_gather(const torch::Tensor& t, const std::string& what) override {
    const torch::Tensor in = t.contiguous();
    std::vector<torch::Tensor> outs;
    for (int r = 0; r < env_.world_size; ++r) outs.push_back(torch::empty_like(in));
    std::vector<std::vector<torch::Tensor>> out_lists{outs};
    std::vector<torch::Tensor> in_list{in};
    run(what, [&] { allgather_(out_lists, in_list); });
    return torch::stack(out_lists[0]);
  }

  void barrier(const std::string& what) override {
    // An all-reduce of one number: it waits and fails exactly as every other collective does.
    std::vector<torch::Tensor> one{torch::zeros({1})};
    all_reduce_sum(one, what);
  }

 private:
  static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

  // The process group's collectives, issued and waited on (the lambdas own the group). A template over the concrete group:
  // in LibTorch 1.x the groups derive from c10d::ProcessGroup, in 2.x from c10d::Backend.
  template <typename Group>
  void bind(c10::intrusive_ptr<Group> group) {
    const std::chrono::milliseconds timeout = timeout_;
    allreduce_ = [group, timeout](std::vector<torch::Tensor>& tensors) {
      std::vector<decltype(group->allreduce(tensors))> works;
      for (torch::Tensor& t : tensors) {  // all issued before any is waited on
        std::vector<torch::Tensor> one{t};
        works.push_back(group->allreduce(one));
      }
      for (auto& w : works) w->wait(timeout);
    };
    // The work handle's type differs between LibTorch 1.x and 2.x; the waiting function hides it.
    start_ = [group, timeout](torch::Tensor t) -> std::function<void()> {
      std::vector<torch::Tensor> one{std::move(t)};
      auto work = group->allreduce(one);
      return [work, timeout] { work->wait(timeout); };
    };
    allgather_ = [group, timeout](std::vector<std::vector<torch::Tensor>>& out, std::vector<torch::Tensor>& in) {
      group->allgather(out, in)->wait(timeout);
    };
  }

  template <typename F>
  void run(const std::string& what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      throw DistributedError(
          fmt::format("rank {} of {}: collective '{}' failed ({}); another rank has died or stopped responding "
                      "(collective timeout {} s), so this rank stops too",
                      env_.rank, env_.world_size, what, first_line(e.what()), timeout_.count() / 1000.0));
    }
  }

  LaunchEnv env_;
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::function<void(std::vector<torch::Tensor>&)> allreduce_;
  std::function<std::function<void()>(torch::Tensor)> start_;
  std::function<void(std::vector<std::vector<torch::Tensor>>&, std::vector<torch::Tensor>&)> allgather_;
};

}  // namespace

std::shared_ptr<Communicator> Communicator::connect(const LaunchEnv& env, const std::string& backend,
                                                    std::chrono::milliseconds timeout) {
  if (!env.distributed()) return single();
  return std::make_shared<C10dGroup>(env, backend, timeout);
}

std::shared_ptr<Communicator> Communicator::single() { return std::make_shared<SingleProcess>(); }

std::vector<double> Communicator::sum(const std::vector<double>& values, const std::string& what) {
  if (world_size() == 1 || values.empty()) return values;
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
  all_reduce_sum(t, what);
  return std::vector<double>(t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel());
}

std::vector<double> Communicator::gather(const std::vector<double>& values, const std::string& what) {
  if (world_size() == 1) return values;
  const torch::Tensor all = all_gather(torch::tensor(values, torch::kFloat64), what).contiguous();
  return std::vector<double>(all.data_ptr<double>(), all.data_ptr<double>() + all.numel());
}

}  // namespace trafl::distributed
