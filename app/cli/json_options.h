#pragma once
// Options that set fields of a config's JSON object, each declared once: flag, JSON field and help
// text in one call; apply() writes the options given on the command line into the object, which the
// config's from_json then reads and validates (so a bad value is refused naming the field and flag,
// with the same words as in config.json). An option not given leaves the field alone.
//
// The settings several commands share (config/train_settings.h) are declared by one function each:
// add_run_settings (--seed, --threads, --device) and add_train_settings (the optimiser, the intervals
// and the run settings). Their help texts are the same everywhere but where a command says what its
// seed (or learning rate, warmup, evaluation interval, threads) means for it.

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace warp::cli {

class JsonOptions {
 public:
  explicit JsonOptions(CLI::App* cmd) : cmd_(cmd) {}

  // --flag VALUE sets field `key` (an empty string counts as not given).
  template <class T>
  CLI::Option* add(const std::string& flag, const std::string& key, const std::string& help) {
    auto value = std::make_shared<std::optional<T>>();
    CLI::Option* opt = cmd_->add_option(flag, *value, help);
    auto given = [value] {
      if constexpr (std::is_same_v<T, std::string>) return value->has_value() && !(*value)->empty();
      else return value->has_value();
    };
    entries_.push_back({key, given, [value, key](nlohmann::json& j) { j[key] = **value; }});
    return opt;
  }

  // Writes the options given into `j` (an object).
  void apply(nlohmann::json& j) const {
    for (const auto& e : entries_)
      if (e.given()) e.write(j);
  }
  // The options given, as an object of their fields.
  nlohmann::json given() const {
    nlohmann::json j = nlohmann::json::object();
    apply(j);
    return j;
  }
  // Whether an option was given other than those setting the fields `except`.
  bool any_given_except(std::initializer_list<const char*> except = {}) const {
    for (const auto& e : entries_) {
      bool skip = false;
      for (const char* k : except) skip = skip || e.key == k;
      if (!skip && e.given()) return true;
    }
    return false;
  }

 private:
  struct Entry {
    std::string key;
    std::function<bool()> given;
    std::function<void(nlohmann::json&)> write;
  };
  CLI::App* cmd_;
  std::vector<Entry> entries_;
};

// Help texts of the shared options that differ by command.
struct RunSettingsHelp {
  std::string seed;  // what the seed decides
  std::string threads = "Compute threads";
};
struct TrainSettingsHelp {
  RunSettingsHelp run;
  std::string lr = "Peak learning rate";
  std::string warmup = "Warmup steps";
  std::string eval_every = "Steps between held-out evaluations";
};

// --seed, --threads, --device: RunSettings' seed, threads, device.
inline void add_run_settings(JsonOptions& o, const RunSettingsHelp& help) {
  o.add<uint64_t>("--seed", "seed", help.seed);
  o.add<int>("--threads", "threads", help.threads);
  o.add<std::string>("--device", "device", "auto, cpu, cuda or cuda:N");
}

// --lr, --warmup, --weight-decay, --adam-beta1, --adam-beta2, --grad-clip, --eval-every, --ckpt-every
// and the run settings: TrainSettings' fields.
inline void add_train_settings(JsonOptions& o, const TrainSettingsHelp& help) {
  o.add<double>("--lr", "lr", help.lr);
  o.add<int64_t>("--warmup", "warmup", help.warmup);
  o.add<double>("--weight-decay", "weight_decay", "AdamW weight decay");
  o.add<double>("--adam-beta1", "beta1", "AdamW beta1 (first-moment decay, in [0, 1))");
  o.add<double>("--adam-beta2", "beta2", "AdamW beta2 (second-moment decay, in [0, 1))");
  o.add<double>("--grad-clip", "grad_clip", "Max global gradient norm (0: off)");
  o.add<int64_t>("--eval-every", "eval_every", help.eval_every);
  o.add<int64_t>("--ckpt-every", "ckpt_every", "Steps between resumable checkpoints");
  add_run_settings(o, help.run);
}

}  // namespace warp::cli
