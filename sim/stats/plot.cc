// The SVG plot of a sweep (plot.h).
#include "sim/stats/plot.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/report/report.h"
#include "sim/stats/output.h"

namespace discosim::stats {
namespace {

constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                    "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
constexpr double kLeft = 78, kRight = 220, kTop = 34, kBottom = 56;

std::string Num(double v) { return absl::StrFormat("%.1f", v); }
std::string Esc(const std::string& text) { return report::EscapeMarkup(text); }

// Where values land on the page.
struct Frame {
  const PlotSpec* spec = nullptr;
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;   // the plot area (y0 top)
  double lo = 0, hi = 1;                    // the y range shown
  std::vector<std::string> categories;      // x by position, when not numeric
  std::optional<std::pair<int64_t, int64_t>> x_range;  // numeric x

  double Y(double v) const {
    const bool log = spec->log_y;
    const double a = log ? std::log10(std::max(v, lo)) : v;
    const double from = log ? std::log10(lo) : lo, to = log ? std::log10(hi) : hi;
    const double share = to > from ? (a - from) / (to - from) : 0.5;
    return y1 - std::clamp(share, 0.0, 1.0) * (y1 - y0);
  }
  double X(const PlotPoint& p) const {
    if (x_range) {
      const auto [a, b] = *x_range;
      return b > a ? x0 + static_cast<double>(*p.x - a) / static_cast<double>(b - a) * (x1 - x0)
                   : (x0 + x1) / 2;
    }
    const size_t i = static_cast<size_t>(
        std::find(categories.begin(), categories.end(), p.x_label) - categories.begin());
    return categories.size() > 1 ? x0 + static_cast<double>(i) / static_cast<double>(categories.size() - 1) * (x1 - x0)
                                 : (x0 + x1) / 2;
  }
};

// The smallest round time at least `want` ms: 1-2-5 ms steps up to 1 s,
// then 1, 2, 5, 10, 15, 30 s and 1, 2, 5, 10, 15, 30 min, then hours.
double NiceTimeStep(double want) {
  constexpr double kSteps[] = {1,      2,      5,       10,      20,      50,       100,     200,
                               500,    1'000,  2'000,   5'000,   10'000,  15'000,   30'000,  60'000,
                               120'000, 300'000, 600'000, 900'000, 1'800'000, 3'600'000};
  for (double step : kSteps) {
    if (step >= want) return step;
  }
  return std::ceil(want / 3'600'000) * 3'600'000;
}

// The smallest of 1, 2, 5 x 10^k at least `want`.
double NiceStep(double want) {
  double scale = std::pow(10.0, std::floor(std::log10(std::max(want, 1e-9))));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * scale >= want) return m * scale;
  }
  return 10 * scale;
}

Frame FrameFor(const PlotSpec& spec, const std::vector<Series>& series) {
  Frame f;
  f.spec = &spec;
  f.x0 = kLeft;
  f.x1 = spec.width - kRight;
  f.y0 = kTop;
  f.y1 = spec.height - kBottom;
  bool numeric = true;
  int64_t top = 1, bottom = INT64_MAX;
  for (const Series& s : series) {
    for (const PlotPoint& p : s.points) {
      numeric = numeric && p.x.has_value();
      if (std::find(f.categories.begin(), f.categories.end(), p.x_label) == f.categories.end()) {
        f.categories.push_back(p.x_label);
      }
      for (const auto& v : {p.y.p50, p.y.p90, p.y.p99}) {
        if (v) top = std::max(top, *v), bottom = std::min(bottom, std::max<int64_t>(*v, 1));
      }
    }
  }
  if (numeric) {
    int64_t a = INT64_MAX, b = INT64_MIN;
    for (const Series& s : series) {
      for (const PlotPoint& p : s.points) a = std::min(a, *p.x), b = std::max(b, *p.x);
    }
    f.x_range = std::make_pair(a, b);
  }
  if (spec.log_y) {
    f.lo = std::pow(10.0, std::floor(std::log10(bottom == INT64_MAX ? 1.0 : static_cast<double>(bottom))));
    f.hi = std::pow(10.0, std::ceil(std::log10(static_cast<double>(top) * 1.05)));
  } else {
    const double want = static_cast<double>(top) / 5;
    const double step = spec.y_time ? NiceTimeStep(want) : NiceStep(want);
    f.hi = std::ceil(static_cast<double>(top) * 1.05 / step) * step;
  }
  return f;
}

std::string ValueLabel(double v, bool time) {
  const int64_t n = static_cast<int64_t>(std::llround(v));
  return time ? TimeText(n) : absl::StrCat(n);
}

