#pragma once
// A reward computed by an external process, e.g. a Python script with a classifier:
//
//   warp train ... --reward 'external:python3 score.py --model x'
//
// The command line runs under /bin/sh -c in its own process group, started when the object is
// made and kept alive across batches. That shell gets SIGKILL when the thread that started it ends
// (PR_SET_PDEATHSIG; also when our process is killed with -9), so it never outlives its worker; a
// program the command starts in the background is not covered, but its stdin reaches EOF then.
// Protocol, UTF-8, one JSON value per line:
//   we write, per row of a batch:   {"prompt": "...", "completion": "..."}\n
//   it answers, per row, in order:  a JSON number, e.g. 0.73\n
// Invalid UTF-8 in texts is sent as U+FFFD. Answers must be finite numbers (surrounding spaces are
// allowed). Writing and reading interleave (poll), so a scorer that answers line by line, or one that
// reads the whole batch first, works with batches of any size.
//
// Errors (warp::Error, the message names the command and says how many answers had arrived):
//   - the process exited or closed its output: its exit status or signal and the last lines of its
//     stderr;
//   - an answer that is not a JSON number: the line, quoted;
//   - fewer answers than asked before the process exited, or none within timeout_s of the batch;
//   - more output than asked, or more bytes than the batch's bound (max_answer_bytes per row).
// After an error the process is killed and the next score() starts a fresh one.
//
// The child's stderr is read while a batch runs: its last lines are kept for messages and, with
// forward_stderr, copied to our stderr prefixed with "[reward] ". SIGPIPE never reaches us: it is
// blocked around our writes and a pending one is consumed (the write fails with EPIPE instead).
// The destructor closes the child's stdin, gives it a moment to exit, then kills its process group
// and reaps it.

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "reward/reward.h"

namespace warp {

struct ExternalRewardOptions {
  double timeout_s = 30.0;          // all answers of one batch must arrive within this time
  bool forward_stderr = true;       // copy the process's stderr lines to ours
  size_t stderr_tail_lines = 12;    // stderr lines kept for error messages
  size_t max_line_bytes = 1 << 20;  // longest answer line accepted
  // Output of one batch of B rows is bounded by B * max_answer_bytes + max_line_bytes: lines of
  // padding just under max_line_bytes each are refused before B of them are read.
  size_t max_answer_bytes = 4096;
};

class ExternalReward : public Reward {
 public:
  // Starts the process. BadInput for an empty command or timeout_s <= 0; Error when it cannot be
  // spawned.
  explicit ExternalReward(std::string command, ExternalRewardOptions options = {});
  ~ExternalReward() override;
  ExternalReward(const ExternalReward&) = delete;
  ExternalReward& operator=(const ExternalReward&) = delete;

  std::vector<double> score(const RewardBatch& batch) override;
  using Reward::score;
  std::string name() const override { return "external:" + command_; }

  // The running child's pid (0 when none runs, e.g. after an error until the next score()).
  pid_t pid() const { return pid_; }

 private:
  void start();
  // Closes our ends, kills the process group unless the child exits on its own within grace_s, reaps.
  void stop(double grace_s);
  // Stops the process and throws Error "external reward '<cmd>': <what>".
  [[noreturn]] void fail(const std::string& what);
  // Reads what stderr holds now (non-blocking); returns false at end of file.
  bool drain_stderr();
  void add_stderr(const char* data, size_t n);
  // Waits up to wait_s for the child to exit and describes how it ended ("exited with status 1").
  std::string reap_status(double wait_s);
  std::string stderr_tail() const;

  std::string command_;
  ExternalRewardOptions options_;
  pid_t pid_ = 0;
  int in_fd_ = -1;   // child's stdin (we write)
  int out_fd_ = -1;  // child's stdout (we read)
  int err_fd_ = -1;  // child's stderr (we read)
  std::string out_buf_, err_partial_;
  std::deque<std::string> err_tail_;
};

}  // namespace warp
