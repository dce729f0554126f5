// Layer-granularity SLERP (merge/layer_groups.h, slerp_group_into, MergeParams::granularity): which
// tensors of a GPT-2-layout checkpoint share an angle; a group's merge against a float64 reference
// written here with plain loops over the concatenated task vectors (M = 2 and the M = 3 fold of
// Eq. 26); groups of one equal per-tensor SLERP bit for bit; the antiparallel guard on a group's
// angle; the file merge's meta; and the checks naming the option.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "merge/layer_groups.h"
#include "merge/merger.h"
#include "model/gpt_params.h"
#include "store/checkpoint_h5.h"
#include "test_support.h"
#include "tiny_gpt.h"
#include "util/error.h"

using namespace warp;

namespace {

constexpr double kPi = 3.14159265358979323846;

bool bitwise_equal(const torch::Tensor& a, const torch::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.numel() * a.element_size()) == 0;
}

std::vector<double> to_doubles(const torch::Tensor& t) {
  const torch::Tensor d = t.to(torch::kFloat64).contiguous().flatten();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

// ---- the grouping ------------------------------------------------------------------------------------

// {group: [tensor names]} of a list of names.
std::map<std::string, std::vector<std::string>> grouped(const std::vector<std::string>& names) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& g : layer_groups(names))
    for (size_t k : g.members) out[g.name].push_back(names[k]);
  return out;
}

TEST(LayerGroups, GroupsTheTensorsOfAGpt2CheckpointByBlock) {
  // The names as a checkpoint of the engine's GPT-2 layout stores them (written and read back).
  const std::string dir = test::scratch_dir("layer-groups");
  const GPTConfig c = test::tiny_gpt_config(40, 8, /*n_layer=*/3);
  CheckpointData d;
  d.header.kind = "policy";
  d.header.config = {{"model", c.to_json()}};
  for (const auto& spec : gpt_param_specs(c)) d.params.emplace_back(spec.name, torch::zeros(spec.shape));
  save_checkpoint(dir + "/gpt.h5", d);
  std::vector<std::string> names;
  {
    CheckpointReader reader(dir + "/gpt.h5");
    for (const auto& info : reader.tensors(TensorGroup::Params)) names.push_back(info.name);
  }
  ASSERT_EQ(names.size(), 2u + 3u * 12u + 2u);

  const std::vector<std::string> block = {
      "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
      "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight",    "mlp.c_fc.bias",    "mlp.c_proj.weight",  "mlp.c_proj.bias"};
  std::map<std::string, std::vector<std::string>> want;
  want["embeddings"] = {"wte.weight", "wpe.weight"};
  for (int i = 0; i < 3; ++i)
    for (const auto& t : block) want["h." + std::to_string(i)].push_back("h." + std::to_string(i) + "." + t);
  want["ln_f"] = {"ln_f.weight", "ln_f.bias"};
  auto got = grouped(names);
  for (auto& [g, members] : got) std::sort(members.begin(), members.end());
  for (auto& [g, members] : want) std::sort(members.begin(), members.end());
  EXPECT_EQ(got, want);
  // In checkpoint order: the embeddings, the blocks in order, the final norm.
  std::vector<std::string> order;
  for (const auto& g : layer_groups(names)) order.push_back(g.name);
  EXPECT_EQ(order, (std::vector<std::string>{"embeddings", "h.0", "h.1", "h.2", "ln_f"}));
  std::filesystem::remove_all(dir);

  // GPT-2 small's layout (12 blocks): 14 groups; h.10 and h.1 are different blocks.
  GPTConfig small;
  small.n_layer = 12;
  small.n_head = 12;
  small.n_embd = 768;
  small.n_ctx = 1024;
  small.vocab_size = 50257;
  std::vector<std::string> small_names;
  for (const auto& spec : gpt_param_specs(small)) small_names.push_back(spec.name);
  const auto small_groups = layer_groups(small_names);
  ASSERT_EQ(small_groups.size(), 14u);
  for (const auto& g : small_groups)
    EXPECT_EQ(g.members.size(), g.name == "embeddings" || g.name == "ln_f" ? 2u : 12u) << g.name;
  EXPECT_EQ(layer_group_of("h.10.mlp.c_fc.weight"), "h.10");
  EXPECT_EQ(layer_group_of("h.1.mlp.c_fc.weight"), "h.1");
}

