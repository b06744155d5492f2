// The statistics as one self-contained HTML page (`--report FILE`), like
// the timeline report of sim/report: inline CSS, inline SVG and a little
// inline JavaScript (sorting the tables by a column), embedded at build
// time by sim/report/embed_assets.cmake from stats_report.css/.js. Nothing
// comes from the network; without JavaScript the page shows everything.
//
// `discosim stats`: the batch, the definitions, per expectation its pass
// rate with the 95% interval drawn as a bar and the histogram of its
// decision times, per figure its quantiles and histogram.
// `discosim sweep`: the plot of the chosen figure and of the other figures
// from the start, then a table per figure over the points.
// The same input gives byte-identical pages.
#ifndef DISCOSIM_SIM_STATS_HTML_H_
#define DISCOSIM_SIM_STATS_HTML_H_

#include <string>

#include "sim/stats/aggregate.h"
#include "sim/stats/sweep_output.h"

namespace discosim::stats {

std::string StatsHtml(const Stats& stats);
std::string SweepHtml(const SweepResult& result, const std::string& figure, bool log_y);

// A histogram as a small SVG (bars with hover counts; the never-reached runs
// as a red bar at the right). Exposed for tests.
std::string HistogramSvg(const Histogram& histogram, bool time);

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_HTML_H_
