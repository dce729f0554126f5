#include "store/checkpoint_h5.h"

#include <map>

#include <torch/torch.h>

#include "model/gpt_params.h"
#include "util/error.h"

namespace warp {

namespace {

size_t group_index(TensorGroup g) { return static_cast<size_t>(g); }

// ---- GPT parameter checks ---------------------------------------------------------------------------

struct ProblemList {
  std::string first;
  int count = 0;
  void add(const std::string& p) {
    if (count++ == 0) first = p;
  }
  void throw_if_any(const std::string& where) const {
    if (count == 0) return;
    std::string msg = first;
    if (count > 1) msg += " (and " + std::to_string(count - 1) + " more problem" + (count > 2 ? "s" : "") + ")";
    throw BadInput(file_message(where, msg));
  }
};

}  // namespace

// Names, shapes and dtypes of stored or in-memory tensors against the specs of a config.
void check_gpt_tensor_infos(const std::vector<TensorInfo>& infos, const GPTConfig& config, const std::string& where) {
  ProblemList problems;
  std::map<std::string, const TensorInfo*> by_name;
  for (const auto& info : infos)
    if (!by_name.emplace(info.name, &info).second) problems.add("tensor '" + info.name + "' appears twice");
  auto specs = gpt_param_specs(config);
  std::set<std::string> spec_names;
  for (const auto& spec : specs) {
    spec_names.insert(spec.name);
    auto it = by_name.find(spec.name);
    if (it == by_name.end()) {
      problems.add("tensor '" + spec.name + "' is missing (expected shape " + shape_string(spec.shape) + ")");
      continue;
    }
    const TensorInfo& info = *it->second;
    if (info.shape != spec.shape)
      problems.add("tensor '" + spec.name + "' has shape " + shape_string(info.shape) + ", expected " +
                   shape_string(spec.shape));
    else if (info.dtype != torch::kFloat32)
      problems.add("tensor '" + spec.name + "' has dtype " + dtype_name(info.dtype) + ", expected float32");
  }
  for (const auto& info : infos)
    if (!spec_names.count(info.name))
      problems.add("unexpected tensor '" + info.name + "' (not a parameter of this GPT config)");
  problems.throw_if_any(where);
}

namespace {

std::string config_difference(const GPTConfig& got, const GPTConfig& want) {
  auto field = [](const char* name, auto a, auto b) -> std::string {
    if (a == b) return "";
    return std::string(name) + " is " + nlohmann::json(a).dump() + ", expected " + nlohmann::json(b).dump();
  };
  for (const std::string& d : {field("n_layer", got.n_layer, want.n_layer), field("n_head", got.n_head, want.n_head),
                               field("n_embd", got.n_embd, want.n_embd), field("n_ctx", got.n_ctx, want.n_ctx),
                               field("vocab_size", got.vocab_size, want.vocab_size),
                               field("layer_norm_eps", got.layer_norm_eps, want.layer_norm_eps)})
    if (!d.empty()) return d;
  return "";
}

}  // namespace

// ---- CheckpointReader ----------------------------------------------------------------------------------
// The checks and the HDF5 reading are CheckpointFile's (store/checkpoint_file.cpp); this side turns
// the descriptions and bytes into torch dtypes and tensors.

CheckpointReader::CheckpointReader(const std::string& path) : file_(path) {
  for (TensorGroup g : kTensorGroups)
    for (const auto& desc : file_.tensors(g)) groups_[group_index(g)].push_back(tensor_info_of(desc));
}

CheckpointReader::~CheckpointReader() = default;

const std::vector<TensorInfo>& CheckpointReader::tensors(TensorGroup g) const { return groups_[group_index(g)]; }

const TensorInfo* CheckpointReader::find(const std::string& name, TensorGroup g) const {
  for (const auto& info : tensors(g))
    if (info.name == name) return &info;
  return nullptr;
}

torch::Tensor CheckpointReader::read(const std::string& name, TensorGroup g) const {
  const TensorInfo* info = find(name, g);
  if (!info) throw BadInput(file_message(path(), "has no " + tensor_label(g, name)));
  torch::Tensor out = torch::empty(info->shape, torch::TensorOptions().dtype(info->dtype).device(torch::kCPU));
  read_into(name, out, g);
  return out;
}

void CheckpointReader::read_into(const std::string& name, const torch::Tensor& out, TensorGroup g) const {
  const TensorInfo* info = find(name, g);
  if (!info) throw BadInput(file_message(path(), "has no " + tensor_label(g, name)));
  if (!out.defined() || !out.device().is_cpu() || !out.is_contiguous() || out.scalar_type() != info->dtype ||
      tensor_shape(out) != info->shape)
    throw Error(file_message(path(), "cannot read " + tensor_label(g, name) + " (" + dtype_name(info->dtype) + " " +
                                         shape_string(info->shape) + ") into a tensor that is not a contiguous CPU " +
                                         "tensor of that dtype and shape"));
  file_.read_bytes(name, g, info->numel > 0 ? out.data_ptr() : nullptr, info->nbytes);
}

// ---- CheckpointWriter ------------------------------------------------------------------------------------

CheckpointWriter::CheckpointWriter(const std::string& path, const CheckpointHeader& header,
                                   const CheckpointWriteOptions& options)
    : file_(path, header, options) {}

CheckpointWriter::~CheckpointWriter() = default;

void CheckpointWriter::write(const std::string& name, const torch::Tensor& t, TensorGroup g) {
  file_.check_new_tensor(name, g);
  const TensorDesc desc = tensor_desc_of(describe_tensor(name, t, path()));
  torch::Tensor data = t.detach().to(torch::kCPU).contiguous();
  file_.write(desc, desc.numel > 0 ? data.data_ptr() : nullptr, g);
}

void CheckpointWriter::set_meta(const nlohmann::json& meta) { file_.set_meta(meta); }

void CheckpointWriter::commit() { file_.commit(); }

// ---- whole checkpoints ---------------------------------------------------------------------------------------

void save_checkpoint(const std::string& path, const CheckpointData& data, const ProgressFn& progress,
                     const CheckpointWriteOptions& options) {
  CheckpointWriter writer(path, data.header, options);
  const NamedTensors* lists[] = {&data.params, &data.state, &data.files};
  const int64_t total = static_cast<int64_t>(data.params.size() + data.state.size() + data.files.size());
  int64_t done = 0;
  for (TensorGroup g : kTensorGroups) {
    for (const auto& [name, t] : *lists[group_index(g)]) {
      report(progress, {"save checkpoint", done, total, name});
      writer.write(name, t, g);
      ++done;
    }
  }
  report(progress, {"save checkpoint", done, total, ""});
  writer.commit();
}

CheckpointData load_checkpoint(const std::string& path, const ProgressFn& progress) {
  CheckpointReader reader(path);
  CheckpointData data;
  data.header = reader.header();
  NamedTensors* lists[] = {&data.params, &data.state, &data.files};
  int64_t total = 0;
  for (TensorGroup g : kTensorGroups) total += static_cast<int64_t>(reader.tensors(g).size());
  int64_t done = 0;
  for (TensorGroup g : kTensorGroups) {
    auto& out = *lists[group_index(g)];
    for (const auto& info : reader.tensors(g)) {
      report(progress, {"load checkpoint", done, total, info.name});
      out.emplace_back(info.name, reader.read(info.name, g));
      ++done;
    }
  }
  report(progress, {"load checkpoint", done, total, ""});
  return data;
}

// ---- GPT checkpoints ----------------------------------------------------------------------------------------

GPTConfig gpt_config_of(const CheckpointHeader& header, const std::string& where) {
  if (!header.config.is_object() || !header.config.contains("model"))
    throw BadInput(file_message(where, "config has no 'model' entry (not a GPT checkpoint)"));
  return GPTConfig::from_json(header.config.at("model"), where);
}

void check_gpt_params(const NamedTensors& params, const GPTConfig& config, const std::string& where) {
  std::vector<TensorInfo> infos;
  infos.reserve(params.size());
  for (const auto& [name, t] : params) {
    if (!t.defined()) throw BadInput(file_message(where, "tensor '" + name + "' is undefined"));
    TensorInfo info;
    info.name = name;
    info.dtype = t.scalar_type();
    info.shape = tensor_shape(t);
    infos.push_back(std::move(info));
  }
  check_gpt_tensor_infos(infos, config, where);
  for (const auto& [name, t] : params) check_all_finite(name, t, where);
}

GptCheckpoint load_gpt_params(const std::string& path, const GPTConfig* expected, const ProgressFn& progress) {
  CheckpointReader reader(path);
  GptCheckpoint out;
  out.header = reader.header();
  out.config = gpt_config_of(out.header, path);
  if (expected) {
    std::string diff = config_difference(out.config, *expected);
    if (!diff.empty()) throw BadInput(file_message(path, "model config differs from the expected one: " + diff));
  }
  check_gpt_tensor_infos(reader.tensors(TensorGroup::Params), out.config, path);
  auto specs = gpt_param_specs(out.config);
  const int64_t total = static_cast<int64_t>(specs.size());
  int64_t done = 0;
  for (const auto& spec : specs) {
    report(progress, {"load checkpoint", done, total, spec.name});
    torch::Tensor t = reader.read(spec.name);
    check_all_finite(spec.name, t, path);
    out.params.emplace_back(spec.name, std::move(t));
    ++done;
  }
  report(progress, {"load checkpoint", done, total, ""});
  return out;
}

void save_gpt_params(const std::string& path, const GPTConfig& config, const NamedTensors& params,
                     const CheckpointHeader& header, const ProgressFn& progress, const NamedTensors& files) {
  config.validate();
  check_gpt_params(params, config, path);
  CheckpointHeader h = header;
  if (!h.config.is_object()) throw BadInput(file_message(path, "checkpoint config must be a JSON object"));
  h.config["model"] = config.to_json();
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [name, t] : params) by_name[name] = &t;
  CheckpointWriter writer(path, h);
  auto specs = gpt_param_specs(config);
  const int64_t total = static_cast<int64_t>(specs.size());
  int64_t done = 0;
  for (const auto& spec : specs) {
    report(progress, {"save checkpoint", done, total, spec.name});
    writer.write(spec.name, *by_name.at(spec.name));
    ++done;
  }
  for (const auto& [name, t] : files) writer.write(name, t, TensorGroup::Files);
  report(progress, {"save checkpoint", done, total, ""});
  writer.commit();
}

}  // namespace warp