TEST(LayerGroups, PrefixesAndOtherNames) {
  // A prefix (e.g. a reward model's body) is kept; names outside the layout are groups of one.
  EXPECT_EQ(layer_group_of("body.h.3.attn.c_proj.bias"), "body.h.3");
  EXPECT_EQ(layer_group_of("body.wte.weight"), "body.embeddings");
  EXPECT_EQ(layer_group_of("body.wpe.weight"), "body.embeddings");
  EXPECT_EQ(layer_group_of("body.ln_f.weight"), "body.ln_f");
  EXPECT_EQ(layer_group_of("head.weight"), "head.weight");
  EXPECT_EQ(layer_group_of("w"), "w");
  EXPECT_EQ(layer_group_of("h.x.weight"), "h.x.weight");  // not a block number
  EXPECT_EQ(layer_group_of("h.2"), "h.2");                // no tensor under the block: its own name
  const auto gs = layer_groups({"head.weight", "body.h.0.a", "head.bias", "body.h.0.b"});
  ASSERT_EQ(gs.size(), 3u);
  EXPECT_EQ(gs[0].name, "head.weight");
  EXPECT_EQ(gs[1].name, "body.h.0");
  EXPECT_EQ(gs[1].members, (std::vector<size_t>{1, 3}));
  EXPECT_EQ(gs[2].name, "head.bias");
}

// ---- layer SLERP against a float64 reference ----------------------------------------------------------

// One group of K tensors (different shapes) of θ_init and M models, seeded.
struct Group {
  std::vector<std::string> names;
  std::vector<torch::Tensor> init;
  std::vector<std::vector<torch::Tensor>> models;  // [tensor][model]
};

Group random_group(int M, torch::Dtype dtype, uint64_t seed) {
  torch::manual_seed(seed);
  Group g;
  const std::vector<std::vector<int64_t>> shapes = {{37, 19}, {19}, {70001}};  // the last: many reduction blocks
  for (size_t k = 0; k < shapes.size(); ++k) {
    g.names.push_back("h.0.t" + std::to_string(k));
    const torch::Tensor o = torch::randn(shapes[k], torch::kFloat64);
    g.init.push_back(o.to(dtype));
    g.models.emplace_back();
    // Task vectors of different sizes per tensor, so per-tensor and per-group angles differ.
    for (int m = 0; m < M; ++m)
      g.models.back().push_back((o + (0.05 + 0.1 * k) * torch::randn(shapes[k], torch::kFloat64)).to(dtype));
  }
  return g;
}

// The reference: plain loops in double over the concatenated vectors.
struct RefStep {
  std::vector<double> value;
  double omega_deg = std::nan("");
  double norm_a = 0, norm_b = 0;
  bool fallback = true;
};

RefStep ref_slerp(const std::vector<double>& o, const std::vector<double>& a, const std::vector<double>& b,
                  double lambda) {
  double sa = 0, sb = 0, dot = 0;
  for (size_t i = 0; i < o.size(); ++i) {
    const double da = a[i] - o[i], db = b[i] - o[i];
    sa += da * da;
    sb += db * db;
    dot += da * db;
  }
  RefStep r;
  r.norm_a = std::sqrt(sa);
  r.norm_b = std::sqrt(sb);
  double ca = 1 - lambda, cb = lambda;
  if (r.norm_a > 0 && r.norm_b > 0) {
    const double w = std::acos(std::max(-1.0, std::min(1.0, dot / (r.norm_a * r.norm_b))));
    r.omega_deg = w * 180 / kPi;
    if (std::sin(w) >= kSlerpMinSinOmega) {
      ca = std::sin((1 - lambda) * w) / std::sin(w);
      cb = std::sin(lambda * w) / std::sin(w);
      r.fallback = false;
    }
  }
  r.value.resize(o.size());
  for (size_t i = 0; i < o.size(); ++i) r.value[i] = o[i] + ca * (a[i] - o[i]) + cb * (b[i] - o[i]);
  return r;
}

