#include "workbench/merge_workbench.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include <torch/torch.h>

#include "db/experiment_db.h"
#include "experiment/checkpoint_tokenizer.h"
#include "merge/layer_groups.h"
#include "merge/merger.h"
#include "model/gpt.h"
#include "store/checkpoint_h5.h"
#include "store/gpt_checkpoint.h"
#include "store/hf_gpt2.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"
#include "util/sha256.h"

namespace warp {

namespace {

constexpr const char* kDriverKind = "warp";

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// An absolute, lexically normal path without a trailing '/'; a relative one is taken inside the
// experiment folder.
std::string in_experiment(const Experiment& exp, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(exp.dir()) / p;
  std::string s = std::filesystem::absolute(p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// The SHA-256 of a file, stoppable through the progress callback (stage "load").
std::string hash_file(const std::string& path, const ProgressFn& progress, const ProgressInfo& info) {
  return sha256_file(path, [&] { return !progress || progress(info); });
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// BadInput unless `path`'s folder exists and this process may create files in it.
void check_writable_folder(const std::string& path, const std::string& what) {
  const std::string dir = parent_dir(path);
  if (!is_directory(dir))
    throw BadInput(file_message(path, "cannot write the " + what + ": the folder " + dir + " does not exist"));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw BadInput(file_message(path, "cannot write the " + what + ": the folder " + dir + " is not writable"));
}

// A name for a temporary sibling of `path`: "<folder>/.<name>.tmp-<pid>-<n>".
std::string temp_sibling(const std::string& path) {
  static std::atomic<int> counter{0};
  const std::filesystem::path p(path);
  return (p.parent_path() /
          ("." + p.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
      .string();
}

// The named tensors of a GPT's parameters copied into it (by name; any order), on its device.
void load_into(GPT& model, const NamedTensors& params) {
  copy_named_params(named_params(*model), params, "merge workbench");
}

}  // namespace

struct MergeWorkbench::Impl {
  Experiment exp;
  MergeInputs inputs;
  EvalConfig config;  // reward resolved
  nlohmann::json protocol;
  std::string protocol_sha;
  std::string init_sha, sft_sha, inputs_sha;
  std::vector<std::string> model_shas;
  std::string sft_path;
  GPTConfig model_config;  // θ_init's (the exports')
  NamedTensors init, sft;  // CPU, gpt_param_specs order
  std::vector<NamedTensors> models;
  std::vector<TensorMergeRecord> omega;
  std::vector<GroupMergeRecord> omega_groups;
  std::unique_ptr<ProtocolEvaluator> evaluator;
  GPT policy{nullptr};               // the evaluated policy: merged weights are copied into it
  std::unique_ptr<ExperimentDb> db;  // writes (the thread of evaluate)
  mutable std::mutex read_mutex;     // guards read_db
  std::unique_ptr<ExperimentDb> read_db;

  // The last merge: (method, λ as keyed, granularity) → θ_merge, so moving η only redoes the LITI.
  struct LastMerge {
    MergeMethod method = MergeMethod::Slerp;
    double lambda = 0;
    MergeGranularity granularity = MergeGranularity::Tensor;
    NamedTensors tensors;
  };
  std::optional<LastMerge> last_merge;

  explicit Impl(const Experiment& e) : exp(e) {}

  int num_models() const { return static_cast<int>(models.size()); }

  MergeParams merge_params(const MergeRecipe& r) const {
    MergeParams p;
    p.method = r.method;
    if (num_models() == 2) p.lambda = r.lambda;  // M > 2: λ unused (Eq. 26 fold / uniform mean)
    p.granularity = r.granularity;
    return p;
  }

  // θ_merge of a (normalized) recipe, from the last merge when its method and λ are the same.
  const NamedTensors& merged(const MergeRecipe& r, const ProgressFn& progress) {
    const MergeParams p = merge_params(r);
    if (last_merge && last_merge->method == p.method && last_merge->lambda == p.lambda &&
        last_merge->granularity == p.granularity)
      return last_merge->tensors;
    last_merge.reset();  // its memory is free while merging
    MergeResult m = merge_named_tensors(p, init, models, progress);
    last_merge = LastMerge{p.method, p.lambda, p.granularity, std::move(m.tensors)};
    return last_merge->tensors;
  }

  // θ = (1 − η)·base + η·θ_merge, base θ_init or θ_sft: the LITI of merge/merger.h, the same
  // computation as `warp merge --method liti --init base --models θ_merge.h5`.
  NamedTensors policy_params(const MergeRecipe& r, const ProgressFn& progress) {
    const NamedTensors& m = merged(r, progress);
    MergeParams liti;
    liti.method = MergeMethod::Liti;
    liti.eta = r.eta;
    const NamedTensors& base = r.eta_mode == MergeRecipe::EtaMode::TowardSft ? sft : init;
    return merge_named_tensors(liti, base, {m}, progress).tensors;
  }

  nlohmann::json key_json(const MergeRecipe& r) const { return recipe_key_json(r, init_sha, model_shas, sft_sha); }

  nlohmann::json provenance(const nlohmann::json& key) const {
    nlohmann::json p = key;
    p["inputs"] = inputs.to_json();
    return p;
  }

  nlohmann::json reference_key() const { return {{"version", 1}, {"policy_sha256", sft_sha}}; }

  WorkbenchPoint from_record(const MergePointRecord& rec, const MergeRecipe& recipe) const {
    WorkbenchPoint p;
    p.recipe = recipe;
    p.recipe_sha256 = rec.recipe_sha256;
    p.provenance = rec.recipe_json;
    p.point = rec.point;
    p.rows = rec.rows;
    p.cached = true;
    return p;
  }

  std::optional<MergePointRecord> find(const std::string& key) const {
    std::lock_guard<std::mutex> lock(read_mutex);
    return MergePointCache(*read_db, &evaluator->tokenizer()).find(key, protocol_sha);
  }

  // Evaluates `params` as the policy; stores and returns the point.
  WorkbenchPoint evaluate_and_store(const NamedTensors& params, const MergeRecipe& recipe, const std::string& key,
                                    const nlohmann::json& provenance, const std::optional<std::string>& inputs_key,
                                    const ProgressFn& progress, const EstimateFn& estimate = {}) {
    PhaseTimes phases;
    const auto t0 = std::chrono::steady_clock::now();
    PhaseTimer loading(&phases, "load");
    load_into(policy, params);
    loading.stop();
    PhaseTimer evaluating(&phases, "eval");
    EvalResult r;
    {
      const PhaseRecorder recorder(&phases);
      r = evaluator->evaluate(policy, progress, estimate);
    }
    evaluating.stop();
    WorkbenchPoint p;
    p.recipe = recipe;
    p.recipe_sha256 = key;
    p.provenance = provenance;
    p.point = r.point;
    p.rows = std::move(r.rows);
    p.eval_seconds = seconds_since(t0);
    MergePointRecord rec;
    rec.recipe_sha256 = key;
    rec.protocol_sha256 = protocol_sha;
    rec.inputs_sha256 = inputs_key;
    rec.recipe_json = provenance;
    rec.point = p.point;
    rec.rows = p.rows;
    PhaseTimer storing(&phases, "store");
    MergePointCache(*db).store(rec);
    storing.stop();
    p.phases = std::move(phases);
    return p;
  }
};

MergeWorkbench::MergeWorkbench() = default;
MergeWorkbench::~MergeWorkbench() = default;

EvalConfig MergeWorkbench::default_eval_config(const Experiment& exp, const MergeInputs& inputs) {
  if (inputs.source != MergeInputs::Source::Iteration) return eval_config_for(exp);
  const ExperimentDb db = ExperimentDb::open_read_only(exp.db_path());
  const auto run = db.find_run(inputs.driver);
  if (!run) throw BadInput("WARP run '" + inputs.driver + "' does not exist in " + db.path());
  if (run->kind != kDriverKind)
    throw BadInput("run '" + inputs.driver + "' is a " + run->kind + " run, not a WARP driver (warp) run");
  const std::string where = "run '" + inputs.driver + "' (stored config)";
  const auto j = parse_json_or_discarded(run->config_json, where);
  if (j.is_discarded() || !j.is_object() || !j.contains("eval"))
    throw BadInput(where + ": no \"eval\" entry (the evaluation config of its front points)");
  return EvalConfig::from_json(j.at("eval"), where + " (eval)");
}

std::unique_ptr<MergeWorkbench> MergeWorkbench::open(const Experiment& exp, const MergeInputs& inputs,
                                                     const EvalConfig& config_in, const ProgressFn& progress) {
  if (inputs.models.size() < 2)
    throw BadInput("merge workbench: needs θ_init and at least 2 models, got " + std::to_string(inputs.models.size()));
  std::unique_ptr<MergeWorkbench> wb(new MergeWorkbench());
  wb->impl_ = std::make_unique<Impl>(exp);
  Impl& m = *wb->impl_;
  m.inputs = inputs;
  m.inputs.init = in_experiment(exp, inputs.init);
  for (auto& p : m.inputs.models) p = in_experiment(exp, p);
  m.sft_path = exp.checkpoints_dir() + "/sft.h5";
  std::vector<std::string> files = {m.inputs.init};
  files.insert(files.end(), m.inputs.models.begin(), m.inputs.models.end());
  for (const auto& f : files) {
    if (is_directory(f)) throw BadInput(file_message(f, "is a folder, not a checkpoint file"));
    if (!is_regular_file(f)) throw BadInput(file_message(f, "no such checkpoint file"));
  }

  const int M = static_cast<int>(m.inputs.models.size());
  // Units: θ_sft, θ_init and the M models (hashed and loaded), the evaluator, then one per tensor for
  // the angles.
  int64_t done = 0, total = M + 3;
  auto step = [&](const std::string& detail) { report(progress, {"load", done++, total, detail}); };

  // The evaluation protocol first: it names a missing SFT checkpoint, prompt file or tokenizer.
  m.config = config_in;
  m.config.validate();
  if (m.config.reward.empty()) m.config.reward = default_reward_spec(exp);
  std::tie(m.protocol, m.protocol_sha) = eval_protocol(exp, m.config);
  m.db = std::make_unique<ExperimentDb>(ExperimentDb::open(exp.db_path()));  // migrates to schema v3
  m.read_db = std::make_unique<ExperimentDb>(ExperimentDb::open_read_only(exp.db_path()));

  const ProgressInfo hashing{"load", done, total, "hashing"};
  step("θ_sft " + m.sft_path);
  m.sft_sha = hash_file(m.sft_path, progress, hashing);
  GptCheckpoint sft = load_gpt_params(m.sft_path);
  m.sft = std::move(sft.params);
  step("θ_init " + m.inputs.init);
  m.init_sha = hash_file(m.inputs.init, progress, hashing);
  // The same architecture as θ_sft (BadInput naming the file otherwise): points are compared with it.
  GptCheckpoint init = load_gpt_params(m.inputs.init, &sft.config);
  m.model_config = init.config;
  m.init = std::move(init.params);
  for (int i = 0; i < M; ++i) {
    const std::string& path = m.inputs.models[static_cast<size_t>(i)];
    step("model " + std::to_string(i + 1) + " " + path);
    m.model_shas.push_back(hash_file(path, progress, hashing));
    m.models.push_back(load_gpt_params(path, &m.model_config).params);
  }
  {
    const nlohmann::json ij = {{"version", 1}, {"init_sha256", m.init_sha}, {"model_sha256", m.model_shas}};
    m.inputs_sha = key_sha256(ij);
  }

  step("evaluation: θ_sft, tokenizer, prompts, rewards");
  m.evaluator = std::make_unique<ProtocolEvaluator>(exp, m.config);
  m.policy = GPT(m.evaluator->sft_config());
  m.policy->to(m.evaluator->device());
  m.policy->eval();

  // Ω between task vectors as SLERP with λ = 0.5 records them (one read-only pass per tensor).
  total = done + static_cast<int64_t>(m.init.size());
  MergeParams half;
  half.method = MergeMethod::Slerp;
  half.lambda = 0.5;
  for (size_t t = 0; t < m.init.size(); ++t) {
    const auto& [name, t0] = m.init[t];
    step("angles: " + name);
    std::vector<torch::Tensor> xs;
    for (const auto& model : m.models) xs.push_back(model[t].second);
    for (const auto& model : m.models)
      if (model[t].first != name)  // load_gpt_params gives every file in gpt_param_specs order
        throw Error("merge workbench: tensor " + std::to_string(t) + " is '" + model[t].first + "', expected '" + name +
                    "'");
    const torch::Tensor scratch = torch::empty_like(t0);
    m.omega.push_back(measure_tensor(half, name, scratch, t0, xs));
  }
  // The same per layer group, as a layer SLERP measures it (its outputs go to scratch tensors).
  {
    std::vector<std::string> names;
    for (const auto& nt : m.init) names.push_back(nt.first);
    for (const LayerGroup& g : layer_groups(names)) {
      report(progress, {"load", total, total, "angles: " + g.name});
      std::vector<std::string> gnames;
      std::vector<torch::Tensor> outs, inits;
      std::vector<std::vector<torch::Tensor>> xs;
      for (size_t k : g.members) {
        gnames.push_back(names[k]);
        inits.push_back(m.init[k].second);
        outs.push_back(torch::empty_like(inits.back()));
        xs.emplace_back();
        for (const auto& model : m.models) xs.back().push_back(model[k].second);
      }
      m.omega_groups.push_back(slerp_group_into(half, g.name, gnames, outs, inits, xs));
    }
  }
  report(progress, {"load", total, total, ""});
  return wb;
}

const MergeInputs& MergeWorkbench::inputs() const { return impl_->inputs; }
int MergeWorkbench::num_models() const { return impl_->num_models(); }
const EvalConfig& MergeWorkbench::eval_config() const { return impl_->config; }
const std::string& MergeWorkbench::protocol_sha256() const { return impl_->protocol_sha; }
const std::vector<std::string>& MergeWorkbench::prompts() const { return impl_->evaluator->prompts(); }
const std::vector<TensorMergeRecord>& MergeWorkbench::omega_records() const { return impl_->omega; }
const std::vector<GroupMergeRecord>& MergeWorkbench::omega_group_records() const { return impl_->omega_groups; }

std::string MergeWorkbench::recipe_key(const MergeRecipe& recipe) const { return key_sha256(impl_->key_json(recipe)); }

std::optional<WorkbenchPoint> MergeWorkbench::lookup(const MergeRecipe& recipe) const {
  const MergeRecipe r = normalize_recipe(recipe);
  const auto rec = impl_->find(recipe_key(r));
  if (!rec) return std::nullopt;
  return impl_->from_record(*rec, r);
}

std::vector<WorkbenchPoint> MergeWorkbench::cached_points() const {
  const Impl& m = *impl_;
  std::vector<MergePointRecord> recs;
  {
    std::lock_guard<std::mutex> lock(m.read_mutex);
    recs = MergePointCache(*m.read_db, &m.evaluator->tokenizer()).list(m.inputs_sha, m.protocol_sha);
  }
  std::vector<WorkbenchPoint> out;
  for (const auto& rec : recs)
    out.push_back(m.from_record(rec, recipe_from_key_json(rec.recipe_json, m.db->path() + " (merge_points)")));
  return out;
}

WorkbenchPoint MergeWorkbench::evaluate(const MergeRecipe& recipe, const ProgressFn& progress,
                                        const EstimateFn& estimate) {
  Impl& m = *impl_;
  const MergeRecipe r = normalize_recipe(recipe);
  const nlohmann::json key = m.key_json(r);
  const std::string key_sha = key_sha256(key);
  PhaseTimes before;
  PhaseTimer looking(&before, "lookup");
  if (const auto rec = m.find(key_sha)) return m.from_record(*rec, r);
  looking.stop();
  const auto t0 = std::chrono::steady_clock::now();
  PhaseTimer merging(&before, "merge");
  const NamedTensors params = m.policy_params(r, progress);
  merging.stop();
  const double merge_s = seconds_since(t0);
  WorkbenchPoint p = m.evaluate_and_store(params, r, key_sha, m.provenance(key), m.inputs_sha, progress, estimate);
  p.merge_seconds = merge_s;
  before.phases.insert(before.phases.end(), p.phases.phases.begin(), p.phases.phases.end());
  p.phases = std::move(before);
  return p;
}

WorkbenchPoint MergeWorkbench::reference(const ProgressFn& progress) {
  Impl& m = *impl_;
  const nlohmann::json key = m.reference_key();
  const std::string key_sha = key_sha256(key);
  if (const auto rec = m.find(key_sha)) return m.from_record(*rec, MergeRecipe{});
  nlohmann::json provenance = key;
  provenance["policy"] = m.sft_path;
  return m.evaluate_and_store(m.sft, MergeRecipe{}, key_sha, provenance, std::nullopt, progress);
}

NamedTensors MergeWorkbench::merged_params(const MergeRecipe& recipe, const ProgressFn& progress) {
  return impl_->policy_params(normalize_recipe(recipe), progress);
}

void MergeWorkbench::export_checkpoint(const MergeRecipe& recipe, const std::string& path_in,
                                       const ProgressFn& progress) {
  Impl& m = *impl_;
  const MergeRecipe r = normalize_recipe(recipe);
  if (path_in.empty()) throw BadInput("export: no checkpoint path given");
  const std::string path = in_experiment(m.exp, path_in);
  if (is_directory(path)) throw BadInput(file_message(path, "is a folder; give the path of the checkpoint to write"));
  check_writable_folder(path, "checkpoint");
  std::vector<std::string> inputs = {m.inputs.init, m.sft_path};
  inputs.insert(inputs.end(), m.inputs.models.begin(), m.inputs.models.end());
  for (const auto& in : inputs)
    if (same_file(path, in))
      throw BadInput(file_message(path, "is one of the workbench's inputs (" + in + "); export to another file"));
  const NamedTensors params = m.policy_params(r, progress);
  CheckpointHeader header;
  header.kind = "merge";
  header.step = 0;
  header.meta = m.provenance(m.key_json(r));
  // save_gpt_params writes through CheckpointWriter: a temporary file renamed into place, removed on
  // any failure (an error or a cancel), so nothing is left at `path` or beside it.
  save_gpt_params(path, m.model_config, params, header, progress, tokenizer_file_tensors(m.evaluator->tokenizer()));
}

void MergeWorkbench::export_hf(const MergeRecipe& recipe, const std::string& dir_in, const ProgressFn& progress) {
  Impl& m = *impl_;
  const MergeRecipe r = normalize_recipe(recipe);
  if (dir_in.empty()) throw BadInput("export: no folder given");
  const std::string dir = in_experiment(m.exp, dir_in);
  if (is_regular_file(dir)) throw BadInput(file_message(dir, "is a file; give a folder to export into"));
  if (is_directory(dir)) {
    std::error_code ec;
    if (!std::filesystem::is_empty(dir, ec) || ec)
      throw BadInput(file_message(dir, "exists and is not empty; export into a new or empty folder"));
  }
  check_writable_folder(dir, "Hugging Face folder");
  const NamedTensors params = m.policy_params(r, progress);
  const BpeTokenizer& tok = m.evaluator->tokenizer();
  HfExportOptions options;
  options.bos_token_id = options.eos_token_id = tok.eos_id();
  options.vocab_json_text = tok.vocab_json();
  options.merges_txt_text = tok.merges_txt();

  const std::string temp = temp_sibling(dir);
  if (::mkdir(temp.c_str(), 0755) != 0)
    throw Error(
        file_message(dir, std::string("cannot create the temporary folder ") + temp + ": " + std::strerror(errno)));
  try {
    export_hf_gpt2(temp, m.model_config, params, options, progress);
    if (::rename(temp.c_str(), dir.c_str()) != 0)
      throw Error(
          file_message(dir, std::string("cannot move the exported folder into place: ") + std::strerror(errno)));
    fsync_path(parent_dir(dir));
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(temp, ec);
    throw;
  }
}

}  // namespace warp
