// bench_model: throughput of the GPT policy at the demo policy config
// (n_layer=4, n_head=4, n_embd=128, n_ctx=128, vocab_size=4096), next to the same computation in
// Python PyTorch eager (bench/model/peer_model.py, run by this program in the same run):
//   train      training step tokens/s: batch 16 x 128 tokens, next-token cross-entropy, AdamW,
//              forward + backward + step (the peer uses F.cross_entropy, the engine lm_loss)
//   kv         sampling tokens/s with the KV cache: batch 64, prompt 8 tokens, 48 new tokens, T=0.9
//   recompute  the same sampling recomputing the whole prefix for every token
// Both sides use the same thread count (--threads, default 2) and the same environment. The CPUs
// may be shared with other work, so the peer runs as a server process (peer_model.py --serve) and
// engine and peer runs alternate one by one (who goes first alternates too): both see the same
// load. After --warmup runs each, a figure is the median of --reps runs of each side (the best run
// is shown as well). Targets: engine >= peer on every figure; kv >= 3x recompute.
//
// OpenMP threads that spin while waiting starve OpenBLAS's threads (and everything else) when the
// cores are shared: measured here, sampling ran 20x slower with the default wait policy on a busy
// machine. Unless --keep-env is given, the program re-executes itself with the settings of
// util/compute_env.h (OMP_WAIT_POLICY=PASSIVE, glibc's malloc thresholds) as `warp` does; the peer
// inherits them.
//
// GPU (docs/gpu.md, scripts/gpu-check.sh): `--device cuda --size gpt2-small` measures GPT-2 small
// (n_layer=12, n_head=12, n_embd=768, n_ctx=1024, vocab 50257; 124M parameters) on the GPU, the
// train figure then at batch 8 x 1024 tokens; both sides wait for the device (synchronize) before a
// run's clock stops. The peer runs on the same device.
//
// Usage: bench_model [--threads N] [--warmup N] [--reps N] [--no-peer] [--keep-env] [--python PATH]
//                    [--device cpu|cuda|cuda:N] [--size demo|gpt2-small]

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <torch/cuda.h>
#include <torch/torch.h>

#include "../bench_paths.h"
#include "model/device.h"
#include "model/gpt.h"
#include "model/sampler.h"
#include "util/compute_env.h"

using namespace warp;

namespace {

struct Args {
  int threads = 2;
  int warmup = 1;
  int reps = 7;
  bool peer = true;
  bool keep_env = false;
  std::string python = "/usr/bin/python3";
  std::string device = "cpu";
  std::string size = "demo";
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "bench_model: " << s << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    auto integer = [&](const std::string& v, int min) {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < min || n > 1000) {
        std::cerr << "bench_model: " << s << " must be an integer in [" << min << ", 1000], got '" << v << "'\n";
        std::exit(2);
      }
      return static_cast<int>(n);
    };
    if (s == "--threads") a.threads = integer(value(), 1);
    else if (s == "--warmup") a.warmup = integer(value(), 0);
    else if (s == "--reps") a.reps = integer(value(), 1);
    else if (s == "--no-peer") a.peer = false;
    else if (s == "--keep-env") a.keep_env = true;
    else if (s == "--python") a.python = value();
    else if (s == "--device") a.device = value();
    else if (s == "--size") {
      a.size = value();
      if (a.size != "demo" && a.size != "gpt2-small") {
        std::cerr << "bench_model: --size must be demo or gpt2-small, got '" << a.size << "'\n";
        std::exit(2);
      }
    } else if (s == "--help" || s == "-h") {
      std::cout << "usage: bench_model [--threads N] [--warmup N] [--reps N] [--no-peer] [--keep-env] [--python PATH] "
                   "[--device cpu|cuda|cuda:N] [--size demo|gpt2-small]\n";
      std::exit(0);
    } else {
      std::cerr << "bench_model: unknown argument '" << s << "'\n";
      std::exit(2);
    }
  }
  return a;
}

