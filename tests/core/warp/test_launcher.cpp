// The Slurm launcher's parts that need no cluster (warp/launcher.h): its options (validation with
// errors naming the field and flag, the config's "slurm" section, the sbatch arguments), the
// --slurm-extra splitting, and the parsers of squeue / scontrol / sacct output. The launcher itself
// runs on a real cluster in tests/slurm (label slurm).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "experiment/experiment.h"
#include "test_env.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "warp/launcher.h"
#include "warp/worker_process.h"

using namespace warp;

namespace {

std::string error_of(const SlurmOptions& o) {
  try {
    o.validate();
  } catch (const BadInput& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SlurmOptions, ValidatesEachFieldNamingIt) {
  SlurmOptions o;
  EXPECT_EQ(error_of(o), "");
  // Always requeueable, with SIGTERM to the worker 120 s before the time limit (preemption, docs/slurm.md).
  EXPECT_EQ(o.sbatch_args(), (std::vector<std::string>{"--requeue", "--signal=B:TERM@120"}));
  o.partition = "gpu";
  o.account = "proj1";
  o.time = "1-02:30:00";
  o.cpus_per_task = 4;
  o.gpus_per_task = 1;
  o.mem = "16G";
  o.extra = {"--qos=high", "--constraint=a100"};
  EXPECT_EQ(error_of(o), "");
  o.signal_before = 600;
  EXPECT_EQ(o.sbatch_args(),
            (std::vector<std::string>{"--requeue", "--signal=B:TERM@600", "--partition=gpu", "--account=proj1",
                                      "--time=1-02:30:00", "--cpus-per-task=4", "--gpus-per-task=1", "--mem=16G",
                                      "--qos=high", "--constraint=a100"}));
  for (const char* t : {"30", "10:00", "2:00:00", "3-12", "3-12:30", "3-12:30:15", "UNLIMITED"}) {
    SlurmOptions ok;
    ok.time = t;
    EXPECT_EQ(error_of(ok), "") << t;
  }
  SlurmOptions bad;
  bad.time = "2h";
  EXPECT_EQ(error_of(bad),
            "slurm: time (--slurm-time) must be a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or "
            "D-HH:MM:SS), got '2h'");
  bad = {};
  bad.mem = "lots";
  EXPECT_NE(error_of(bad).find("slurm: mem (--slurm-mem) must be a memory size"), std::string::npos);
  bad = {};
  bad.cpus_per_task = -1;
  EXPECT_NE(error_of(bad).find("slurm: cpus_per_task (--slurm-cpus-per-task) must be in 0..4096"), std::string::npos);
  bad = {};
  bad.gpus_per_task = 65;
  EXPECT_NE(error_of(bad).find("slurm: gpus_per_task (--slurm-gpus-per-task) must be in 0..64"), std::string::npos);
  bad = {};
  bad.partition = "a b";
  EXPECT_NE(error_of(bad).find("slurm: partition (--slurm-partition)"), std::string::npos);
  bad = {};
  bad.signal_before = -1;
  EXPECT_NE(error_of(bad).find("slurm: signal_before (--slurm-signal-before) must be in 0..65535"), std::string::npos);
  bad.signal_before = 0;
  EXPECT_EQ(error_of(bad), "");
  EXPECT_EQ(bad.sbatch_args(), std::vector<std::string>{"--requeue"});  // no signal asked for
  bad = {};
  bad.extra = {""};
  EXPECT_NE(error_of(bad).find("slurm: extra (--slurm-extra)"), std::string::npos);
  EXPECT_THROW(SlurmLauncher{bad}, BadInput);
}

TEST(SlurmOptions, ExperimentSectionGivesDefaultsAndBadOnesNameTheField) {
  const std::string dir = test::scratch_dir("slurm-options");
  Experiment e = Experiment::create(dir + "/exp", "smoke");
  EXPECT_EQ(slurm_options_for(e).to_json(), SlurmOptions().to_json());  // no section: no options
  nlohmann::json cfg = e.config();
  cfg["slurm"] = {{"partition", "cpu"}, {"time", "30"}, {"cpus_per_task", 2}, {"extra", {"--qos=low"}}};
  write_file_atomic(e.config_path(), cfg.dump(2));
  const SlurmOptions o = slurm_options_for(Experiment::open(e.dir()));
  EXPECT_EQ(o.partition, "cpu");
  EXPECT_EQ(o.time, "30");
  EXPECT_EQ(o.cpus_per_task, 2);
  EXPECT_EQ(o.extra, std::vector<std::string>{"--qos=low"});
  auto refused = [&](const nlohmann::json& section, const std::string& expect) {
    nlohmann::json c = e.config();
    c["slurm"] = section;
    write_file_atomic(e.config_path(), c.dump(2));
    try {
      slurm_options_for(Experiment::open(e.dir()));
      ADD_FAILURE() << "accepted " << section.dump();
    } catch (const BadInput& err) {
      const std::string msg = err.what();
      EXPECT_NE(msg.find(e.config_path() + " (slurm)"), std::string::npos) << msg;
      EXPECT_NE(msg.find(expect), std::string::npos) << msg;
    }
  };
  refused({{"cpus_per_task", "four"}}, "field 'cpus_per_task' must be an integer");
  refused({{"partiton", "cpu"}}, "unknown field(s) 'partiton'");
  refused({{"extra", "--qos=low"}}, "field 'extra' must be a list of strings");
  refused({{"time", "soon"}}, "slurm: time (--slurm-time)");
  refused(nlohmann::json::array(), "expected a JSON object");
}

TEST(SlurmOptions, ExtraSplitsLikeAShell) {
  EXPECT_EQ(split_shell_words("--qos=high  --comment='two words' \"--x=a \\\"b\\\"\" c\\ d", "--slurm-extra"),
            (std::vector<std::string>{"--qos=high", "--comment=two words", "--x=a \"b\"", "c d"}));
  EXPECT_TRUE(split_shell_words("   ", "--slurm-extra").empty());
  EXPECT_EQ(split_shell_words("''", "x"), std::vector<std::string>{""});
  try {
    split_shell_words("--comment='open", "--slurm-extra");
    ADD_FAILURE();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("--slurm-extra: unterminated '"), std::string::npos) << e.what();
  }
}

TEST(SlurmParsers, SqueueScontrolSacctAndExitCodes) {
  const auto q = parse_squeue("12_0|RUNNING|n3\n12_1|PENDING|\n\n13_0|COMPLETING|n4\n");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].job_id, "12_0");
  EXPECT_EQ(q[0].state, "RUNNING");
  EXPECT_EQ(q[0].node, "n3");
  EXPECT_EQ(q[1].node, "");
  EXPECT_FALSE(q[1].exit_code);

  const auto c = parse_scontrol_jobs(
      "JobId=14 ArrayJobId=12 ArrayTaskId=1 JobName=w-i1 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 "
      "NodeList=n3 BatchHost=n3\n"
      "JobId=12 ArrayJobId=12 ArrayTaskId=0 JobState=CANCELLED ExitCode=0:15 NodeList=n4\n"
      "JobId=15 ArrayJobId=12 ArrayTaskId=2 JobState=PENDING ExitCode=0:0 NodeList=(null)\n");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].job_id, "12_1");
  EXPECT_EQ(c[0].state, "FAILED");
  EXPECT_EQ(c[0].exit_code, std::optional<int>(3));
  EXPECT_EQ(c[0].node, "n3");
  EXPECT_EQ(c[1].job_id, "12_0");
  EXPECT_EQ(c[1].exit_code, std::optional<int>(128 + 15));
  EXPECT_EQ(c[2].state, "PENDING");
  EXPECT_FALSE(c[2].exit_code);  // not ended: no exit code yet
  EXPECT_EQ(c[2].node, "");

  const auto a = parse_sacct("12_0|COMPLETED|0:0|n3\n12_1|CANCELLED by 0|0:15|n4\n12_2|PENDING|0:0|None assigned\n");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].exit_code, std::optional<int>(0));
  EXPECT_EQ(a[1].state, "CANCELLED");
  EXPECT_EQ(a[1].exit_code, std::optional<int>(143));
  EXPECT_EQ(a[2].node, "");
  EXPECT_FALSE(a[2].exit_code);

  EXPECT_EQ(parse_slurm_exit_code("2:0"), std::optional<int>(2));
  EXPECT_EQ(parse_slurm_exit_code("0:9"), std::optional<int>(137));
  EXPECT_FALSE(parse_slurm_exit_code("x"));
  EXPECT_FALSE(parse_slurm_exit_code(""));
}