// Concatenation of tensor k of each list, and the split back into the group's tensors.
std::vector<double> concat(const std::vector<torch::Tensor>& ts) {
  std::vector<double> v;
  for (const auto& t : ts) {
    const auto d = to_doubles(t);
    v.insert(v.end(), d.begin(), d.end());
  }
  return v;
}

// Rounds v to `dtype` piecewise (the engine stores the fold's accumulator in the models' dtype).
std::vector<double> round_to(const std::vector<double>& v, torch::Dtype dtype) {
  torch::Tensor t = torch::from_blob(const_cast<double*>(v.data()), {static_cast<int64_t>(v.size())}, torch::kFloat64);
  return to_doubles(t.to(dtype));
}

struct LayerCase {
  std::string name;
  int M;
  double lambda;
  torch::Dtype dtype;
};
void PrintTo(const LayerCase& c, std::ostream* os) { *os << c.name; }

class LayerSlerp : public ::testing::TestWithParam<LayerCase> {};

TEST_P(LayerSlerp, MatchesAFloat64ReferenceOverTheConcatenatedTaskVectors) {
  const LayerCase& c = GetParam();
  const Group g = random_group(c.M, c.dtype, 40 + c.M);
  MergeParams p;
  p.granularity = MergeGranularity::Layer;
  p.lambda = c.lambda;
  std::vector<torch::Tensor> outs;
  for (const auto& t : g.init) outs.push_back(torch::empty_like(t));
  std::vector<TensorMergeRecord> per;
  const GroupMergeRecord rec = slerp_group_into(p, "h.0", g.names, outs, g.init, g.models, &per);

  // Reference: o, x_m as concatenated float64 vectors; M = 2 one step with λ; M = 3 the fold
  // acc = slerp(o, x1, x2, 1/2), rounded to the dtype, then slerp(o, acc, x3, 1/3).
  const std::vector<double> o = concat(g.init);
  std::vector<std::vector<double>> x;
  for (int m = 0; m < c.M; ++m) {
    std::vector<torch::Tensor> ts;
    for (const auto& per_tensor : g.models) ts.push_back(per_tensor[static_cast<size_t>(m)]);
    x.push_back(concat(ts));
  }
  std::vector<RefStep> steps;
  std::vector<double> acc = x[0];
  for (int m = 1; m < c.M; ++m) {
    steps.push_back(ref_slerp(o, acc, x[static_cast<size_t>(m)], c.M == 2 ? c.lambda : 1.0 / (m + 1)));
    acc = steps.back().value;
    if (m + 1 < c.M) acc = round_to(acc, c.dtype);
  }
  const std::vector<double> got = concat(outs);
  ASSERT_EQ(got.size(), acc.size());
  const double ulp = c.dtype == torch::kFloat64 ? 2.3e-16 : 1.2e-7;
  double max_ref = 0;
  for (double v : acc) max_ref = std::max(max_ref, std::abs(v));
  int64_t bad = 0;
  for (size_t i = 0; i < acc.size(); ++i)
    if (std::abs(got[i] - acc[i]) > ulp * std::abs(acc[i]) + 1e-12 * max_ref) ++bad;
  EXPECT_EQ(bad, 0) << c.name;
  for (size_t k = 0; k < outs.size(); ++k) EXPECT_EQ(outs[k].scalar_type(), c.dtype);

  // The group record: the angles and norms over the concatenation, no fallback.
  EXPECT_EQ(rec.record.name, "h.0");
  EXPECT_EQ(rec.tensors, g.names);
  EXPECT_EQ(rec.record.numel, static_cast<int64_t>(o.size()));
  ASSERT_EQ(rec.record.omega_deg.size(), static_cast<size_t>(c.M - 1));
  ASSERT_EQ(rec.record.delta_norms.size(), static_cast<size_t>(c.M));
  EXPECT_NEAR(rec.record.delta_norms[0], steps[0].norm_a, 1e-12 * steps[0].norm_a);
  for (int m = 1; m < c.M; ++m) {
    const RefStep& s = steps[static_cast<size_t>(m - 1)];
    EXPECT_NEAR(rec.record.omega_deg[static_cast<size_t>(m - 1)], s.omega_deg, 1e-9) << "step " << m;
    EXPECT_NEAR(rec.record.delta_norms[static_cast<size_t>(m)], s.norm_b, 1e-12 * s.norm_b) << "step " << m;
    EXPECT_FALSE(rec.record.fallback[static_cast<size_t>(m - 1)]);
  }
  // Per tensor: its own first-step angle (what per-tensor SLERP measures), which is not the group's.
  ASSERT_EQ(per.size(), g.names.size());
  bool any_differs = false;
  for (size_t k = 0; k < per.size(); ++k) {
    EXPECT_EQ(per[k].name, g.names[k]);
    const auto ok = to_doubles(g.init[k]), a = to_doubles(g.models[k][0]), b = to_doubles(g.models[k][1]);
    const RefStep own = ref_slerp(ok, a, b, 0.5);
    EXPECT_NEAR(per[k].omega_deg[0], own.omega_deg, 1e-9) << g.names[k];
    EXPECT_NEAR(per[k].delta_norms[0], own.norm_a, 1e-12 * own.norm_a) << g.names[k];
    EXPECT_EQ(per[k].fallback, rec.record.fallback) << g.names[k];
    any_differs = any_differs || std::abs(per[k].omega_deg[0] - rec.record.omega_deg[0]) > 1e-3;
  }
  EXPECT_TRUE(any_differs);
}

