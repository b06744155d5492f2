// A figure of a sweep against the varied key, as an SVG image written
// directly (no gnuplot, no script): one series per value of the second key,
// each a p50 line over a dark p50–p90 band and a light p90–p99 band. A
// point whose p50 (or band edge) was never reached is marked "never" at the
// top of the plot instead. Every point has a hover text with its figures.
// The same input gives the same bytes.
//
//   PlotSpec spec;  spec.figure = "converged";  spec.x_key = "nodes";
//   std::string svg = SvgPlot(spec, {{"as released", {{"2", 2, summary2}, ...}}});
#ifndef DISCOSIM_SIM_STATS_PLOT_H_
#define DISCOSIM_SIM_STATS_PLOT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/stats/statistics.h"

namespace discosim::stats {

struct PlotPoint {
  std::string x_label;       // the value as given ("8", "20s", "{wait: sleep}")
  std::optional<int64_t> x;  // its number, when every x of the plot has one
  Summary y;
};

struct Series {
  std::string label;  // the second key's value ("" with one axis)
  std::vector<PlotPoint> points;
};

struct PlotSpec {
  std::string figure;   // the y axis: "converged", "events", ...
  std::string x_key;    // the x axis: the first --vary key
  std::string series_key;  // the legend's title: the second --vary key ("" with one)
  bool y_time = true;   // virtual ms, else a count
  bool log_y = false;
  int width = 760;
  int height = 440;
};

std::string SvgPlot(const PlotSpec& spec, const std::vector<Series>& series);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_PLOT_H_
