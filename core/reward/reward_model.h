#pragma once
// The learned reward model r(x, y) of DESIGN §4: the policy's transformer trunk (a GPT, initialised
// from θ_sft) and a scalar head Linear(C -> 1) applied to the final hidden state (after ln_f) of
// the LAST REAL token of prompt + completion.
//
// Dimension legend: B batch (sequences), T token slots per sequence (padding included), C channels
// (n_embd), P prompt slots, K completion slots, N pairs.
//
// Padding: a sequence's real tokens are where key_mask is true; padding may sit on the left
// (sampler prompts), on the right (completions after EOS) or both. Positions count the real tokens
// from 0 (cumsum of the mask), padding is masked out of attention, and the head reads the hidden
// state at the row's last true slot, so a padded row scores as the same row unpadded (up to float
// rounding).
//
// Scored sequence: the prompt ids (reward/task_tokens.h: EOS + encode(prompt)) followed by the
// completion ids before its EOS. The EOS itself is not part of the sequence, so an RL completion
// (ids with EOS) and the same completion given as text score alike.
//
// Bradley-Terry: P(y_w ≻ y_l | x) = σ(r(x, y_w) − r(x, y_l)); the loss over N pairs is
//   L = (1/N) Σ −log σ(r_w − r_l) = (1/N) Σ softplus(r_l − r_w),   dL/dΔ = −(1 − σ(Δ)) / N, Δ = r_w − r_l.
// It is invariant to a constant shift of r.
//
// Checkpoint (kind "reward_model", store/checkpoint_h5.h):
//   /params  the GPT parameters (model/gpt_params.h names and shapes), then
//            head.weight [1, C] and head.bias [1]; float32, finite
//   config   {"model": GPTConfig, "reward_model": RewardModelInfo, ...}   (the trainer adds "rm")
// Loading validates the kind, the config and every tensor (missing, extra, shape, dtype, finite)
// and fails with one line naming the file and the tensor.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>
#include <nlohmann/json.hpp>

#include "model/gpt.h"
#include "model/gpt_params.h"
#include "store/checkpoint_h5.h"
#include "util/progress.h"

namespace warp {

constexpr const char* kRewardModelKind = "reward_model";

// What scoring needs besides the weights; header.config["reward_model"] of the checkpoint.
struct RewardModelInfo {
  int64_t eos_id = -1;           // the tokenizer's <|endoftext|> (completions are cut before it); -1: none
  std::string tokenizer_sha256;  // BpeTokenizer::sha256() of the training tokenizer ("" when unknown)

  nlohmann::json to_json() const;
  // BadInput naming `where` for a missing or mistyped field.
  static RewardModelInfo from_json(const nlohmann::json& j, const std::string& where);
};

class RewardModelImpl : public torch::nn::Module {
 public:
  // Trunk GPT(config, seed); head weight N(0, 0.02²) from a generator seeded with `seed`, bias 0.
  // Built on the CPU in float32; move with ->to(device).
  explicit RewardModelImpl(const GPTConfig& config, uint64_t seed = 0);

  const GPTConfig& config() const { return trunk->config(); }

  // idx [B, T] int64, key_mask [B, T] bool (true at real tokens; every row needs one) -> r [B].
  // BadInput for mismatched shapes, a row without real tokens, or T > n_ctx.
  torch::Tensor forward(const torch::Tensor& idx, const torch::Tensor& key_mask);

  // Rewards of completions given left-padded prompts, the RewardBatch / SampleResult layout:
  //   prompt [B, P] int64 + prompt_mask [B, P] bool, completion [B, K] int64 + completion_mask [B, K]
  //   bool (true up to and including EOS); completion slots holding eos_id (>= 0) are left out.
  // Slots that are padding in every row are trimmed before the forward pass; BadInput when the
  // rest exceeds n_ctx. Returns r [B].
  torch::Tensor score(const torch::Tensor& prompt, const torch::Tensor& prompt_mask, const torch::Tensor& completion,
                      const torch::Tensor& completion_mask, int64_t eos_id);

  // The checkpoint tensors: the trunk's parameters under their GPT names, then head.weight and
  // head.bias. The tensors alias the module's parameters.
  NamedTensors checkpoint_params();
  // Validates (check_reward_model_params) and copies the values in.
  void load_checkpoint_params(const NamedTensors& params, const std::string& where);

  GPT trunk{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(RewardModel);

// Slot of the last true entry of each row: key_mask [B, T] bool -> [B] int64 (0 for a row with none).
torch::Tensor last_real_index(const torch::Tensor& key_mask);

// Mean over pairs of −log σ(r_chosen − r_rejected), computed as softplus(r_rejected − r_chosen).
// r_chosen, r_rejected [N] -> scalar. BadInput for mismatched or empty inputs.
torch::Tensor bradley_terry_loss(const torch::Tensor& r_chosen, const torch::Tensor& r_rejected);

// head.weight [1, C], head.bias [1].
std::vector<ParamSpec> reward_head_specs(const GPTConfig& config);

// Checks checkpoint tensors: exactly gpt_param_specs(config) + reward_head_specs(config) (any order),
// float32, finite. BadInput "<where>: tensor 'x' ..." for the first problem.
void check_reward_model_params(const NamedTensors& params, const GPTConfig& config, const std::string& where);

// A reward model whose trunk is a copy of the policy's weights (e.g. θ_sft); head as the constructor.
RewardModel reward_model_from_policy(const GptCheckpoint& policy, uint64_t seed);

struct RewardModelCheckpoint {
  CheckpointHeader header;
  GPTConfig config;
  RewardModelInfo info;
  RewardModel model{nullptr};  // on the CPU, in eval mode
};

// Writes kind "reward_model": header.config gets "model" and "reward_model" (other keys of
// header.config, e.g. "rm", are kept); header.kind is set.
void save_reward_model(const std::string& path, RewardModel& model, const RewardModelInfo& info,
                       CheckpointHeader header = {}, const ProgressFn& progress = {});
// Loads and validates a reward-model checkpoint (see the top of this file).
RewardModelCheckpoint load_reward_model(const std::string& path, const ProgressFn& progress = {});

}  // namespace warp
