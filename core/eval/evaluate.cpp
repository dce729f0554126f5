#include "eval/evaluate.h"

#include <algorithm>

#include <torch/torch.h>

#include "data/prompts.h"
#include "db/experiment_db.h"
#include "eval/eval_cache.h"
#include "experiment/task_data.h"
#include "model/device.h"
#include "model/prompt_prefix.h"
#include "model/sampler.h"
#include "model/token_stats.h"
#include "reward/reward_spec.h"
#include "reward/sample_scores.h"
#include "reward/task_tokens.h"
#include "store/checkpoint_h5.h"
#include "store/gpt_checkpoint.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/phase_times.h"
#include "util/seeds.h"
#include "util/sha256.h"

namespace warp {

namespace {

// Eval mode for the scope (no dropout), the previous mode restored afterwards.
class EvalMode {
 public:
  explicit EvalMode(GPT& m) : m_(m), was_(m->is_training()) { m_->eval(); }
  ~EvalMode() { m_->train(was_); }
  EvalMode(const EvalMode&) = delete;
  EvalMode& operator=(const EvalMode&) = delete;

 private:
  GPT& m_;
  bool was_;
};

std::vector<double> to_doubles(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// True when the two models' parameters are bitwise equal (θ_sft evaluated against itself, the η = 0
// end of a front toward θ_sft): its KL is then computed by one path for both sides and is exactly 0.
bool same_parameters(GPT& a, GPT& b) {
  const auto pa = a->named_parameters(), pb = b->named_parameters();
  if (pa.size() != pb.size()) return false;
  for (size_t i = 0; i < pa.size(); ++i)
    if (pa[i].key() != pb[i].key() || !pa[i].value().sizes().equals(pb[i].value().sizes()) ||
        !torch::equal(pa[i].value(), pb[i].value()))
      return false;
  return true;
}

}  // namespace

uint64_t eval_row_seed(uint64_t eval_seed, int64_t prompt_index) {
  return derive_seed(kSeedDomainEval, eval_seed, {static_cast<uint64_t>(prompt_index)});
}

Evaluator::Evaluator(const EvalConfig& config, const std::vector<std::string>& prompts, const BpeTokenizer& tokenizer,
                     GPT sft, Reward& reward, Reward* gold, torch::Device device)
    : config_(config), tokenizer_(tokenizer), sft_(std::move(sft)), reward_(reward), gold_(gold), device_(device) {
  config_.validate();
  size_t n = prompts.size();
  if (config_.max_prompts > 0) n = std::min(n, static_cast<size_t>(config_.max_prompts));
  if (n == 0) throw BadInput("eval: there are no evaluation prompts");
  const int64_t room = sft_->config().n_ctx - config_.max_new_tokens;
  if (room < 1)
    throw BadInput("eval: max_new_tokens " + std::to_string(config_.max_new_tokens) +
                   " leaves no room for a prompt in n_ctx " + std::to_string(sft_->config().n_ctx));
  texts_.assign(prompts.begin(), prompts.begin() + static_cast<std::ptrdiff_t>(n));
  ids_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    ids_.push_back(prompt_token_ids(tokenizer_, texts_[i]));
    if (static_cast<int64_t>(ids_.back().size()) > room)
      throw BadInput("eval: prompt " + std::to_string(i) + " (\"" + texts_[i] + "\") has " +
                     std::to_string(ids_.back().size()) +
                     " tokens, more than n_ctx - max_new_tokens = " + std::to_string(room));
  }
}

EvalPoint point_of_rows(const std::vector<EvalRow>& rows, size_t n) {
  n = std::min(n, rows.size());
  std::vector<double> r, g, kl, kls, len;
  for (size_t i = 0; i < n; ++i) {
    const EvalRow& row = rows[i];
    r.push_back(row.reward);
    g.push_back(row.gold);
    kl.push_back(row.kl_sft);
    kls.push_back(row.kl_sft_sampled);
    len.push_back(static_cast<double>(row.length));
  }
  EvalPoint p;
  p.prompts = static_cast<int64_t>(n);
  p.reward = mean_and_se(r);
  p.gold = mean_and_se(g);
  p.kl_sft = mean_and_se(kl);
  p.kl_sft_sampled = mean_and_se(kls);
  p.length = mean_and_se(len);
  return p;
}

PromptPrefix& Evaluator::sft_prefix(size_t chunk, const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                    std::unique_ptr<PromptPrefix>& scratch) {
  if (sft_prefixes_.size() <= chunk) sft_prefixes_.resize(chunk + 1);
  std::unique_ptr<PromptPrefix>& kept = sft_prefixes_[chunk];
  if (kept && kept->matches(prompt, prompt_mask)) return *kept;
  if (kept) {  // other prompts than last time (not in this Evaluator's use, but safe)
    sft_prefix_bytes_ -= kept->bytes();
    kept.reset();
  }
  auto made = std::make_unique<PromptPrefix>(sft_, prompt, prompt_mask, config_.max_new_tokens);
  if (sft_prefix_bytes_ + made->bytes() > kSftPrefixBudgetBytes) {
    scratch = std::move(made);
    return *scratch;
  }
  sft_prefix_bytes_ += made->bytes();
  kept = std::move(made);
  return *kept;
}

EvalResult Evaluator::evaluate(GPT& policy, const ProgressFn& progress, const EstimateFn& estimate) {
  if (!(policy->config() == sft_->config()))
    throw BadInput("eval: the policy's model config differs from the SFT model's");
  torch::NoGradGuard no_grad;
  EvalMode policy_mode(policy), sft_mode(sft_);
  const int64_t N = num_prompts();
  const double tau = config_.temperature;
  SampleOptions so;
  so.temperature = tau;
  so.eos_id = tokenizer_.eos_id();
  so.max_new_tokens = config_.max_new_tokens;

  const bool policy_is_sft = same_parameters(policy, sft_);
  EvalResult result;
  result.rows.resize(static_cast<size_t>(N));
  for (int64_t begin = 0; begin < N; begin += config_.batch) {
    report(progress, {"eval", begin, N, ""});
    const int64_t end = std::min(N, begin + config_.batch);
    std::vector<std::vector<int64_t>> prompts(ids_.begin() + begin, ids_.begin() + end);
    std::vector<uint64_t> seeds;
    for (int64_t i = begin; i < end; ++i) seeds.push_back(eval_row_seed(config_.seed, i));

    // The policy's side of the KL comes from the logits the tokens were sampled from (one forward
    // pass fewer than recomputing them over prompt + completion; equal up to float rounding, which
    // test_eval checks against the full recomputation). θ_sft against itself takes one path for
    // both sides, so its KL is exactly 0.
    PhaseTimes* const times = PhaseRecorder::current();  // profiling only (util/phase_times.h)
    torch::Tensor step_logits;
    PhaseTimer sampling(times, "sample");
    SampleResult s = sample(policy, prompts, seeds, so, device_, policy_is_sft ? nullptr : &step_logits);
    sampling.stop();
    PhaseTimer sft_forward(times, "sft_forward");
    std::unique_ptr<PromptPrefix> scratch;
    PromptPrefix& prefix = sft_prefix(static_cast<size_t>(begin / config_.batch), s.prompt, s.prompt_mask, scratch);
    const torch::Tensor sft_hidden = prefix.completion_hidden(sft_, s.tokens, tau);  // [B, K, C]
    sft_forward.stop();
    // θ_sft's logits and both distributions a few rows at a time (model/token_stats.h).
    PhaseTimer kl_time(times, "kl");
    const RowLogitsFn sft_logits = [&](int64_t b, int64_t rows) {
      return sft_->logits_from_hidden(sft_hidden.narrow(0, b, rows));
    };
    RowLogitsFn policy_logits;
    if (!policy_is_sft)
      policy_logits = [&](int64_t b, int64_t rows) {
        const torch::Tensor z = step_logits.narrow(0, b, rows);
        return tau == 1.0 ? z : z * (1.0 / tau);
      };
    const int64_t vocab = sft_->config().vocab_size;
    const RowKl row_kl = chunked_row_kl(policy_logits, sft_logits, s.tokens, s.mask,
                                        kl_chunk_rows(s.tokens.size(1), vocab, sft_hidden.element_size()));
    const torch::Tensor& kl = row_kl.exact;            // [B]
    const torch::Tensor& kl_sampled = row_kl.sampled;  // [B]
    step_logits = torch::Tensor();
    kl_time.stop();

    const SampleScores sc = score_samples(s, std::vector<std::string>(texts_.begin() + begin, texts_.begin() + end),
                                          &tokenizer_, so.eos_id, reward_, gold_, "eval");
    const auto klv = to_doubles(kl), klsv = to_doubles(kl_sampled);
    const auto lens = s.lengths.to(torch::kCPU).contiguous();
    for (int64_t i = begin; i < end; ++i) {
      const size_t b = static_cast<size_t>(i - begin);
      EvalRow& row = result.rows[static_cast<size_t>(i)];
      row.prompt_index = i;
      row.seed = seeds[b];
      row.completion = sc.completion_ids[b];
      row.text = sc.batch.completions[b];
      row.reward = sc.reward[b];
      row.gold = sc.gold[b];
      row.kl_sft = klv[b];
      row.kl_sft_sampled = klsv[b];
      row.length = lens[static_cast<int64_t>(b)].item<int64_t>();
    }
    if (estimate && end < N) estimate(point_of_rows(result.rows, static_cast<size_t>(end)));
  }
  report(progress, {"eval", N, N, ""});
  result.point = point_of_rows(result.rows, result.rows.size());
  result.values = prompt_values(result.rows);
  return result;
}

namespace {

std::string resolve_reward(const Experiment& exp, const EvalConfig& config) {
  return config.reward.empty() ? default_reward_spec(exp) : config.reward;
}

std::string sft_path_of(const Experiment& exp) { return exp.checkpoints_dir() + "/sft.h5"; }

std::string require_file(const std::string& path, const std::string& what) {
  if (!is_regular_file(path)) throw BadInput("missing " + what + ": " + path);
  return path;
}

}  // namespace

struct ProtocolEvaluator::Impl {
  // Declared in construction order: the Evaluator holds references to the members before it.
  EvalConfig config;
  torch::Device device = torch::kCPU;
  GPT sft{nullptr};
  GPTConfig sft_config;
  std::unique_ptr<BpeTokenizer> tokenizer;
  std::vector<std::string> prompts;
  std::unique_ptr<Reward> reward, gold;
  std::unique_ptr<Evaluator> evaluator;
};

ProtocolEvaluator::ProtocolEvaluator(const Experiment& exp, const EvalConfig& config_in) : impl_(new Impl) {
  Impl& m = *impl_;
  m.config = config_in;
  m.config.validate();
  m.config.reward = resolve_reward(exp, m.config);
  m.device = parse_device(m.config.device);
  set_compute_threads(m.config.threads);
  const TaskDataPaths paths = task_data_paths(exp);
  m.sft = load_policy(require_file(sft_path_of(exp), "SFT checkpoint (run warp sft first)"), m.device);
  m.sft_config = m.sft->config();
  m.tokenizer = std::make_unique<BpeTokenizer>(BpeTokenizer::load_dir(paths.tokenizer_dir));
  std::vector<std::string> all;
  for (const auto& p : load_prompt_sets(require_file(paths.prompts_json, "prompt file (run warp sft first)")).eval)
    all.push_back(p.text);
  const RewardSpec spec = parse_reward_spec(m.config.reward);
  const RewardContext context = experiment_reward_context(exp, m.device);
  m.reward = make_reward(spec, context);
  if (spec.kind != RewardSpec::Kind::Gold) m.gold = make_reward(RewardSpec{}, context);
  m.evaluator = std::make_unique<Evaluator>(m.config, all, *m.tokenizer, m.sft, *m.reward, m.gold.get(), m.device);
  m.prompts.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(m.evaluator->num_prompts()));
}

