// The external reward process: the JSON-lines protocol with small scorer scripts written here
// (/bin/sh and /usr/bin/python3), its error messages for every way a scorer can misbehave, and that
// no case hangs the test or leaves a process behind.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "reward/external_reward.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;

namespace {

const char* kPython = "/usr/bin/python3";

std::string script(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  write_file_atomic(path, text);
  return path;
}

// Scores each row by the length (in characters) of its completion, one answer per line.
const char* kLengthScorer = R"py(import json, sys
for line in sys.stdin:
    row = json.loads(line)
    assert set(row) == {"prompt", "completion"}, row
    print(len(row["completion"]), flush=True)
)py";

ExternalRewardOptions quiet(double timeout_s = 10.0) {
  ExternalRewardOptions o;
  o.timeout_s = timeout_s;
  o.forward_stderr = false;
  return o;
}

bool alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

std::string error_of(ExternalReward& r, const RewardBatch& b) {
  try {
    r.score(b);
  } catch (const Cancelled&) {
    return "(cancelled)";
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

RewardBatch rows(int n) {
  std::vector<std::string> p, c;
  for (int i = 0; i < n; ++i)
    p.push_back("prompt " + std::to_string(i)), c.push_back(std::string(static_cast<size_t>(i), 'x'));
  return RewardBatch::from_texts(p, c);
}

}  // namespace

TEST(ExternalReward, ScoresBatchesWithOneLongLivedProcess) {
  const auto dir = test::scratch_dir("ext-ok");
  const auto path = script(dir, "length.py", kLengthScorer);
  ExternalReward r(std::string(kPython) + " '" + path + "'", quiet());
  EXPECT_EQ(r.name(), std::string("external:") + kPython + " '" + path + "'");
  const pid_t pid = r.pid();
  ASSERT_GT(pid, 0);
  // Texts that need JSON escaping, and a non-ASCII one (len counts characters: "né" is 2).
  auto s = r.score({"a", "b", "c", "d"}, {"hello", "two\nlines \"quoted\"", "", "n\xC3\xA9"});
  EXPECT_EQ(s, (std::vector<double>{5, 18, 0, 2}));
  // A second batch goes to the same process.
  EXPECT_EQ(r.score({"x"}, {"four"}), std::vector<double>{4});
  EXPECT_EQ(r.pid(), pid);
  // A batch far larger than a pipe buffer (writes and reads interleave; no deadlock).
  auto big = rows(3000);
  for (auto& c : big.completions) c += std::string(60, 'y');
  auto out = r.score(big);
  ASSERT_EQ(out.size(), 3000u);
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(out[static_cast<size_t>(i)], i + 60) << i;
  EXPECT_TRUE(r.score(RewardBatch{}).empty());
}

TEST(ExternalReward, AWholeBatchReaderWorksToo) {
  // A scorer that reads a whole batch of 3 rows before it answers any (numbers with spaces and
  // exponents are fine).
  const auto dir = test::scratch_dir("ext-batch");
  const auto path = script(dir, "batch.sh",
                           "while true; do\n  read a || exit 0; read b || exit 0; read c || exit 0\n"
                           "  printf '0.5\\n-1e-3\\n 7 \\n'\ndone\n");
  ExternalReward r("/bin/sh '" + path + "'", quiet());
  EXPECT_EQ(r.score(rows(3)), (std::vector<double>{0.5, -0.001, 7}));
  EXPECT_EQ(r.score(rows(3)), (std::vector<double>{0.5, -0.001, 7}));
}

TEST(ExternalReward, ProcessThatCrashesMidBatch) {
  const auto dir = test::scratch_dir("ext-crash");
  const auto path = script(dir, "crash.py", R"py(import json, sys
for i, line in enumerate(sys.stdin):
    if i == 2:
        sys.stderr.write("loading weights\nboom: the model exploded\n")
        sys.exit(3)
    print(1.5, flush=True)
)py");
  ExternalReward r(std::string(kPython) + " '" + path + "'", quiet());
  const pid_t pid = r.pid();
  const auto m = error_of(r, rows(5));
  EXPECT_TRUE(contains(m, "exited with status 3")) << m;
  EXPECT_TRUE(contains(m, "2 of 5 answers")) << m;
  EXPECT_TRUE(contains(m, "boom: the model exploded")) << m;
  EXPECT_TRUE(contains(m, path)) << m;
  EXPECT_EQ(r.pid(), 0);
  EXPECT_FALSE(alive(pid));
}

TEST(ExternalReward, OutputThatIsNotANumber) {
  const auto dir = test::scratch_dir("ext-garbage");
  const auto path = script(dir, "garbage.sh", "while read line; do echo 'score: high'; done\n");
  ExternalReward r("/bin/sh '" + path + "'", quiet());
  const auto m = error_of(r, rows(2));
  EXPECT_TRUE(contains(m, "not a JSON number")) << m;
  EXPECT_TRUE(contains(m, "\"score: high\"")) << m;
  EXPECT_TRUE(contains(m, "answer 1 of 2")) << m;
  // Non-finite numbers and JSON that is not a number are refused alike.
  const auto p2 = script(dir, "string.sh", "while read line; do echo '\"0.5\"'; done\n");
  ExternalReward r2("/bin/sh '" + p2 + "'", quiet());
  EXPECT_TRUE(contains(error_of(r2, rows(1)), "not a JSON number"));
  const auto p3 = script(dir, "nan.sh", "while read line; do echo 'NaN'; done\n");
  ExternalReward r3("/bin/sh '" + p3 + "'", quiet());
  EXPECT_TRUE(contains(error_of(r3, rows(1)), "not a JSON number"));
}

TEST(ExternalReward, FewerAnswersThanAsked) {
  const auto dir = test::scratch_dir("ext-few");
  // Answers one row, then exits cleanly.
  const auto one = script(dir, "one.sh", "read line\necho 1\n");
  ExternalReward r("/bin/sh '" + one + "'", quiet());
  auto m = error_of(r, rows(3));
  EXPECT_TRUE(contains(m, "fewer answers than asked")) << m;
  EXPECT_TRUE(contains(m, "1 of 3 answers")) << m;
  EXPECT_TRUE(contains(m, "exited with status 0")) << m;
  // Answers every second row and waits for more input: the batch times out, saying how many came.
  const auto half = script(dir, "half.py", R"py(import sys
for i, line in enumerate(sys.stdin):
    if i % 2 == 0:
        print(i, flush=True)
)py");
  ExternalReward r2(std::string(kPython) + " '" + half + "'", quiet(0.5));
  const auto t0 = std::chrono::steady_clock::now();
  m = error_of(r2, rows(4));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  EXPECT_TRUE(contains(m, "timed out after 0.5 s")) << m;
  EXPECT_TRUE(contains(m, "2 of 4 answers")) << m;
}

TEST(ExternalReward, MoreAnswersThanAsked) {
  const auto dir = test::scratch_dir("ext-more");
  const auto path = script(dir, "twice.sh", "while read line; do printf '1\\n2\\n'; done\n");
  ExternalReward r("/bin/sh '" + path + "'", quiet());
  // Either caught in the same read or at the start of the next batch: never silently shifted.
  std::string m = error_of(r, rows(1));
  if (m == "(no error)") m = error_of(r, rows(1));
  EXPECT_TRUE(contains(m, "more") || contains(m, "unexpected output")) << m;
}

TEST(ExternalReward, OutputPerBatchIsBounded) {
  // Every answer is a valid number padded to just under max_line_bytes: without a bound on the whole
  // batch, B such lines (B MiB) would all be read and accepted.
  const auto dir = test::scratch_dir("ext-flood");
  const auto path = script(dir, "flood.py",
                           "import sys\n"
                           "for line in sys.stdin:\n"
                           "    sys.stdout.write('0.5' + ' ' * 1000000 + '\\n')\n"
                           "    sys.stdout.flush()\n");
  ExternalReward r("python3 '" + path + "'", quiet());
  const std::string m = error_of(r, rows(8));
  EXPECT_TRUE(contains(m, "printed more than 1081344 bytes for a batch of 8 answers (at most 4096 per answer)")) << m;
  // Answers of ordinary size pass.
  const auto ok = script(dir, "ok.sh", "while read line; do echo '  0.25  '; done\n");
  ExternalReward fine("/bin/sh '" + ok + "'", quiet());
  EXPECT_EQ(fine.score(rows(8)), std::vector<double>(8, 0.25));
}

TEST(ExternalReward, HangingProcessTimesOutAndIsKilled) {
  const auto dir = test::scratch_dir("ext-hang");
  ExternalReward r("sleep 60", quiet(0.3));
  const pid_t pid = r.pid();
  ASSERT_TRUE(alive(pid));
  const auto t0 = std::chrono::steady_clock::now();
  const auto m = error_of(r, rows(2));
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  EXPECT_TRUE(contains(m, "timed out after 0.3 s with 0 of 2 answers")) << m;
  EXPECT_FALSE(alive(pid));
  // The destructor of a live hanging scorer kills and reaps it (its whole process group).
  pid_t pid2 = 0;
  {
    ExternalReward r2("sleep 60; sleep 60", quiet(0.3));
    pid2 = r2.pid();
    ASSERT_TRUE(alive(pid2));
  }
  EXPECT_FALSE(alive(pid2));
}

TEST(ExternalReward, ScorerThatNeverReadsDoesNotKillUsWithSigpipe) {
  // The process exits at once; our writes hit a closed pipe (EPIPE, never SIGPIPE).
  ExternalReward r("exit 0", quiet());
  auto big = rows(2000);
  for (auto& c : big.completions) c += std::string(100, 'z');
  const auto m = error_of(r, big);
  EXPECT_TRUE(contains(m, "exited with status 0")) << m;
}

TEST(ExternalReward, RestartsAfterAnError) {
  const auto dir = test::scratch_dir("ext-restart");
  const auto path = script(dir, "picky.py", R"py(import json, sys
for line in sys.stdin:
    row = json.loads(line)
    if row["completion"] == "crash":
        sys.exit(1)
    print(len(row["prompt"]), flush=True)
)py");
  ExternalReward r(std::string(kPython) + " '" + path + "'", quiet());
  const pid_t first = r.pid();
  EXPECT_TRUE(contains(error_of(r, RewardBatch::from_texts({"ab"}, {"crash"})), "exited with status 1"));
  EXPECT_EQ(r.score({"abc"}, {"fine"}), std::vector<double>{3});
  EXPECT_NE(r.pid(), first);
}

TEST(ExternalReward, MissingCommandAndBadOptions) {
  ExternalReward r("/nonexistent/scorer --flag", quiet());
  const auto m = error_of(r, rows(1));
  EXPECT_TRUE(contains(m, "status 127")) << m;
  EXPECT_TRUE(contains(m, "/nonexistent/scorer")) << m;
  EXPECT_THROW(ExternalReward("   ", quiet()), BadInput);
  EXPECT_THROW(ExternalReward("cat", quiet(0.0)), BadInput);
  // A batch whose texts do not pair up is refused before anything is sent.
  ExternalReward c("cat", quiet());
  EXPECT_THROW(c.score(RewardBatch::from_texts({"a", "b"}, {"x"})), BadInput);
}

// Issue 14: a worker killed with -9 takes its scorer with it (PR_SET_PDEATHSIG). The "worker" is a
// forked copy of this test that starts a scorer which ignores stdin (so EOF would not end it) and
// writes its pid; the worker is then killed with SIGKILL and the scorer must be gone.
TEST(ExternalReward, ScorerDiesWithItsWorkerOnKillMinus9) {
  const std::string dir = test::scratch_dir("external-reward-pdeathsig");
  const std::string pid_file = dir + "/scorer.pid";
  const pid_t worker = ::fork();
  ASSERT_GE(worker, 0);
  if (worker == 0) {
    try {
      ExternalReward r(
          "echo $$ > '" + pid_file + "'.part && mv '" + pid_file + "'.part '" + pid_file + "' && exec sleep 600",
          quiet());
      for (;;) ::pause();
    } catch (...) {}
    ::_exit(3);
  }
  pid_t scorer = 0;
  for (int i = 0; i < 1000 && scorer == 0; ++i) {
    std::ifstream in(pid_file);
    if (!(in >> scorer)) scorer = 0;
    if (scorer == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(scorer, 0) << "the scorer never wrote its pid";
  EXPECT_TRUE(alive(scorer));
  ASSERT_EQ(::kill(worker, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(worker, &status, 0), worker);
  // Gone means no such process, or a zombie that init has not reaped yet (/proc/<pid>/stat state Z).
  auto gone = [&] {
    if (!alive(scorer)) return true;
    std::ifstream st("/proc/" + std::to_string(scorer) + "/stat");
    std::string line;
    std::getline(st, line);
    const auto close = line.rfind(')');
    return close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z';
  };
  bool ended = false;
  for (int i = 0; i < 300 && !(ended = gone()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!ended) ::kill(scorer, SIGKILL);  // do not leave it behind when the test fails
  EXPECT_TRUE(ended) << "scorer " << scorer << " outlived its worker";
}
