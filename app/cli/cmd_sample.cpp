// warp sample --ckpt FILE --prompt TEXT [--n N --temperature T --top-k K --top-p P
//             --max-new-tokens K --seed S --tokenizer DIR --device D --threads N]
// Prints N completions of the prompt, one per line. Completion i uses seed S + i, so a line can be
// reproduced alone (the sampler's per-row seeds make it independent of N). The sampling flags set the
// SampleOptions fields they are named after (json_options.h; defaults and rules: model/sampler.h).
#include <iostream>
#include <optional>

#include <torch/torch.h>

#include "commands.h"
#include "experiment/checkpoint_tokenizer.h"
#include "experiment/checkpoint_trust.h"
#include "json_options.h"
#include "model/device.h"
#include "model/gpt.h"
#include "model/sampler.h"
#include "store/gpt_checkpoint.h"
#include "util/error.h"

namespace {

// The options that are no SampleOptions field.
struct Options {
  std::string ckpt, prompt, tokenizer, device = "auto";
  int64_t n = 4;
  uint64_t seed = 1;
  int threads = 0;
};

constexpr int64_t kMaxCompletions = 4096;

void register_sample(CLI::App& app) {
  auto* cmd = app.add_subcommand("sample", "Sample completions of a prompt from a policy checkpoint");
  auto o = std::make_shared<Options>();
  cmd->add_option("--ckpt", o->ckpt, "Policy checkpoint (.h5)")->required();
  cmd->add_option("--prompt", o->prompt, "Prompt text")->required();
  cmd->add_option("--n", o->n, "Number of completions")->capture_default_str();
  // Each sets the SampleOptions field it is named after; the help shows the field's default.
  auto sampling = std::make_shared<warp::cli::JsonOptions>(cmd);
  const warp::SampleOptions defaults;
  sampling->add<double>("--temperature", "temperature", "Sampling temperature (> 0)")
      ->default_str(CLI::detail::to_string(defaults.temperature));
  sampling->add<int64_t>("--top-k", "top_k", "Keep the k most likely tokens (0: off)")
      ->default_str(CLI::detail::to_string(defaults.top_k));
  sampling->add<double>("--top-p", "top_p", "Nucleus mass in (0, 1] (1: off)")
      ->default_str(CLI::detail::to_string(defaults.top_p));
  sampling->add<int64_t>("--max-new-tokens", "max_new_tokens", "Tokens per completion at most")
      ->default_str(CLI::detail::to_string(defaults.max_new_tokens));
  cmd->add_option("--seed", o->seed, "Seed of the first completion (completion i uses seed + i)")
      ->capture_default_str();
  cmd->add_option("--tokenizer", o->tokenizer, "Tokenizer folder (default: the checkpoint's own, see docs)");
  cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Compute threads (0: default)");
  cmd->callback([o, sampling] {
    // All n completions are sampled as one batch (n x vocabulary logits per token): bound it before
    // allocating, so --n 1e15 is a refusal, not std::bad_alloc.
    if (o->n <= 0 || o->n > kMaxCompletions)
      throw warp::BadInput("--n must be in 1.." + std::to_string(kMaxCompletions) + ", got " + std::to_string(o->n));
    const auto device = warp::parse_device(o->device);
    warp::check_checkpoint_input(o->ckpt);
    warp::set_compute_threads(o->threads);
    auto tokenizer = warp::tokenizer_for_checkpoint(o->ckpt, o->tokenizer);
    warp::GPT model = warp::load_policy(o->ckpt, device);
    if (tokenizer.vocab_size() > model->config().vocab_size)
      throw warp::BadInput(o->ckpt + ": the tokenizer has " + std::to_string(tokenizer.vocab_size()) +
                           " tokens but the model only " + std::to_string(model->config().vocab_size));

    const auto ids32 = tokenizer.encode(o->prompt);
    if (ids32.empty()) throw warp::BadInput("--prompt is empty");
    std::vector<int64_t> ids(ids32.begin(), ids32.end());
    warp::SampleOptions so = warp::SampleOptions::from_json(sampling->given(), "sample options");
    so.eos_id = tokenizer.has_eos() ? tokenizer.eos_id() : -1;
    std::vector<std::vector<int64_t>> prompts(static_cast<size_t>(o->n), ids);
    std::vector<uint64_t> seeds;
    for (int64_t i = 0; i < o->n; ++i) seeds.push_back(o->seed + static_cast<uint64_t>(i));
    auto r = warp::sample(model, prompts, seeds, so, device);
    auto tokens = r.tokens.cpu();
    auto lengths = r.lengths.cpu();
    for (int64_t b = 0; b < o->n; ++b) {
      std::vector<int32_t> out;
      const int64_t len = lengths[b].item<int64_t>();
      for (int64_t k = 0; k < len; ++k) {
        const auto t = static_cast<int32_t>(tokens[b][k].item<int64_t>());
        if (t == so.eos_id) break;
        out.push_back(t);
      }
      std::string text = o->prompt + tokenizer.decode(out);
      for (char& ch : text)
        if (ch == '\n') ch = ' ';
      std::cout << text << "\n";
    }
  });
}

const bool registered = warp::cli::add_command(&register_sample);

}  // namespace