INSTANTIATE_TEST_SUITE_P(Cases, LayerSlerp,
                         ::testing::Values(LayerCase{"M2_l05_f32", 2, 0.5, torch::kFloat32},
                                           LayerCase{"M2_l03_f64", 2, 0.3, torch::kFloat64},
                                           LayerCase{"M3_f32", 3, 0.5, torch::kFloat32},
                                           LayerCase{"M3_f64", 3, 0.9, torch::kFloat64}),
                         [](const ::testing::TestParamInfo<LayerCase>& info) { return info.param.name; });

TEST(LayerSlerp, AGroupOfOneIsPerTensorSlerpBitForBit) {
  for (int M : {2, 3}) {
    const Group g = random_group(M, torch::kFloat32, 9);
    MergeParams p;
    p.lambda = 0.3;
    for (size_t k = 0; k < g.names.size(); ++k) {
      TensorMergeRecord want;
      const torch::Tensor per_tensor = merge_tensor(p, g.names[k], g.init[k], g.models[k], &want);
      MergeParams lp = p;
      lp.granularity = MergeGranularity::Layer;
      torch::Tensor out = torch::empty_like(g.init[k]);
      std::vector<TensorMergeRecord> per;
      const GroupMergeRecord rec =
          slerp_group_into(lp, g.names[k], {g.names[k]}, {out}, {g.init[k]}, {g.models[k]}, &per);
      EXPECT_TRUE(bitwise_equal(out, per_tensor)) << g.names[k] << " M " << M;
      EXPECT_TRUE(same_record(per[0], want)) << per[0].to_json() << " vs " << want.to_json();
      EXPECT_EQ(rec.record.omega_deg, want.omega_deg);
    }
  }
}

