// warp merge --method M --init INIT.h5 --models A.h5 B.h5 [...] --out OUT.h5 [options]: merge checkpoints
// (SLERP, LERP, LITI, task arithmetic, TIES, DARE; core/merge/merger.h), streaming one tensor at a time.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "commands.h"
#include "experiment/checkpoint_trust.h"
#include "merge/merger.h"
#include "model/device.h"
#include "progress_line.h"
#include "util/error.h"
#include "util/format.h"
#include "util/signals.h"

namespace {

struct Options {
  std::string method, init, out, granularity;
  std::vector<std::string> models;
  std::optional<double> lambda, eta, scale, density;
  std::optional<uint64_t> seed;
  std::optional<int> threads;
};

// Options that the chosen method does not use are mistakes (e.g. --lambda for liti): say so.
void reject_unused(const Options& o, warp::MergeMethod m) {
  using warp::MergeMethod;
  const bool uses_lambda = m == MergeMethod::Slerp || m == MergeMethod::Lerp;
  const bool uses_scale = m == MergeMethod::TaskArithmetic || m == MergeMethod::Ties || m == MergeMethod::Dare;
  const bool uses_density = m == MergeMethod::Ties || m == MergeMethod::Dare;
  const std::string name = warp::merge_method_name(m);
  if (o.lambda && !uses_lambda) throw warp::BadInput("--lambda does not apply to " + name + " (slerp and lerp only)");
  if (o.lambda && o.models.size() > 2)
    throw warp::BadInput("--lambda applies to 2 models; with " + std::to_string(o.models.size()) + " models " + name +
                         " uses uniform weights");
  if (o.eta && m != MergeMethod::Liti) throw warp::BadInput("--eta does not apply to " + name + " (liti only)");
  if (o.scale && !uses_scale)
    throw warp::BadInput("--scale does not apply to " + name + " (task-arithmetic, ties and dare only)");
  if (o.density && !uses_density) throw warp::BadInput("--density does not apply to " + name + " (ties and dare only)");
  if (!o.density && uses_density)
    throw warp::BadInput(name + " needs --density (the fraction of each task vector kept)");
  if (o.seed && m != MergeMethod::Dare) throw warp::BadInput("--seed does not apply to " + name + " (dare only)");
  if (!o.granularity.empty() && m != MergeMethod::Slerp)
    throw warp::BadInput("--granularity does not apply to " + name + " (slerp only)");
}

void register_merge(CLI::App& app) {
  auto* cmd = app.add_subcommand("merge", "Merge checkpoints: slerp, lerp, liti, task-arithmetic, ties or dare");
  auto o = std::make_shared<Options>();
  cmd->add_option("--method", o->method, "slerp | lerp | liti | task-arithmetic | ties | dare")->required();
  cmd->add_option("--init", o->init, "θ_init checkpoint (the task vectors are θ_m − θ_init)")->required();
  cmd->add_option("--models", o->models, "Model checkpoints θ_1 .. θ_M")->required()->expected(1, -1);
  cmd->add_option("--out", o->out, "Merged checkpoint to write")->required();
  cmd->add_option("--lambda", o->lambda, "slerp/lerp with 2 models: 0 gives θ_1, 1 gives θ_2 (default 0.5)");
  cmd->add_option("--eta", o->eta, "liti: 0 gives θ_init, 1 gives the model (default 0.3)");
  cmd->add_option("--scale", o->scale, "task-arithmetic/ties/dare: factor on the merged task vector (default 1)");
  cmd->add_option("--density", o->density, "ties/dare: fraction of each task vector kept, in (0, 1]");
  cmd->add_option("--seed", o->seed, "dare: seed of the drop masks (default 0)");
  cmd->add_option("--granularity", o->granularity,
                  "slerp: one angle per tensor, or per layer (a transformer block, the embeddings, the final norm; "
                  "the paper's \"layer by layer\") (default tensor)");
  cmd->add_option("--threads", o->threads, "Compute threads");
  cmd->callback([o] {
    warp::MergeSpec spec;
    spec.params.method = warp::parse_merge_method(o->method);
    reject_unused(*o, spec.params.method);
    if (o->lambda) spec.params.lambda = *o->lambda;
    if (o->eta) spec.params.eta = *o->eta;
    if (o->scale) spec.params.scale = *o->scale;
    if (o->density) spec.params.density = *o->density;
    if (o->seed) spec.params.seed = *o->seed;
    if (!o->granularity.empty()) spec.params.granularity = warp::parse_merge_granularity(o->granularity);
    spec.init_path = o->init;
    spec.model_paths = o->models;
    // Files from anywhere: each is validated in a child process before this one opens it.
    warp::check_checkpoint_input(o->init);
    for (const auto& m : o->models) warp::check_checkpoint_input(m);
    spec.out_path = o->out;
    if (o->threads) warp::set_compute_threads(*o->threads);
    warp::install_stop_handlers();
    warp::cli::ProgressLine line;
    const warp::MergeSummary s = warp::merge_checkpoints(spec, line.callback());
    line.finish();

    std::string params;
    const nlohmann::json used = spec.params.to_json();
    for (const auto& [k, v] : used.items())
      if (k != "method") params += (params.empty() ? "" : ", ") + k + " " + v.dump();
    std::printf("merged %d model%s with %s%s -> %s\n", s.num_models, s.num_models == 1 ? "" : "s",
                warp::merge_method_name(spec.params.method).c_str(),
                params.empty() ? "" : (" (" + params + ")").c_str(), s.out_path.c_str());
    if (s.elements >= 1000000)
      std::printf("  %lld tensors, %.2f M parameters", static_cast<long long>(s.tensors), s.elements / 1e6);
    else
      std::printf("  %lld tensors, %lld parameters", static_cast<long long>(s.tensors),
                  static_cast<long long>(s.elements));
    if (std::isfinite(s.mean_omega_deg))
      std::printf(", mean Ω(δ1,δ2) %.2f°%s", s.mean_omega_deg,
                  s.groups.empty() ? "" : (" over " + std::to_string(s.groups.size()) + " layers").c_str());
    if (spec.params.method == warp::MergeMethod::Slerp)
      std::printf(", %lld LERP fallback%s", static_cast<long long>(s.fallback_tensors),
                  s.fallback_tensors == 1 ? "" : "s");
    std::printf("\n  %.3f s, %s/s (%s read + %s written)\n", s.seconds,
                warp::format_bytes((s.bytes_read + s.bytes_written) / std::max(s.seconds, 1e-9)).c_str(),
                warp::format_bytes(static_cast<double>(s.bytes_read)).c_str(),
                warp::format_bytes(static_cast<double>(s.bytes_written)).c_str());
    const auto& p = s.phases;
    std::printf("  read %.2f s, merge %.2f s, write %.2f s, commit (fsync) %.2f s, hash wait %.2f s\n", p.read, p.merge,
                p.write, p.commit, p.hash_wait);
  });
}

const bool registered = warp::cli::add_command(&register_merge);

}  // namespace
