#pragma once
// Options that set fields of a config's JSON object, each declared once: flag, JSON field and help
// text in one call; apply() writes the options given on the command line into the object, which the
// config's from_json then reads and validates (so a bad value is refused naming the field and flag,
// with the same words as in config.json). An option not given leaves the field alone. An option whose
// text is not the field's JSON value (a comma-separated list, a shell-quoted string) says how its
// text becomes the field's value; args() gives the options given back as command-line words (what a
// command that re-runs itself, e.g. a requeued `warp run --resume`, passes on).
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
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace warp::cli {

class JsonOptions {
 public:
  // Whether `--flag ''` counts as given: by default an empty string leaves the field alone; with
  // EmptyText::Sets it sets the field to "" (e.g. --slurm-partition '' drops the experiment's).
  enum class EmptyText { NotGiven, Sets };
  explicit JsonOptions(CLI::App* cmd, EmptyText empty = EmptyText::NotGiven) : cmd_(cmd), empty_(empty) {}

  // --flag VALUE sets field `key` to VALUE, or to to_field(VALUE) when given (which may throw
  // BadInput naming the flag for a text it cannot read).
  template <class T>
  CLI::Option* add(const std::string& flag, const std::string& key, const std::string& help,
                   std::function<nlohmann::json(const T&)> to_field = nullptr) {
    auto value = std::make_shared<std::optional<T>>();
    CLI::Option* opt = cmd_->add_option(flag, *value, help);
    auto given = [value, empty = empty_] {
      if constexpr (std::is_same_v<T, std::string>)
        return value->has_value() && (empty == EmptyText::Sets || !(*value)->empty());
      else return value->has_value();
    };
    auto write = [value, key, to_field](nlohmann::json& j) {
      j[key] = to_field ? to_field(**value) : nlohmann::json(**value);
    };
    auto text = [value] {
      if constexpr (std::is_same_v<T, std::string>) return **value;
      else return nlohmann::json(**value).dump();
    };
    entries_.push_back({flag, key, given, write, text});
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
  // The options given as command-line words, in the order declared: {"--flag", "text", ...}.
  std::vector<std::string> args() const {
    std::vector<std::string> out;
    for (const auto& e : entries_)
      if (e.given()) {
        out.push_back(e.flag);
        out.push_back(e.text());
      }
    return out;
  }

 private:
  struct Entry {
    std::string flag;
    std::string key;
    std::function<bool()> given;
    std::function<void(nlohmann::json&)> write;
    std::function<std::string()> text;
  };
  CLI::App* cmd_;
  EmptyText empty_;
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
