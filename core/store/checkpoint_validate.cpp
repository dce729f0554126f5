#include "store/checkpoint_validate.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "store/checkpoint_file.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/self_exe.h"
#include "util/sha256.h"

extern char** environ;

namespace warp {

namespace {

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::string errno_str(int e) { return std::strerror(e); }

std::string signal_name(int sig) {
  const char* s = ::strsignal(sig);
  return std::string(s ? s : "signal") + " (signal " + std::to_string(sig) + ")";
}

}  // namespace

void validate_checkpoint_file(const std::string& path) {
  CheckpointFile file(path);  // header, version, names, shapes, dtypes, layouts, sizes
  // Every tensor read back (every chunk's checksum) into one buffer: a tensor's size is bounded by
  // the file's (CheckpointFile checks the stored bytes against both).
  std::vector<unsigned char> buffer;
  for (TensorGroup g : kTensorGroups) {
    for (const auto& info : file.tensors(g)) {
      if (buffer.size() < static_cast<size_t>(info.nbytes)) buffer.resize(static_cast<size_t>(info.nbytes));
      file.read_bytes(info.name, g, buffer.data(), info.nbytes);
    }
  }
  // Data that read back without a checksum to verify it is refused as well: chunked with Fletcher32
  // (what CheckpointFileWriter writes) or compact, inside the checksummed object header.
  for (TensorGroup g : kTensorGroups)
    for (const auto& info : file.tensors(g))
      if (!file.data_checksummed(info.name, g))
        throw BadInput(file_message(path, std::string("dataset /") + group_name(g) + "/" + info.name +
                                              " has no Fletcher32 checksum (not written by warp; only checksummed "
                                              "checkpoints are accepted)"));
}

std::string h5check_executable() {
  if (const char* env = std::getenv("WARP_H5CHECK"); env && *env) return is_regular_file(env) ? env : "";
  const std::string exe = self_executable();
  if (exe.empty()) return "";
  const std::string beside = parent_dir(exe) + "/warp-h5check";
  return is_regular_file(beside) ? beside : "";
}

void check_untrusted_checkpoint(const std::string& path, const UntrustedCheckOptions& options) {
  if (is_directory(path)) throw BadInput(file_message(path, "is a folder, not a checkpoint file"));
  if (!is_regular_file(path)) throw BadInput(file_message(path, "no such checkpoint file"));
  if (options.trusted && options.trusted(sha256_file(path))) return;
  const std::string exe = h5check_executable();
  if (exe.empty())
    throw BadInput(file_message(path,
                                "cannot be validated: the validator warp-h5check is not installed beside this "
                                "program (nor named by $WARP_H5CHECK)"));

  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) throw Error("cannot create a pipe for warp-h5check: " + errno_str(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv = {const_cast<char*>(exe.c_str()), const_cast<char*>("--"), const_cast<char*>(path.c_str()),
                             nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(err[1]);
  if (rc != 0) {
    ::close(err[0]);
    throw Error("cannot start " + exe + ": " + errno_str(rc));
  }

  // Collect its message (bounded) until it closes stderr or the time is up.
  std::string message;
  const double deadline = now_s() + options.timeout_s;
  bool timed_out = false;
  for (;;) {
    const double left = deadline - now_s();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{err[0], POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min(left, 1.0) * 1000) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(err[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (message.size() < 4096) message.append(buf, static_cast<size_t>(n));
  }
  ::close(err[0]);
  int status = 0;
  if (timed_out) ::kill(pid, SIGKILL);
  for (;;) {
    // The child has closed stderr: it is exiting. Wait for it, within the deadline too.
    const pid_t w = ::waitpid(pid, &status, timed_out ? 0 : WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) throw Error("waiting for " + exe + ": " + errno_str(errno));
    if (now_s() > deadline) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      continue;
    }
    ::usleep(2000);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  if (const auto nl = message.rfind('\n'); nl != std::string::npos) message = message.substr(nl + 1);
  if (timed_out)
    throw BadInput(file_message(path, "refused: validating it took longer than " +
                                          std::to_string(static_cast<int>(options.timeout_s)) +
                                          " s (the validator was stopped)"));
  if (WIFSIGNALED(status))
    throw BadInput(file_message(path, "refused: the HDF5 validator crashed on it with " +
                                          signal_name(WTERMSIG(status)) + "; the file is malformed"));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string prefix = "warp-h5check: error: ";
    if (message.rfind(prefix, 0) == 0) throw BadInput(message.substr(prefix.size()));
    throw BadInput(
        file_message(path, "refused by the HDF5 validator" + (message.empty() ? std::string() : ": " + message)));
  }
}

}  // namespace warp
