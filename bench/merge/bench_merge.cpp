// bench_merge: throughput of weight merging (core/merge).
//
//   bench_merge [kernels] [--mib N] [--threads T] [--reps R] [--isa generic|avx2|avx512]
//       In-memory merge kernels on float32 tensors of N MiB each (default 128, far beyond the caches):
//       GB/s of SLERP, LITI, LERP, task arithmetic, TIES and DARE beside a plain copy of memory (memcpy
//       on one thread, torch copy_ on the compute threads) measured in the same run, with the ratio.
//       Bytes counted = bytes the merge must touch once: (M + 1) inputs read + 1 output written.
//       SLERP reads its inputs twice (sums, then the combination), so its memory traffic is
//       (2(M + 1) + 1) / (M + 2) times that; the table shows both, and times SLERP's two passes alone.
//       --isa: the instruction set of the loops (default: the best this CPU runs; merge_kernels.h).
//   bench_merge gen OUT.h5 [--layers L] [--embd C] [--seed S] [--model-seed K] [--noise X]
//       Writes a GPT-shaped float32 checkpoint (vocab 8192, n_ctx 1024, n_embd C, L layers; L = 5,
//       C = 2048 give 1.08 GB): θ_init ~ 0.02·N(0,1) from --seed, plus, with --model-seed, a task
//       vector X·N(0,1) (default X = 1e-3) from that seed. Prints the write throughput.
//   bench_merge read FILE...
//       Reads every tensor of each checkpoint into one reused buffer (CheckpointReader::read_into:
//       HDF5 + Fletcher32 verification) and prints the read throughput.
//   bench_merge merge --method M --init I --models A B... --out O [--lambda L]
//       merge_checkpoints() without the CLI (what `warp merge` runs), with its summary.
// run_large.sh drives gen / read / `warp merge` for the >= 1 GB file-to-file figures.

#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "merge/merge_kernels.h"
#include "merge/merger.h"
#include "model/gpt_params.h"
#include "store/checkpoint_h5.h"

using namespace warp;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

long max_rss_mib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