TEST(LayerSlerp, HalfPrecisionGoesThroughFloat32) {
  Group g = random_group(2, torch::kFloat32, 5);
  Group h = g;
  for (auto& t : h.init) t = t.to(torch::kBFloat16);
  for (auto& ms : h.models)
    for (auto& t : ms) t = t.to(torch::kBFloat16);
  MergeParams p;
  p.granularity = MergeGranularity::Layer;
  std::vector<torch::Tensor> outs, outs32;
  for (size_t k = 0; k < h.init.size(); ++k) {
    outs.push_back(torch::empty_like(h.init[k]));
    outs32.push_back(torch::empty_like(g.init[k]));
  }
  // The bfloat16 inputs lifted to float32 give the same float32 merge, rounded once.
  std::vector<torch::Tensor> init32;
  std::vector<std::vector<torch::Tensor>> models32;
  for (size_t k = 0; k < h.init.size(); ++k) {
    init32.push_back(h.init[k].to(torch::kFloat32));
    models32.emplace_back();
    for (const auto& t : h.models[k]) models32.back().push_back(t.to(torch::kFloat32));
  }
  slerp_group_into(p, "g", h.names, outs, h.init, h.models);
  slerp_group_into(p, "g", h.names, outs32, init32, models32);
  for (size_t k = 0; k < outs.size(); ++k)
    EXPECT_TRUE(bitwise_equal(outs[k], outs32[k].to(torch::kBFloat16))) << h.names[k];
}

// ---- the guards on a group's angle -----------------------------------------------------------------------

TEST(LayerSlerp, AntiparallelGroupFallsBackToLerp) {
  // Over the group, δ2 = −δ1 (Ω = 180°, sin Ω = 0): the group falls back to LERP, finite.
  const Group g = random_group(2, torch::kFloat64, 13);
  Group anti = g;
  for (size_t k = 0; k < g.names.size(); ++k) anti.models[k][1] = 2 * g.init[k] - g.models[k][0];  // δ2 = −δ1
  MergeParams p;
  p.granularity = MergeGranularity::Layer;
  p.lambda = 0.3;
  std::vector<torch::Tensor> outs;
  for (const auto& t : g.init) outs.push_back(torch::empty_like(t));
  const GroupMergeRecord rec = slerp_group_into(p, "h.0", anti.names, outs, anti.init, anti.models);
  ASSERT_EQ(rec.record.fallback.size(), 1u);
  EXPECT_TRUE(rec.record.fallback[0]);
  EXPECT_NEAR(rec.record.omega_deg[0], 180.0, 1e-6);
  for (size_t k = 0; k < outs.size(); ++k) {
    EXPECT_TRUE(torch::isfinite(outs[k]).all().item<bool>());
    const torch::Tensor lerp =
        anti.init[k] + 0.7 * (anti.models[k][0] - anti.init[k]) + 0.3 * (anti.models[k][1] - anti.init[k]);
    EXPECT_LT((outs[k] - lerp).abs().max().item<double>(), 1e-12) << anti.names[k];
  }
}

TEST(LayerSlerp, TheGroupAngleDecidesTheGuardNotTheTensorAngle) {
  // Tensor 0 alone: δ2 = −δ1 (antiparallel, its own SLERP would fall back); tensor 1 carries most of
  // the group's task vectors, orthogonal: the group's angle is near 90°, so the group SLERPs and
  // tensor 0 is combined with the group's (finite, bounded) coefficients.
  torch::manual_seed(17);
  const torch::Tensor o0 = torch::randn({50}, torch::kFloat64), o1 = torch::randn({400}, torch::kFloat64);
  const torch::Tensor d0 = 0.01 * torch::randn({50}, torch::kFloat64);
  torch::Tensor u = torch::randn({400}, torch::kFloat64), v = torch::randn({400}, torch::kFloat64);
  v = v - (u * v).sum() / (u * u).sum() * u;
  const std::vector<std::string> names = {"h.0.a", "h.0.b"};
  const std::vector<torch::Tensor> init = {o0, o1};
  const std::vector<std::vector<torch::Tensor>> models = {{o0 + d0, o0 - d0}, {o1 + u, o1 + v}};
  MergeParams p;
  p.granularity = MergeGranularity::Layer;
  std::vector<torch::Tensor> outs = {torch::empty_like(o0), torch::empty_like(o1)};
  std::vector<TensorMergeRecord> per;
  const GroupMergeRecord rec = slerp_group_into(p, "h.0", names, outs, init, models, &per);
  EXPECT_FALSE(rec.record.fallback[0]);
  EXPECT_GT(rec.record.omega_deg[0], 80.0);
  EXPECT_NEAR(per[0].omega_deg[0], 180.0, 1e-6);
  EXPECT_FALSE(per[0].fallback[0]);  // the group's flag
  // Tensor 0: θ_init + c1·δ0 − c2·δ0 with c1 = c2 at λ = 0.5: exactly θ_init.
  EXPECT_LT((outs[0] - o0).abs().max().item<double>(), 1e-15);
}

