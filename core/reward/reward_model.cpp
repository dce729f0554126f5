#include "reward/reward_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "model/shape.h"
#include "store/gpt_checkpoint.h"
#include "util/error.h"
#include "util/json_fields.h"

namespace warp {

namespace {

bool is_head_name(const std::string& name) { return name == "head.weight" || name == "head.bias"; }

// Checks the head's descriptions (present, shape, dtype); the trunk is checked by the store.
void check_head_infos(const std::vector<TensorInfo>& infos, const GPTConfig& config, const std::string& where) {
  for (const auto& spec : reward_head_specs(config)) {
    const TensorInfo* found = nullptr;
    for (const auto& info : infos)
      if (info.name == spec.name) found = &info;
    if (!found)
      throw BadInput(file_message(where, "tensor '" + spec.name +
                                             "' is missing (a reward_model checkpoint holds the "
                                             "GPT parameters plus head.weight [1,C] and head.bias [1])"));
    if (found->shape != spec.shape)
      throw BadInput(file_message(where, "tensor '" + spec.name + "' has shape " + shape_string(found->shape) +
                                             ", expected " + shape_string(spec.shape)));
    if (found->dtype != torch::kFloat32)
      throw BadInput(file_message(
          where, "tensor '" + spec.name + "' has dtype " + dtype_name(found->dtype) + ", expected float32"));
  }
}

void check_finite(const std::string& name, const torch::Tensor& t, const std::string& where) {
  if (!torch::isfinite(t).all().item<bool>())
    throw BadInput(file_message(where, "tensor '" + name + "' holds non-finite values (NaN or Inf)"));
}

TensorInfo info_of(const std::string& name, const torch::Tensor& t) {
  TensorInfo info;
  info.name = name;
  info.dtype = t.scalar_type();
  info.shape = tensor_shape(t);
  return info;
}

}  // namespace

// ---- RewardModelInfo ---------------------------------------------------------------------------

nlohmann::json RewardModelInfo::to_json() const { return {{"eos_id", eos_id}, {"tokenizer_sha256", tokenizer_sha256}}; }

RewardModelInfo RewardModelInfo::from_json(const nlohmann::json& j, const std::string& where) {
  RewardModelInfo info;
  info.eos_id = -2;
  JsonFields f(j, where);
  f.get("eos_id", info.eos_id);
  f.get("tokenizer_sha256", info.tokenizer_sha256);
  f.done();
  if (info.eos_id == -2) throw BadInput(where + ": field 'eos_id' is missing");
  if (info.eos_id < -1)
    throw BadInput(where + ": eos_id must be -1 (none) or a token id, got " + std::to_string(info.eos_id));
  return info;
}

// ---- module ------------------------------------------------------------------------------------

RewardModelImpl::RewardModelImpl(const GPTConfig& config, uint64_t seed) {
  trunk = register_module("trunk", GPT(config, seed));
  head = register_module("head", torch::nn::Linear(config.n_embd, 1));
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed ^ 0x5eed4ead5eed4eadULL);
  head->weight.normal_(0.0, 0.02, gen);
  head->bias.zero_();
}

torch::Tensor RewardModelImpl::forward(const torch::Tensor& idx, const torch::Tensor& key_mask) {
  if (idx.dim() != 2 || !key_mask.sizes().equals(idx.sizes()))
    throw BadInput("reward model: idx [B, T] and key_mask of the same shape expected, got " + shape_of(idx) + " and " +
                   shape_of(key_mask));
  if (idx.size(0) == 0 || idx.size(1) == 0) throw BadInput("reward model: empty input " + shape_of(idx));
  const auto mask = key_mask.to(torch::kBool);
  if (!mask.any(1).all().item<bool>())
    throw BadInput("reward model: a row has no real token (its key_mask is all false)");
  const int64_t B = idx.size(0), C = config().n_embd;
  auto pos = (mask.to(torch::kLong).cumsum(1) - 1).clamp_min(0);        // [B, T] real tokens count from 0
  auto hidden = trunk->forward_hidden(idx, pos, mask);                  // [B, T, C]
  auto last = last_real_index(mask).view({B, 1, 1}).expand({B, 1, C});  // [B, 1, C]
  auto h_last = hidden.gather(1, last).squeeze(1);                      // [B, C]
  return head->forward(h_last).squeeze(-1);                             // [B]
}

torch::Tensor RewardModelImpl::score(const torch::Tensor& prompt, const torch::Tensor& prompt_mask,
                                     const torch::Tensor& completion, const torch::Tensor& completion_mask,
                                     int64_t eos_id) {
  if (prompt.dim() != 2 || !prompt_mask.sizes().equals(prompt.sizes()) || completion.dim() != 2 ||
      !completion_mask.sizes().equals(completion.sizes()) || completion.size(0) != prompt.size(0))
    throw BadInput("reward model: prompt [B, P], completion [B, K] and masks of their shapes expected, got " +
                   shape_of(prompt) + ", " + shape_of(prompt_mask) + ", " + shape_of(completion) + ", " +
                   shape_of(completion_mask));
  auto cmask = completion_mask.to(torch::kBool);
  if (eos_id >= 0) cmask = cmask & completion.ne(eos_id);
  auto seq = torch::cat({prompt, completion}, 1);                    // [B, P+K]
  auto mask = torch::cat({prompt_mask.to(torch::kBool), cmask}, 1);  // [B, P+K]
  // Trim slots that are padding in every row.
  auto any = mask.any(0).to(torch::kCPU);  // [P+K]
  const auto* a = any.data_ptr<bool>();
  int64_t begin = 0, end = any.size(0);
  while (begin < end && !a[begin]) ++begin;
  while (end > begin && !a[end - 1]) --end;
  if (begin == end) throw BadInput("reward model: every row is empty (no prompt or completion token)");
  if (end - begin > config().n_ctx)
    throw BadInput("reward model: prompt + completion span " + std::to_string(end - begin) +
                   " token slots, more than the model's n_ctx " + std::to_string(config().n_ctx));
  return forward(seq.slice(1, begin, end), mask.slice(1, begin, end));
}

