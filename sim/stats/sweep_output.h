// What `discosim sweep` prints: per grid point the statistics of its runs,
// as a text table of the chosen figure, a CSV with one row per point and
// figure (the point's values first), JSON (every point's statistics and
// records), and the series of a figure for the plot (plot.h).
//
//   SweepResult r{file, axes, values, stats, records};
//   std::cout << SweepText(r, "converged");
//   WriteFile("plot.svg", SvgPlot(spec, SeriesOf(r, "converged")));
#ifndef DISCOSIM_SIM_STATS_SWEEP_OUTPUT_H_
#define DISCOSIM_SIM_STATS_SWEEP_OUTPUT_H_

#include <string>
#include <vector>

#include "sim/stats/aggregate.h"
#include "sim/stats/plot.h"
#include "sim/stats/runs.h"
#include "sim/stats/sweep.h"

namespace discosim::stats {

struct SweepResult {
  std::string file;
  std::vector<Axis> axes;
  std::vector<std::vector<std::string>> values;  // by point, by axis
  std::vector<Stats> stats;                       // by point
  std::vector<std::vector<RunRecord>> records;    // by point
};

// The figure a sweep plots unless --figure says: "converged" when the file
// has tables, else "ready".
std::string DefaultFigure(const SweepResult& result);
// Whether every point has a figure called `name`.
bool HasFigure(const SweepResult& result, const std::string& name);

// One series per value of the second axis (one series with one axis), its
// points along the first axis in order. REQUIRES: HasFigure(result, figure).
std::vector<Series> SeriesOf(const SweepResult& result, const std::string& figure);

// The plot of `figure` (log_y: on a log scale, for times).
PlotSpec PlotSpecFor(const SweepResult& result, const std::string& figure, bool log_y);

// One line per point: its values, runs, runs with every expectation held,
// and the figure's reached, min, p50, p90, p99, max.
std::string SweepText(const SweepResult& result, const std::string& figure);
std::string SweepCsv(const SweepResult& result);
std::string SweepJson(const SweepResult& result);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_SWEEP_OUTPUT_H_
