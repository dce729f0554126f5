#include "warp/worker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/error.h"
#include "util/fsutil.h"

extern char** environ;

namespace warp {

namespace {

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

WorkerProcess WorkerProcess::start(const std::string& executable, const std::vector<std::string>& args,
                                   const std::string& log_path, const std::vector<std::string>& env) {
  if (::access(executable.c_str(), X_OK) != 0)
    throw Error("cannot start worker: " + executable + " is not an executable file (" + std::strerror(errno) + ")");
  make_dirs(parent_dir(log_path));
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    throw Error(file_message(log_path, std::string("cannot open the worker log: ") + std::strerror(errno)));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Everything the child needs is prepared before fork (no allocation between fork and exec).
  std::vector<std::string> argv_storage;
  argv_storage.push_back(executable);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The environment: ours, with env's names replaced.
  std::vector<std::string> env_storage;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& x : env) replaced = replaced || x.substr(0, x.find('=')) == name;
    if (!replaced) env_storage.push_back(entry);
  }
  env_storage.insert(env_storage.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    throw Error("cannot start worker " + executable + ": fork failed (" + std::strerror(err) + ")");
  }
  if (pid == 0) {
    // Child: own process group, SIGTERM when the parent dies, default signal handling, redirections.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(argv[0], argv.data(), envp.data());
    const char msg[] = "warp driver: execve of the worker failed\n";
    if (::write(2, msg, sizeof msg - 1) < 0) {}
    ::_exit(127);
  }
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  WorkerProcess w;
  w.pid_ = pid;
  return w;
}

WorkerProcess::WorkerProcess(WorkerProcess&& other) noexcept : pid_(other.pid_), exit_code_(other.exit_code_) {
  other.pid_ = -1;
  other.exit_code_.reset();
}

WorkerProcess& WorkerProcess::operator=(WorkerProcess&& other) noexcept {
  if (this != &other) {
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
    other.pid_ = -1;
    other.exit_code_.reset();
  }
  return *this;
}

std::optional<int> WorkerProcess::poll() {
  if (exit_code_ || pid_ <= 0) return exit_code_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(static_cast<pid_t>(pid_), &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == static_cast<pid_t>(pid_)) exit_code_ = exit_code_of(status);
  else if (r < 0) exit_code_ = 255;  // not our child any more (cannot happen unless reaped elsewhere)
  return exit_code_;
}

int WorkerProcess::wait() {
  if (exit_code_ || pid_ <= 0) return exit_code_.value_or(255);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(static_cast<pid_t>(pid_), &status, 0);
  } while (r < 0 && errno == EINTR);
  exit_code_ = r == static_cast<pid_t>(pid_) ? exit_code_of(status) : 255;
  return *exit_code_;
}

void WorkerProcess::terminate() {
  if (pid_ > 0 && !exit_code_) ::kill(static_cast<pid_t>(pid_), SIGTERM);
}

void WorkerProcess::kill() {
  if (pid_ > 0 && !exit_code_) ::kill(static_cast<pid_t>(pid_), SIGKILL);
}

std::string file_tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from =
      size > static_cast<std::streamoff>(max_bytes) ? size - static_cast<std::streamoff>(max_bytes) : 0;
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (from > 0) {
    const size_t nl = text.find('\n');
    if (nl != std::string::npos && nl + 1 < text.size()) text = text.substr(nl + 1);
  }
  // Progress lines drawn with carriage returns: keep what was drawn last on each line.
  std::string out;
  size_t line_start = 0;
  for (char ch : text) {
    if (ch == '\r') {
      out.resize(line_start);
    } else {
      out.push_back(ch);
      if (ch == '\n') line_start = out.size();
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace warp
