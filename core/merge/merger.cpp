// Whole-model merges: in memory and streaming over checkpoint files (see merger.h).
#include "merge/merger.h"

#include <sys/stat.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <sstream>

#include "merge/layer_groups.h"
#include "model/gpt_config.h"
#include "store/checkpoint_h5.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/sha256.h"

namespace warp {

namespace {

std::string label(const std::string& name) { return "tensor '" + name + "'"; }

// Floating-point tensors only, each name once.
void check_mergeable(const std::vector<TensorInfo>& infos, const std::string& where) {
  std::map<std::string, int> seen;
  for (const auto& info : infos) {
    if (seen[info.name]++) throw BadInput(file_message(where, label(info.name) + " appears twice"));
    if (!is_mergeable_dtype(info.dtype))
      throw BadInput(file_message(where, label(info.name) + " is " + dtype_name(info.dtype) +
                                             "; only float32, float64, float16 and bfloat16 tensors can be merged"));
  }
}

std::vector<TensorInfo> describe_all(const NamedTensors& tensors, const std::string& where) {
  std::vector<TensorInfo> infos;
  infos.reserve(tensors.size());
  for (const auto& [name, t] : tensors) infos.push_back(describe_tensor(name, t, where));
  return infos;
}

// The architecture fields of GPTConfig (dropout only matters for training).
void check_same_gpt(const GPTConfig& a, const GPTConfig& b, const std::string& a_where, const std::string& b_where) {
  struct Field {
    const char* name;
    double va, vb;
  };
  const Field fields[] = {{"n_layer", double(a.n_layer), double(b.n_layer)},
                          {"n_head", double(a.n_head), double(b.n_head)},
                          {"n_embd", double(a.n_embd), double(b.n_embd)},
                          {"n_ctx", double(a.n_ctx), double(b.n_ctx)},
                          {"vocab_size", double(a.vocab_size), double(b.vocab_size)},
                          {"layer_norm_eps", a.layer_norm_eps, b.layer_norm_eps}};
  for (const auto& f : fields) {
    if (f.va != f.vb) {
      std::ostringstream s;
      s << "model config differs: " << f.name << " is " << f.vb << ", expected " << f.va << " (as in " << a_where
        << ")";
      throw BadInput(file_message(b_where, s.str()));
    }
  }
}

void check_same_model_config(const CheckpointHeader& ref, const std::string& ref_where, const CheckpointHeader& other,
                             const std::string& other_where) {
  const bool has_ref = ref.config.contains("model"), has_other = other.config.contains("model");
  if (has_ref != has_other)
    throw BadInput(file_message(other_where, has_other ? "has a model config but " + ref_where + " has none"
                                                       : "has no model config but " + ref_where + " has one"));
  if (!has_ref) return;
  GPTConfig ref_gpt;
  try {
    ref_gpt = gpt_config_of(ref, ref_where);
  } catch (const BadInput&) {
    // Not a GPT config (another kind of model): the configs must be the same JSON.
    if (ref.config["model"] != other.config["model"])
      throw BadInput(file_message(other_where, "model config differs from " + ref_where + "'s"));
    return;
  }
  check_same_gpt(ref_gpt, gpt_config_of(other, other_where), ref_where, other_where);
}

struct StatId {
  dev_t dev;
  ino_t ino;
};
bool stat_id(const std::string& path, StatId* id) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  *id = {st.st_dev, st.st_ino};
  return true;
}

void check_output_path(const MergeSpec& spec) {
  const std::string& out = spec.out_path;
  if (out.empty()) throw BadInput("merge: no output path given");
  if (is_directory(out)) throw BadInput(file_message(out, "is a folder; give the path of the merged checkpoint"));
  const std::string dir = parent_dir(out);
  if (!is_directory(dir)) throw BadInput(file_message(out, "its folder " + dir + " does not exist"));
  StatId out_id{};
  if (!stat_id(out, &out_id)) return;
  std::vector<std::string> inputs = {spec.init_path};
  inputs.insert(inputs.end(), spec.model_paths.begin(), spec.model_paths.end());
  for (const auto& in : inputs) {
    StatId in_id{};
    if (stat_id(in, &in_id) && in_id.dev == out_id.dev && in_id.ino == out_id.ino)
      throw BadInput(file_message(out, "is one of the inputs (" + in + "); write the merge to another file"));
  }
}

// The opened, checked inputs.
struct Inputs {
  std::unique_ptr<CheckpointReader> init;
  std::vector<std::unique_ptr<CheckpointReader>> models;
};

// The input files opened and checked against θ_init (check_merge_inputs).
Inputs open_inputs(const std::string& init_path, const std::vector<std::string>& model_paths) {
  Inputs in;
  in.init = std::make_unique<CheckpointReader>(init_path);
  const auto& ref = in.init->tensors(TensorGroup::Params);
  if (ref.empty()) throw BadInput(file_message(init_path, "has no parameter tensors to merge"));
  check_mergeable(ref, init_path);
  for (const auto& path : model_paths) {
    auto r = std::make_unique<CheckpointReader>(path);
    check_same_model_config(in.init->header(), init_path, r->header(), path);
    check_same_tensors(ref, init_path, r->tensors(TensorGroup::Params), path);
    in.models.push_back(std::move(r));
  }
  return in;
}

Inputs open_checked(const MergeSpec& spec) {
  spec.params.validate(static_cast<int>(spec.model_paths.size()));
  check_output_path(spec);
  return open_inputs(spec.init_path, spec.model_paths);
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::canonical(path, ec);
  return ec ? path : p.string();
}

// The input hashes, computed on a background thread from construction with util/sha256.h's stoppable
// sha256_file; the destructor stops it (a cancelled or failed merge does not wait for gigabytes of
// hashing).
class BackgroundHashes {
 public:
  explicit BackgroundHashes(std::vector<std::string> paths)
      : result_(std::async(std::launch::async, [this, paths = std::move(paths)] {
          std::vector<std::string> h;
          const std::function<bool()> keep_going = [this] { return !stop_.load(); };
          for (const auto& p : paths) h.push_back(sha256_file(p, keep_going));
          return h;
        })) {}
  ~BackgroundHashes() {
    stop_ = true;
    if (result_.valid()) result_.wait();
  }
  BackgroundHashes(const BackgroundHashes&) = delete;
  BackgroundHashes& operator=(const BackgroundHashes&) = delete;
  // Waits for the hashes; `poll` is called about every 50 ms meanwhile (it may throw, e.g. Cancelled).
  std::vector<std::string> get(const std::function<void()>& poll) {
    while (result_.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) poll();
    return result_.get();
  }

