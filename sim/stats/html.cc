// The statistics page (html.h).
#include "sim/stats/html.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sim/report/report.h"
#include "sim/stats/output.h"
#include "sim/stats/stats_report_assets.h"

namespace discosim::stats {
namespace {

std::string Esc(const std::string& text) { return report::EscapeMarkup(text); }
std::string Num(double v) { return absl::StrFormat("%.1f", v); }
std::string Percent(double share) { return absl::StrFormat("%.1f%%", 100 * share); }

std::string ValueText(const std::optional<int64_t>& v, bool time) {
  if (!v) return "never";
  return time ? TimeText(v) : absl::StrCat(*v);
}

std::string Page(const std::string& title, const std::string& body) {
  return absl::StrCat("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
                      Esc(title), "</title>\n<style>\n", html_assets::kCss, "</style>\n</head>\n<body>\n",
                      body, "<script>\n", html_assets::kScript, "</script>\n</body>\n</html>\n");
}

// The pass rate's interval as a bar on [0, 100%], the rate as a tick.
std::string IntervalSvg(uint64_t passed, uint64_t runs, const Interval& ci) {
  constexpr double kWidth = 160;
  const double rate = runs ? static_cast<double>(passed) / static_cast<double>(runs) : 0;
  return absl::StrCat("<svg class=\"ci\" width=\"", Num(kWidth + 2), "\" height=\"14\"><rect x=\"1\" y=\"3\" width=\"",
                      Num(kWidth), "\" height=\"8\" fill=\"#f0f0f0\"/><rect class=\"range\" x=\"",
                      Num(1 + ci.low * kWidth), "\" y=\"3\" width=\"", Num((ci.high - ci.low) * kWidth),
                      "\" height=\"8\"/><line class=\"point\" x1=\"", Num(1 + rate * kWidth), "\" x2=\"",
                      Num(1 + rate * kWidth), "\" y1=\"1\" y2=\"13\"/><title>", Percent(rate), " [",
                      Percent(ci.low), ", ", Percent(ci.high), "]</title></svg>");
}

std::string ExpectationRows(const Stats& s) {
  std::string rows;
  for (const ExpectationStats& e : s.expectations) {
    const bool all = e.passed == e.runs;
    absl::StrAppend(&rows, "<tr><td>", e.line, "</td><td class=\"", all ? "pass" : "fail", "\">", e.passed, "/",
                    e.runs, "</td><td>",
                    e.runs ? Percent(static_cast<double>(e.passed) / static_cast<double>(e.runs)) : "-",
                    "</td><td>", IntervalSvg(e.passed, e.runs, e.interval), " [", Percent(e.interval.low), ", ",
                    Percent(e.interval.high), "]</td>");
    if (e.decision) {
      const Summary& d = *e.decision;
      for (const auto& v : {d.min, d.p50, d.p90, d.p99, d.max}) absl::StrAppend(&rows, "<td>", TimeText(v), "</td>");
      absl::StrAppend(&rows, "<td class=\"text\">", HistogramSvg(d.histogram, true), "</td>");
    } else {
      absl::StrAppend(&rows, "<td></td><td></td><td></td><td></td><td></td><td></td>");
    }
    absl::StrAppend(&rows, "<td class=\"text\">", e.failed_seeds.empty() ? "-" : absl::StrJoin(e.failed_seeds, " "),
                    "</td><td class=\"text\"><code>", Esc(e.as_written), "</code></td></tr>\n");
  }
  return rows;
}

std::string FigureRows(const std::vector<FigureStats>& figures) {
  std::string rows;
  for (const FigureStats& f : figures) {
    const Summary& m = f.summary;
    absl::StrAppend(&rows, "<tr><td class=\"text\">", Esc(f.name), "</td><td>", m.reached, "/", m.runs, "</td>");
    for (const auto& v : {m.min, m.p50, m.p90, m.p99, m.max}) absl::StrAppend(&rows, "<td>", ValueText(v, f.time), "</td>");
    const std::string mean = !m.mean ? "-"
                             : f.time ? TimeText(static_cast<int64_t>(*m.mean + 0.5))
                                      : absl::StrFormat("%.1f", *m.mean);
    absl::StrAppend(&rows, "<td>", mean, "</td><td class=\"text\">", HistogramSvg(m.histogram, f.time),
                    "</td></tr>\n");
  }
  return rows;
}

std::string Definitions() {
  return "<ul class=\"defs\">"
         "<li>Pass rate: the share of judged runs in which the expectation held, with the 95% Wilson score "
         "interval (z = 1.96).</li>"
         "<li>Decision time: for <code>by:</code> from its <code>from</code> (0 by default), for "
         "<code>after_heal:</code> from the last fault removal, to the first instant it held.</li>"
         "<li>Per run: the time from the start (or from the heal) to the first instant every running node was "
         "ready (<code>ready: all</code>), a table was whole (<code>joined: {table, nodes: all}</code>), or both "
         "(converged: the later of them).</li>"
         "<li>Quantiles by nearest rank (the sample of rank ceil(q·n)); a run that never got there counts as "
         "later than every other (<em>never</em>). Histograms: equal bins of 1, 2 or 5 × 10<sup>k</sup>, the "
         "never-reached runs in red at the right.</li></ul>\n";
}

std::string StatsBody(const Stats& s) {
  std::string body = absl::StrCat(
      "<h1>", Esc(s.scenario), "</h1>\n<p class=\"meta\">", Esc(s.file), " · seeds ", s.first_seed, "..",
      s.first_seed + s.seeds - 1,
      s.shard.count > 1 ? absl::StrCat(" · shard ", s.shard.index, "/", s.shard.count) : std::string(), " · ",
      s.runs, " runs</p>\n");
  if (!s.stopped_seeds.empty()) {
    absl::StrAppend(&body, "<p class=\"warn\">", s.stopped_seeds.size(),
                    " runs stopped at a limit and are not counted: seeds ",
                    absl::StrJoin(s.stopped_seeds.begin(),
                                  s.stopped_seeds.begin() + std::min<size_t>(10, s.stopped_seeds.size()), " "),
                    " — ", Esc(s.first_stop), "</p>\n");
  }
  absl::StrAppend(&body, Definitions());
  if (!s.expectations.empty()) {
    absl::StrAppend(&body, "<h2>Expectations</h2>\n<p class=\"meta\">every expectation held in ", s.all_held,
                    " of ", s.judged, " runs</p>\n<table class=\"sortable\"><thead><tr><th>line</th><th>passed</th>"
                    "<th>rate</th><th>95% interval</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>max</th>"
                    "<th>decision times</th><th class=\"text\">failed seeds</th><th class=\"text\">expectation</th>"
                    "</tr></thead><tbody>\n",
                    ExpectationRows(s), "</tbody></table>\n");
  }
  absl::StrAppend(&body, "<h2>Per run</h2>\n<table class=\"sortable\"><thead><tr><th class=\"text\">figure</th>"
                         "<th>reached</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th>"
                         "<th>histogram</th></tr></thead><tbody>\n",
                  FigureRows(s.figures), "</tbody></table>\n");
  return body;
}

}  // namespace

std::string HistogramSvg(const Histogram& h, bool time) {
  constexpr double kBarWidth = 9, kHeight = 36;
  uint64_t fullest = h.never;
  for (uint64_t c : h.counts) fullest = std::max(fullest, c);
  if (fullest == 0) return "";
  const size_t bars = h.counts.size() + (h.never ? 1 : 0);
  const double width = std::max(static_cast<double>(bars) * kBarWidth + 2, 90.0);
  std::string out = absl::StrCat("<svg class=\"hist\" width=\"", Num(width), "\" height=\"", Num(kHeight + 14),
                                 "\">");
  auto bar = [&](size_t i, uint64_t count, const char* cls, const std::string& what) {
    const double height = static_cast<double>(count) / static_cast<double>(fullest) * kHeight;
    absl::StrAppend(&out, "<rect class=\"", cls, "\" x=\"", Num(1 + static_cast<double>(i) * kBarWidth), "\" y=\"",
                    Num(1 + kHeight - height), "\" width=\"", Num(kBarWidth - 1), "\" height=\"", Num(height),
                    "\"><title>", what, ": ", count, "</title></rect>");
  };
  for (size_t i = 0; i < h.counts.size(); ++i) {
    const int64_t from = h.start + static_cast<int64_t>(i) * h.width;
    const std::string what = time ? absl::StrCat("[", TimeText(from), ", ", TimeText(from + h.width), ")")
                                  : absl::StrCat("[", from, ", ", from + h.width, ")");
    bar(i, h.counts[i], "bar", what);
  }
  if (h.never) bar(h.counts.size(), h.never, "never", "never");
  // The range of the bins under them.
  const int64_t end = h.start + static_cast<int64_t>(h.counts.size()) * h.width;
  absl::StrAppend(&out, "<text x=\"1\" y=\"", Num(kHeight + 12), "\">",
                  time ? TimeText(h.start) : absl::StrCat(h.start), "</text><text x=\"",
                  Num(static_cast<double>(h.counts.size()) * kBarWidth + 1), "\" y=\"", Num(kHeight + 12),
                  "\" text-anchor=\"end\">", time ? TimeText(end) : absl::StrCat(end), "</text>");
  return out + "</svg>";
}

std::string StatsHtml(const Stats& s) { return Page(absl::StrCat("discosim stats: ", s.scenario), StatsBody(s)); }

std::string SweepHtml(const SweepResult& r, const std::string& figure, bool log_y) {
  std::vector<std::string> figures = {figure};
  if (!r.stats.empty()) {
    for (const FigureStats& f : r.stats[0].figures) {
      const bool from_start = f.name.find(" after heal at ") == std::string::npos;
      if (from_start && f.name != figure && HasFigure(r, f.name)) figures.push_back(f.name);
    }
  }
  std::vector<std::string> keys;
  for (const Axis& a : r.axes) keys.push_back(a.key);
  std::string body = absl::StrCat("<h1>", Esc(r.stats.empty() ? r.file : r.stats[0].scenario), ": sweep over ",
                                  Esc(absl::StrJoin(keys, " × ")), "</h1>\n<p class=\"meta\">", Esc(r.file), " · ",
                                  r.stats.size(), " points",
                                  r.stats.empty() ? std::string()
                                                  : absl::StrCat(" · seeds ", r.stats[0].first_seed, "..",
                                                                 r.stats[0].first_seed + r.stats[0].seeds - 1),
                                  "</p>\n", Definitions());
  for (const std::string& name : r.stats.empty() ? std::vector<std::string>{} : figures) {
    const PlotSpec spec = PlotSpecFor(r, name, log_y);
    absl::StrAppend(&body, "<h2>", Esc(name), "</h2>\n<div class=\"plot\">", SvgPlot(spec, SeriesOf(r, name)),
                    "</div>\n");
  }
  absl::StrAppend(&body, "<h2>Points</h2>\n<pre>", Esc(SweepText(r, figure)), "</pre>\n");
  return Page(absl::StrCat("discosim sweep: ", r.file), body);
}

}  // namespace discosim::stats
