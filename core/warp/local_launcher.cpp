// The local launcher: each worker a child process of the driver (warp/worker_process.h).
#include <ctime>
#include <fstream>
#include <map>
#include <regex>

#include "util/error.h"
#include "util/fsutil.h"
#include "warp/launcher.h"
#include "warp/worker_process.h"

namespace warp {

struct LocalLauncher::Impl {
  std::map<int64_t, WorkerProcess> processes;
};

LocalLauncher::LocalLauncher(std::vector<std::string> gpus) : impl_(std::make_unique<Impl>()), gpus_(std::move(gpus)) {
  for (const auto& g : gpus_) parse_gpu_list(g);  // each one valid
}

std::vector<std::string> parse_gpu_list(const std::string& text) {
  static const std::regex item_re(R"(^(\d{1,4}|(GPU|MIG)-[A-Za-z0-9/-]+)$)");
  std::vector<std::string> out;
  size_t from = 0;
  for (;;) {
    const size_t comma = text.find(',', from);
    const std::string item = text.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (!std::regex_match(item, item_re))
      throw BadInput(
          "warp: gpus (--gpus) must be a comma-separated list of CUDA device indices (e.g. 0,1) or GPU "
          "UUIDs, got '" +
          text + "'" + (item.empty() ? " (an empty item)" : " ('" + item + "')"));
    out.push_back(item);
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return out;
}
LocalLauncher::~LocalLauncher() = default;

void LocalLauncher::begin(const LauncherContext& context) {
  context_ = context;
  exp_dir_ = context.exp_dir;
}

std::vector<int64_t> LocalLauncher::launch(const std::vector<WorkerLaunch>& workers) {
  std::vector<int64_t> handles;
  for (const WorkerLaunch& wl : workers) {
    const std::string log = log_path(wl.name);
    make_dirs(parent_dir(log));
    std::vector<std::string> env;
    if (!gpus_.empty()) env.push_back("CUDA_VISIBLE_DEVICES=" + gpus_[static_cast<size_t>(wl.index) % gpus_.size()]);
    {
      std::ofstream out(log, std::ios::app);
      const std::time_t now = std::time(nullptr);
      char when[64];
      std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
      out << "=== " << when << " warp run " << context_.driver_name << " " << (wl.resume ? "resumes" : "starts") << ":";
      for (const auto& e : env) out << " " << e;
      out << " " << context_.warp_executable;
      for (const auto& a : wl.args) out << " " << a;
      out << "\n";
    }
    WorkerProcess p = WorkerProcess::start(context_.warp_executable, wl.args, log, env);
    const int64_t pid = p.pid();
    impl_->processes.emplace(pid, std::move(p));
    handles.push_back(pid);
  }
  return handles;
}

std::optional<int> LocalLauncher::poll(int64_t handle) {
  auto it = impl_->processes.find(handle);
  if (it == impl_->processes.end()) return 255;
  auto code = it->second.poll();
  if (code) impl_->processes.erase(it);
  return code;
}

void LocalLauncher::stop(int64_t handle) {
  auto it = impl_->processes.find(handle);
  if (it != impl_->processes.end()) it->second.terminate();
}

void LocalLauncher::kill(int64_t handle) {
  auto it = impl_->processes.find(handle);
  if (it != impl_->processes.end()) it->second.kill();
}

}  // namespace warp