 private:
  std::atomic<bool> stop_{false};
  std::future<std::vector<std::string>> result_;
};

// What stat() says of an input: which file the path names and when its contents or metadata last
// changed. st_ctime cannot be set by user programs (unlike st_mtime): any write, truncation, rename
// or link count change of the file sets it to the current (coarse, filesystem-tick) time.
struct FileState {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = 0;
  struct timespec mtime {};
  struct timespec ctime {};
};

FileState file_state(const std::string& path) {
  FileState f;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.size = st.st_size;
  f.mtime = st.st_mtim;
  f.ctime = st.st_ctim;
  return f;
}

bool same_state(const FileState& a, const FileState& b) {
  auto same_time = [](const struct timespec& x, const struct timespec& y) {
    return x.tv_sec == y.tv_sec && x.tv_nsec == y.tv_nsec;
  };
  return a.exists == b.exists && a.dev == b.dev && a.ino == b.ino && a.size == b.size && same_time(a.mtime, b.mtime) &&
         same_time(a.ctime, b.ctime);
}

class Stopwatch {
 public:
  // Seconds since construction or the previous lap.
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - t_).count();
    t_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point t_ = std::chrono::steady_clock::now();
};

// A tensor of `info`'s shape and dtype over a buffer of at least offset + info.nbytes bytes.
torch::Tensor view_of(const torch::Tensor& buffer, const TensorInfo& info, int64_t offset = 0) {
  return torch::from_blob(static_cast<uint8_t*>(buffer.data_ptr()) + offset, info.shape,
                          torch::TensorOptions().dtype(info.dtype));
}

