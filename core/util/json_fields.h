#pragma once
// Reading config structs from JSON with clear errors: each field present must have the right type;
// fields not read are refused by done(), so a typo in config.json is reported, not ignored.
//
//   JsonFields f(j, "config.json (sft)");
//   f.get("steps", c.steps);
//   f.get("lr", c.lr);
//   f.done();

#include <cstdint>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace warp {

class JsonFields {
 public:
  JsonFields(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) throw BadInput(where_ + ": expected a JSON object");
  }

  void get(const char* key, int64_t& out) {
    read(key, out, "an integer", [](const auto& v) { return v.is_number_integer(); });
  }
  void get(const char* key, int& out) {
    read(key, out, "an integer", [](const auto& v) { return v.is_number_integer(); });
  }
  void get(const char* key, uint64_t& out) {
    read(key, out, "a non-negative integer", [](const auto& v) { return v.is_number_unsigned(); });
  }
  void get(const char* key, double& out) {
    read(key, out, "a number", [](const auto& v) { return v.is_number(); });
  }
  void get(const char* key, bool& out) {
    read(key, out, "true or false", [](const auto& v) { return v.is_boolean(); });
  }
  void get(const char* key, std::string& out) {
    read(key, out, "a string", [](const auto& v) { return v.is_string(); });
  }

  // Throws BadInput listing the fields that were not read.
  void done() const {
    std::string unknown;
    for (auto it = j_.begin(); it != j_.end(); ++it)
      if (!seen_.count(it.key())) unknown += (unknown.empty() ? "'" : ", '") + it.key() + "'";
    if (!unknown.empty()) throw BadInput(where_ + ": unknown field(s) " + unknown);
  }

 private:
  template <typename T, typename Pred>
  void read(const char* key, T& out, const char* type, Pred ok) {
    seen_.insert(key);
    if (!j_.contains(key)) return;
    const auto& v = j_.at(key);
    if (!ok(v)) throw BadInput(where_ + ": field '" + key + "' must be " + type + ", got " + v.dump());
    out = v.get<T>();
  }

  const nlohmann::json& j_;
  std::string where_;
  std::set<std::string> seen_;
};

}  // namespace warp
