#include "config/slurm_options.h"

#include <cctype>
#include <regex>

#include "util/error.h"
#include "util/json_fields.h"

namespace warp {

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& must, const std::string& got) {
  std::string flag = field;
  for (char& c : flag)
    if (c == '_') c = '-';
  throw BadInput("slurm: " + field + " (--slurm-" + flag + ") must be " + must + ", got " + got);
}

}  // namespace

bool has_space_or_control(const std::string& s) {
  for (unsigned char c : s)
    if (std::isspace(c) || std::iscntrl(c)) return true;
  return false;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

void SlurmOptions::validate() const {
  if (has_space_or_control(partition)) bad("partition", "a partition name (no spaces)", quoted(partition));
  if (has_space_or_control(account)) bad("account", "an account name (no spaces)", quoted(account));
  static const std::regex time_re(
      R"(^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$)");
  if (!time.empty() && !std::regex_match(time, time_re))
    bad("time", "a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)", quoted(time));
  if (cpus_per_task < 0 || cpus_per_task > 4096)
    bad("cpus_per_task", "in 0..4096 (0: the cluster's default)", std::to_string(cpus_per_task));
  if (gpus_per_task < 0 || gpus_per_task > 64)
    bad("gpus_per_task", "in 0..64 (0: none asked for)", std::to_string(gpus_per_task));
  static const std::regex mem_re(R"(^\d+[KMGTkmgt]?$)");
  if (!mem.empty() && !std::regex_match(mem, mem_re))
    bad("mem", "a memory size: a number with an optional K, M, G or T suffix (e.g. 8G)", quoted(mem));
  if (signal_before < 0 || signal_before > 65535)
    bad("signal_before", "in 0..65535 seconds (0: no signal before the time limit)", std::to_string(signal_before));
  for (const auto& e : extra)
    if (e.empty()) bad("extra", "a list of non-empty sbatch arguments", "an empty argument");
}

nlohmann::json SlurmOptions::to_json() const {
  return {{"partition", partition},         {"account", account}, {"time", time},   {"cpus_per_task", cpus_per_task},
          {"gpus_per_task", gpus_per_task}, {"mem", mem},         {"extra", extra}, {"signal_before", signal_before}};
}

void SlurmOptions::update_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": expected a JSON object");
  nlohmann::json rest = j;
  if (rest.contains("extra")) {
    const auto& e = rest.at("extra");
    if (!e.is_array()) throw BadInput(where + ": field 'extra' must be a list of strings, got " + e.dump());
    std::vector<std::string> args;
    for (const auto& v : e) {
      if (!v.is_string()) throw BadInput(where + ": field 'extra' must be a list of strings, got " + e.dump());
      args.push_back(v.get<std::string>());
    }
    extra = args;
    rest.erase("extra");
  }
  JsonFields f(rest, where);
  f.get("partition", partition);
  f.get("account", account);
  f.get("time", time);
  f.get("cpus_per_task", cpus_per_task);
  f.get("gpus_per_task", gpus_per_task);
  f.get("mem", mem);
  f.get("signal_before", signal_before);
  f.done();
}

std::vector<std::string> SlurmOptions::sbatch_args() const {
  // Requeueable: a preempted task (or one requeued with scontrol requeue, or after a node failure)
  // starts its script again, which continues the worker's run from its checkpoint. The signal before
  // the time limit goes to the batch shell, i.e. the worker (the script execs it).
  std::vector<std::string> a = {"--requeue"};
  if (signal_before > 0) a.push_back("--signal=B:TERM@" + std::to_string(signal_before));
  if (!partition.empty()) a.push_back("--partition=" + partition);
  if (!account.empty()) a.push_back("--account=" + account);
  if (!time.empty()) a.push_back("--time=" + time);
  if (cpus_per_task > 0) a.push_back("--cpus-per-task=" + std::to_string(cpus_per_task));
  if (gpus_per_task > 0) a.push_back("--gpus-per-task=" + std::to_string(gpus_per_task));
  if (!mem.empty()) a.push_back("--mem=" + mem);
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::vector<std::string> split_shell_words(const std::string& text, const std::string& where) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\'') {
      const size_t end = text.find('\'', i + 1);
      if (end == std::string::npos) throw BadInput(where + ": unterminated ' in " + quoted(text));
      cur += text.substr(i + 1, end - i - 1);
      i = end;
      in_word = true;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\' && j + 1 < text.size() && (text[j + 1] == '"' || text[j + 1] == '\\')) ++j;
        cur += text[j];
      }
      if (j >= text.size()) throw BadInput(where + ": unterminated \" in " + quoted(text));
      i = j;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      cur += text[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

SlurmOptions slurm_options_from_experiment_json(const nlohmann::json& cfg, const std::string& config_path) {
  SlurmOptions o;
  if (cfg.contains("slurm")) {
    o.update_from_json(cfg.at("slurm"), config_path + " (slurm)");
    try {
      o.validate();
    } catch (const BadInput& e) {
      throw BadInput(config_path + " (slurm): " + e.what());
    }
  }
  return o;
}

std::vector<std::string> slurm_stop_command(const std::string& job_id, const std::string& state) {
  if (state == "PENDING") return {"scancel", job_id};
  return {"scancel", "--batch", "--signal=TERM", job_id};
}

}  // namespace warp
