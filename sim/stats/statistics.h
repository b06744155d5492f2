// The statistics of `discosim stats` and `discosim sweep`: a pass rate with
// its 95% confidence interval, quantiles, and histograms of integer samples
// (virtual milliseconds, counts). Pure functions of their input, no
// floating-point accumulation whose order could vary: the same samples give
// the same figures, bit for bit.
//
// Definitions (docs/stats.md says the same for users):
// - Pass rate k/n with the Wilson score interval at 95% (z = 1.959963984540054):
//     centre = (p + z²/2n) / (1 + z²/n),
//     half   = z / (1 + z²/n) · sqrt(p(1 − p)/n + z²/4n²),  p = k/n.
//   Unlike the normal ("Wald") interval it stays inside [0, 1] and does not
//   collapse to a point at 0 or n passes (10/10 gives [72.2%, 100%]).
// - Quantile q of n samples: the nearest-rank definition, the smallest
//   sample x such that at least q·n of the samples are <= x, i.e. the
//   sample of rank ceil(q·n) (rank 1 for q = 0) in sorted order. It is
//   always one of the samples (a time some run really took). A sample may be
//   "never" (the run did not reach it): it sorts after every time, so a
//   quantile past the share of runs that reached it is "never" too.
// - Histogram: equal-width bins over the reached samples; the width is the
//   smallest of 1, 2, 5 × 10^k that covers [min, max] in at most `bins_max`
//   bins, and the first bin starts at min rounded down to a multiple of it.
//   Bin i counts the samples in [start + i·width, start + (i+1)·width).
//
//   Sample s = SampleOf({30, 10, std::nullopt, 20});
//   s.Quantile(0.5)  -> 20;   s.Quantile(0.9) -> std::nullopt (never)
//   Wilson(9, 10)    -> {0.596, 0.982}
#ifndef DISCOSIM_SIM_STATS_STATISTICS_H_
#define DISCOSIM_SIM_STATS_STATISTICS_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace discosim::stats {

inline constexpr double kZ95 = 1.959963984540054;  // the 0.975 quantile of N(0, 1)

struct Interval {
  double low = 0;
  double high = 1;
};

// The Wilson score interval of `passed` successes out of `runs` at 95%;
// [0, 1] when runs == 0. REQUIRES: passed <= runs.
Interval Wilson(uint64_t passed, uint64_t runs, double z = kZ95);

struct Histogram {
  int64_t start = 0;            // the first bin's lower edge
  int64_t width = 1;            // every bin's width (1, 2, 5, 10, 20, 50, ...)
  std::vector<uint64_t> counts; // bin i: [start + i*width, start + (i+1)*width)
  uint64_t never = 0;           // samples that were never reached (not in any bin)
};

// Bins for the reached values of `values` (nullopt: never), at most
// `bins_max` of them (>= 1). No reached value: no bins.
Histogram HistogramOf(const std::vector<std::optional<int64_t>>& values, int bins_max = 20);

// The figures of one set of samples: how many, how many reached, the
// quantiles (nearest rank, "never" last) and the mean of the reached ones.
struct Summary {
  uint64_t runs = 0;                 // samples, reached or not
  uint64_t reached = 0;              // samples with a value
  std::optional<int64_t> min;        // none: no sample reached
  std::optional<int64_t> p50, p90, p99, max;  // none: never (or no sample)
  std::optional<double> mean;        // of the reached samples
  Histogram histogram;
};

// The quantile `q` (0 <= q <= 1) of `values` by nearest rank, nullopt
// sorting last; nullopt when it falls on a never-reached sample or there
// are no samples.
std::optional<int64_t> Quantile(std::vector<std::optional<int64_t>> values, double q);

Summary Summarize(const std::vector<std::optional<int64_t>>& values, int bins_max = 20);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_STATISTICS_H_
