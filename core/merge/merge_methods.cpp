// Weight merging methods on one tensor (see merge_methods.h): checks, coefficients, dtype dispatch.
// The loops themselves are in merge_kernels.cpp.
#include "merge/merge_methods.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "merge/merge_kernels.h"
#include "store/tensor_info.h"
#include "util/error.h"
#include "util/format.h"

namespace warp {

namespace mk = merge_kernels;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;

struct MethodName {
  MergeMethod method;
  const char* name;
};
constexpr MethodName kMethods[] = {{MergeMethod::Slerp, "slerp"}, {MergeMethod::Lerp, "lerp"},
                                   {MergeMethod::Liti, "liti"},   {MergeMethod::TaskArithmetic, "task-arithmetic"},
                                   {MergeMethod::Ties, "ties"},   {MergeMethod::Dare, "dare"}};

std::string label(const std::string& name) { return "tensor '" + name + "'"; }

// Angle between two task vectors from their float64 sums; NaN when one is zero.
double angle_deg(double dot, double sq_a, double sq_b) {
  if (sq_a == 0 || sq_b == 0) return kNaN;
  const double c = std::clamp(dot / (std::sqrt(sq_a) * std::sqrt(sq_b)), -1.0, 1.0);
  return std::acos(c) * 180.0 / kPi;
}

// The sums are NaN or Inf exactly when some δ element is (or squares beyond float64).
void check_finite_sums(const mk::DeltaSums& s, const std::string& name, const std::vector<int>& model_numbers) {
  for (size_t m = 0; m < s.sq.size(); ++m) {
    if (!std::isfinite(s.sq[m]))
      throw BadInput(label(name) + ": model " + std::to_string(model_numbers[m]) +
                     " or θ_init has non-finite values (NaN or Inf), or values too large to merge");
  }
}

std::vector<int> numbers(int M) {
  std::vector<int> v(static_cast<size_t>(M));
  for (int m = 0; m < M; ++m) v[static_cast<size_t>(m)] = m + 1;
  return v;
}

void check_tensor(const torch::Tensor& t, const torch::Tensor& init, const std::string& name, const std::string& who) {
  if (!t.defined()) throw BadInput(label(name) + ": " + who + " is undefined");
  if (!t.device().is_cpu()) throw BadInput(label(name) + ": " + who + " is not on the CPU");
  if (t.scalar_type() != init.scalar_type())
    throw BadInput(label(name) + ": " + who + " is " + dtype_name(t.scalar_type()) + ", expected " +
                   dtype_name(init.scalar_type()) + " (the dtype of θ_init)");
  if (t.sizes() != init.sizes())
    throw BadInput(label(name) + ": " + who + " has shape " + shape_string(tensor_shape(t)) + ", expected " +
                   shape_string(tensor_shape(init)) + " (the shape of θ_init)");
  if (!t.is_contiguous()) throw BadInput(label(name) + ": " + who + " is not contiguous");
}

void check_inputs(const std::string& name, const torch::Tensor& out, const torch::Tensor& init,
                  const std::vector<torch::Tensor>& models) {
  if (!init.defined()) throw BadInput(label(name) + ": θ_init is undefined");
  if (!is_mergeable_dtype(init.scalar_type()))
    throw BadInput(label(name) + " is " + dtype_name(init.scalar_type()) +
                   "; only float32, float64, float16 and bfloat16 tensors can be merged");
  check_tensor(init, init, name, "θ_init");
  for (size_t m = 0; m < models.size(); ++m) check_tensor(models[m], init, name, "model " + std::to_string(m + 1));
  check_tensor(out, init, name, "the output");
}

// The angle and coefficients of one SLERP step from the float64 sums ‖δa‖², ‖δb‖², <δa,δb> (of one
// tensor, or of a group's concatenated task vectors). c receives the coefficients of δa and δb:
// SLERP's, or LERP's (1 − λ, λ) under the guards (a zero δ; sin Ω < kSlerpMinSinOmega, i.e. Ω near 0°
// or near 180°).
SlerpStep slerp_coefficients(double sq_a, double sq_b, double dot, double lambda, double c[2]) {
  SlerpStep st;
  st.norm_a = std::sqrt(sq_a);
  st.norm_b = std::sqrt(sq_b);
  c[0] = 1.0 - lambda;  // LERP, the fallback
  c[1] = lambda;
  if (st.norm_a == 0 || st.norm_b == 0) {
    st.omega_deg = kNaN;
    st.fallback = true;
  } else {
    const double omega = std::acos(std::clamp(dot / (st.norm_a * st.norm_b), -1.0, 1.0));
    st.omega_deg = omega * 180.0 / kPi;
    const double sin_omega = std::sin(omega);
    if (sin_omega < kSlerpMinSinOmega) {
      st.fallback = true;
    } else {
      c[0] = std::sin((1.0 - lambda) * omega) / sin_omega;
      c[1] = std::sin(lambda * omega) / sin_omega;
    }
  }
  return st;
}

// One SLERP step on raw arrays (out may be a).
template <typename T>
SlerpStep slerp_raw(T* out, const T* o, const T* a, const T* b, int64_t n, double lambda, const std::string& name,
                    int number_a, int number_b) {
  const T* x[2] = {a, b};
  const mk::DeltaSums s = mk::delta_sums(o, x, 2, n);
  check_finite_sums(s, name, {number_a, number_b});
  double c[2];
  const SlerpStep st = slerp_coefficients(s.sq[0], s.sq[1], s.dot01, lambda, c);
  mk::combine(out, o, 1.0 - c[0] - c[1], x, c, 2, n, nullptr);
  return st;
}

// The two passes of a SLERP step on one tensor of a group (float32 or float64 tensors).
mk::DeltaSums pair_sums(const torch::Tensor& o, const torch::Tensor& a, const torch::Tensor& b) {
  if (o.scalar_type() == torch::kFloat64) {
    const double* x[2] = {a.data_ptr<double>(), b.data_ptr<double>()};
    return mk::delta_sums(o.data_ptr<double>(), x, 2, o.numel());
  }
  const float* x[2] = {a.data_ptr<float>(), b.data_ptr<float>()};
  return mk::delta_sums(o.data_ptr<float>(), x, 2, o.numel());
}

void pair_combine(const torch::Tensor& out, const torch::Tensor& o, const torch::Tensor& a, const torch::Tensor& b,
                  const double c[2]) {
  if (o.scalar_type() == torch::kFloat64) {
    const double* x[2] = {a.data_ptr<double>(), b.data_ptr<double>()};
    mk::combine(out.data_ptr<double>(), o.data_ptr<double>(), 1.0 - c[0] - c[1], x, c, 2, o.numel(), nullptr);
  } else {
    const float* x[2] = {a.data_ptr<float>(), b.data_ptr<float>()};
    mk::combine(out.data_ptr<float>(), o.data_ptr<float>(), 1.0 - c[0] - c[1], x, c, 2, o.numel(), nullptr);
  }
}

// measure_only: the record without the merged tensor where the record allows (every method but
// SLERP, whose angles after the first fold step depend on the merged accumulator).
template <typename T>
TensorMergeRecord merge_raw(const MergeParams& p, const std::string& name, T* out, const T* o,
                            const std::vector<const T*>& x, int64_t n, bool measure_only) {
  const int M = static_cast<int>(x.size());
  TensorMergeRecord rec;
  rec.name = name;
  rec.numel = n;
  auto finish = [&](const mk::DeltaSums& s) {
    check_finite_sums(s, name, numbers(M));
    for (double sq : s.sq) rec.delta_norms.push_back(std::sqrt(sq));
    if (M >= 2) rec.omega_deg.push_back(angle_deg(s.dot01, s.sq[0], s.sq[1]));
  };
  mk::DeltaSums sums;
  if (measure_only && p.method != MergeMethod::Slerp) {
    finish(mk::delta_sums(o, x.data(), M, n));
    return rec;
  }
  switch (p.method) {
    case MergeMethod::Slerp: {
      // M = 2: one step with λ. M > 2: the left fold, acc (= out) = slerp(θ_init, acc, θ_m, 1/m).
      const double lambda0 = M == 2 ? p.lambda : 0.5;
      SlerpStep st = slerp_raw(out, o, x[0], x[1], n, lambda0, name, 1, 2);
      rec.delta_norms = {st.norm_a, st.norm_b};
      rec.omega_deg = {st.omega_deg};
      rec.fallback = {st.fallback};
      for (int m = 2; m < M; ++m) {
        st = slerp_raw(out, o, out, x[static_cast<size_t>(m)], n, 1.0 / (m + 1), name, m, m + 1);
        rec.delta_norms.push_back(st.norm_b);
        rec.omega_deg.push_back(st.omega_deg);
        rec.fallback.push_back(st.fallback);
      }
      return rec;
    }
    case MergeMethod::Lerp:
    case MergeMethod::Liti:
    case MergeMethod::TaskArithmetic: {
      std::vector<double> c(static_cast<size_t>(M));
      double c0 = 1.0;
      if (p.method == MergeMethod::Lerp && M == 2) {
        c = {1.0 - p.lambda, p.lambda};
      } else if (p.method == MergeMethod::Lerp) {
        std::fill(c.begin(), c.end(), 1.0 / M);
      } else if (p.method == MergeMethod::Liti) {
        c = {p.eta};
      } else {
        std::fill(c.begin(), c.end(), p.scale);
      }
      if (p.method == MergeMethod::Liti) c0 = 1.0 - p.eta;
      else
        for (double cm : c) c0 -= cm;
      mk::combine(out, o, c0, x.data(), c.data(), M, n, &sums);
      break;
    }
    case MergeMethod::Ties: {
      const int64_t k = ties_keep_count(n, p.density);
      std::vector<mk::TiesKeep> keep(static_cast<size_t>(M));
      std::vector<double> scratch(k < n ? static_cast<size_t>(n) : 0);
      for (int m = 0; m < M; ++m)
        keep[static_cast<size_t>(m)] = mk::ties_select(o, x[static_cast<size_t>(m)], n, k, scratch.data());
      mk::ties_combine(out, o, x.data(), keep.data(), M, p.scale, n, &sums);
      break;
    }
    case MergeMethod::Dare: {
      std::vector<uint64_t> keys(static_cast<size_t>(M));
      for (int m = 0; m < M; ++m) keys[static_cast<size_t>(m)] = mk::dare_key(p.seed, name, m);
      mk::dare_combine(out, o, x.data(), keys.data(), M, p.density, p.scale, n, &sums);
      break;
    }
  }
  finish(sums);
  return rec;
}

template <typename T>
TensorMergeRecord merge_typed(const MergeParams& p, const std::string& name, const torch::Tensor& out,
                              const torch::Tensor& init, const std::vector<torch::Tensor>& models, bool measure_only) {
  std::vector<const T*> x;
  for (const auto& t : models) x.push_back(t.data_ptr<T>());
  return merge_raw<T>(p, name, out.data_ptr<T>(), init.data_ptr<T>(), x, init.numel(), measure_only);
}

TensorMergeRecord merge_dispatch(const MergeParams& params, const std::string& name, const torch::Tensor& out,
                                 const torch::Tensor& init, const std::vector<torch::Tensor>& models,
                                 bool measure_only) {
  params.validate(static_cast<int>(models.size()));
  check_inputs(name, out, init, models);
  torch::NoGradGuard no_grad;
  switch (init.scalar_type()) {
    case torch::kFloat32:
      return merge_typed<float>(params, name, out, init, models, measure_only);
    case torch::kFloat64:
      return merge_typed<double>(params, name, out, init, models, measure_only);
    default: {
      // float16 / bfloat16: merge float32 copies, round once into out.
      std::vector<torch::Tensor> models32;
      for (const auto& t : models) models32.push_back(t.to(torch::kFloat32));
      torch::Tensor out32 = torch::empty(init.sizes(), init.options().dtype(torch::kFloat32));
      TensorMergeRecord rec = merge_typed<float>(params, name, out32, init.to(torch::kFloat32), models32, measure_only);
      out.copy_(out32);
      return rec;
    }
  }
}

}  // namespace

