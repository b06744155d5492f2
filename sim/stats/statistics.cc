// Pass-rate intervals, nearest-rank quantiles and histograms (statistics.h).
#include "sim/stats/statistics.h"

#include <algorithm>
#include <cmath>

namespace discosim::stats {
namespace {

// Orders samples by value, never-reached ones last.
bool Earlier(const std::optional<int64_t>& a, const std::optional<int64_t>& b) {
  if (!a) return false;
  if (!b) return true;
  return *a < *b;
}

// The sample of 1-based rank ceil(q * n) in `sorted` (rank 1 when q = 0).
std::optional<int64_t> AtRank(const std::vector<std::optional<int64_t>>& sorted, double q) {
  if (sorted.empty()) return std::nullopt;
  const double n = static_cast<double>(sorted.size());
  // q * n computed in doubles can land just above a whole number (0.28 * 25
  // is 7.000000000000001): take the rounding error off before the ceiling,
  // so that it gives rank 7, not 8.
  const double exact = q * n;
  const double rounded = std::round(exact);
  const double rank_real = std::abs(exact - rounded) < 1e-9 ? rounded : std::ceil(exact);
  size_t rank = static_cast<size_t>(std::max(1.0, rank_real));
  rank = std::min(rank, sorted.size());
  return sorted[rank - 1];
}

// The smallest of 1, 2, 5 x 10^k at least `span / bins_max` (rounded up).
int64_t NiceWidth(int64_t span, int bins_max) {
  const int64_t want = (span + bins_max - 1) / bins_max;
  for (int64_t scale = 1;; scale *= 10) {
    for (int64_t step : {1, 2, 5}) {
      if (step * scale >= want) return step * scale;
    }
  }
}

int64_t FloorTo(int64_t value, int64_t width) {
  const int64_t q = value / width;
  return (value % width != 0 && value < 0 ? q - 1 : q) * width;
}

}  // namespace

Interval Wilson(uint64_t passed, uint64_t runs, double z) {
  if (runs == 0) return {0, 1};
  const double n = static_cast<double>(runs);
  const double p = static_cast<double>(passed) / n;
  const double z2 = z * z;
  const double denominator = 1 + z2 / n;
  const double centre = (p + z2 / (2 * n)) / denominator;
  const double half = z / denominator * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  // At 0 and n passes the bound is exactly 0 (or 1) in exact arithmetic;
  // doubles land a rounding error away from it.
  return {passed == 0 ? 0.0 : std::max(0.0, centre - half),
          passed == runs ? 1.0 : std::min(1.0, centre + half)};
}

Histogram HistogramOf(const std::vector<std::optional<int64_t>>& values, int bins_max) {
  Histogram h;
  std::optional<int64_t> low, high;
  for (const auto& v : values) {
    if (!v) {
      ++h.never;
      continue;
    }
    low = low ? std::min(*low, *v) : *v;
    high = high ? std::max(*high, *v) : *v;
  }
  if (!low) return h;
  bins_max = std::max(1, bins_max);
  // Widen until the bins from the rounded-down start cover max.
  h.width = NiceWidth(*high - *low + 1, bins_max);
  while (true) {
    h.start = FloorTo(*low, h.width);
    if ((*high - h.start) / h.width < bins_max) break;
    h.width = NiceWidth(h.width * bins_max + 1, bins_max);
  }
  h.counts.assign(static_cast<size_t>((*high - h.start) / h.width + 1), 0);
  for (const auto& v : values) {
    if (v) ++h.counts[static_cast<size_t>((*v - h.start) / h.width)];
  }
  return h;
}

std::optional<int64_t> Quantile(std::vector<std::optional<int64_t>> values, double q) {
  std::sort(values.begin(), values.end(), Earlier);
  return AtRank(values, q);
}

Summary Summarize(const std::vector<std::optional<int64_t>>& values, int bins_max) {
  Summary s;
  std::vector<std::optional<int64_t>> sorted = values;
  std::sort(sorted.begin(), sorted.end(), Earlier);
  s.runs = sorted.size();
  int64_t total = 0;
  for (const auto& v : sorted) {
    if (!v) continue;
    ++s.reached;
    total += *v;
  }
  if (s.reached > 0) {
    s.min = sorted.front();
    s.mean = static_cast<double>(total) / static_cast<double>(s.reached);
  }
  s.p50 = AtRank(sorted, 0.5);
  s.p90 = AtRank(sorted, 0.9);
  s.p99 = AtRank(sorted, 0.99);
  s.max = AtRank(sorted, 1.0);
  s.histogram = HistogramOf(values, bins_max);
  return s;
}

}  // namespace discosim::stats
