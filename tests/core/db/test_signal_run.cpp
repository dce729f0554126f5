// signal_run_process: the app's Stop and the driver's worker stop signal a run's process only when
// it surely is that process. The refusals are checked with SIGCONT (harmless if a bug let it
// through to a process group), the one accepted case with SIGTERM on a child made for it.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "db/liveness.h"
#include "db_test_support.h"

using namespace warp;

namespace {

// A child that sleeps until signalled (at most 60 s).
pid_t sleeper() {
  return test::spawn_child([] { std::this_thread::sleep_for(std::chrono::seconds(60)); });
}

RunRecord run_of(int64_t pid, const std::string& proc_start) {
  RunRecord r;
  r.name = "r";
  r.status = RunStatus::Running;
  r.pid = pid;
  r.host = this_host();
  r.proc_start = proc_start;
  return r;
}

// The child's wait status once it ended (waits at most 10 s); -1 while it still runs.
int ended_status(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

}  // namespace

TEST(SignalRun, RefusesPidsThatAreNotOneProcess) {
  // 4294967295 is what a corrupt or hostile database may hold: as a pid_t it is -1 ("every
  // process the user may signal"); 0 is the caller's process group; negatives are groups.
  for (int64_t pid : {int64_t{4294967295LL}, int64_t{0}, int64_t{-1}, int64_t{-12345}, int64_t{1} << 40}) {
    const std::string why = signal_run_process(run_of(pid, "boot:1"), SIGCONT);
    EXPECT_NE(why.find("not a process id"), std::string::npos) << pid << ": " << why;
  }
  RunRecord none = run_of(1, "");
  none.pid.reset();
  EXPECT_EQ(signal_run_process(none, SIGCONT), "no process recorded");
}

TEST(SignalRun, RefusesAnotherHostAReusedPidAndAnUnknownIdentity) {
  const pid_t child = sleeper();
  ASSERT_GT(child, 0);
  const std::string token = process_start_token(child);
  ASSERT_FALSE(token.empty());

  RunRecord elsewhere = run_of(child, token);
  elsewhere.host = this_host() + "-elsewhere";
  EXPECT_NE(signal_run_process(elsewhere, SIGTERM).find("not on this one"), std::string::npos);

  const std::string reused = signal_run_process(run_of(child, "other-boot:12345"), SIGTERM);
  EXPECT_NE(reused.find("now belongs to another process"), std::string::npos) << reused;
  const std::string unknown = signal_run_process(run_of(child, ""), SIGTERM);
  EXPECT_NE(unknown.find("no start identity"), std::string::npos) << unknown;

  // None of these reached the child: it still sleeps.
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, WNOHANG), 0);

  // Its own identity: signalled, it ends by SIGTERM.
  EXPECT_EQ(signal_run_process(run_of(child, token), SIGTERM), "");
  const int ended = ended_status(child);
  ASSERT_NE(ended, -1) << "the child did not end";
  EXPECT_TRUE(WIFSIGNALED(ended));
  EXPECT_EQ(WTERMSIG(ended), SIGTERM);

  // Gone now: refused, not an error from kill().
  const std::string gone = signal_run_process(run_of(child, token), SIGTERM);
  EXPECT_NE(gone.find("is gone"), std::string::npos) << gone;
}