std::string merge_method_name(MergeMethod m) {
  for (const auto& e : kMethods)
    if (e.method == m) return e.name;
  throw Error("unknown merge method " + std::to_string(static_cast<int>(m)));
}

MergeMethod parse_merge_method(const std::string& name) {
  std::string choices;
  for (const auto& e : kMethods) {
    if (name == e.name) return e.method;
    choices += (choices.empty() ? "" : ", ") + std::string(e.name);
  }
  throw BadInput("unknown merge method '" + name + "' (choose one of " + choices + ")");
}

void MergeParams::validate(int num_models) const {
  const std::string method_s = merge_method_name(method);
  if (!(lambda >= 0 && lambda <= 1))
    throw BadInput("merge: λ (lambda) must be in [0, 1], got " + format_number(lambda));
  if (!(eta >= 0 && eta <= 1)) throw BadInput("merge: η (eta) must be in [0, 1], got " + format_number(eta));
  if (!(density > 0 && density <= 1)) throw BadInput("merge: density must be in (0, 1], got " + format_number(density));
  if (!std::isfinite(scale)) throw BadInput("merge: scale must be finite, got " + format_number(scale));
  if (granularity == MergeGranularity::Layer && method != MergeMethod::Slerp)
    throw BadInput("merge: granularity (--granularity) layer applies to slerp only (one angle per layer), got method " +
                   method_s);
  const std::string got = "got " + std::to_string(num_models);
  switch (method) {
    case MergeMethod::Slerp:
    case MergeMethod::Lerp:
      if (num_models < 2) throw BadInput("merge: " + method_s + " needs at least 2 models, " + got);
      break;
    case MergeMethod::Liti:
      if (num_models != 1)
        throw BadInput("merge: liti interpolates θ_init towards exactly 1 model (e.g. a SLERP merge), " + got);
      break;
    default:
      if (num_models < 1) throw BadInput("merge: " + method_s + " needs at least 1 model, " + got);
      if (method == MergeMethod::Ties && num_models > 64) throw BadInput("merge: ties takes at most 64 models, " + got);
  }
}

