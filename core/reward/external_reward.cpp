#include "reward/external_reward.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/format.h"
#include "util/json_read.h"

extern char** environ;

namespace warp {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) { return std::strerror(err); }

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
    throw Error("external reward: cannot make a pipe non-blocking: " + errno_text(errno));
}

// write() with SIGPIPE blocked in this thread; a SIGPIPE the write raised is consumed, so a child
// that closed its stdin shows up as EPIPE, never as a signal that ends our process.
ssize_t write_no_sigpipe(int fd, const char* data, size_t n) {
  sigset_t pipe_set, old_set, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  sigemptyset(&pending);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t r = ::write(fd, data, n);
  const int err = errno;
  if (r < 0 && err == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {}
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = err;
  return r;
}

std::string quote_line(const std::string& line) {
  std::string shown = line.size() > 200 ? line.substr(0, 200) + "..." : line;
  return nlohmann::json(shown).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

}  // namespace

ExternalReward::ExternalReward(std::string command, ExternalRewardOptions options)
    : command_(std::move(command)), options_(options) {
  if (trim(command_).empty()) throw BadInput("external reward: the command line is empty");
  if (!(options_.timeout_s > 0) || !std::isfinite(options_.timeout_s))
    throw BadInput("external reward: timeout_s must be > 0, got " + std::to_string(options_.timeout_s));
  if (options_.max_line_bytes == 0) throw BadInput("external reward: max_line_bytes must be > 0");
  start();
}

ExternalReward::~ExternalReward() { stop(0.2); }

void ExternalReward::start() {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {in, out, err})
      for (int k = 0; k < 2; ++k) close_fd(p[k]);
  };
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    const int e = errno;
    close_all();
    throw Error("external reward '" + command_ + "': cannot create pipes: " + errno_text(e));
  }
  // fork + exec rather than posix_spawn: the child must ask for SIGKILL when its parent dies
  // (PR_SET_PDEATHSIG), so that a worker killed with -9 does not leave its scorer behind as an
  // orphan. Everything the child uses is prepared before fork (no allocation between fork and exec).
  std::string sh = "/bin/sh", dash_c = "-c";
  char* argv[] = {sh.data(), dash_c.data(), command_.data(), nullptr};
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    close_all();
    throw Error("external reward '" + command_ + "': cannot start /bin/sh: fork failed (" + errno_text(e) + ")");
  }
  if (pid == 0) {
    // Child: own process group (so the whole group can be killed), killed with its parent (checked
    // against a parent that died before prctl), default signal handling, nothing blocked.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) ::signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // The pipes are O_CLOEXEC; dup2 clears the flag on 0, 1 and 2.
    if (::dup2(in[0], 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(err[1], 2) < 0) ::_exit(127);
    ::execve("/bin/sh", argv, environ);
    ::_exit(127);
  }
  pid_ = pid;
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  in_fd_ = in[1];
  out_fd_ = out[0];
  err_fd_ = err[0];
  out_buf_.clear();
  err_partial_.clear();
  err_tail_.clear();
  try {
    set_nonblocking(in_fd_);
    set_nonblocking(out_fd_);
    set_nonblocking(err_fd_);
  } catch (...) {
    stop(0);
    throw;
  }
}

void ExternalReward::stop(double grace_s) {
  close_fd(in_fd_);  // EOF on its stdin: a well-behaved scorer exits now
  if (pid_ > 0) {
    int status = 0;
    bool reaped = false;
    const auto deadline = Clock::now() + std::chrono::duration<double>(grace_s);
    for (;;) {
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) {
        reaped = true;
        break;
      }
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!reaped) {
      ::kill(-pid_, SIGKILL);  // the group: sh and whatever it started
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    }
    pid_ = 0;
  }
  close_fd(out_fd_);
  close_fd(err_fd_);
}

void ExternalReward::fail(const std::string& what) {
  stop(0);
  throw Error("external reward '" + command_ + "': " + what);
}