// Where each tensor of a layer group lies in the group's buffers (64-byte aligned), and their size.
int64_t group_offsets(const std::vector<TensorInfo>& infos, const LayerGroup& g, std::vector<int64_t>* offsets) {
  int64_t at = 0;
  offsets->clear();
  for (size_t k : g.members) {
    offsets->push_back(at);
    at += (infos[k].nbytes + 63) / 64 * 64;
  }
  return std::max<int64_t>(at, 1);
}

std::vector<std::string> names_of(const std::vector<TensorInfo>& infos) {
  std::vector<std::string> names;
  for (const auto& info : infos) names.push_back(info.name);
  return names;
}

}  // namespace

void check_same_tensors(const std::vector<TensorInfo>& ref, const std::string& ref_where,
                        const std::vector<TensorInfo>& other, const std::string& other_where) {
  std::map<std::string, const TensorInfo*> by_name;
  for (const auto& t : other) by_name[t.name] = &t;
  const std::string as_in = " (as in " + ref_where + ")";
  for (const auto& r : ref) {
    auto it = by_name.find(r.name);
    if (it == by_name.end())
      throw BadInput(file_message(other_where, label(r.name) + " is missing (it is in " + ref_where + ")"));
    const TensorInfo& o = *it->second;
    if (o.shape != r.shape)
      throw BadInput(file_message(other_where, label(r.name) + " has shape " + shape_string(o.shape) + ", expected " +
                                                   shape_string(r.shape) + as_in));
    if (o.dtype != r.dtype)
      throw BadInput(file_message(
          other_where, label(r.name) + " is " + dtype_name(o.dtype) + ", expected " + dtype_name(r.dtype) + as_in));
  }
  if (other.size() != ref.size() || by_name.size() != other.size()) {
    std::map<std::string, int> in_ref;
    for (const auto& r : ref) in_ref[r.name] = 1;
    std::map<std::string, int> seen;
    for (const auto& o : other) {
      if (!in_ref.count(o.name)) throw BadInput(file_message(other_where, label(o.name) + " is not in " + ref_where));
      if (seen[o.name]++) throw BadInput(file_message(other_where, label(o.name) + " appears twice"));
    }
  }
}

double mean_omega_deg(const std::vector<GroupMergeRecord>& groups) {
  std::vector<TensorMergeRecord> records;
  for (const auto& g : groups) records.push_back(g.record);
  return mean_omega_deg(records);
}