nlohmann::json MergeParams::to_json() const {
  nlohmann::json j = {{"method", merge_method_name(method)}};
  switch (method) {
    case MergeMethod::Slerp:
    case MergeMethod::Lerp:
      j["lambda"] = lambda;
      if (granularity == MergeGranularity::Layer) j["granularity"] = merge_granularity_name(granularity);
      break;
    case MergeMethod::Liti:
      j["eta"] = eta;
      break;
    case MergeMethod::TaskArithmetic:
      j["scale"] = scale;
      break;
    case MergeMethod::Ties:
      j["scale"] = scale;
      j["density"] = density;
      break;
    case MergeMethod::Dare:
      j["scale"] = scale;
      j["density"] = density;
      j["seed"] = seed;
      break;
  }
  return j;
}

bool TensorMergeRecord::any_fallback() const {
  return std::find(fallback.begin(), fallback.end(), true) != fallback.end();
}

nlohmann::json TensorMergeRecord::to_json() const {
  nlohmann::json omega = nlohmann::json::array();
  for (double w : omega_deg) omega.push_back(std::isfinite(w) ? nlohmann::json(w) : nlohmann::json());
  nlohmann::json fb = nlohmann::json::array();
  for (bool f : fallback) fb.push_back(f);
  return {{"name", name}, {"numel", numel}, {"delta_norms", delta_norms}, {"omega_deg", omega}, {"fallback", fb}};
}