void ExternalReward::add_stderr(const char* data, size_t n) {
  err_partial_.append(data, n);
  size_t start = 0;
  for (size_t nl; (nl = err_partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = err_partial_.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (options_.forward_stderr) std::fprintf(stderr, "[reward] %s\n", line.c_str());
    err_tail_.push_back(std::move(line));
    while (err_tail_.size() > options_.stderr_tail_lines) err_tail_.pop_front();
  }
  err_partial_.erase(0, start);
  if (err_partial_.size() > 4096) {  // an endless line: keep its start
    err_tail_.push_back(err_partial_.substr(0, 4096) + "...");
    while (err_tail_.size() > options_.stderr_tail_lines) err_tail_.pop_front();
    err_partial_.clear();
  }
}

bool ExternalReward::drain_stderr() {
  if (err_fd_ < 0) return false;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(err_fd_, buf, sizeof buf);
    if (n > 0) {
      add_stderr(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    close_fd(err_fd_);  // end of file or error
    return false;
  }
}

std::string ExternalReward::stderr_tail() const {
  std::vector<std::string> lines(err_tail_.begin(), err_tail_.end());
  if (!err_partial_.empty()) lines.push_back(err_partial_);
  if (lines.empty()) return "; it wrote nothing to stderr";
  std::string s = "; last lines of its stderr:";
  for (const auto& l : lines) s += "\n  " + l;
  return s;
}

std::string ExternalReward::reap_status(double wait_s) {
  // Collect the rest of stderr (until its end or the wait is over), then the exit status.
  const auto deadline = Clock::now() + std::chrono::duration<double>(wait_s);
  while (err_fd_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{err_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) > 0) {
      if (!drain_stderr()) break;
    }
  }
  if (pid_ <= 0) return "is not running";
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = 0;
      return describe_status(status);
    }
    if (r < 0 && errno != EINTR) {
      pid_ = 0;
      return "ended (its status was collected elsewhere)";
    }
    if (Clock::now() >= deadline) return "closed its output but is still running";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<double> ExternalReward::score(const RewardBatch& batch) {
  batch.validate();
  const size_t B = batch.size();
  std::vector<double> answers;
  answers.reserve(B);
  if (B == 0) return answers;
  if (pid_ <= 0) start();
  // Nothing may have come between two batches: extra answers would shift every later one.
  {
    char buf[4096];
    ssize_t r;
    while ((r = ::read(out_fd_, buf, sizeof buf)) > 0) out_buf_.append(buf, static_cast<size_t>(r));
    if (!trim(out_buf_).empty())
      fail("unexpected output before the batch was sent (more answers than asked earlier?): " + quote_line(out_buf_));
    if (r == 0) {
      const std::string how = reap_status(2.0);
      fail("the process " + how + " before the batch was sent" + stderr_tail());
    }
    out_buf_.clear();
  }

  std::string request;
  for (size_t i = 0; i < B; ++i) {
    nlohmann::json row = {{"prompt", batch.prompts[i]}, {"completion", batch.completions[i]}};
    request += row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    request += '\n';
  }
  auto got = [&] { return std::to_string(answers.size()) + " of " + std::to_string(B) + " answers"; };

  size_t written = 0;
  const size_t max_batch_bytes = B * options_.max_answer_bytes + options_.max_line_bytes;
  size_t received = 0;
  const auto deadline = Clock::now() + std::chrono::duration<double>(options_.timeout_s);
  bool out_eof = false;
  while (answers.size() < B) {
    // Complete lines already read are answers.
    for (size_t nl; answers.size() < B && (nl = out_buf_.find('\n')) != std::string::npos;) {
      std::string line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      const auto j = parse_json_or_discarded(trim(line), "reward command");
      if (j.is_discarded() || !j.is_number())
        fail("answer " + std::to_string(answers.size() + 1) + " of " + std::to_string(B) +
             " is not a JSON number: " + quote_line(line));
      const double v = j.get<double>();
      if (!std::isfinite(v))
        fail("answer " + std::to_string(answers.size() + 1) + " is not a finite number: " + quote_line(line));
      answers.push_back(v);
    }
    if (answers.size() == B) break;
    if (out_buf_.size() > options_.max_line_bytes)
      fail("answer " + std::to_string(answers.size() + 1) + " is a line longer than " +
           std::to_string(options_.max_line_bytes) + " bytes: " + quote_line(out_buf_));
    if (out_eof) {
      const std::string how = reap_status(2.0);
      fail("fewer answers than asked: the process " + how + " after " + got() + stderr_tail());
    }

    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      drain_stderr();
      fail("timed out after " + format_number(options_.timeout_s) + " s with " + got() + stderr_tail());
    }
    pollfd fds[3];
    nfds_t n = 0;
    fds[n++] = {out_fd_, POLLIN, 0};
    const int err_slot = err_fd_ >= 0 ? static_cast<int>(n) : -1;
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    const int in_slot = (in_fd_ >= 0 && written < request.size()) ? static_cast<int>(n) : -1;
    if (in_slot >= 0) fds[n++] = {in_fd_, POLLOUT, 0};
    const int ready = ::poll(fds, n, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      fail("poll failed: " + errno_text(errno));
    }
    if (err_slot >= 0 && fds[err_slot].revents) drain_stderr();
    if (in_slot >= 0 && fds[in_slot].revents) {
      const ssize_t w = write_no_sigpipe(in_fd_, request.data() + written, request.size() - written);
      if (w > 0) {
        written += static_cast<size_t>(w);
      } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        // EPIPE: it closed its stdin (or exited). What it still prints, or its exit, tells the rest.
        close_fd(in_fd_);
      }
    }
    if (fds[0].revents) {
      char buf[65536];
      for (;;) {
        const ssize_t r = ::read(out_fd_, buf, sizeof buf);
        if (r > 0) {
          out_buf_.append(buf, static_cast<size_t>(r));
          received += static_cast<size_t>(r);
          if (received > max_batch_bytes)
            fail("printed more than " + std::to_string(max_batch_bytes) + " bytes for a batch of " + std::to_string(B) +
                 " answers (at most " + std::to_string(options_.max_answer_bytes) + " per answer), after " + got());
          if (out_buf_.size() > options_.max_line_bytes) break;  // lines first: memory stays bounded
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) out_eof = true;
        break;
      }
    }
  }
  if (!trim(out_buf_).empty())
    fail("more output than asked: after the " + std::to_string(B) + " answers it printed " + quote_line(out_buf_));
  out_buf_.clear();
  if (in_fd_ < 0) {
    // It closed its stdin yet answered: it cannot take another batch.
    stop(0);
  }
  return answers;
}

}  // namespace warp