ProtocolEvaluator::~ProtocolEvaluator() = default;

const EvalConfig& ProtocolEvaluator::config() const { return impl_->config; }
torch::Device ProtocolEvaluator::device() const { return impl_->device; }
const GPTConfig& ProtocolEvaluator::sft_config() const { return impl_->sft_config; }
const BpeTokenizer& ProtocolEvaluator::tokenizer() const { return *impl_->tokenizer; }
const std::vector<std::string>& ProtocolEvaluator::prompts() const { return impl_->prompts; }

EvalResult ProtocolEvaluator::evaluate(GPT& policy, const ProgressFn& progress, const EstimateFn& estimate) {
  return impl_->evaluator->evaluate(policy, progress, estimate);
}

std::pair<nlohmann::json, std::string> eval_protocol(const Experiment& exp, const EvalConfig& config) {
  config.validate();
  const TaskDataPaths paths = task_data_paths(exp);
  const std::string spec_text = resolve_reward(exp, config);
  const RewardSpec spec = parse_reward_spec(spec_text);
  std::string reward_sha;
  if (spec.kind == RewardSpec::Kind::Model) {
    std::string p = spec.path;
    if (!p.empty() && p[0] != '/') p = exp.dir() + "/" + p;
    reward_sha = sha256_file(require_file(p, "reward model checkpoint"));
  }
  const PromptSets sets = load_prompt_sets(require_file(paths.prompts_json, "prompt file (run warp sft first)"));
  int64_t n = static_cast<int64_t>(sets.eval.size());
  if (config.max_prompts > 0) n = std::min(n, config.max_prompts);
  const BpeTokenizer tok = BpeTokenizer::load_dir(paths.tokenizer_dir);
  nlohmann::json protocol = {
      {"version", 1},
      {"prompts_sha256", sha256_file(paths.prompts_json)},
      {"seed", config.seed},
      {"temperature", config.temperature},
      {"max_new_tokens", config.max_new_tokens},
      {"prompts", n},
      {"reward", spec.to_string()},
      {"reward_sha256", reward_sha},
      {"sft_sha256", sha256_file(require_file(sft_path_of(exp), "SFT checkpoint (run warp sft first)"))},
      {"tokenizer_sha256", tok.sha256()},
  };
  const std::string text = protocol.dump();
  return {protocol, sha256_hex(text.data(), text.size())};
}

