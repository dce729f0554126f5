// Tests of db/run_name.h: the one run-name rule of every command and of the desktop app, as a table
// of accepted and refused names with the reason each refusal gives.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/run_name.h"
#include "util/error.h"

using namespace warp;

namespace {

struct NameCase {
  const char* label;
  std::string name;
  const char* error_part;  // nullptr: accepted
};

const char* const kChars = "is not valid: use 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit";
const char* const kSuffix = "must not end in -state or -ema (those name a run's files)";

const std::vector<NameCase>& cases() {
  static const std::vector<NameCase> table = {
      {"simple", "ema-1", nullptr},
      {"digit first", "1run", nullptr},
      {"every allowed character", "A.b_c-9", nullptr},
      {"64 characters", std::string(64, 'a'), nullptr},
      {"-ema inside", "run-ema2", nullptr},
      {"-state inside", "a-state.b", nullptr},
      {"worker name", "warp-i12-r3", nullptr},
      {"empty", "", "a run name is required"},
      {"65 characters", std::string(65, 'a'), kChars},
      {"space", "ema 1", kChars},
      {"slash", "a/b", kChars},
      {"parent folder", "..", kChars},
      {"dot first", ".hidden", kChars},
      {"dash first", "-x", kChars},
      {"underscore first", "_x", kChars},
      {"non-ASCII",
       "\xCE\xB2"
       "1",
       kChars},
      {"NUL inside", std::string("a\0b", 3), kChars},
      {"ends -state", "run-state", kSuffix},
      {"ends -ema", "run-ema", kSuffix},
  };
  return table;
}

}  // namespace

TEST(RunName, AcceptedAndRefusedNames) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.label);
    const std::string error = run_name_error(c.name);
    if (!c.error_part) {
      EXPECT_EQ(error, "");
      EXPECT_NO_THROW(validate_run_name(c.name));
      continue;
    }
    EXPECT_NE(error.find(c.error_part), std::string::npos) << error;
    try {
      validate_run_name(c.name);
      ADD_FAILURE() << "accepted";
    } catch (const BadInput& e) {
      EXPECT_STREQ(e.what(), error.c_str());  // what() ends at a NUL, as the message's C string does
    }
  }
}

TEST(RunName, MessageQuotesTheName) {
  EXPECT_EQ(run_name_error("a/b"), "run name 'a/b' " + std::string(kChars));
  EXPECT_EQ(run_name_error("x-ema"), "run name 'x-ema' " + std::string(kSuffix));
}