bool is_mergeable_dtype(torch::Dtype dtype) {
  return dtype == torch::kFloat32 || dtype == torch::kFloat64 || dtype == torch::kFloat16 || dtype == torch::kBFloat16;
}

TensorMergeRecord merge_tensor_into(const MergeParams& params, const std::string& name, const torch::Tensor& out,
                                    const torch::Tensor& init, const std::vector<torch::Tensor>& models) {
  return merge_dispatch(params, name, out, init, models, false);
}

TensorMergeRecord measure_tensor(const MergeParams& params, const std::string& name, const torch::Tensor& scratch,
                                 const torch::Tensor& init, const std::vector<torch::Tensor>& models) {
  return merge_dispatch(params, name, scratch, init, models, true);
}

bool same_record(const TensorMergeRecord& a, const TensorMergeRecord& b) {
  auto same = [](const std::vector<double>& u, const std::vector<double>& v) {
    return u.size() == v.size() && (u.empty() || std::memcmp(u.data(), v.data(), u.size() * sizeof(double)) == 0);
  };
  return a.name == b.name && a.numel == b.numel && same(a.delta_norms, b.delta_norms) &&
         same(a.omega_deg, b.omega_deg) && a.fallback == b.fallback;
}

torch::Tensor merge_tensor(const MergeParams& params, const std::string& name, const torch::Tensor& init,
                           const std::vector<torch::Tensor>& models, TensorMergeRecord* record) {
  if (!init.defined()) throw BadInput(label(name) + ": θ_init is undefined");
  torch::Tensor out = torch::empty(init.sizes(), init.options().memory_format(torch::MemoryFormat::Contiguous));
  TensorMergeRecord rec = merge_tensor_into(params, name, out, init, models);
  if (record) *record = std::move(rec);
  return out;
}

