// Proves ParseDurationMs reads every documented form, refuses bare numbers,
// signs, fractions, bad units and overflow with a useful message, and that
// FormatDurationMs round-trips.
#include "sim/scenario/duration.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace discosim::scenario {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(std::string_view text) {
  absl::StatusOr<int64_t> result = ParseDurationMs(text);
  EXPECT_FALSE(result.ok()) << text << " parsed as " << (result.ok() ? *result : 0);
  return result.ok() ? "" : std::string(result.status().message());
}

TEST(ParseDurationMs, ReadsEveryUnitAndCombination) {
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("5s"), 5'000);
  EXPECT_EQ(*ParseDurationMs("2m"), 120'000);
  EXPECT_EQ(*ParseDurationMs("1h"), 3'600'000);
  EXPECT_EQ(*ParseDurationMs("1m30s"), 90'000);
  EXPECT_EQ(*ParseDurationMs("1h2m3s500ms"), 3'723'500);
  EXPECT_EQ(*ParseDurationMs("0ms"), 0);
  EXPECT_EQ(*ParseDurationMs("0s"), 0);
  EXPECT_EQ(*ParseDurationMs("90s"), 90'000);  // a unit may exceed the next one up
  EXPECT_EQ(*ParseDurationMs("1h500ms"), 3'600'500);  // units may be skipped
}

TEST(ParseDurationMs, RefusesBareNumbersAskingFiveWhat) {
  EXPECT_THAT(ErrorOf("5"), HasSubstr("5 what? write 5s or 5ms"));
  EXPECT_THAT(ErrorOf("0"), HasSubstr("no unit"));
  EXPECT_THAT(ErrorOf("1.5"), HasSubstr("no unit"));
}

TEST(ParseDurationMs, RefusesNegativeAndSignedDurations) {
  EXPECT_THAT(ErrorOf("-5s"), HasSubstr("negative"));
  EXPECT_THAT(ErrorOf("-5"), HasSubstr("negative"));
  EXPECT_THAT(ErrorOf("+5s"), HasSubstr("without a sign"));
}

TEST(ParseDurationMs, RefusesOverflow) {
  // 2^63 ms does not fit; neither does a product or sum that passes it.
  EXPECT_THAT(ErrorOf("9223372036854775808ms"), HasSubstr("too large"));
  EXPECT_THAT(ErrorOf("99999999999999999999999s"), HasSubstr("too large"));
  EXPECT_THAT(ErrorOf("2562047788016h"), HasSubstr("too large"));
  EXPECT_THAT(ErrorOf("2562047788015h59m59s999ms"), HasSubstr("too large"));
  // The largest value that fits is still read.
  EXPECT_EQ(*ParseDurationMs("9223372036854775807ms"), std::numeric_limits<int64_t>::max());
}

TEST(ParseDurationMs, RefusesMalformedText) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty"));
  EXPECT_THAT(ErrorOf("1.5s"), HasSubstr("fractions"));
  EXPECT_THAT(ErrorOf("5 s"), HasSubstr("not a duration"));
  EXPECT_THAT(ErrorOf("5sec"), HasSubstr("unknown unit \"sec\""));
  EXPECT_THAT(ErrorOf("3d"), HasSubstr("unknown unit \"d\""));
  EXPECT_THAT(ErrorOf("5S"), HasSubstr("unknown unit \"S\""));
  EXPECT_THAT(ErrorOf("30s1m"), HasSubstr("largest to the smallest"));
  EXPECT_THAT(ErrorOf("1s1s"), HasSubstr("largest to the smallest"));
  EXPECT_THAT(ErrorOf("1m30"), HasSubstr("last number has no unit"));
  EXPECT_THAT(ErrorOf("s"), HasSubstr("not a duration"));
  EXPECT_THAT(ErrorOf("five seconds"), HasSubstr("not a duration"));
}

TEST(FormatDurationMs, PrintsTheShortestFormThatReadsBack) {
  EXPECT_EQ(FormatDurationMs(0), "0s");
  EXPECT_EQ(FormatDurationMs(250), "250ms");
  EXPECT_EQ(FormatDurationMs(90'000), "1m30s");
  EXPECT_EQ(FormatDurationMs(3'600'001), "1h1ms");
  for (int64_t ms : {int64_t{1}, int64_t{999}, int64_t{60'000}, int64_t{3'723'500},
                     std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(*ParseDurationMs(FormatDurationMs(ms)), ms) << ms;
  }
}

}  // namespace
}  // namespace discosim::scenario
