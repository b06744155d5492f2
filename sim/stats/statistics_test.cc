// The statistics against cases worked out by hand (the arithmetic is in the
// comments) and against published values of the Wilson interval.
#include "sim/stats/statistics.h"

#include <gtest/gtest.h>

namespace discosim::stats {
namespace {

constexpr std::optional<int64_t> kNever = std::nullopt;

TEST(Wilson, MatchesHandComputedBounds) {
  // 9 of 10: p = 0.9, z² = 3.841459, 1 + z²/n = 1.384146;
  // centre = (0.9 + 0.192073) / 1.384146 = 0.788986;
  // half = 1.415999 · sqrt(0.009 + 0.009604) = 1.415999 · 0.136396 = 0.193136.
  const Interval nine = Wilson(9, 10);
  EXPECT_NEAR(nine.low, 0.595850, 1e-5);
  EXPECT_NEAR(nine.high, 0.982122, 1e-5);
  // 50 of 100: centre 0.5, half = 1.887458 · sqrt(0.0025 + 0.000096) = 0.096170.
  const Interval half = Wilson(50, 100);
  EXPECT_NEAR(half.low, 0.403830, 1e-5);
  EXPECT_NEAR(half.high, 0.596170, 1e-5);
}

TEST(Wilson, StaysInsideZeroOneAtTheEdges) {
  // 0 of 10: centre = 0.192073 / 1.384146 = 0.138768 = half: [0, 0.277535]
  // (the published "rule of three"-like bound of the Wilson interval).
  const Interval none = Wilson(0, 10);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_NEAR(none.high, 0.277535, 1e-5);
  const Interval all = Wilson(10, 10);  // the mirror image
  EXPECT_NEAR(all.low, 1 - 0.277535, 1e-5);
  EXPECT_EQ(all.high, 1.0);
  const Interval nothing = Wilson(0, 0);
  EXPECT_EQ(nothing.low, 0.0);
  EXPECT_EQ(nothing.high, 1.0);
}

TEST(Quantile, IsTheSampleOfNearestRank) {
  // Sorted: 1 2 3 4 5. p50: rank ceil(2.5) = 3; p90: ceil(4.5) = 5; q = 0: rank 1.
  const std::vector<std::optional<int64_t>> five = {5, 1, 4, 2, 3};
  EXPECT_EQ(Quantile(five, 0.5), 3);
  EXPECT_EQ(Quantile(five, 0.9), 5);
  EXPECT_EQ(Quantile(five, 0.0), 1);
  EXPECT_EQ(Quantile(five, 0.2), 1);  // rank ceil(1.0) = 1, not 2
  EXPECT_EQ(Quantile(five, 0.21), 2);
  // 0.28 · 25 is 7.000000000000001 in doubles: still rank 7.
  std::vector<std::optional<int64_t>> twenty_five;
  for (int64_t v = 1; v <= 25; ++v) twenty_five.push_back(v);
  EXPECT_EQ(Quantile(twenty_five, 0.28), 7);
  std::vector<std::optional<int64_t>> ten;
  for (int64_t v = 1; v <= 10; ++v) ten.push_back(v * 10);
  EXPECT_EQ(Quantile(ten, 0.9), 90);
  EXPECT_EQ(Quantile(ten, 0.99), 100);  // rank ceil(9.9) = 10
  EXPECT_EQ(Quantile({}, 0.5), kNever);
}

TEST(Summarize, CountsNeverAfterEveryTime) {
  // Sorted: 10 10 20 30 40 50 60 70 never never (n = 10, 8 reached).
  const std::vector<std::optional<int64_t>> v = {30, 10, kNever, 20, 50, 40, 10, kNever, 60, 70};
  const Summary s = Summarize(v);
  EXPECT_EQ(s.runs, 10u);
  EXPECT_EQ(s.reached, 8u);
  EXPECT_EQ(s.min, 10);
  EXPECT_EQ(s.p50, 40);     // rank 5
  EXPECT_EQ(s.p90, kNever); // rank 9
  EXPECT_EQ(s.p99, kNever); // rank 10
  EXPECT_EQ(s.max, kNever);
  ASSERT_TRUE(s.mean.has_value());
  EXPECT_DOUBLE_EQ(*s.mean, 290.0 / 8);  // 10+10+20+30+40+50+60+70 = 290
  EXPECT_EQ(s.histogram.never, 2u);
}

TEST(Histogram, PicksTheSmallestRoundWidthThatFits) {
  // {3, 7, 12, 25}, at most 5 bins: width 5 from 0 needs 6 bins ([25, 30) is
  // the 6th), so width 10: [0,10) 3 and 7, [10,20) 12, [20,30) 25.
  const Histogram h = HistogramOf({3, 7, 12, 25, kNever}, 5);
  EXPECT_EQ(h.start, 0);
  EXPECT_EQ(h.width, 10);
  EXPECT_EQ(h.counts, (std::vector<uint64_t>{2, 1, 1}));
  EXPECT_EQ(h.never, 1u);
  // A narrow range gets unit bins starting at its minimum.
  const Histogram narrow = HistogramOf({102, 100, 101, 101}, 20);
  EXPECT_EQ(narrow.start, 100);
  EXPECT_EQ(narrow.width, 1);
  EXPECT_EQ(narrow.counts, (std::vector<uint64_t>{1, 2, 1}));
  // 0..999 in 20 bins: span 1000 / 20 = 50 per bin.
  std::vector<std::optional<int64_t>> wide;
  for (int64_t v = 0; v < 1000; ++v) wide.push_back(v);
  const Histogram w = HistogramOf(wide, 20);
  EXPECT_EQ(w.width, 50);
  ASSERT_EQ(w.counts.size(), 20u);
  for (uint64_t c : w.counts) EXPECT_EQ(c, 50u);
  EXPECT_TRUE(HistogramOf({kNever}, 20).counts.empty());
}

}  // namespace
}  // namespace discosim::stats
