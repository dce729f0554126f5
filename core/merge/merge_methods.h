#pragma once
// Weight merging methods, one parameter tensor at a time (DESIGN §5, Stages 2 and 3).
//
// Notation: θ_init the shared initialisation, θ_1..θ_M the models, δ_m = θ_m − θ_init (task vectors),
// all tensors of one name with the same shape [*] and dtype. Every method computes in float64 per
// element and rounds once to the storage dtype (float32 or float64; float16 / bfloat16 go through
// float32); reductions (norms, dot products) accumulate in float64 (merge_kernels.h).
//
//   slerp            M >= 2. M = 2:
//                      Ω = arccos(<δ1,δ2> / (‖δ1‖‖δ2‖))
//                      θ = θ_init + sin((1−λ)Ω)/sin Ω · δ1 + sin(λΩ)/sin Ω · δ2
//                    Guards: a zero δ, or sin Ω < kSlerpMinSinOmega → LERP for this tensor (recorded
//                    as a fallback). sin Ω is small both when the task vectors are parallel (Ω ≈ 0°)
//                    and when they are antiparallel (Ω ≈ 180°, e.g. δ2 ≈ −c·δ1): near 180° the
//                    SLERP weights sin((1−λ)Ω)/sin Ω and sin(λΩ)/sin Ω blow up like 1/sin Ω, so
//                    LERP's bounded (1−λ, λ) is used there too.
//                    M > 2 (paper App. B.3, Eq. 26): acc = θ_1; for m = 2..M acc = slerp(θ_init, acc, θ_m, 1/m).
//                    Granularity (MergeParams::granularity): "tensor" (the default) takes Ω per
//                    tensor as above; "layer" (the paper's "layer by layer") takes one Ω per group
//                    of tensors (merge/layer_groups.h: a transformer block, the embeddings, the final
//                    norm) over the group's concatenated task vectors: ‖δ‖², <δa,δb> are the float64
//                    sums over the group's tensors, and every tensor of the group is combined with
//                    the group's coefficients (slerp_group_into); each fold step of M > 2 likewise.
//   lerp             M >= 2. θ_init + (1−λ)δ1 + λδ2; for M > 2 the uniform mean θ_init + Σ δ_m / M (λ unused).
//   liti             M = 1. (1−η)·θ_init + η·θ_1.
//   task-arithmetic  M >= 1. θ_init + scale·Σ δ_m (Ilharco et al. 2023).
//   ties             M >= 1. Trim each δ_m to its k = max(1, round(density·n)) largest magnitudes (ties at
//                    the threshold kept in index order), elect the sign of each coordinate as the sign
//                    of the sum of the trimmed values, average the trimmed values that agree with it
//                    (disjoint mean), θ = θ_init + scale·merged (Yadav et al. 2023).
//   dare             M >= 1. Drop each coordinate of each δ_m with probability 1 − density (a seeded
//                    stream keyed by seed, tensor name and model: merge_kernels::dare_key), rescale
//                    the kept ones by 1/density, θ = θ_init + scale·Σ_m (Yu et al. 2024).
//
// The linear methods are evaluated as c0·θ_init + Σ c_m·θ_m (c0 = 1 − Σ c_m), so the endpoints
// (λ, η ∈ {0, 1}) reproduce the inputs exactly.

#include <torch/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace warp {

enum class MergeMethod { Slerp, Lerp, Liti, TaskArithmetic, Ties, Dare };
// Where SLERP takes its angle: per tensor, or per layer (a group of tensors, merge/layer_groups.h).
enum class MergeGranularity { Tensor, Layer };

// "slerp", "lerp", "liti", "task-arithmetic", "ties", "dare"
std::string merge_method_name(MergeMethod m);
// Inverse of merge_method_name; BadInput listing the choices for anything else.
MergeMethod parse_merge_method(const std::string& name);
// "tensor", "layer"
std::string merge_granularity_name(MergeGranularity g);
// Inverse of merge_granularity_name; BadInput "SLERP granularity (--granularity) must be tensor or
// layer, got '<name>'" for anything else.
MergeGranularity parse_merge_granularity(const std::string& name);

// SLERP falls back to LERP when sin Ω is below this (Ω within 0.0057° of 0° or 180°). Float32 weights
// resolve angles only to ~1e-7 rad (their rounding noise), and 1/sin Ω > 1e4 would amplify that
// noise into the merged weights; near 0° SLERP and LERP differ by O(Ω²) ≈ 1e-8 relative, i.e. not
// at all in float32.
constexpr double kSlerpMinSinOmega = 1e-4;

// The method and its hyperparameters (documented defaults).
struct MergeParams {
  MergeMethod method = MergeMethod::Slerp;
  double lambda = 0.5;   // slerp / lerp with M = 2: 0 gives θ_1, 1 gives θ_2 (paper default 0.5)
  double eta = 0.3;      // liti: 0 gives θ_init, 1 gives the model (paper default 0.3)
  double scale = 1.0;    // task-arithmetic / ties / dare: factor on the merged task vector
  double density = 1.0;  // ties / dare: fraction of each task vector kept, in (0, 1]
  uint64_t seed = 0;     // dare: seed of the drop masks
  MergeGranularity granularity = MergeGranularity::Tensor;  // slerp: Ω per tensor or per layer

