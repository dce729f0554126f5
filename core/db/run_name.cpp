#include "db/run_name.h"

#include "util/error.h"

namespace warp {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool name_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
         ch == '-';
}

}  // namespace

std::string run_name_error(const std::string& name) {
  if (name.empty()) return "a run name is required";
  bool ok = name.size() <= 64 && name[0] != '.' && name[0] != '-' && name[0] != '_';
  for (char ch : name) ok = ok && name_char(ch);
  if (!ok)
    return "run name '" + name +
           "' is not valid: use 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit";
  if (ends_with(name, "-state") || ends_with(name, "-ema"))
    return "run name '" + name + "' must not end in -state or -ema (those name a run's files)";
  return {};
}

void validate_run_name(const std::string& name) {
  std::string error = run_name_error(name);
  if (!error.empty()) throw BadInput(error);
}

}  // namespace warp
