// Tests of core/util: atomic files, hashing.
#include <gtest/gtest.h>

#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/process.h"
#include "util/self_exe.h"
#include "util/sha256.h"

using namespace warp;

TEST(Util, Sha256KnownVectors) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Util, Sha256FileStreamsAndCanBeCancelled) {
  auto dir = test::scratch_dir("util-sha-cancel");
  // 3.5 MiB of a pattern: several 1 MiB blocks and a partial one.
  std::string data(3 * (1 << 20) + (1 << 19), '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string path = dir + "/blob.bin";
  write_file_atomic(path, data);
  const std::string want = sha256_hex(data.data(), data.size());
  EXPECT_EQ(sha256_file(path), want);
  int calls = 0;
  EXPECT_EQ(sha256_file(path, [&] { return ++calls > 0; }), want);
  EXPECT_GE(calls, 4);  // at least once per block
  // Stopped at any point: Cancelled, and no later call.
  for (int stop_at : {1, 2, calls}) {
    int n = 0;
    EXPECT_THROW(sha256_file(path, [&] { return ++n < stop_at; }), Cancelled) << stop_at;
    EXPECT_EQ(n, stop_at);
  }
  // An empty file hashes (to the hash of nothing) and is cancellable too.
  write_file_atomic(dir + "/empty", std::string());
  EXPECT_EQ(sha256_file(dir + "/empty", [] { return true; }), sha256_hex("", 0));
  EXPECT_THROW(sha256_file(dir + "/empty", [] { return false; }), Cancelled);
  // No callback: the plain hash; a missing file: BadInput naming it.
  EXPECT_EQ(sha256_file(path, std::function<bool()>()), want);
  try {
    sha256_file(dir + "/missing", [] { return true; });
    ADD_FAILURE() << "hashed a missing file";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

TEST(Util, AtomicWriteReplacesAndLeavesNoTemp) {
  auto dir = test::scratch_dir("util-atomic");
  auto path = dir + "/f.txt";
  write_file_atomic(path, std::string("first"));
  write_file_atomic(path, std::string("second"));
  EXPECT_EQ(read_file_text(path), "second");
  EXPECT_EQ(sha256_file(path), sha256_hex("second", 6));
  // Nothing but the target is left in the folder.
  std::string cmd = "test $(ls -A '" + dir + "' | wc -l) -eq 1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(Util, AtomicFileWithoutCommitRemovesTemp) {
  auto dir = test::scratch_dir("util-abort");
  std::string temp;
  {
    AtomicFile f(dir + "/x.h5");
    temp = f.temp_path();
    write_file_atomic(temp, std::string("partial"));  // something at the temp path
  }
  EXPECT_FALSE(is_regular_file(temp));
  EXPECT_FALSE(is_regular_file(dir + "/x.h5"));
}

TEST(Util, TempFilesOfGoneWritersAreRemovedALiveWritersKept) {
  // A writer killed with -9 leaves "<target>.tmp-<pid>-<n>"; opening the experiment removes it once
  // that pid is gone. A killed worker whose parent died too can stay a zombie for a while (nobody
  // collects it): it has exited, so its file goes too (kill(pid, 0) alone would call it alive).
  const auto dir = test::scratch_dir("util-dead-temps");
  auto temp_of = [&](const char* target, pid_t pid) {
    const std::string path = dir + "/" + target + ".tmp-" + std::to_string(pid) + "-0";
    write_file_atomic(path, std::string("partial"));
    return path;
  };
  const std::string live = temp_of("live.h5", ::getpid());
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);  // gone
  const std::string of_dead = temp_of("dead.h5", dead);
  const pid_t zombie = ::fork();
  if (zombie == 0) ::_exit(0);
  ASSERT_GT(zombie, 0);
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(zombie), &info, WEXITED | WNOWAIT), 0);  // exited, not collected
  const std::string of_zombie = temp_of("zombie.h5", zombie);
  write_file_atomic(dir + "/kept.h5", std::string("a checkpoint"));

  const auto removed = remove_dead_temp_files(dir);
  EXPECT_EQ(std::set<std::string>(removed.begin(), removed.end()), (std::set<std::string>{of_dead, of_zombie}));
  EXPECT_TRUE(is_regular_file(live));
  EXPECT_TRUE(is_regular_file(dir + "/kept.h5"));
  EXPECT_FALSE(is_regular_file(of_zombie));
  ASSERT_EQ(::waitpid(zombie, nullptr, 0), zombie);
}

TEST(Util, ReadingAFolderOrMissingFileIsBadInput) {
  auto dir = test::scratch_dir("util-read");
  EXPECT_THROW(read_file_bytes(dir), BadInput);
  EXPECT_THROW(read_file_bytes(dir + "/missing"), BadInput);
}

