#pragma once
// Helpers of the core/db tests: child processes (fork) with a start barrier.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <functional>
#include <string>

namespace warp::test {

// Runs body in a forked child that exits 0 on success, 1 on an exception (printed to stderr).
// The child never returns into the test framework.
inline pid_t spawn_child(const std::function<void()>& body) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid != 0) return pid;  // parent (or -1)
  int rc = 0;
  try {
    body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d: %s\n", static_cast<int>(::getpid()), e.what());
    rc = 1;
  } catch (...) {
    rc = 1;
  }
  std::fflush(stderr);
  ::_exit(rc);
}

// Exit status of a child (-1 when it did not exit normally).
inline int wait_child(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Children wait() until the parent release()s them, so they start their work at the same moment.
class StartBarrier {
 public:
  StartBarrier() {
    if (::pipe(fds_) != 0) fds_[0] = fds_[1] = -1;
  }
  ~StartBarrier() {
    close_end(0);
    close_end(1);
  }
  bool ok() const { return fds_[0] >= 0; }
  // In a child: blocks until the parent releases (end of file on the pipe).
  void wait() {
    close_end(1);
    char c;
    while (::read(fds_[0], &c, 1) > 0) {}
  }
  // In the parent, once every child is spawned.
  void release() { close_end(1); }

 private:
  void close_end(int i) {
    if (fds_[i] >= 0) ::close(fds_[i]);
    fds_[i] = -1;
  }
  int fds_[2] = {-1, -1};
};

}  // namespace warp::test