NamedTensors RewardModelImpl::checkpoint_params() {
  NamedTensors out = named_params(*trunk);
  out.emplace_back("head.weight", head->weight);
  out.emplace_back("head.bias", head->bias);
  return out;
}

void RewardModelImpl::load_checkpoint_params(const NamedTensors& params, const std::string& where) {
  check_reward_model_params(params, config(), where);
  copy_named_params(checkpoint_params(), params, where);
}

// ---- functions ---------------------------------------------------------------------------------

torch::Tensor last_real_index(const torch::Tensor& key_mask) {
  if (key_mask.dim() != 2) throw BadInput("last_real_index: key_mask must be [B, T], got " + shape_of(key_mask));
  const int64_t T = key_mask.size(1);
  // (t + 1) at real slots, 0 at padding: the row maximum is unique and sits at the last real slot.
  auto ranks = torch::arange(1, T + 1, torch::TensorOptions().dtype(torch::kLong).device(key_mask.device()));  // [T]
  return (key_mask.to(torch::kLong) * ranks).argmax(1);                                                        // [B]
}

torch::Tensor bradley_terry_loss(const torch::Tensor& r_chosen, const torch::Tensor& r_rejected) {
  if (r_chosen.dim() != 1 || !r_chosen.sizes().equals(r_rejected.sizes()) || r_chosen.size(0) == 0)
    throw BadInput("bradley_terry_loss: r_chosen and r_rejected must be [N] with N > 0, got " + shape_of(r_chosen) +
                   " and " + shape_of(r_rejected));
  return torch::nn::functional::softplus(r_rejected - r_chosen).mean();  // −log σ(Δ) = softplus(−Δ)
}

std::vector<ParamSpec> reward_head_specs(const GPTConfig& config) {
  return {{"head.weight", {1, config.n_embd}}, {"head.bias", {1}}};
}

void check_reward_model_params(const NamedTensors& params, const GPTConfig& config, const std::string& where) {
  NamedTensors trunk;
  std::vector<TensorInfo> head_infos;
  for (const auto& [name, t] : params) {
    if (!t.defined()) throw BadInput(file_message(where, "tensor '" + name + "' is undefined"));
    if (is_head_name(name)) head_infos.push_back(info_of(name, t));
    else trunk.emplace_back(name, t);
  }
  check_head_infos(head_infos, config, where);
  if (head_infos.size() != 2) throw BadInput(file_message(where, "the head tensors appear more than once"));
  check_gpt_params(trunk, config, where);
  for (const auto& [name, t] : params)
    if (is_head_name(name)) check_finite(name, t, where);
}

RewardModel reward_model_from_policy(const GptCheckpoint& policy, uint64_t seed) {
  RewardModel rm(policy.config, seed);
  check_gpt_params(policy.params, policy.config, "policy checkpoint");
  copy_named_params(named_params(*rm->trunk), policy.params, "policy checkpoint");
  return rm;
}

void save_reward_model(const std::string& path, RewardModel& model, const RewardModelInfo& info,
                       CheckpointHeader header, const ProgressFn& progress) {
  if (!header.config.is_object()) throw BadInput(file_message(path, "checkpoint config must be a JSON object"));
  CheckpointData data;
  header.kind = kRewardModelKind;
  header.config["model"] = model->config().to_json();
  header.config["reward_model"] = info.to_json();
  data.header = std::move(header);
  data.params = model->checkpoint_params();
  check_reward_model_params(data.params, model->config(), path);
  save_checkpoint(path, data, progress);
}

RewardModelCheckpoint load_reward_model(const std::string& path, const ProgressFn& progress) {
  CheckpointReader reader(path);
  RewardModelCheckpoint out;
  out.header = reader.header();
  if (out.header.kind != kRewardModelKind)
    throw BadInput(file_message(path, "is a '" + out.header.kind + "' checkpoint, expected a '" + kRewardModelKind +
                                          "' one (written by `warp rm`)"));
  out.config = gpt_config_of(out.header, path);
  if (!out.header.config.contains("reward_model"))
    throw BadInput(file_message(path, "config has no 'reward_model' entry"));
  out.info = RewardModelInfo::from_json(out.header.config.at("reward_model"), path + " (config reward_model)");
  if (out.info.eos_id >= out.config.vocab_size)
    throw BadInput(file_message(path, "eos_id " + std::to_string(out.info.eos_id) + " is outside the vocabulary of " +
                                          std::to_string(out.config.vocab_size)));

  // Descriptions first (nothing read yet), then the data.
  const auto& infos = reader.tensors(TensorGroup::Params);
  std::vector<TensorInfo> trunk_infos, head_infos;
  for (const auto& info : infos) (is_head_name(info.name) ? head_infos : trunk_infos).push_back(info);
  check_head_infos(head_infos, out.config, path);
  check_gpt_tensor_infos(trunk_infos, out.config, path);

  NamedTensors params;
  const int64_t total = static_cast<int64_t>(infos.size());
  int64_t done = 0;
  for (const auto& info : infos) {
    report(progress, {"load checkpoint", done++, total, info.name});
    params.emplace_back(info.name, reader.read(info.name));
  }
  report(progress, {"load checkpoint", total, total, ""});
  out.model = RewardModel(out.config);
  out.model->load_checkpoint_params(params, path);
  out.model->eval();
  return out;
}

}  // namespace warp