TEST(RunCommand, CapturesOutputsAndExitCodes) {
  const CommandOutput r = run_command({"sh", "-c", "echo out; echo err >&2; exit 4"});
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  const CommandOutput missing = run_command({"no-such-command-warp-test"});
  EXPECT_EQ(missing.code, 127);
  EXPECT_NE(missing.err.find("no-such-command-warp-test"), std::string::npos);
}

// `warp run --gpus`: the list is validated naming the value, and each worker process really gets
// CUDA_VISIBLE_DEVICES = gpus[m - 1 mod n] (a stand-in worker prints the variable it was given).
TEST(LocalLauncherGpus, ListIsValidatedNamingTheValue) {
  EXPECT_EQ(parse_gpu_list("0,1"), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(parse_gpu_list("3"), std::vector<std::string>{"3"});
  EXPECT_EQ(parse_gpu_list("0,0,1,1").size(), 4u);
  EXPECT_EQ(parse_gpu_list("GPU-8a4f5e3c-1b2d-4c1e-9f00-0123456789ab,MIG-1/2/3").size(), 2u);
  for (const char* bad : {"", "0,", ",1", "0,,1", "a", "0;1", "-1", "0 1", "1.5", "cuda:0"}) {
    try {
      parse_gpu_list(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const BadInput& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("warp: gpus (--gpus) must be a comma-separated list"), std::string::npos) << msg;
      EXPECT_NE(msg.find(std::string("got '") + bad + "'"), std::string::npos) << msg;
    }
  }
  EXPECT_THROW(LocalLauncher({"0", "x"}), BadInput);
}

TEST(LocalLauncherGpus, EachWorkerProcessGetsItsDevice) {
  const std::string dir = test::scratch_dir("local-gpus");
  const std::string worker = dir + "/fake-warp.sh";
  write_file_atomic(worker, "#!/bin/sh\necho \"given CUDA_VISIBLE_DEVICES=[${CUDA_VISIBLE_DEVICES-unset}]\"\n");
  ASSERT_EQ(::chmod(worker.c_str(), 0755), 0);
  auto run = [&](LocalLauncher& l, const std::string& name, int n) {
    l.begin({dir, worker, name, 1, 1});
    std::vector<WorkerLaunch> batch;
    for (int k = 0; k < n; ++k) {
      WorkerLaunch wl;
      wl.name = name + "-i1-r" + std::to_string(k + 1);
      wl.index = k;
      wl.args = {"train"};
      batch.push_back(wl);
    }
    for (int64_t h : l.launch(batch)) {
      std::optional<int> code;
      for (int i = 0; i < 500 && !code; ++i) {
        code = l.poll(h);
        if (!code) ::usleep(10000);
      }
      EXPECT_EQ(code, std::optional<int>(0));
    }
  };
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  LocalLauncher placed({"2", "5"});
  run(placed, "g", 3);
  const char* expect[] = {"2", "5", "2"};
  for (int k = 0; k < 3; ++k) {
    const std::string log = read_file_text(dir + "/logs/g-i1-r" + std::to_string(k + 1) + ".log");
    EXPECT_NE(log.find(std::string("given CUDA_VISIBLE_DEVICES=[") + expect[k] + "]"), std::string::npos) << log;
    EXPECT_NE(log.find(std::string("starts: CUDA_VISIBLE_DEVICES=") + expect[k] + " "), std::string::npos) << log;
  }
  // Without --gpus the workers inherit the driver's environment as it is.
  ::setenv("CUDA_VISIBLE_DEVICES", "7", 1);
  LocalLauncher plain;
  run(plain, "p", 1);
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  const std::string log = read_file_text(dir + "/logs/p-i1-r1.log");
  EXPECT_NE(log.find("given CUDA_VISIBLE_DEVICES=[7]"), std::string::npos) << log;
}

// `warp run` refuses misused --gpus and --submit-driver before anything starts (exit 2), naming
// the value or the option.
TEST(LocalLauncherGpus, WarpRunRefusesMisuseNamingIt) {
  const std::string dir = test::scratch_dir("gpus-cli");
  Experiment e = Experiment::create(dir + "/exp", "smoke");
  auto refused = [&](std::vector<std::string> args, const std::string& expect) {
    args.insert(args.begin(), {"run", "--exp", e.dir()});
    const std::string log = dir + "/out.log";
    ::unlink(log.c_str());
    WorkerProcess p = WorkerProcess::start(warp::test::env_path("WARP_EXE"), args, log);
    EXPECT_EQ(p.wait(), 2) << args.back();
    const std::string out = read_file_text(log);
    EXPECT_NE(out.find(expect), std::string::npos) << out;
  };
  refused({"--gpus", "0,,1"},
          "warp: gpus (--gpus) must be a comma-separated list of CUDA device indices (e.g. 0,1) or "
          "GPU UUIDs, got '0,,1' (an empty item)");
  refused({"--gpus", "x"}, "got 'x' ('x')");
  refused({"--gpus", "0,1", "--launcher", "slurm"},
          "with --launcher slurm a worker's GPUs come from --slurm-gpus-per-task");
  refused({"--gpus", "0,1", "--device", "cpu"}, "use --device auto or cuda, not 'cpu'");
  refused({"--gpus", "0,1", "--device", "cuda:1"}, "not 'cuda:1'");
  refused({"--submit-driver"}, "--submit-driver submits the driver as a Slurm job: it needs --launcher slurm");
  refused({"--launcher", "slurm", "--slurm-signal-before", "-5"},
          "slurm: signal_before (--slurm-signal-before) must be in 0..65535");
  // Each WARP and Slurm flag sets its config field, refused by core's rule naming field and flag.
  refused({"--slurm-mem", "8G"}, "the --slurm-* options need --launcher slurm");
  refused({"--launcher", "slurm", "--slurm-time", "soon"},
          "slurm: time (--slurm-time) must be a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or "
          "D-HH:MM:SS), got 'soon'");
  refused({"--launcher", "slurm", "--slurm-cpus-per-task", "5000"},
          "slurm: cpus_per_task (--slurm-cpus-per-task) must be in 0..4096 (0: the cluster's default), got 5000");
  refused({"--launcher", "slurm", "--slurm-extra=--qos='low"}, "--slurm-extra: unterminated ' in '--qos='low'");
  refused({"--iterations", "0"}, "warp: iterations (--iterations) must be in 1..1000, got 0");
  refused({"--runs", "65"}, "warp: runs (--runs) must be in 2..64, got 65");
  refused({"--eta", "1.5"}, "warp: eta (--eta) must be in [0, 1], got 1.5");
  refused({"--eta-grid", "0,0.3,0.30"},
          "warp: eta_grid (--eta-grid) must be a list of distinct values, got 0.30 twice");
  refused({"--eta-grid", "0,,1"}, "warp: eta_grid (--eta-grid) must be a comma-separated list of numbers, got '0,,1'");
  refused({"--parallel=-1"}, "warp: parallel (--parallel) must be >= 0 (0: all runs at once), got -1");
  refused({"--threads=-2"}, "warp: threads (--threads) must be >= 0 (0: cores / parallel runs), got -2");
  refused({"--device", "cpu", "--granularity", "block"}, "warp: granularity (--granularity) must be tensor or layer");
  refused({"--seed=-1"}, "'-1' is negative");
  // --resume takes the run's stored settings: a WARP flag given with it is refused, an RL one too.
  refused({"--resume", "--eta-grid", "0,1"}, "--resume continues a driver run with its stored settings");
  refused({"--resume", "--beta", "0.1"}, "--resume continues a driver run with its stored settings");
}

// `warp run --resume --submit-driver`: the requeued job's command carries the --slurm-* flags as they
// were given (an empty one too: it clears the experiment's field), and the options reach sbatch.
// A stand-in sbatch on PATH takes the job; the kept script is what Slurm would run.
TEST(SlurmDriverSubmit, ResumeCarriesTheSlurmFlagsAsGiven) {
  const std::string dir = test::scratch_dir("submit-resume-args");
  Experiment e = Experiment::create(dir + "/exp", "smoke");
  make_dirs(dir + "/bin");
  write_file_atomic(dir + "/bin/sbatch", "#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args.txt\"\necho 4242\n");
  ASSERT_EQ(::chmod((dir + "/bin/sbatch").c_str(), 0755), 0);
  const std::string path = ::getenv("PATH") ? ::getenv("PATH") : "";
  ::setenv("PATH", (dir + "/bin:" + path).c_str(), 1);
  WorkerProcess p = WorkerProcess::start(warp::test::env_path("WARP_EXE"),
                                         {"run", "--exp", e.dir(), "--name", "w", "--resume", "--launcher", "slurm",
                                          "--submit-driver", "--slurm-partition", "", "--slurm-account", "lab",
                                          "--slurm-cpus-per-task", "3", "--slurm-extra", "--qos=low --comment='a b'"},
                                         dir + "/out.log");
  const int code = p.wait();
  ::setenv("PATH", path.c_str(), 1);
  const std::string out = read_file_text(dir + "/out.log");
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("as Slurm job 4242"), std::string::npos) << out;
  EXPECT_NE(read_file_text(dir + "/bin/args.txt").find("--account=lab "), std::string::npos);
  const std::string script = read_file_text(e.dir() + "/logs/slurm/w-driver-1.sh");
  const std::string requeued = "'run' '--exp' '" + e.dir() +
                               "' '--resume' '--name' 'w' '--launcher' 'slurm' '--slurm-partition' '' "
                               "'--slurm-account' 'lab' '--slurm-cpus-per-task' '3' '--slurm-extra' "
                               "'--qos=low --comment='\\''a b'\\'''\n";
  EXPECT_NE(script.find(requeued), std::string::npos) << script;
}

// `warp train --record` is db or journal; anything else is refused before anything starts, naming it.
TEST(WorkerJournal, WarpTrainRefusesAnUnknownRecord) {
  const std::string dir = test::scratch_dir("record-cli");
  Experiment e = Experiment::create(dir + "/exp", "smoke");
  const std::string log = dir + "/out.log";
  WorkerProcess p = WorkerProcess::start(warp::test::env_path("WARP_EXE"),
                                         {"train", "--exp", e.dir(), "--name", "t", "--record", "sqlite"}, log);
  EXPECT_EQ(p.wait(), 2);
  const std::string out = read_file_text(log);
  EXPECT_NE(out.find("--record must be db or journal, got 'sqlite'"), std::string::npos) << out;
}