  // Throws BadInput for λ or η outside [0,1], density outside (0,1], a non-finite scale, or a
  // number of models the method does not take (slerp/lerp >= 2, liti exactly 1, ties 1..64,
  // task-arithmetic/dare >= 1), or granularity layer with another method than slerp.
  void validate(int num_models) const;
  // {"method": ..., and the parameters this method uses; "granularity": "layer" for a layer SLERP
  // (absent for per tensor, the default, so keys of per-tensor merges are as before)}
  nlohmann::json to_json() const;
};

// What merging one tensor measured.
struct TensorMergeRecord {
  std::string name;
  int64_t numel = 0;
  std::vector<double> delta_norms;  // ‖δ_m‖ (float64), one per model
  // slerp: Ω in degrees of each fold step (M − 1 values; the first is the angle between δ1 and δ2).
  // Other methods with M >= 2: the angle between δ1 and δ2. NaN when a δ is zero (angle undefined).
  std::vector<double> omega_deg;
  std::vector<bool> fallback;  // slerp: whether each fold step used LERP
  bool any_fallback() const;
  // {"name", "numel", "delta_norms", "omega_deg" (null for NaN), "fallback"}
  nlohmann::json to_json() const;
};

// What a layer SLERP (granularity "layer") measured on one group of tensors: `record` has the group's
// name, Σ numel, and the norms / angles / fallbacks over the group's concatenated task vectors (the
// values SLERP used); `tensors` the group's tensor names.
struct GroupMergeRecord {
  TensorMergeRecord record;
  std::vector<std::string> tensors;
  // record.to_json() + {"tensors": [...]}
  nlohmann::json to_json() const;
};

// One SLERP of two models.
struct SlerpStep {
  double omega_deg = 0;           // NaN when a δ is zero
  double norm_a = 0, norm_b = 0;  // ‖a − init‖, ‖b − init‖
  bool fallback = false;          // LERP was used
};

// out ← slerp(init, a, b, λ). All four: contiguous CPU tensors of one shape and one floating dtype;
// out may be `a` itself. Throws BadInput (naming `name`) for mismatched tensors or non-finite values.
SlerpStep slerp_into(const torch::Tensor& out, const torch::Tensor& init, const torch::Tensor& a,
                     const torch::Tensor& b, double lambda, const std::string& name = "tensor");
torch::Tensor slerp(const torch::Tensor& init, const torch::Tensor& a, const torch::Tensor& b, double lambda,
                    SlerpStep* step = nullptr);

// out ← method(init, models) for one tensor named `name` (the name keys DARE's masks). Inputs as for
// slerp_into; out must not alias an input. `params` must be valid for models.size() (checked).
// Throws BadInput naming the tensor for mismatched shapes or dtypes, integer dtypes, and
// non-finite values (of θ_init or a model).
TensorMergeRecord merge_tensor_into(const MergeParams& params, const std::string& name, const torch::Tensor& out,
                                    const torch::Tensor& init, const std::vector<torch::Tensor>& models);
// The record merge_tensor_into would return, computed from the task-vector sums alone (one read-only
// pass) for every method but SLERP, which runs its steps into `scratch` (a tensor like init).
// Bitwise equal to merge_tensor_into's record for the same inputs.
TensorMergeRecord measure_tensor(const MergeParams& params, const std::string& name, const torch::Tensor& scratch,
                                 const torch::Tensor& init, const std::vector<torch::Tensor>& models);
// SLERP (params: method slerp, λ; granularity ignored) of one group of tensors with one angle per
// fold step over their concatenated task vectors: for each tensor k of the group (names[k]),
// outs[k] ← θ_init + c_a·δa_k + c_b·δb_k with the group's c_a, c_b. models[k] holds tensor k of each of
// the M models (the same M for every k). Each tensor as for merge_tensor_into (shapes and dtypes may
// differ between the group's tensors; float16 / bfloat16 are merged in float32 and rounded once); out
// must not alias an input. `tensor_records` (optional) receives per tensor its own δ norms and its
// own angle at each fold step (what it alone would measure), with the group's fallback flags.
GroupMergeRecord slerp_group_into(const MergeParams& params, const std::string& group,
                                  const std::vector<std::string>& names, const std::vector<torch::Tensor>& outs,
                                  const std::vector<torch::Tensor>& inits,
                                  const std::vector<std::vector<torch::Tensor>>& models,
                                  std::vector<TensorMergeRecord>* tensor_records = nullptr);
// Whether two records are bitwise the same (NaN angles included).
bool same_record(const TensorMergeRecord& a, const TensorMergeRecord& b);
// The same into a new tensor.
torch::Tensor merge_tensor(const MergeParams& params, const std::string& name, const torch::Tensor& init,
                           const std::vector<torch::Tensor>& models, TensorMergeRecord* record = nullptr);

// Whether a dtype can be merged: float32, float64, float16, bfloat16.
bool is_mergeable_dtype(torch::Dtype dtype);

// TIES: how many coordinates of an n-element task vector are kept: max(1, round(density·n)).
int64_t ties_keep_count(int64_t numel, double density);
// DARE: the keep mask (bool, [numel]) of model `model_index` (0-based) for the tensor `name`.
torch::Tensor dare_keep_mask(uint64_t seed, const std::string& name, int model_index, int64_t numel, double density);

}  // namespace warp