std::string YAxis(const Frame& f) {
  std::vector<double> ticks;
  if (f.spec->log_y) {
    for (double t = f.lo; t <= f.hi * 1.0001; t *= 10) ticks.push_back(t);
  } else {
    const double step = f.spec->y_time ? NiceTimeStep(f.hi / 5) : NiceStep(f.hi / 5);
    for (double t = 0; t <= f.hi + step / 1000; t += step) ticks.push_back(t);
  }
  std::string out;
  for (double t : ticks) {
    const double y = f.Y(t);
    absl::StrAppend(&out, "<line class=\"grid\" x1=\"", Num(f.x0), "\" x2=\"", Num(f.x1), "\" y1=\"",
                    Num(y), "\" y2=\"", Num(y), "\"/>\n<text class=\"tick\" x=\"", Num(f.x0 - 6),
                    "\" y=\"", Num(y + 4), "\" text-anchor=\"end\">", ValueLabel(t, f.spec->y_time),
                    "</text>\n");
  }
  return out;
}

std::string XAxis(const Frame& f, const std::vector<Series>& series) {
  std::string out;
  std::vector<std::pair<double, std::string>> ticks;
  for (const Series& s : series) {
    for (const PlotPoint& p : s.points) {
      const double x = f.X(p);
      if (std::none_of(ticks.begin(), ticks.end(), [&](const auto& t) { return std::abs(t.first - x) < 1; })) {
        ticks.emplace_back(x, p.x_label);
      }
    }
  }
  // Thin the labels to about one per 36 px.
  double last = -1e9;
  for (const auto& [x, label] : ticks) {
    absl::StrAppend(&out, "<line class=\"axis\" x1=\"", Num(x), "\" x2=\"", Num(x), "\" y1=\"", Num(f.y1),
                    "\" y2=\"", Num(f.y1 + 4), "\"/>\n");
    if (x - last < 36) continue;
    last = x;
    absl::StrAppend(&out, "<text class=\"tick\" x=\"", Num(x), "\" y=\"", Num(f.y1 + 18),
                    "\" text-anchor=\"middle\">", Esc(label), "</text>\n");
  }
  absl::StrAppend(&out, "<line class=\"axis\" x1=\"", Num(f.x0), "\" x2=\"", Num(f.x1), "\" y1=\"",
                  Num(f.y1), "\" y2=\"", Num(f.y1), "\"/>\n<text class=\"label\" x=\"",
                  Num((f.x0 + f.x1) / 2), "\" y=\"", Num(f.y1 + 40), "\" text-anchor=\"middle\">",
                  Esc(f.spec->x_key), "</text>\n");
  return out;
}

using Edge = std::function<std::optional<int64_t>(const Summary&)>;

// Polygons between two edges over runs of points where the lower edge was
// reached; an upper edge never reached runs off the top of the plot.
std::string Band(const Frame& f, const Series& s, const Edge& lower, const Edge& upper,
                 const std::string& colour, const char* opacity) {
  std::string out;
  size_t i = 0;
  while (i < s.points.size()) {
    size_t j = i;
    while (j < s.points.size() && lower(s.points[j].y)) ++j;
    if (j > i) {
      std::string d;
      for (size_t k = i; k < j; ++k) {
        const auto up = upper(s.points[k].y);
        absl::StrAppend(&d, k == i ? "M" : "L", Num(f.X(s.points[k])), ",",
                        Num(up ? f.Y(static_cast<double>(*up)) : f.y0), " ");
      }
      for (size_t k = j; k-- > i;) {
        absl::StrAppend(&d, "L", Num(f.X(s.points[k])), ",", Num(f.Y(static_cast<double>(*lower(s.points[k].y)))), " ");
      }
      absl::StrAppend(&out, "<path d=\"", d, "Z\" fill=\"", colour, "\" fill-opacity=\"", opacity,
                      "\" stroke=\"none\"/>\n");
    }
    i = j + 1;
  }
  return out;
}

std::string HoverText(const PlotSpec& spec, const Series& s, const PlotPoint& p) {
  const bool t = spec.y_time;
  auto v = [t](const std::optional<int64_t>& x) { return x ? ValueLabel(static_cast<double>(*x), t) : "never"; };
  return absl::StrCat(spec.x_key, "=", p.x_label,
                      s.label.empty() ? "" : absl::StrCat(", ", spec.series_key, "=", s.label),
                      ": p50 ", v(p.y.p50), ", p90 ", v(p.y.p90), ", p99 ", v(p.y.p99), ", max ",
                      v(p.y.max), "; reached in ", p.y.reached, " of ", p.y.runs, " runs");
}