// ---- whole models: in memory, from files, the meta --------------------------------------------------------

NamedTensors gpt_params(const GPTConfig& c, uint64_t seed, const NamedTensors* base = nullptr) {
  torch::manual_seed(seed);
  NamedTensors t;
  size_t i = 0;
  for (const auto& spec : gpt_param_specs(c)) {
    torch::Tensor v = torch::randn(spec.shape);
    t.emplace_back(spec.name, base ? (*base)[i].second + 0.02 * v : v);
    ++i;
  }
  return t;
}

TEST(LayerMerge, FileMergeEqualsInMemoryAndRecordsTheGroups) {
  const std::string dir = test::scratch_dir("layer-merge");
  const GPTConfig c = test::tiny_gpt_config(40, 8);
  const NamedTensors init = gpt_params(c, 1);
  std::vector<NamedTensors> models;
  for (uint64_t s = 2; s <= 4; ++s) models.push_back(gpt_params(c, s, &init));
  auto write = [&](const std::string& path, const NamedTensors& params) {
    CheckpointData d;
    d.header.kind = "policy";
    d.header.config = {{"model", c.to_json()}};
    d.params = params;
    save_checkpoint(path, d);
  };
  write(dir + "/init.h5", init);
  std::vector<std::string> paths;
  for (size_t m = 0; m < models.size(); ++m) {
    paths.push_back(dir + "/m" + std::to_string(m + 1) + ".h5");
    write(paths.back(), models[m]);
  }
  for (int M : {2, 3}) {
    MergeSpec spec;
    spec.params.granularity = MergeGranularity::Layer;
    spec.params.lambda = 0.4;
    spec.init_path = dir + "/init.h5";
    spec.model_paths.assign(paths.begin(), paths.begin() + M);
    spec.out_path = dir + "/layer.h5";
    int64_t last_done = -1;
    const MergeSummary sum = merge_checkpoints(spec, [&](const ProgressInfo& p) {
      last_done = p.done;
      return true;
    });
    EXPECT_EQ(last_done, static_cast<int64_t>(init.size()));
    const std::vector<NamedTensors> xs(models.begin(), models.begin() + M);
    const MergeResult mem = merge_named_tensors(spec.params, init, xs);
    const CheckpointData out = load_checkpoint(spec.out_path);
    ASSERT_EQ(out.params.size(), init.size());
    for (size_t i = 0; i < init.size(); ++i) {
      EXPECT_EQ(out.params[i].first, init[i].first);
      EXPECT_EQ(mem.tensors[i].first, init[i].first);
      EXPECT_TRUE(bitwise_equal(out.params[i].second, mem.tensors[i].second)) << init[i].first;
    }
    // Groups: embeddings, h.0, h.1, ln_f, each the merge of slerp_group_into on its tensors.
    const auto& meta = out.header.meta;
    EXPECT_EQ(meta["granularity"], "layer");
    EXPECT_EQ(meta["parameters"]["granularity"], "layer");
    ASSERT_EQ(meta["groups"].size(), 4u);
    ASSERT_EQ(mem.groups.size(), 4u);
    double sum_omega = 0;
    for (size_t k = 0; k < mem.groups.size(); ++k) {
      EXPECT_EQ(meta["groups"][k], mem.groups[k].to_json());
      EXPECT_EQ(meta["groups"][k]["omega_deg"].size(), static_cast<size_t>(M - 1));
      sum_omega += mem.groups[k].record.omega_deg[0];
    }
    EXPECT_EQ(meta["groups"][1]["name"], "h.0");
    EXPECT_EQ(meta["groups"][1]["tensors"].size(), 12u);
    EXPECT_NEAR(sum.mean_omega_deg, sum_omega / 4, 1e-12);
    EXPECT_EQ(meta["tensors"].size(), init.size());
    for (size_t i = 0; i < init.size(); ++i) EXPECT_EQ(meta["tensors"][i], mem.records[i].to_json());

    // Per-tensor SLERP is another merge: same groups' tensors, different result; its meta says "tensor".
    MergeSpec ts = spec;
    ts.params.granularity = MergeGranularity::Tensor;
    ts.out_path = dir + "/tensor.h5";
    merge_checkpoints(ts);
    const CheckpointData tout = load_checkpoint(ts.out_path);
    EXPECT_EQ(tout.header.meta["granularity"], "tensor");
    EXPECT_FALSE(tout.header.meta.contains("groups"));
    EXPECT_FALSE(tout.header.meta["parameters"].contains("granularity"));
    EXPECT_FALSE(bitwise_equal(tout.params[2].second, out.params[2].second));  // h.0.ln_1.weight
  }
  std::filesystem::remove_all(dir);
}