const char* arg_value(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

int run_kernels(int argc, char** argv) {
  const int64_t mib = std::atoll(arg_value(argc, argv, "--mib", "128"));
  const int reps = std::atoi(arg_value(argc, argv, "--reps", "5"));
  const int threads = std::atoi(arg_value(argc, argv, "--threads", "0"));
  if (threads > 0) at::set_num_threads(threads);
  const char* isa = arg_value(argc, argv, "--isa", "");
  if (*isa) merge_kernels::use_kernels_isa(isa);
  const int64_t n = mib * (int64_t(1) << 20) / 4;
  const double bytes = static_cast<double>(n) * 4;
  torch::manual_seed(0);
  const torch::Tensor init = torch::randn({n});
  const torch::Tensor a = init + 0.01 * torch::randn({n});
  const torch::Tensor b = init + 0.01 * torch::randn({n});
  const torch::Tensor b3 = init + 0.01 * torch::randn({n});
  torch::Tensor out = torch::zeros({n});
  std::string isas;
  for (const auto& s : merge_kernels::kernels_isas()) isas += " " + s;
  std::printf(
      "bench_merge kernels: float32 tensors of %lld MiB (%lld elements), %d threads, best of %d rounds, "
      "loops: %s (available:%s)\n",
      static_cast<long long>(mib), static_cast<long long>(n), at::get_num_threads(), reps,
      merge_kernels::kernels_isa().c_str(), isas.c_str());

  // Every measurement in rounds: each round times every item once, and each item keeps its best time,
  // so the copies and the kernels see the same moments of a shared, noisy machine.
  struct Item {
    std::string name;
    std::function<void()> run;
    double counted;         // bytes counted: inputs read once + output written (copies: read + write)
    double traffic_factor;  // memory traffic / bytes counted (0: not a streaming kernel)
    bool copy;
    int rounds;
    double best = 1e30;
  };
  auto params = [](MergeMethod m, double density = 1.0) {
    MergeParams p;
    p.method = m;
    p.density = density;
    return p;
  };
  auto merge_item = [&](const char* name, MergeParams p, std::vector<torch::Tensor> models, double traffic,
                        int rounds) {
    const double counted = bytes * static_cast<double>(models.size() + 2);
    return Item{name,  [=, &out, &init] { merge_tensor_into(p, "bench", out, init, models); }, counted, traffic, false,
                rounds};
  };
  std::vector<Item> items = {
      {"memcpy (1 thread)", [&] { std::memcpy(out.data_ptr(), a.data_ptr(), static_cast<size_t>(bytes)); }, 2 * bytes,
       1, true, reps},
      {"torch copy_", [&] { out.copy_(a); }, 2 * bytes, 1, true, reps},
      merge_item("slerp (M=2, lambda 0.5)", params(MergeMethod::Slerp), {a, b}, 7.0 / 4.0, reps),
      {"  slerp pass 1: sums (read 3)",
       [&] {
         const float* x[2] = {a.data_ptr<float>(), b.data_ptr<float>()};
         merge_kernels::delta_sums(init.data_ptr<float>(), x, 2, n);
       },
       3 * bytes, 1.0, false, reps},
      {"  slerp pass 2: combine (3+1)",
       [&] {
         const float* x[2] = {a.data_ptr<float>(), b.data_ptr<float>()};
         const double c[2] = {0.51, 0.52};
         merge_kernels::combine(out.data_ptr<float>(), init.data_ptr<float>(), -0.03, x, c, 2, n, nullptr);
       },
       4 * bytes, 1.0, false, reps},
      merge_item("liti (eta 0.3)", params(MergeMethod::Liti), {a}, 1.0, reps),
      merge_item("lerp (M=2)", params(MergeMethod::Lerp), {a, b}, 1.0, reps),
      merge_item("task-arithmetic (M=2)", params(MergeMethod::TaskArithmetic), {a, b}, 1.0, reps),
      merge_item("task-arithmetic (M=3)", params(MergeMethod::TaskArithmetic), {a, b, b3}, 1.0, reps),
      merge_item("dare (M=2, density 0.3)", params(MergeMethod::Dare, 0.3), {a, b}, 1.0, reps),
      merge_item("ties (M=2, density 0.2)", params(MergeMethod::Ties, 0.2), {a, b}, 0.0, 1),
  };
  for (auto& it : items) it.run();  // warm-up
  for (int r = 0; r < reps; ++r) {
    for (auto& it : items) {
      if (r >= it.rounds) continue;
      const auto t0 = Clock::now();
      it.run();
      it.best = std::min(it.best, seconds_since(t0));
    }
  }
  double peer = 0;
  for (const auto& it : items)
    if (it.copy) peer = std::max(peer, it.counted / it.best / 1e9);
  std::printf("\n%-28s %9s %10s %12s %10s\n", "", "ms", "GB/s", "traffic GB/s", "vs copy");
  for (const auto& it : items) {
    const double gbs = it.counted / it.best / 1e9;
    char traffic[32] = "-", ratio[32] = "";
    if (it.traffic_factor > 0) std::snprintf(traffic, sizeof traffic, "%.2f", gbs * it.traffic_factor);
    if (!it.copy) std::snprintf(ratio, sizeof ratio, "%.0f%%", 100 * gbs / peer);
    std::printf("%-28s %9.1f %10.2f %12s %10s\n", it.name.c_str(), it.best * 1e3, gbs, traffic, ratio);
  }
  std::printf(
      "\n(vs copy: GB/s over the faster copy's GB/s; ties sorts magnitudes (nth_element), not a streaming kernel)\n");
  std::printf("max RSS %ld MiB\n", max_rss_mib());
  return 0;
}

GPTConfig big_config(int64_t layers, int64_t embd) {
  GPTConfig c;
  c.n_layer = layers;
  c.n_embd = embd;
  c.n_head = std::max<int64_t>(1, embd / 128);
  c.n_ctx = 1024;
  c.vocab_size = 8192;
  c.validate();
  return c;
}

int run_gen(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: bench_merge gen OUT.h5 [--layers L] [--embd C] [--seed S] [--model-seed K] [--noise X]\n");
    return 2;
  }
  const std::string out = argv[2];
  const GPTConfig cfg = big_config(std::atoll(arg_value(argc, argv, "--layers", "5")),
                                   std::atoll(arg_value(argc, argv, "--embd", "2048")));
  const uint64_t seed = std::strtoull(arg_value(argc, argv, "--seed", "1"), nullptr, 10);
  const uint64_t model_seed = std::strtoull(arg_value(argc, argv, "--model-seed", "0"), nullptr, 10);
  const double noise = std::atof(arg_value(argc, argv, "--noise", "1e-3"));
  CheckpointHeader header;
  header.kind = model_seed ? "policy" : "sft";
  header.config = {{"model", cfg.to_json()}};
  const auto specs = gpt_param_specs(cfg);
  double bytes = 0, write_s = 0;
  CheckpointWriter writer(out, header);
  for (size_t i = 0; i < specs.size(); ++i) {
    torch::manual_seed(seed * 100003 + i);
    torch::Tensor t = 0.02 * torch::randn(specs[i].shape);
    if (model_seed) {
      torch::manual_seed(model_seed * 100003 + i);
      t.add_(torch::randn(specs[i].shape), noise);
    }
    const auto t0 = Clock::now();
    writer.write(specs[i].name, t);
    write_s += seconds_since(t0);
    bytes += static_cast<double>(t.numel()) * 4;
  }
  const auto t0 = Clock::now();
  writer.commit();
  write_s += seconds_since(t0);
  std::printf("gen %s: %zu tensors, %.3f GB, checkpoint write %.2f s = %.2f GB/s (HDF5 + Fletcher32 + fsync)\n",
              out.c_str(), specs.size(), bytes / 1e9, write_s, bytes / write_s / 1e9);
  return 0;
}