double seconds(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The Python peer as a server process: one line with a figure name in, one line with seconds out.
class Peer {
 public:
  explicit Peer(const Args& a) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ < 0) return;
    if (pid_ == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[0]);
      ::close(in[1]);
      ::close(out[0]);
      ::close(out[1]);
      const std::string script = warp::bench::executable_dir() + "/peer_model.py", threads = std::to_string(a.threads);
      ::execl(a.python.c_str(), a.python.c_str(), script.c_str(), "--serve", "--threads", threads.c_str(), "--device",
              a.device.c_str(), "--size", a.size.c_str(), static_cast<char*>(nullptr));
      std::perror(("bench_model: cannot run " + a.python).c_str());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = ::fdopen(in[1], "w");
    from_ = ::fdopen(out[0], "r");
    ok_ = to_ && from_ && read_line() == "ready";
    if (!ok_)
      std::cerr << "bench_model: the Python peer did not start (" << warp::bench::executable_dir()
                << "/peer_model.py)\n";
  }
  ~Peer() {
    if (to_) {
      std::fputs("quit\n", to_);
      std::fclose(to_);
    }
    if (from_) std::fclose(from_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  bool ok() const { return ok_; }

  // Seconds of one run of `figure` in the peer; negative (and ok() false) on failure.
  double run(const std::string& figure) {
    if (!ok_) return -1;
    std::fprintf(to_, "%s\n", figure.c_str());
    std::fflush(to_);
    const std::string line = read_line();
    char* end = nullptr;
    const double s = std::strtod(line.c_str(), &end);
    if (line.empty() || *end != '\0' || !(s > 0)) {
      std::cerr << "bench_model: unexpected answer from the peer: '" << line << "'\n";
      ok_ = false;
      return -1;
    }
    return s;
  }

 private:
  std::string read_line() {
    std::string line;
    int c;
    while ((c = std::fgetc(from_)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
    return line;
  }
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
  bool ok_ = false;
};

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  if (!args.keep_env) ensure_compute_env(argv);
  ::signal(SIGPIPE, SIG_IGN);
  torch::set_num_threads(args.threads);
  torch::Device device(torch::kCPU);
  try {
    device = parse_device(args.device);
  } catch (const std::exception& e) {
    std::cerr << "bench_model: " << e.what() << "\n";
    return 2;
  }
  const bool gpt2_small = args.size == "gpt2-small";
  // A run on the device ends when the device has finished its work, not when the kernels are queued.
  auto sync = [&] {
    if (device.is_cuda()) torch::cuda::synchronize();
  };

  GPTConfig cfg;  // the demo policy config, or GPT-2 small
  cfg.n_layer = gpt2_small ? 12 : 4;
  cfg.n_head = gpt2_small ? 12 : 4;
  cfg.n_embd = gpt2_small ? 768 : 128;
  cfg.n_ctx = gpt2_small ? 1024 : 128;
  cfg.vocab_size = gpt2_small ? 50257 : 4096;
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::printf(
      "bench_model: %s config n_layer=%lld n_head=%lld n_embd=%lld n_ctx=%lld vocab_size=%lld "
      "(%lld parameters), float32, %s\n"
      "threads %d (engine and peer), OMP_WAIT_POLICY=%s; per side %d warm-up + %d runs, alternating with the "
      "peer, median; load average at start %s\n",
      gpt2_small ? "GPT-2 small" : "demo policy", (long long)cfg.n_layer, (long long)cfg.n_head, (long long)cfg.n_embd,
      (long long)cfg.n_ctx, (long long)cfg.vocab_size, (long long)cfg.num_params(), device.str().c_str(), args.threads,
      wait ? wait : "(unset)", args.warmup, args.reps, loadavg().c_str());
  std::fflush(stdout);

  // train: batch 16 x 128 tokens (GPT-2 small: 8 x 1024), next-token cross-entropy, AdamW,
  // forward + backward + step.
  const int64_t B = gpt2_small ? 8 : 16, T = gpt2_small ? 1024 : 128, V = cfg.vocab_size;
  torch::manual_seed(0);
  auto data = torch::randint(V, {B, T + 1}, torch::kLong).to(device);
  auto inputs = data.narrow(1, 0, T).contiguous(), targets = data.narrow(1, 1, T).contiguous();
  GPT train_model(cfg, 0);
  train_model->to(device);
  torch::optim::AdamW opt(train_model->parameters(),
                          torch::optim::AdamWOptions(3e-4).betas({0.9, 0.95}).weight_decay(0.1));
  train_model->train();
  auto train_step = [&] {
    auto logits = train_model->forward(inputs);  // [B, T, V]
    auto loss = lm_loss(logits, targets);        // next-token cross-entropy (fused backward)
    for (auto& p : train_model->parameters()) p.mutable_grad() = torch::Tensor();  // = set_to_none
    loss.backward();
    opt.step();
    sync();
  };

  // kv / recompute: batch 64, prompt 8, 48 new tokens, temperature 0.9.
  const int64_t SB = 64, SP = 8, K = 48;
  GPT model(cfg, 0);
  model->to(device);
  model->eval();
  std::vector<std::vector<int64_t>> prompts;
  std::vector<uint64_t> seeds;
  auto pr = torch::randint(V, {SB, SP}, torch::kLong);
  for (int64_t b = 0; b < SB; ++b) {
    prompts.emplace_back(pr[b].data_ptr<int64_t>(), pr[b].data_ptr<int64_t>() + SP);
    seeds.push_back(1000 + b);
  }
  SampleOptions kv_opt;
  kv_opt.temperature = 0.9;
  kv_opt.max_new_tokens = K;
  SampleOptions re_opt = kv_opt;
  re_opt.use_kv_cache = false;

  struct Figure {
    std::string key, label;
    double tokens;
    std::function<void()> run;
    std::vector<double> engine, peer;
  };
  std::vector<Figure> figures{{"train",
                               "train step tokens/s (" + std::to_string(B) + "x" + std::to_string(T) + ", AdamW)",
                               double(B * T),
                               train_step,
                               {},
                               {}},
                              {"kv",
                               "sample tokens/s, KV cache (64 x 8+48)",
                               double(SB * K),
                               [&] {
                                 sample(model, prompts, seeds, kv_opt, device);
                                 sync();
                               },
                               {},
                               {}},
                              {"recompute",
                               "sample tokens/s, recompute (64 x 8+48)",
                               double(SB * K),
                               [&] {
                                 sample(model, prompts, seeds, re_opt, device);
                                 sync();
                               },
                               {},
                               {}}};

  std::unique_ptr<Peer> peer;
  if (args.peer) peer = std::make_unique<Peer>(args);
  auto peer_ok = [&] { return peer && peer->ok(); };
  for (auto& f : figures) {
    for (int i = 0; i < args.warmup; ++i) {
      f.run();
      if (peer_ok()) peer->run(f.key);
    }
    for (int i = 0; i < args.reps; ++i) {
      // Alternate who goes first, so neither side always follows the other.
      if (i % 2 == 1 && peer_ok()) f.peer.push_back(peer->run(f.key));
      f.engine.push_back(seconds(f.run));
      if (i % 2 == 0 && peer_ok()) f.peer.push_back(peer->run(f.key));
    }
    std::fprintf(stderr, "  measured %s\n", f.key.c_str());
  }
  const bool with_peer = peer_ok();
  peer.reset();

  std::printf("\n%-40s %11s %11s %7s   %s\n", "figure (tokens/s, median)", "engine", "python peer", "ratio",
              "best-run ratio, run seconds engine | peer");
  bool ok = true;
  for (const auto& f : figures) {
    const double e = f.tokens / median(f.engine);
    const double e_min = *std::min_element(f.engine.begin(), f.engine.end());
    const double e_max = *std::max_element(f.engine.begin(), f.engine.end());
    if (with_peer) {
      const double p = f.tokens / median(f.peer);
      const double p_min = *std::min_element(f.peer.begin(), f.peer.end());
      const double p_max = *std::max_element(f.peer.begin(), f.peer.end());
      std::printf("%-40s %11.1f %11.1f %6.2fx   %5.2fx, %.3f-%.3f | %.3f-%.3f\n", f.label.c_str(), e, p, e / p,
                  p_min / e_min, e_min, e_max, p_min, p_max);
      ok = ok && e >= p;
    } else {
      std::printf("%-40s %11.1f %11s %7s   -, %.3f-%.3f\n", f.label.c_str(), e, "-", "-", e_min, e_max);
    }
  }
  const double speedup = median(figures[2].engine) / median(figures[1].engine);
  std::printf("%-40s %10.2fx", "KV cache speedup over recompute", speedup);
  if (with_peer) std::printf(" %10.2fx", median(figures[2].peer) / median(figures[1].peer));
  std::printf("\n\ntargets: engine >= python peer on every figure: %s; KV cache >= 3x recompute: %s\n",
              with_peer ? (ok ? "met" : "NOT met") : "not measured", speedup >= 3.0 ? "met" : "NOT met");
  std::printf("load average at end %s\n", loadavg().c_str());
  return 0;
}
