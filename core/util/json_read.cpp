#include "util/json_read.h"

#include "util/error.h"

namespace warp {

std::size_t json_too_deep_at(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // the escaped character, whatever it is, does not end the string
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return i;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return std::string_view::npos;
}

namespace {

void check_depth(std::string_view text, const std::string& where) {
  const std::size_t at = json_too_deep_at(text, kMaxJsonDepth);
  if (at != std::string_view::npos)
    throw BadInput(where + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels (at byte " +
                   std::to_string(at) + ")");
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& where) {
  check_depth(text, where);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw BadInput(where + ": not valid JSON: " + e.what());
  }
}

nlohmann::json parse_json_or_discarded(std::string_view text, const std::string& where) {
  check_depth(text, where);
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace warp