PromptValues prompt_values(const std::vector<EvalRow>& rows) {
  PromptValues v;
  for (const auto& row : rows) {
    v.prompt_index.push_back(row.prompt_index);
    v.seed.push_back(row.seed);
    v.reward.push_back(row.reward);
    v.gold.push_back(row.gold);
    v.kl_sft.push_back(row.kl_sft);
    v.kl_sft_sampled.push_back(row.kl_sft_sampled);
    v.length.push_back(static_cast<double>(row.length));
  }
  return v;
}

EvalResult evaluate_checkpoint(const Experiment& exp, const std::string& checkpoint, const EvalConfig& config_in,
                               const ProgressFn& progress) {
  EvalConfig config = config_in;
  config.validate();
  config.reward = resolve_reward(exp, config);
  std::string path = checkpoint;
  if (!path.empty() && path[0] != '/' && !is_regular_file(path) && is_regular_file(exp.dir() + "/" + path))
    path = exp.dir() + "/" + path;
  require_file(path, "checkpoint");
  auto [protocol, protocol_sha] = eval_protocol(exp, config);
  const std::string ckpt_sha = sha256_file(path);

  ExperimentDb db = ExperimentDb::open(exp.db_path());
  EvalCache cache(db);
  // A point cached before per-prompt values were stored (schema v5) is evaluated again, once: the
  // evaluation is deterministic, so the point is the same and its values are kept from then on.
  auto hit = cache.find(ckpt_sha, protocol_sha);
  auto hit_values = hit ? cache.find_values(ckpt_sha, protocol_sha) : std::nullopt;
  if (hit && hit_values) {
    EvalResult r;
    r.point = *hit;
    r.values = std::move(*hit_values);
    r.cached = true;
    r.protocol = protocol;
    r.protocol_sha256 = protocol_sha;
    return r;
  }

  ProtocolEvaluator evaluator(exp, config);
  GPT policy = load_policy(path, evaluator.device(), &evaluator.sft_config());
  EvalResult r = evaluator.evaluate(policy, progress);
  r.protocol = protocol;
  r.protocol_sha256 = protocol_sha;
  cache.store(ckpt_sha, protocol_sha, checkpoint, protocol.dump(), r.point, r.values);
  return r;
}

}  // namespace warp