double mean_omega_deg(const std::vector<TensorMergeRecord>& records) {
  double sum = 0;
  int64_t n = 0;
  for (const auto& r : records) {
    if (!r.omega_deg.empty() && std::isfinite(r.omega_deg[0])) {
      sum += r.omega_deg[0];
      ++n;
    }
  }
  return n ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

std::vector<TensorMergeRecord> layer_angles(const std::vector<TensorMergeRecord>& tensor_records) {
  std::vector<std::string> names;
  std::vector<const TensorMergeRecord*> used;
  for (const auto& r : tensor_records) {
    if (r.delta_norms.size() < 2 || r.omega_deg.empty()) continue;
    names.push_back(r.name);
    used.push_back(&r);
  }
  std::vector<TensorMergeRecord> out;
  for (const LayerGroup& g : layer_groups(names)) {
    double sq1 = 0, sq2 = 0, dot = 0;
    TensorMergeRecord rec;
    rec.name = g.name;
    for (size_t k : g.members) {
      const TensorMergeRecord& r = *used[k];
      const double n1 = r.delta_norms[0], n2 = r.delta_norms[1], w = r.omega_deg[0];
      rec.numel += r.numel;
      sq1 += n1 * n1;
      sq2 += n2 * n2;
      if (std::isfinite(w)) dot += n1 * n2 * std::cos(w * 3.14159265358979323846 / 180.0);
    }
    double omega = std::numeric_limits<double>::quiet_NaN();
    if (sq1 > 0 && sq2 > 0)
      omega =
          std::acos(std::clamp(dot / (std::sqrt(sq1) * std::sqrt(sq2)), -1.0, 1.0)) * 180.0 / 3.14159265358979323846;
    rec.delta_norms = {std::sqrt(sq1), std::sqrt(sq2)};
    rec.omega_deg = {omega};
    out.push_back(std::move(rec));
  }
  return out;
}

int64_t count_fallback_tensors(const std::vector<TensorMergeRecord>& records) {
  int64_t n = 0;
  for (const auto& r : records) n += r.any_fallback();
  return n;
}

MergeResult merge_named_tensors(const MergeParams& params, const NamedTensors& init,
                                const std::vector<NamedTensors>& models, const ProgressFn& progress) {
  params.validate(static_cast<int>(models.size()));
  const std::string init_where = "θ_init";
  const auto ref = describe_all(init, init_where);
  check_mergeable(ref, init_where);
  std::vector<std::map<std::string, const torch::Tensor*>> by_name(models.size());
  for (size_t m = 0; m < models.size(); ++m) {
    const std::string where = "model " + std::to_string(m + 1);
    check_same_tensors(ref, init_where, describe_all(models[m], where), where);
    for (const auto& [name, t] : models[m]) by_name[m][name] = &t;
  }
  auto on_cpu = [](const torch::Tensor& t) { return t.to(torch::kCPU).contiguous(); };
  MergeResult result;
  const int64_t total = static_cast<int64_t>(init.size());
  if (params.method == MergeMethod::Slerp && params.granularity == MergeGranularity::Layer) {
    // One angle per layer group (merge/layer_groups.h); tensors and records in θ_init's order.
    std::vector<std::string> names;
    for (const auto& [name, t] : init) names.push_back(name);
    result.tensors.resize(init.size());
    result.records.resize(init.size());
    int64_t done = 0;
    for (const LayerGroup& g : layer_groups(names)) {
      report(progress, {"merge", done, total, g.name});
      std::vector<std::string> gnames;
      std::vector<torch::Tensor> outs, inits;
      std::vector<std::vector<torch::Tensor>> xs;
      for (size_t k : g.members) {
        gnames.push_back(names[k]);
        inits.push_back(on_cpu(init[k].second));
        outs.push_back(torch::empty(inits.back().sizes(), inits.back().options()));
        xs.emplace_back();
        for (const auto& map : by_name) xs.back().push_back(on_cpu(*map.at(names[k])));
      }
      std::vector<TensorMergeRecord> recs;
      result.groups.push_back(slerp_group_into(params, g.name, gnames, outs, inits, xs, &recs));
      for (size_t j = 0; j < g.members.size(); ++j) {
        result.tensors[g.members[j]] = {names[g.members[j]], outs[j]};
        result.records[g.members[j]] = std::move(recs[j]);
      }
      done += static_cast<int64_t>(g.members.size());
    }
    report(progress, {"merge", total, total, ""});
    return result;
  }
  for (int64_t i = 0; i < total; ++i) {
    const auto& [name, t] = init[static_cast<size_t>(i)];
    report(progress, {"merge", i, total, name});
    std::vector<torch::Tensor> xs;
    for (const auto& map : by_name) xs.push_back(on_cpu(*map.at(name)));
    TensorMergeRecord rec;
    torch::Tensor merged = merge_tensor(params, name, on_cpu(t), xs, &rec);
    result.tensors.emplace_back(name, merged);
    result.records.push_back(std::move(rec));
  }
  report(progress, {"merge", total, total, ""});
  return result;
}

void check_merge_spec(const MergeSpec& spec) { open_checked(spec); }

void check_merge_inputs(const std::string& init_path, const std::vector<std::string>& model_paths) {
  open_inputs(init_path, model_paths);
}

MergeSummary merge_checkpoints(const MergeSpec& spec, const ProgressFn& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> paths = {spec.init_path};
  paths.insert(paths.end(), spec.model_paths.begin(), spec.model_paths.end());
  // Which file each input path names, before anything opens it (compared again at the end).
  std::vector<FileState> states_before;
  for (const auto& p : paths) states_before.push_back(file_state(p));

  Inputs in = open_checked(spec);
  const int M = static_cast<int>(in.models.size());
  const auto& infos = in.init->tensors(TensorGroup::Params);
  const int64_t total = static_cast<int64_t>(infos.size());

  // Hash the inputs on another thread while merging them (the result goes into the meta).
  BackgroundHashes hashes(paths);

  MergeSummary summary;
  summary.out_path = spec.out_path;
  summary.params = spec.params;
  summary.num_models = M;
  summary.tensors = total;
  int64_t max_bytes = 1;
  for (const auto& info : infos) {
    max_bytes = std::max(max_bytes, info.nbytes);
    summary.elements += info.numel;
    summary.bytes_written += info.nbytes;
  }
  summary.bytes_read = summary.bytes_written * (M + 1);

  // A layer SLERP merges one group of tensors at a time (merge/layer_groups.h): its buffers hold the
  // largest group, so peak memory is about (M + 2) × the largest group.
  const bool by_layer = spec.params.method == MergeMethod::Slerp && spec.params.granularity == MergeGranularity::Layer;
  const std::vector<LayerGroup> groups = by_layer ? layer_groups(names_of(infos)) : std::vector<LayerGroup>{};
  std::vector<int64_t> offsets;
  for (const auto& g : groups) max_bytes = std::max(max_bytes, group_offsets(infos, g, &offsets));

  // Buffers for the largest tensor (or group): [0] θ_init, [1..M] the models, [M+1] the output.
  std::vector<torch::Tensor> buffers;
  for (int k = 0; k < M + 2; ++k) buffers.push_back(torch::empty({max_bytes}, torch::kUInt8));

  // One pass: read tensor i of every input once, merge it in memory (its record comes with it),
  // write it. The meta, which holds every record, is set once all tensors are written.
  CheckpointHeader header;
  header.kind = "merge";
  header.step = 0;
  header.config = in.init->header().config;
  CheckpointWriter writer(spec.out_path, header);
  std::vector<torch::Tensor> xs;
  if (by_layer) summary.records.resize(infos.size());
  int64_t group_done = 0;
  for (const LayerGroup& g : groups) {
    report(progress, {"merge", group_done, total, g.name});
    Stopwatch watch;
    group_offsets(infos, g, &offsets);
    std::vector<std::string> gnames;
    std::vector<torch::Tensor> outs, inits;
    std::vector<std::vector<torch::Tensor>> gxs;
    for (size_t j = 0; j < g.members.size(); ++j) {
      const TensorInfo& info = infos[g.members[j]];
      gnames.push_back(info.name);
      inits.push_back(view_of(buffers[0], info, offsets[j]));
      in.init->read_into(info.name, inits.back());
      gxs.emplace_back();
      for (int m = 0; m < M; ++m) {
        gxs.back().push_back(view_of(buffers[static_cast<size_t>(m + 1)], info, offsets[j]));
        in.models[static_cast<size_t>(m)]->read_into(info.name, gxs.back().back());
      }
      outs.push_back(view_of(buffers[static_cast<size_t>(M + 1)], info, offsets[j]));
    }
    summary.phases.read += watch.lap();
    std::vector<TensorMergeRecord> recs;
    summary.groups.push_back(slerp_group_into(spec.params, g.name, gnames, outs, inits, gxs, &recs));
    summary.phases.merge += watch.lap();
    for (size_t j = 0; j < g.members.size(); ++j) {
      writer.write(gnames[j], outs[j]);
      summary.records[g.members[j]] = std::move(recs[j]);
    }
    summary.phases.write += watch.lap();
    group_done += static_cast<int64_t>(g.members.size());
  }
  for (int64_t i = 0; i < (by_layer ? 0 : total); ++i) {
    const TensorInfo& info = infos[static_cast<size_t>(i)];
    report(progress, {"merge", i, total, info.name});
    Stopwatch watch;
    const torch::Tensor init_t = view_of(buffers[0], info);
    in.init->read_into(info.name, init_t);
    xs.clear();
    for (int m = 0; m < M; ++m) {
      xs.push_back(view_of(buffers[static_cast<size_t>(m + 1)], info));
      in.models[static_cast<size_t>(m)]->read_into(info.name, xs.back());
    }
    summary.phases.read += watch.lap();
    torch::Tensor out_t = view_of(buffers[static_cast<size_t>(M + 1)], info);
    summary.records.push_back(merge_tensor_into(spec.params, info.name, out_t, init_t, xs));
    summary.phases.merge += watch.lap();
    writer.write(info.name, out_t);
    summary.phases.write += watch.lap();
  }
  // Files carried along (e.g. the tokenizer a checkpoint embeds) come from θ_init, unchanged.
  for (const auto& info : in.init->tensors(TensorGroup::Files))
    writer.write(info.name, in.init->read(info.name, TensorGroup::Files), TensorGroup::Files);
  summary.mean_omega_deg = by_layer ? mean_omega_deg(summary.groups) : mean_omega_deg(summary.records);
  summary.fallback_tensors = count_fallback_tensors(summary.records);

  Stopwatch hash_watch;
  const std::vector<std::string> sha = hashes.get([&] { report(progress, {"merge", total, total, "input hashes"}); });
  summary.phases.hash_wait = hash_watch.lap();
  // The hashes and the merge read the same bytes only if no input changed from before it was opened
  // until now (see merger.h: "Inputs that change during the merge").
  for (size_t k = 0; k < paths.size(); ++k) {
    if (!same_state(states_before[k], file_state(paths[k])))
      throw BadInput(file_message(paths[k],
                                  "changed during the merge (written, replaced or renamed); nothing was "
                                  "written to " +
                                      spec.out_path + ", merge again"));
  }
  nlohmann::json inputs = nlohmann::json::array();
  for (size_t k = 0; k < paths.size(); ++k) {
    nlohmann::json e = {{"role", k == 0 ? "init" : "model"}};
    if (k > 0) e["index"] = k;
    e["path"] = absolute_path(paths[k]);
    e["sha256"] = sha[k];
    inputs.push_back(e);
  }
  nlohmann::json parameters = spec.params.to_json();
  parameters.erase("method");
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& r : summary.records) tensors.push_back(r.to_json());
  summary.meta = {{"method", merge_method_name(spec.params.method)},
                  {"parameters", parameters},
                  {"inputs", inputs},
                  {"mean_omega_deg",
                   std::isfinite(summary.mean_omega_deg) ? nlohmann::json(summary.mean_omega_deg) : nlohmann::json()},
                  {"fallback_tensors", summary.fallback_tensors},
                  {"tensors", tensors}};
  if (spec.params.method == MergeMethod::Slerp) {
    summary.meta["granularity"] = merge_granularity_name(spec.params.granularity);
    if (by_layer) {
      nlohmann::json gj = nlohmann::json::array();
      for (const auto& g : summary.groups) gj.push_back(g.to_json());
      summary.meta["groups"] = gj;
    }
  }
  writer.set_meta(summary.meta);
  report(progress, {"merge", total, total, ""});
  Stopwatch commit_watch;
  writer.commit();
  summary.phases.commit = commit_watch.lap();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace warp