// The p50 line and its points; a p50 never reached is an × at the top,
// shifted sideways by the series' place so that the series' marks do not
// hide each other.
std::string Line(const Frame& f, const Series& s, const std::string& colour, double shift) {
  std::string out, d;
  for (const PlotPoint& p : s.points) {
    if (!p.y.p50) {
      d += " ";  // a gap
      continue;
    }
    absl::StrAppend(&d, d.empty() || d.back() == ' ' ? "M" : "L", Num(f.X(p)), ",",
                    Num(f.Y(static_cast<double>(*p.y.p50))));
  }
  absl::StrAppend(&out, "<path d=\"", d, "\" fill=\"none\" stroke=\"", colour, "\" stroke-width=\"2\"/>\n");
  for (const PlotPoint& p : s.points) {
    const std::string title = absl::StrCat("<title>", Esc(HoverText(*f.spec, s, p)), "</title>");
    if (p.y.p50) {
      absl::StrAppend(&out, "<circle cx=\"", Num(f.X(p)), "\" cy=\"", Num(f.Y(static_cast<double>(*p.y.p50))),
                      "\" r=\"3.5\" fill=\"", colour, "\">", title, "</circle>\n");
    } else {
      absl::StrAppend(&out, "<text class=\"never\" x=\"", Num(f.X(p) + shift), "\" y=\"", Num(f.y0 - 4), "\" fill=\"",
                      colour, "\" text-anchor=\"middle\">×", title, "</text>\n");
    }
  }
  return out;
}

std::string Legend(const PlotSpec& spec, const std::vector<Series>& series) {
  const double x = spec.width - kRight + 16;
  std::string out;
  double y = kTop + 8;
  if (!spec.series_key.empty()) {
    absl::StrAppend(&out, "<text class=\"label\" x=\"", Num(x), "\" y=\"", Num(y), "\">", Esc(spec.series_key),
                    "</text>\n");
    y += 18;
  }
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string colour = kColours[i % std::size(kColours)];
    absl::StrAppend(&out, "<rect x=\"", Num(x), "\" y=\"", Num(y - 9), "\" width=\"14\" height=\"10\" fill=\"",
                    colour, "\"/>\n<text class=\"tick\" x=\"", Num(x + 20), "\" y=\"", Num(y), "\">",
                    Esc(series[i].label.empty() ? spec.figure : series[i].label), "</text>\n");
    y += 18;
  }
  absl::StrAppend(&out, "<text class=\"note\" x=\"", Num(x), "\" y=\"", Num(y + 10),
                  "\">line: p50</text>\n<text class=\"note\" x=\"", Num(x), "\" y=\"", Num(y + 24),
                  "\">dark band: p50–p90</text>\n<text class=\"note\" x=\"", Num(x), "\" y=\"",
                  Num(y + 38), "\">light band: p90–p99</text>\n<text class=\"note\" x=\"", Num(x),
                  "\" y=\"", Num(y + 52), "\">× at the top: p50 never</text>\n");
  return out;
}

}  // namespace

std::string SvgPlot(const PlotSpec& spec, const std::vector<Series>& series) {
  const Frame f = FrameFor(spec, series);
  std::string out = absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", spec.width, "\" height=\"", spec.height,
      "\" viewBox=\"0 0 ", spec.width, " ", spec.height, "\" font-family=\"sans-serif\" font-size=\"12\">\n",
      "<style>.grid{stroke:#e4e4e4}.axis{stroke:#444}.tick{fill:#333}.label{fill:#222;font-size:13px}"
      ".note{fill:#555;font-size:11px}.never{font-size:14px;font-weight:bold}</style>\n",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text class=\"label\" x=\"", Num(kLeft),
      "\" y=\"20\">", Esc(spec.figure), spec.y_time ? " (virtual time)" : "", spec.log_y ? ", log scale" : "",
      "</text>\n", YAxis(f), XAxis(f, series));
  const Edge p50 = [](const Summary& s) { return s.p50; };
  const Edge p90 = [](const Summary& s) { return s.p90; };
  const Edge p99 = [](const Summary& s) { return s.p99; };
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string colour = kColours[i % std::size(kColours)];
    absl::StrAppend(&out, Band(f, series[i], p90, p99, colour, "0.12"),
                    Band(f, series[i], p50, p90, colour, "0.28"));
  }
  for (size_t i = 0; i < series.size(); ++i) {
    const double shift = (static_cast<double>(i) - static_cast<double>(series.size() - 1) / 2) * 8;
    absl::StrAppend(&out, Line(f, series[i], kColours[i % std::size(kColours)], shift));
  }
  absl::StrAppend(&out, Legend(spec, series), "</svg>\n");
  return out;
}

}  // namespace discosim::stats