SlerpStep slerp_into(const torch::Tensor& out, const torch::Tensor& init, const torch::Tensor& a,
                     const torch::Tensor& b, double lambda, const std::string& name) {
  if (!(lambda >= 0 && lambda <= 1)) throw BadInput("slerp: λ must be in [0, 1], got " + format_number(lambda));
  check_inputs(name, out, init, {a, b});
  torch::NoGradGuard no_grad;
  const int64_t n = init.numel();
  switch (init.scalar_type()) {
    case torch::kFloat32:
      return slerp_raw(out.data_ptr<float>(), init.data_ptr<float>(), a.data_ptr<float>(), b.data_ptr<float>(), n,
                       lambda, name, 1, 2);
    case torch::kFloat64:
      return slerp_raw(out.data_ptr<double>(), init.data_ptr<double>(), a.data_ptr<double>(), b.data_ptr<double>(), n,
                       lambda, name, 1, 2);
    default: {
      torch::Tensor o32 = init.to(torch::kFloat32), a32 = a.to(torch::kFloat32), b32 = b.to(torch::kFloat32);
      torch::Tensor out32 = torch::empty_like(o32);
      SlerpStep st = slerp_raw(out32.data_ptr<float>(), o32.data_ptr<float>(), a32.data_ptr<float>(),
                               b32.data_ptr<float>(), n, lambda, name, 1, 2);
      out.copy_(out32);
      return st;
    }
  }
}

torch::Tensor slerp(const torch::Tensor& init, const torch::Tensor& a, const torch::Tensor& b, double lambda,
                    SlerpStep* step) {
  if (!init.defined()) throw BadInput("slerp: θ_init is undefined");
  torch::Tensor out = torch::empty(init.sizes(), init.options().memory_format(torch::MemoryFormat::Contiguous));
  SlerpStep st = slerp_into(out, init, a, b, lambda);
  if (step) *step = st;
  return out;
}

std::string merge_granularity_name(MergeGranularity g) { return g == MergeGranularity::Layer ? "layer" : "tensor"; }

MergeGranularity parse_merge_granularity(const std::string& name) {
  if (name == "tensor") return MergeGranularity::Tensor;
  if (name == "layer") return MergeGranularity::Layer;
  throw BadInput("SLERP granularity (--granularity) must be tensor or layer, got '" + name + "'");
}

nlohmann::json GroupMergeRecord::to_json() const {
  nlohmann::json j = record.to_json();
  j["tensors"] = tensors;
  return j;
}