int run_read(int argc, char** argv) {
  for (int f = 2; f < argc; ++f) {
    const auto t0 = Clock::now();
    CheckpointReader r(argv[f]);
    int64_t max_bytes = 1;
    double bytes = 0;
    for (const auto& info : r.tensors()) {
      max_bytes = std::max(max_bytes, info.nbytes);
      bytes += static_cast<double>(info.nbytes);
    }
    torch::Tensor buffer = torch::empty({max_bytes}, torch::kUInt8);
    for (const auto& info : r.tensors())
      r.read_into(info.name, torch::from_blob(buffer.data_ptr(), info.shape, torch::TensorOptions().dtype(info.dtype)));
    const double s = seconds_since(t0);
    std::printf("read %s: %.3f GB in %.2f s = %.2f GB/s (HDF5 read_into + Fletcher32)\n", argv[f], bytes / 1e9, s,
                bytes / s / 1e9);
  }
  return 0;
}

int run_merge(int argc, char** argv) {
  MergeSpec spec;
  spec.params.method = parse_merge_method(arg_value(argc, argv, "--method", "slerp"));
  spec.params.lambda = std::atof(arg_value(argc, argv, "--lambda", "0.5"));
  spec.init_path = arg_value(argc, argv, "--init", "");
  spec.out_path = arg_value(argc, argv, "--out", "");
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--models") != 0) continue;
    for (int j = i + 1; j < argc && std::strncmp(argv[j], "--", 2) != 0; ++j) spec.model_paths.push_back(argv[j]);
  }
  const MergeSummary s = merge_checkpoints(spec);
  std::printf(
      "merge %s: %lld tensors, %.3f GB per model, %.2f s, %.2f GB/s (read + written), mean omega %.2f deg, "
      "max RSS %ld MiB\n",
      merge_method_name(spec.params.method).c_str(), static_cast<long long>(s.tensors),
      static_cast<double>(s.bytes_written) / 1e9, s.seconds,
      static_cast<double>(s.bytes_read + s.bytes_written) / s.seconds / 1e9, s.mean_omega_deg, max_rss_mib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 && std::strncmp(argv[1], "--", 2) != 0 ? argv[1] : "kernels";
    if (mode == "kernels") return run_kernels(argc, argv);
    if (mode == "gen") return run_gen(argc, argv);
    if (mode == "read") return run_read(argc, argv);
    if (mode == "merge") return run_merge(argc, argv);
    std::fprintf(stderr, "bench_merge: unknown mode '%s' (kernels, gen, read, merge)\n", mode.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_merge: %s\n", e.what());
    return 1;
  }
}
