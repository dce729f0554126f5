// Tests of util/json_read.h: JSON from outside is refused when nested deeper than kMaxJsonDepth,
// before a value is built (dump(), copies and comparisons of a million-deep value recurse and crash).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "util/error.h"
#include "util/json_read.h"

using namespace warp;

namespace {

std::string nested(size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const BadInput& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(JsonRead, AMillionDeepArrayIsRefusedNotCrashed) {
  const std::string text = "{\"model_type\": " + nested(1000000) + "}";
  const std::string e = error_of([&] { (void)parse_json(text, "config.json"); });
  EXPECT_EQ(e, "config.json: JSON nested deeper than 64 levels (at byte 78)");
  EXPECT_NE(error_of([&] { (void)parse_json_or_discarded(text, "x"); }).find("nested deeper than 64"),
            std::string::npos);
}

TEST(JsonRead, TheBoundIsExact) {
  // The object is level 1, so 63 arrays inside it reach 64.
  EXPECT_NO_THROW((void)parse_json("{\"a\": " + nested(63) + "}", "f"));
  EXPECT_THROW((void)parse_json("{\"a\": " + nested(64) + "}", "f"), BadInput);
  EXPECT_EQ(json_too_deep_at(nested(64), 64), std::string::npos);
  EXPECT_EQ(json_too_deep_at(nested(65), 64), 64u);
  EXPECT_EQ(json_too_deep_at("{\"x\":{\"y\":{}}}", 2), 10u);
}

TEST(JsonRead, BracketsInStringsDoNotCount) {
  const std::string deep_text = "\"" + std::string(1000, '[') + "\\\"[[[\"";
  const auto j = parse_json("{\"s\": " + deep_text + "}", "f");
  EXPECT_EQ(j.at("s").get<std::string>().size(), 1004u);
  // An escaped backslash before the closing quote ends the string: the brackets after it count.
  EXPECT_EQ(json_too_deep_at("[\"\\\\\"," + nested(3) + "]", 3), 8u);
}

TEST(JsonRead, SyntaxErrorsNameTheSource) {
  EXPECT_NE(error_of([] { (void)parse_json("{\"a\": ", "cfg.json"); }).find("cfg.json: not valid JSON: "),
            std::string::npos);
  EXPECT_TRUE(parse_json_or_discarded("{\"a\": ", "x").is_discarded());
  EXPECT_EQ(parse_json_or_discarded("[1, {\"b\": 2}]", "x"), nlohmann::json::parse("[1, {\"b\": 2}]"));
}