GroupMergeRecord slerp_group_into(const MergeParams& params, const std::string& group,
                                  const std::vector<std::string>& names, const std::vector<torch::Tensor>& outs,
                                  const std::vector<torch::Tensor>& inits,
                                  const std::vector<std::vector<torch::Tensor>>& models,
                                  std::vector<TensorMergeRecord>* tensor_records) {
  const size_t K = names.size();
  if (K == 0) throw BadInput("slerp: group '" + group + "' has no tensors");
  if (params.method != MergeMethod::Slerp) throw BadInput("slerp_group_into: the method must be slerp");
  if (outs.size() != K || inits.size() != K || models.size() != K)
    throw BadInput("slerp: group '" + group + "': " + std::to_string(K) + " names but " + std::to_string(outs.size()) +
                   " outputs, " + std::to_string(inits.size()) + " θ_init tensors and " +
                   std::to_string(models.size()) + " model tensor lists");
  const int M = static_cast<int>(models[0].size());
  params.validate(M);
  for (size_t k = 0; k < K; ++k) {
    if (static_cast<int>(models[k].size()) != M)
      throw BadInput(label(names[k]) + ": " + std::to_string(models[k].size()) + " models, expected " +
                     std::to_string(M) + " (as for the group's other tensors)");
    check_inputs(names[k], outs[k], inits[k], models[k]);
  }
  torch::NoGradGuard no_grad;
  // Work tensors: float32 and float64 tensors as they are; float16 / bfloat16 through float32 copies
  // (merged in float32, rounded once into out at the end), as merge_tensor_into does.
  std::vector<torch::Tensor> o(K), acc(K);
  std::vector<std::vector<torch::Tensor>> x(K);
  for (size_t k = 0; k < K; ++k) {
    const bool direct = inits[k].scalar_type() == torch::kFloat32 || inits[k].scalar_type() == torch::kFloat64;
    o[k] = direct ? inits[k] : inits[k].to(torch::kFloat32);
    for (const auto& t : models[k]) x[k].push_back(direct ? t : t.to(torch::kFloat32));
    acc[k] = direct ? outs[k] : torch::empty(inits[k].sizes(), inits[k].options().dtype(torch::kFloat32));
  }
  GroupMergeRecord g;
  g.record.name = group;
  g.tensors = names;
  std::vector<TensorMergeRecord> per(K);
  for (size_t k = 0; k < K; ++k) {
    per[k].name = names[k];
    per[k].numel = inits[k].numel();
    g.record.numel += per[k].numel;
  }
  // M = 2: one step with λ. M > 2: the left fold, acc = slerp(θ_init, acc, θ_m, 1/m) (Eq. 26), each
  // step with one angle over the group's concatenated task vectors [δa of every tensor], [δb ...].
  std::vector<mk::DeltaSums> sums(K);
  for (int m = 1; m < M; ++m) {
    const double lambda = M == 2 ? params.lambda : 1.0 / (m + 1);
    double sq_a = 0, sq_b = 0, dot = 0;
    for (size_t k = 0; k < K; ++k) {
      const torch::Tensor& a = m == 1 ? x[k][0] : acc[k];
      sums[k] = pair_sums(o[k], a, x[k][static_cast<size_t>(m)]);
      check_finite_sums(sums[k], names[k], {m, m + 1});
      sq_a += sums[k].sq[0];
      sq_b += sums[k].sq[1];
      dot += sums[k].dot01;
    }
    double c[2];
    const SlerpStep st = slerp_coefficients(sq_a, sq_b, dot, lambda, c);
    for (size_t k = 0; k < K; ++k) {
      const torch::Tensor& a = m == 1 ? x[k][0] : acc[k];
      pair_combine(acc[k], o[k], a, x[k][static_cast<size_t>(m)], c);
      // The tensor's own norms and angle in this step (what per-tensor SLERP would have measured for
      // M = 2); the coefficients used are the group's.
      double unused[2];
      const SlerpStep own = slerp_coefficients(sums[k].sq[0], sums[k].sq[1], sums[k].dot01, lambda, unused);
      if (m == 1) per[k].delta_norms.push_back(own.norm_a);
      per[k].delta_norms.push_back(own.norm_b);
      per[k].omega_deg.push_back(own.omega_deg);
      per[k].fallback.push_back(st.fallback);
    }
    if (m == 1) g.record.delta_norms.push_back(st.norm_a);
    g.record.delta_norms.push_back(st.norm_b);
    g.record.omega_deg.push_back(st.omega_deg);
    g.record.fallback.push_back(st.fallback);
  }
  for (size_t k = 0; k < K; ++k)
    if (!acc[k].is_same(outs[k])) outs[k].copy_(acc[k]);
  if (tensor_records) *tensor_records = std::move(per);
  return g;
}

int64_t ties_keep_count(int64_t numel, double density) {
  if (numel <= 0) return 0;
  const int64_t k = std::llround(density * static_cast<double>(numel));
  return std::clamp<int64_t>(k, 1, numel);
}

torch::Tensor dare_keep_mask(uint64_t seed, const std::string& name, int model_index, int64_t numel, double density) {
  torch::Tensor mask = torch::empty({numel}, torch::kBool);
  bool* p = mask.data_ptr<bool>();
  const uint64_t key = mk::dare_key(seed, name, model_index);
  const uint64_t threshold = mk::dare_threshold(density);
  for (int64_t i = 0; i < numel; ++i) p[i] = mk::dare_keep(key, i, threshold);
  return mask;
}

}  // namespace warp
