#include "experiment/presets.h"

#include "model/gpt_config.h"
#include "util/error.h"

namespace warp {

std::vector<std::string> preset_names() { return {"demo", "smoke"}; }

nlohmann::json preset_config(const std::string& name) {
  GPTConfig model;
  int64_t bpe_vocab = 0;
  int64_t bpe_lines = 0;                           // lines of train.txt the tokenizer learns from (0: all)
  nlohmann::json sft;                              // train/sft.h SftConfig fields that differ from its defaults
  nlohmann::json rl = nlohmann::json::object();    // rl/rl_config.h RlConfig fields (else its defaults)
  nlohmann::json eval = nlohmann::json::object();  // eval/eval_config.h EvalConfig fields
  nlohmann::json rm = nlohmann::json::object();    // reward/rm_trainer.h RmConfig fields (else its defaults,
                                                   // which are the demo's)
  if (name == "demo") {
    // Demo policy: ~1.3M parameters; trains to readable phrases on 2 CPU cores in minutes.
    model.n_layer = 4;
    model.n_head = 4;
    model.n_embd = 128;
    model.n_ctx = 128;
    model.vocab_size = 4096;
    bpe_vocab = 4096;
    // 2000 steps x 16 x 128 tokens = 4.1M tokens (~3.5 epochs of Brown's train split): about 9
    // minutes at the ~7.5k tokens/s bench_model measures for this config on 2 cores.
    sft = {{"steps", 2000}, {"batch", 16},       {"seq_len", 128},   {"lr", 3e-3},
           {"warmup", 100}, {"eval_every", 200}, {"ckpt_every", 250}};
    // RL: reward rises within 200 steps on 2 CPU cores (~3 minutes); eval uses the same length.
    rl = {{"steps", 200}, {"batch", 32},      {"max_new_tokens", 24}, {"lr", 3e-4},
          {"warmup", 10}, {"eval_every", 25}, {"ckpt_every", 50}};
    eval = {{"max_new_tokens", 24}, {"batch", 64}};
  } else if (name == "smoke") {
    // Smoke: every stage in seconds, for CI and tests. Not meant to learn anything useful.
    model.n_layer = 2;
    model.n_head = 2;
    model.n_embd = 32;
    model.n_ctx = 64;
    model.vocab_size = 512;
    bpe_vocab = 512;
    bpe_lines = 3000;
    sft = {{"steps", 30}, {"batch", 4},       {"seq_len", 32},      {"lr", 3e-3},
           {"warmup", 5}, {"eval_every", 10}, {"eval_windows", 16}, {"ckpt_every", 10}};
    // The smoke policy writes mostly non-words, so few sample pairs differ in gold: sample more
    // attempts per pair and keep the set small.
    rm = {{"pairs", 48},          {"heldout_fraction", 0.25},
          {"max_new_tokens", 16}, {"max_attempts_factor", 50},
          {"steps", 20},          {"batch", 8},
          {"warmup", 2},          {"eval_every", 10},
          {"ckpt_every", 10}};
    rl = {{"steps", 10}, {"batch", 4},      {"max_new_tokens", 16}, {"lr", 1e-3},
          {"warmup", 2}, {"eval_every", 5}, {"eval_prompts", 16},   {"ckpt_every", 5}};
    eval = {{"max_new_tokens", 16}, {"max_prompts", 32}, {"batch", 32}};
  } else {
    std::string known;
    for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw BadInput("unknown preset '" + name + "' (known: " + known + ")");
  }
  nlohmann::json config = {
      {"format", "warp-experiment"},
      {"version", 1},
      {"preset", name},
      {"model", model.to_json()},
      {"tokenizer", {{"vocab_size", bpe_vocab}, {"max_train_lines", bpe_lines}}},
      {"sft", sft},
      // Paper defaults (DESIGN §5); later stages read their sections from here.
      {"warp",
       {{"beta", 0.1},
        {"mu", 0.01},
        {"runs", 2},
        {"lambda", 0.5},
        {"eta", 0.3},
        {"temperature", 0.9},
        {"eta_grid", {0.0, 0.1, 0.3, 0.5, 0.8, 1.0}}}},
  };
  if (!rl.empty()) config["rl"] = rl;
  if (!eval.empty()) config["eval"] = eval;
  if (!rm.empty()) config["rm"] = rm;
  return config;
}

}  // namespace warp
