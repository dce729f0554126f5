// Tests of util/format.h against hand-written expected strings.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "util/format.h"

using namespace warp;

namespace {

struct Case {
  double v;
  const char* want;
};

}  // namespace

TEST(Format, Number) {
  const std::vector<Case> cases = {
      {0.0, "0"},
      {0.1, "0.1"},
      {250.0, "250"},
      {-3.5, "-3.5"},
      {1e-5, "1e-05"},
      {1234567.0, "1.23457e+06"},
      {0.000123456789, "0.000123457"},
      {2.0 / 3.0, "0.666667"},
      {std::numeric_limits<double>::infinity(), "inf"},
  };
  for (const auto& c : cases) EXPECT_EQ(format_number(c.v), c.want) << c.v;
  EXPECT_EQ(format_number(std::nan("")), "nan");
}

TEST(Format, SignificantAndSigned) {
  EXPECT_EQ(format_significant(0.012345, 3), "0.0123");
  EXPECT_EQ(format_significant(0.012345, 3, true), "+0.0123");
  EXPECT_EQ(format_significant(-0.5, 4, true), "-0.5");
  EXPECT_EQ(format_significant(0.0, 4, true), "+0");
  EXPECT_EQ(format_significant(123456.0, 4), "1.235e+05");
  EXPECT_EQ(format_significant(0.0449, 2), "0.045");
  EXPECT_EQ(format_significant(3.14159, 4), "3.142");
}

TEST(Format, Fixed) {
  EXPECT_EQ(format_fixed(2.0 / 3.0, 4), "0.6667");
  EXPECT_EQ(format_fixed(-1.0, 3), "-1.000");
  EXPECT_EQ(format_fixed(0.5, 0), "0");  // round half to even, as printf does
  EXPECT_EQ(format_fixed(1e20, 1), "100000000000000000000.0");
}

TEST(Format, Duration) {
  const std::vector<Case> cases = {
      {0.0, "0m00s"},     {0.49, "0m00s"},   {0.5, "0m01s"},    {7.2, "0m07s"},    {65.0, "1m05s"},
      {3599.4, "59m59s"}, {3599.5, "1h00m"}, {3600.0, "1h00m"}, {3661.0, "1h01m"}, {93780.0, "26h03m"},
  };
  for (const auto& c : cases) EXPECT_EQ(format_duration(c.v), c.want) << c.v;
}

TEST(Format, Elapsed) {
  const std::vector<Case> cases = {
      {0.0, "0.0 s"},    {7.25, "7.2 s"},      {59.94, "59.9 s"},  {59.96, "60.0 s"},  {60.0, "1.0 min"},
      {90.0, "1.5 min"}, {3599.0, "60.0 min"}, {3600.0, "1.00 h"}, {5400.0, "1.50 h"}, {9000.0, "2.50 h"},
  };
  for (const auto& c : cases) EXPECT_EQ(format_elapsed(c.v), c.want) << c.v;
}

TEST(Format, Bytes) {
  const std::vector<Case> cases = {
      {0.0, "0.0 kB"},       {512.0, "0.5 kB"}, {999949.0, "999.9 kB"}, {1e6, "1.0 MB"},          {2.5e6, "2.5 MB"},
      {999.9e6, "999.9 MB"}, {1e9, "1.00 GB"},  {1.5e9, "1.50 GB"},     {1234.5e9, "1234.50 GB"},
  };
  for (const auto& c : cases) EXPECT_EQ(format_bytes(c.v), c.want) << c.v;
}

TEST(Format, UnixNowIsTheWallClock) {
  const double t = unix_now();
  EXPECT_GT(t, 1.7e9);  // after November 2023
  EXPECT_LT(t, 4.1e9);  // before 2100
  EXPECT_LE(t, unix_now());
}