TEST(LayerMerge, LayerAnglesFromPerTensorRecordsAreTheLayerSlerpsAngles) {
  // A per-tensor merge's records give the angles a layer SLERP takes (its first fold step).
  const GPTConfig c = test::tiny_gpt_config(40, 8);
  const NamedTensors init = gpt_params(c, 1);
  const std::vector<NamedTensors> models = {gpt_params(c, 2, &init), gpt_params(c, 3, &init)};
  MergeParams tp;
  MergeParams lp;
  lp.granularity = MergeGranularity::Layer;
  const MergeResult per_tensor = merge_named_tensors(tp, init, models);
  const MergeResult per_layer = merge_named_tensors(lp, init, models);
  const std::vector<TensorMergeRecord> got = layer_angles(per_tensor.records);
  ASSERT_EQ(got.size(), per_layer.groups.size());
  for (size_t k = 0; k < got.size(); ++k) {
    const TensorMergeRecord& want = per_layer.groups[k].record;
    EXPECT_EQ(got[k].name, want.name);
    EXPECT_EQ(got[k].numel, want.numel);
    EXPECT_NEAR(got[k].omega_deg[0], want.omega_deg[0], 1e-6) << want.name;
    EXPECT_NEAR(got[k].delta_norms[0], want.delta_norms[0], 1e-12 * want.delta_norms[0]) << want.name;
    EXPECT_NEAR(got[k].delta_norms[1], want.delta_norms[1], 1e-12 * want.delta_norms[1]) << want.name;
  }
  // A zero task vector in one tensor adds nothing; all zero: the angle is undefined.
  TensorMergeRecord z;
  z.name = "h.0.a";
  z.numel = 3;
  z.delta_norms = {0.0, 0.0};
  z.omega_deg = {std::nan("")};
  const auto zero = layer_angles({z});
  ASSERT_EQ(zero.size(), 1u);
  EXPECT_EQ(zero[0].name, "h.0");
  EXPECT_TRUE(std::isnan(zero[0].omega_deg[0]));
}

TEST(LayerMerge, BadGranularityIsNamed) {
  try {
    parse_merge_granularity("block");
    ADD_FAILURE() << "accepted 'block'";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("--granularity"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'block'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse_merge_granularity("layer"), MergeGranularity::Layer);
  EXPECT_EQ(parse_merge_granularity("tensor"), MergeGranularity::Tensor);
  MergeParams p;
  p.method = MergeMethod::Lerp;
  p.granularity = MergeGranularity::Layer;
  try {
    p.validate(2);
    ADD_FAILURE() << "layer lerp accepted";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("granularity"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lerp"), std::string::npos) << e.what();
  }
}

}  // namespace