TEST(Util, SelfExecutableIsThisTestBinary) {
  // What /proc/self/exe names: an absolute path to an existing file, this test's executable.
  const std::string exe = self_executable();
  ASSERT_FALSE(exe.empty());
  EXPECT_EQ(exe[0], '/');
  EXPECT_TRUE(is_regular_file(exe)) << exe;
  EXPECT_EQ(exe.substr(exe.rfind('/') + 1), "test_util") << exe;
}

namespace {

// Runs `body` in a forked child and returns its exit code: 0 when every check passed, else the number
// the body returned for the check that failed (gtest's macros are not for a forked child; an
// exception is 99). -1 when the child did not exit normally.
int run_in_child(const std::function<int()>& body) {
  const pid_t child = ::fork();
  if (child < 0) return -1;
  if (child == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {}
    ::_exit(code);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// A thread that exists (sleeping) until the object is destroyed, and its kernel thread id.
class IdleThread {
 public:
  IdleThread()
      : m_thread([this] {
          m_tid = ::syscall(SYS_gettid);
          while (!m_stop) ::usleep(1000);
        }) {
    while (m_tid == 0) ::usleep(100);
  }
  ~IdleThread() {
    m_stop = true;
    m_thread.join();
  }
  long long tid() const { return m_tid; }

 private:
  std::atomic<bool> m_stop{false};
  std::atomic<long long> m_tid{0};
  std::thread m_thread;
};

// The value `probe` reads on a thread started now.
template <class F>
auto on_new_thread(F probe) {
  decltype(probe()) value{};
  std::thread([&] { value = probe(); }).join();
  return value;
}

}  // namespace

// `warp --nice N` (util/process.h): every thread of the process, the ones it had and the ones it
// starts after, and its child processes run at nice N; a higher nice is never lowered back; a value
// outside 0..19 is refused naming --nice. In a forked child, so this test process keeps its priority.
TEST(Util, LowerCpuPriorityReachesEveryThreadAndChild) {
  EXPECT_EQ(nice_of(::getpid()), std::optional<int>(::getpriority(PRIO_PROCESS, 0)));
  EXPECT_EQ(nice_of(0), std::nullopt);
  const int code = run_in_child([] {
    const int base = ::getpriority(PRIO_PROCESS, 0);  // 0, or more when the tests run niced
    const int target = std::min(kMaxNice, base + 5);
    const IdleThread before;
    lower_cpu_priority(target);
    if (nice_of(::getpid()) != target) return 12;
    if (nice_of(before.tid()) != target) return 13;                                         // a thread it already had
    if (on_new_thread([] { return nice_of(::syscall(SYS_gettid)); }) != target) return 14;  // one started after
    if (run_in_child([&] { return ::getpriority(PRIO_PROCESS, 0) == target ? 0 : 1; }) != 0) return 15;
    lower_cpu_priority(base);  // never raised back (that would need privileges)
    if (nice_of(::getpid()) != target) return 16;
    try {
      lower_cpu_priority(20);
      return 17;
    } catch (const BadInput& e) {
      if (std::string(e.what()).find("--nice: 20 is out of range (0 to 19") == std::string::npos) return 18;
    }
    try {
      lower_cpu_priority(-1);
      return 19;
    } catch (const BadInput&) {}
    return 0;
  });
  EXPECT_EQ(code, 0) << "the check returning that code failed (see the test's code)";
}

// `warp --sched-idle` (util/process.h): every thread the process had, every thread it starts after
// and its child processes run under SCHED_IDLE. In a forked child (a thread cannot leave
// SCHED_IDLE without privileges).
TEST(Util, IdleSchedulingReachesEveryThreadAndChild) {
  EXPECT_EQ(scheduling_policy_of(::getpid()), std::optional<int>(::sched_getscheduler(0)));
  const int code = run_in_child([] {
    const IdleThread before;
    use_idle_scheduling();
    int threads = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
      ++threads;
      if (scheduling_policy_of(std::stoll(e.path().filename().string())) != SCHED_IDLE) return 11;
    }
    if (threads < 2) return 12;  // the thread started before was seen
    if (on_new_thread([] { return scheduling_policy_of(::syscall(SYS_gettid)); }) != SCHED_IDLE) return 13;
    if (run_in_child([] { return ::sched_getscheduler(0) == SCHED_IDLE ? 0 : 1; }) != 0) return 14;
    use_idle_scheduling();  // again: nothing to change, no error
    return 0;
  });
  EXPECT_EQ(code, 0) << "the check returning that code failed (see the test's code)";
}
