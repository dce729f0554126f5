#include "experiment/checkpoint_tokenizer.h"

#include <cstring>

#include <torch/torch.h>

#include "store/checkpoint_h5.h"
#include "util/error.h"
#include "util/fsutil.h"

namespace warp {

namespace {

bool has_tokenizer_files(const std::string& dir) {
  return (is_regular_file(dir + "/vocab.json") || is_regular_file(dir + "/encoder.json")) &&
         (is_regular_file(dir + "/merges.txt") || is_regular_file(dir + "/vocab.bpe"));
}

std::string tensor_text(const torch::Tensor& t) {
  auto c = t.contiguous();
  return std::string(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), static_cast<size_t>(c.numel()));
}

}  // namespace

BpeTokenizer tokenizer_for_checkpoint(const std::string& checkpoint, const std::string& explicit_dir) {
  if (!explicit_dir.empty()) {
    if (!has_tokenizer_files(explicit_dir))
      throw BadInput(explicit_dir + ": no tokenizer files (vocab.json + merges.txt) in this folder");
    return BpeTokenizer::load_dir(explicit_dir);
  }
  {
    CheckpointReader reader(checkpoint);
    const auto* vocab = reader.find("vocab.json", TensorGroup::Files);
    const auto* merges = reader.find("merges.txt", TensorGroup::Files);
    if (vocab && merges)
      return BpeTokenizer::from_texts(tensor_text(reader.read("vocab.json", TensorGroup::Files)),
                                      tensor_text(reader.read("merges.txt", TensorGroup::Files)),
                                      checkpoint + ":/files/vocab.json", checkpoint + ":/files/merges.txt");
  }
  const std::string folder = parent_dir(checkpoint);
  const std::string experiment_tokenizer = parent_dir(folder) + "/tokenizer";
  if (has_tokenizer_files(experiment_tokenizer)) return BpeTokenizer::load_dir(experiment_tokenizer);
  if (has_tokenizer_files(folder)) return BpeTokenizer::load_dir(folder);
  throw BadInput(checkpoint + ": no tokenizer found (none embedded, none in " + experiment_tokenizer + " or " + folder +
                 "); pass --tokenizer DIR");
}

NamedTensors tokenizer_file_tensors(const BpeTokenizer& tokenizer) {
  auto bytes = [](const std::string& s) {
    auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
    if (!s.empty()) std::memcpy(t.data_ptr<uint8_t>(), s.data(), s.size());
    return t;
  };
  return {{"vocab.json", bytes(tokenizer.vocab_json())}, {"merges.txt", bytes(tokenizer.merges_txt())}};
}

}  // namespace warp
