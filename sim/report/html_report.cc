// HtmlReport: lays out the ReportModel (html_report_model.cc) as a page.
//
// The SVG is drawn for the whole run, so the page reads without JavaScript;
// the inline script (html_report.js, embedded at build time as
// html_report_assets.h) rewrites x positions when the reader zooms. Coordinates are SVG units in a fixed-width viewBox, printed
// with one decimal, so the same run gives the same bytes.
#include "sim/report/html_report.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/report/html_report_assets.h"  // generated from html_report.{css,js}
#include "sim/report/report.h"
#include "sim/scenario/duration.h"

namespace discosim::report {
namespace {

using scenario::FormatDurationMs;
using scenario::ScenarioRun;

using Interval = ReportModel::Interval;

// Geometry, in SVG units.
constexpr double kWidth = 1400;
constexpr double kX0 = 230;          // the plot's left edge; labels live left of it
constexpr double kX1 = kWidth - 24;  // its right edge
constexpr double kClipMargin = 7;    // points at 0 and at the end show whole
constexpr double kAxisH = 30;        // the top axis
constexpr double kOverviewH = 10;    // the strip showing the zoomed window
constexpr double kMarkRowH = 26;     // timeline steps, expectations
constexpr double kStateH = 16;
constexpr double kReadyH = 5;
constexpr double kRowH = 13;  // get_nodes, pings, joins, calls, faults
constexpr double kPeerH = 9;
constexpr double kPingSlotH = 7;  // one of several overlapping pings
constexpr double kLanePad = 10;
constexpr double kMinW = 1.5;  // the script's default minimum span width


std::string Num(double v) { return absl::StrFormat("%.1f", v); }
std::string Ms(int64_t ms) { return FormatDurationMs(std::max<int64_t>(ms, 0)); }
std::string Range(const Interval& i) {
  return absl::StrCat(Ms(i.from_ms), " \u2013 ", Ms(i.to_ms));
}

// Writes SVG elements whose x follows virtual time (the script's contract).
class Svg {
 public:
  explicit Svg(int64_t end_ms) : end_ms_(std::max<int64_t>(end_ms, 1)) {}

  double X(int64_t t_ms) const {
    return kX0 + static_cast<double>(t_ms) * (kX1 - kX0) / static_cast<double>(end_ms_);
  }

  // A span [a, b] drawn as a rect from y, h high. `extra` is raw attributes.
  // Spans narrower than min_w (e.g. a 0ms get_nodes call) are drawn min_w wide.
  void Span(const std::string& klass, const Interval& i, double y, double h,
            const std::string& fill, const std::string& title, const std::string& extra = "",
            double min_w = kMinW) {
    const double x = X(i.from_ms);
    const double w = std::max(X(i.to_ms) - x, min_w);
    absl::StrAppend(&out_, "<rect class=\"s ", klass, "\" data-a=\"", i.from_ms, "\" data-b=\"",
                    i.to_ms, "\"");
    if (min_w != kMinW) absl::StrAppend(&out_, " data-mw=\"", Num(min_w), "\"");
    absl::StrAppend(&out_, " x=\"", Num(x), "\" y=\"", Num(y), "\" width=\"", Num(w),
                    "\" height=\"", Num(h), "\" fill=\"", fill, "\"", extra, "><title>", EscapeMarkup(title),
                    "</title></rect>\n");
  }
  // A label inside a span, shown when it fits.
  void SpanLabel(const Interval& i, double y, const std::string& text) {
    absl::StrAppend(&out_, "<text class=\"sl\" data-a=\"", i.from_ms, "\" data-b=\"", i.to_ms,
                    "\" x=\"", Num(X(i.from_ms) + 3), "\" y=\"", Num(y), "\">", EscapeMarkup(text),
                    "</text>\n");
  }
  // A point at t: `shape` is drawn around x = 0. `row` groups labels for thinning.
  void Point(const std::string& klass, int64_t t_ms, const std::string& shape,
             const std::string& title, const std::string& row = "") {
    absl::StrAppend(&out_, "<g class=\"p ", klass, "\" data-t=\"", t_ms, "\"");
    if (!row.empty()) absl::StrAppend(&out_, " data-row=\"", row, "\"");
    absl::StrAppend(&out_, " transform=\"translate(", Num(X(t_ms)), ",0)\">", shape, "<title>",
                    EscapeMarkup(title), "</title></g>\n");
  }
  void Raw(const std::string& text) { absl::StrAppend(&out_, text); }
  std::string& out() { return out_; }

 private:
  int64_t end_ms_;
  std::string out_;
};

// A row label in the left column.
std::string RowLabel(double y_mid, const std::string& text, const std::string& klass = "rl") {
  return absl::StrCat("<text class=\"", klass, "\" x=\"", Num(kX0 - 8), "\" y=\"", Num(y_mid + 4),
                      "\">", EscapeMarkup(text), "</text>\n");
}

// ---------------------------------------------------------------------------
// Colours (also listed in the legend).

constexpr char kInitial[] = "#a9d1ee";
constexpr char kRegular[] = "#4a7fc1";
constexpr char kReady[] = "#38a169";
constexpr char kNotReady[] = "#f6ad55";
constexpr char kOk[] = "#0f9d8a";
constexpr char kError[] = "#d62728";
constexpr char kPong[] = "#2e8b3e";
constexpr char kPongBar[] = "#9ad0a5";
constexpr char kPangBar[] = "#f2a7a7";
constexpr char kJoin[] = "#7b61c2";
constexpr char kJoinSame[] = "#c9bdf0";
constexpr char kCall[] = "#718096";
constexpr char kConnUp[] = "#48a868";
constexpr char kApart[] = "#f8c4b4";
constexpr char kPass[] = "#2e8b3e";
constexpr char kFail[] = "#d62728";

const char* FaultColour(const std::string& kind) {
  if (kind == "dns") return "#f6ad55";
  if (kind == "slow_connect") return "#ed8936";
  if (kind == "backend_fail") return "#fc8181";
  return "#fbd38d";  // backend error_rate
}

// ---------------------------------------------------------------------------
// One node's lane.

// Pings overlap (a node pings all its peers at once): each gets the first
// sub-row free at its start. Returns the sub-row per ping and their count.
std::pair<std::vector<int>, int> PingSlots(const ReportModel::Lane& lane) {
  std::vector<int> slot_of;
  std::vector<int64_t> busy_until_ms;                 // per sub-row
  for (const ReportModel::Ping& ping : lane.pings) {  // in start order
    size_t slot = 0;
    while (slot < busy_until_ms.size() && busy_until_ms[slot] >= ping.span.from_ms) ++slot;
    if (slot == busy_until_ms.size()) busy_until_ms.push_back(0);
    busy_until_ms[slot] = ping.span.to_ms;
    slot_of.push_back(static_cast<int>(slot));
  }
  return {slot_of, std::max<int>(1, static_cast<int>(busy_until_ms.size()))};
}

double PingsHeight(const ReportModel::Lane& lane) {
  const int slots = PingSlots(lane).second;
  return slots == 1 ? kRowH : 4 + kPingSlotH * slots;
}

double LaneHeight(const ReportModel::Lane& lane) {
  double h = kStateH + kReadyH + 3 + 2 * kRowH + PingsHeight(lane);
  if (!lane.calls.empty()) h += kRowH;
  if (!lane.faults.empty()) h += kRowH;
  return h + 4 + kPeerH * static_cast<double>(lane.peers.size()) + kLanePad;
}

void DrawStatus(Svg& svg, const ReportModel::Lane& lane, double y, int64_t end_ms) {
  svg.Span("stopped", {0, end_ms}, y, kStateH, "url(#hatch)", lane.name + " not running (hatched)",
           "", 0);
  for (const ReportModel::StatusSpan& s : lane.status) {
    const bool regular = s.phase == engine::Phase::kRegular;
    const std::string title = absl::StrCat(lane.name, " incarnation ", s.incarnation, ": phase ",
                                           regular ? "regular" : "initial", ", ",
                                           s.ready ? "ready" : "not ready", "  ", Range(s.span));
    svg.Span(regular ? "run regular" : "run initial", s.span, y, kStateH,
             regular ? kRegular : kInitial, title, "", 0);
    svg.Span(s.ready ? "ready yes" : "ready no", s.span, y + kStateH + 1, kReadyH,
             s.ready ? kReady : kNotReady, title, "", 0);
  }
  for (int64_t at_ms : lane.restarts_ms) {
    svg.Point(
        "restart", at_ms,
        absl::StrCat("<line x1=\"0\" x2=\"0\" y1=\"", Num(y - 2), "\" y2=\"",
                     Num(y + kStateH + kReadyH + 3), "\" stroke=\"#111\" stroke-width=\"2\"/>"),
        absl::StrCat(lane.name, " restarted at ", Ms(at_ms)));
  }
}

void DrawGetNodes(Svg& svg, const ReportModel::Lane& lane, double y) {
  for (const ReportModel::GetNodesCall& call : lane.get_nodes) {
    std::string title =
        absl::StrCat("get_nodes ", call.error ? "error" : "ok", ", ", Range(call.span), " (",
                     Ms(call.span.to_ms - call.span.from_ms), ")");
    if (!call.answered)
      title = absl::StrCat("get_nodes from ", Ms(call.span.from_ms), ": no answer seen");
    svg.Span(call.error ? "gn err" : "gn ok", call.span, y + 1, kRowH - 2,
             call.error ? kError : kOk, title,
             call.answered ? "" : " stroke=\"#333\" stroke-dasharray=\"2 2\"");
  }
}

// A ping: a thin bar from start to end, and the outcome at the end (a dot
// for pong, a cross for pang, nothing when it never finished). Overlapping
// pings go to sub-rows.
void DrawPings(Svg& svg, const ReportModel::Lane& lane, double y) {
  const auto [slot_of, slots] = PingSlots(lane);
  for (size_t i = 0; i < lane.pings.size(); ++i) {
    const ReportModel::Ping& ping = lane.pings[i];
    const double mid = slots == 1 ? y + kRowH / 2 : y + 2 + kPingSlotH * (slot_of[i] + 0.5);
    const double r = slots == 1 ? 3.5 : 3;
    const std::string outcome = !ping.finished ? "no answer" : ping.pong ? "pong" : "pang";
    const std::string title =
        absl::StrCat("ping ", ping.peer, ": ", outcome, "  ", Range(ping.span), " (",
                     Ms(ping.span.to_ms - ping.span.from_ms), ")");
    if (ping.span.to_ms > ping.span.from_ms) {
      svg.Span(ping.pong ? "ping-bar pong" : "ping-bar pang", ping.span, mid - 1.5, 3,
               ping.pong ? kPongBar : kPangBar, title, "", 0);
    }
    if (!ping.finished) continue;
    const std::string shape =
        ping.pong ? absl::StrCat("<circle cx=\"0\" cy=\"", Num(mid), "\" r=\"", Num(r),
                                 "\" fill=\"", kPong, "\"/>")
                  : absl::StrCat("<path d=\"M", Num(-r), ",", Num(mid - r), "l", Num(2 * r), ",",
                                 Num(2 * r), "m0,", Num(-2 * r), "l", Num(-2 * r), ",", Num(2 * r),
                                 "\" stroke=\"", kError, "\" stroke-width=\"2\"/>");
    svg.Point(ping.pong ? "ping pong" : "ping pang", ping.span.to_ms, shape, title);
  }
}

void DrawJoins(Svg& svg, const ReportModel::Lane& lane, double y) {
  for (const ReportModel::Join& join : lane.joins) {
    // already_joined is the usual answer once the tables are one cluster:
    // drawn pale, not as a failure. A join still running is drawn pale too.
    const bool ok = join.result == "ok";
    const bool benign = join.result == "already_joined" || join.result.empty();
    const std::string title =
        absl::StrCat("join ", join.table, " with ", join.peer, ": ",
                     join.result.empty() ? "still running" : join.result, "  ", Range(join.span),
                     ", lock attempts ", join.lock_attempts);
    svg.Span(ok       ? "join ok"
             : benign ? "join same"
                      : "join err",
             join.span, y + 1, kRowH - 2,
             ok       ? kJoin
             : benign ? kJoinSame
                      : kError,
             title);
  }
}

void DrawCalls(Svg& svg, const ReportModel::Lane& lane, double y) {
  for (const ReportModel::Call& call : lane.calls) {
    const bool ok =
        call.outcome != "timeout" && call.outcome != "noproc" && call.outcome != "pending" &&
        call.outcome != "exit";
    svg.Span(ok ? "call ok" : "call err", call.span, y + 1, kRowH - 2, ok ? kCall : kError,
             absl::StrCat("call ", call.id, ": ", call.outcome, "  ", Range(call.span)));
  }
}

void DrawFaults(Svg& svg, const ReportModel::Lane& lane, double y) {
  for (const ReportModel::Fault& f : lane.faults) {
    svg.Span(absl::StrCat("fault ", f.kind), f.span, y + 1, kRowH - 2, FaultColour(f.kind),
             absl::StrCat(f.label, "  ", Range(f.span), "\n", f.cause));
    svg.SpanLabel(f.span, y + kRowH - 3, f.label);
  }
}

void DrawPeer(Svg& svg, const ReportModel::Lane& lane, const ReportModel::Peer& peer, double y) {
  for (const ReportModel::Fault& f : peer.unreachable) {
    svg.Span(absl::StrCat("apart ", f.kind), f.span, y, kPeerH, kApart,
             absl::StrCat(f.kind, " between ", lane.name, " and ", peer.name, "  ", Range(f.span),
                          "\n", f.cause));
  }
  for (size_t i = 0; i < peer.up.size(); ++i) {
    const std::string& cause = peer.down_cause[i];
    svg.Span("conn", peer.up[i], y + 2, kPeerH - 4, kConnUp,
             absl::StrCat(lane.name, " counts ", peer.name, " as connected  ", Range(peer.up[i]),
                          cause.empty() ? "" : "; then down: " + cause));
  }
  // Each going down, as a tick that shows at any zoom (a reconnect within a
  // few ms leaves no visible gap).
  for (size_t i = 0; i < peer.up.size(); ++i) {
    if (peer.down_cause[i].empty()) continue;
    svg.Point("conn-down", peer.up[i].to_ms,
              absl::StrCat("<rect x=\"-1\" y=\"", Num(y), "\" width=\"2\" height=\"", Num(kPeerH),
                           "\" fill=\"", kError, "\"/>"),
              absl::StrCat(lane.name, "'s end of the connection to ", peer.name, " went down at ",
                           Ms(peer.up[i].to_ms), ": ", peer.down_cause[i]));
  }
}

// Draws the lane from y; returns its height.
double DrawLane(Svg& svg, std::string& labels, const ReportModel::Lane& lane, size_t index,
                double y, int64_t end_ms) {
  const double h = LaneHeight(lane);
  svg.Raw(absl::StrCat("<g class=\"lane\" id=\"lane-", index, "\" data-node=\"", EscapeMarkup(lane.name),
                       "\">\n"));
  labels += RowLabel(y + kStateH / 2, lane.name, "nl");
  labels += RowLabel(y + kStateH + kReadyH / 2 + 1, "ready");
  DrawStatus(svg, lane, y, end_ms);
  double row = y + kStateH + kReadyH + 3;
  auto next_row = [&](const std::string& label, double h = kRowH) {
    labels += RowLabel(row + std::min(h, kRowH) / 2, label);
    const double at = row;
    row += h;
    return at;
  };
  DrawGetNodes(svg, lane, next_row("get_nodes"));
  DrawPings(svg, lane, next_row("pings", PingsHeight(lane)));
  DrawJoins(svg, lane, next_row("joins"));
  if (!lane.calls.empty()) DrawCalls(svg, lane, next_row("calls"));
  if (!lane.faults.empty()) DrawFaults(svg, lane, next_row("faults"));
  row += 4;
  for (const ReportModel::Peer& peer : lane.peers) {
    labels += RowLabel(row + kPeerH / 2 - 1, "\u2194 " + peer.name);
    DrawPeer(svg, lane, peer, row);
    row += kPeerH;
  }
  svg.Raw("</g>\n");
  return h;
}

// ---------------------------------------------------------------------------
// Rows across the lanes.

void DrawSteps(Svg& svg, const ReportModel& model, double y) {
  for (const ReportModel::Step& step : model.steps) {
    const std::string shape = absl::StrCat(
        "<path d=\"M-5,", Num(y + 4), "h10l-5,8z\" fill=\"#444\"/><text class=\"pl\" x=\"7\" y=\"",
        Num(y + 12), "\">", EscapeMarkup(step.key), "</text>");
    svg.Point("step", step.at_ms, shape, absl::StrCat(Ms(step.at_ms), "  ", step.as_written),
              "steps");
  }
}

std::string MarkTitle(const ReportModel::Mark& m) {
  return absl::StrCat(m.passed ? "PASS " : "FAIL ", m.as_written, "  at ", Ms(m.at_ms),
                      m.observed.empty() ? "" : "\nobserved: " + m.observed, "\nline ", m.line);
}

// Each expectation: the window it was judged over (a thin line), then a
// green or red marker at the time it was decided.
void DrawMarks(Svg& svg, const ReportModel& model, double y) {
  const double mid = y + 10;
  for (const ReportModel::Mark& m : model.marks) {
    if (!m.window) continue;
    svg.Span(m.passed ? "win pass" : "win fail", *m.window, mid - 1.5, 3,
             m.passed ? "#a7d7b0" : "#f3a6a6", MarkTitle(m));
  }
  for (size_t i = 0; i < model.marks.size(); ++i) {
    const ReportModel::Mark& m = model.marks[i];
    const std::string glyph =
        m.passed
            ? absl::StrCat("<path d=\"M-3,", Num(mid),
                           "l2,2.5l4,-5\" stroke=\"#fff\" stroke-width=\"1.6\" fill=\"none\"/>")
            : absl::StrCat("<path d=\"M-2.5,", Num(mid - 2.5),
                           "l5,5m0,-5l-5,5\" stroke=\"#fff\" stroke-width=\"1.6\"/>");
    const std::string shape = absl::StrCat(
        "<circle cx=\"0\" cy=\"", Num(mid), "\" r=\"6.5\" fill=\"", m.passed ? kPass : kFail,
        "\"/>", glyph, "<text class=\"pl\" x=\"9\" y=\"", Num(mid + 4), "\">#", i + 1, "</text>");
    svg.Point(m.passed ? "mark pass" : "mark fail", m.at_ms, shape, MarkTitle(m), "marks");
  }
}

// The network row: each partition and each cut as a labelled span.
void DrawNetwork(Svg& svg, const ReportModel& model, double y) {
  for (const ReportModel::Fault& band : model.partitions) {
    svg.Span("net partition", band.span, y + 1, kRowH + 2, kApart,
             absl::StrCat(band.label, "  ", Range(band.span), "\n", band.cause));
    svg.SpanLabel(band.span, y + kRowH - 1, band.label);
  }
  for (const ReportModel::Lane& lane : model.lanes) {
    for (const ReportModel::Peer& peer : lane.peers) {
      if (!(lane.name < peer.name)) continue;  // each link once
      for (const ReportModel::Fault& f : peer.unreachable) {
        if (f.kind != "cut") continue;
        const std::string label = absl::StrCat("cut ", lane.name, " \u2194 ", peer.name);
        svg.Span("net cut", f.span, y + 1, kRowH + 2, kApart,
                 absl::StrCat(label, "  ", Range(f.span), "\n", f.cause));
        svg.SpanLabel(f.span, y + kRowH - 1, label);
      }
    }
  }
}

// Behind the lanes: partition bands, a line at each step and a red line at
// each failure, from y0 to y1.
void DrawGuides(Svg& svg, const ReportModel& model, double y0, double y1) {
  for (const ReportModel::Fault& band : model.partitions) {
    svg.Span("band partition", band.span, y0, y1 - y0, "url(#band)",
             absl::StrCat(band.label, "  ", Range(band.span), "\n", band.cause), "", 0);
  }
  for (const ReportModel::Step& step : model.steps) {
    svg.Point("guide", step.at_ms,
              absl::StrCat("<line x1=\"0\" x2=\"0\" y1=\"", Num(y0), "\" y2=\"", Num(y1),
                           "\" stroke=\"#9a9a9a\" stroke-dasharray=\"3 4\"/>"),
              absl::StrCat(Ms(step.at_ms), "  ", step.as_written));
  }
  for (const ReportModel::Mark& m : model.marks) {
    if (m.passed) continue;
    svg.Point(
        "guide fail", m.at_ms,
        absl::StrCat("<line x1=\"0\" x2=\"0\" y1=\"", Num(y0), "\" y2=\"", Num(y1), "\" stroke=\"",
                     kFail, "\" stroke-opacity=\"0.7\" stroke-dasharray=\"6 3\"/>"),
        absl::StrCat("FAIL ", m.as_written, " at ", Ms(m.at_ms)));
  }
}

// Alternating lane backgrounds, full width (under the labels too).
std::string LaneBackgrounds(const ReportModel& model, double y) {
  std::string out;
  for (size_t i = 0; i < model.lanes.size(); ++i) {
    const double h = LaneHeight(model.lanes[i]);
    absl::StrAppend(&out, "<rect class=\"lane-bg\" x=\"0\" y=\"", Num(y), "\" width=\"",
                    Num(kWidth), "\" height=\"", Num(h), "\" fill=\"",
                    i % 2 == 0 ? "#ffffff" : "#f3f6f9", "\"/>\n");
    y += h;
  }
  return out;
}

std::string Defs(double plot_y0, double plot_h) {
  return absl::StrCat(
      "<defs>\n"
      "<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f1f1f1\"/>"
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d4d4d4\" "
      "stroke-width=\"2\"/></pattern>\n"
      "<pattern id=\"band\" width=\"10\" height=\"10\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(-45)\"><rect width=\"10\" height=\"10\" fill=\"#fde3da\" "
      "fill-opacity=\"0.55\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"10\" stroke=\"#f4a58a\" "
      "stroke-opacity=\"0.5\" stroke-width=\"1.5\"/></pattern>\n"
      "<clipPath id=\"plot\"><rect x=\"",
      Num(kX0 - kClipMargin), "\" y=\"", Num(plot_y0), "\" width=\"",
      Num(kX1 - kX0 + 2 * kClipMargin), "\" height=\"", Num(plot_h), "\"/></clipPath>\n</defs>\n");
}

std::string Chart(const ReportModel& model) {
  Svg svg(model.end_ms);
  std::string labels;
  const double overview_y = kAxisH + 2;
  const double steps_y = overview_y + kOverviewH + 4;
  const double marks_y = steps_y + kMarkRowH;
  const double network_y = marks_y + kMarkRowH;
  const double lanes_y = network_y + kRowH + 8;
  double lanes_h = 0;
  for (const ReportModel::Lane& lane : model.lanes) lanes_h += LaneHeight(lane);
  const double bottom_axis_y = lanes_y + lanes_h;
  const double height = bottom_axis_y + 28;

  labels += RowLabel(overview_y + kOverviewH / 2 - 1, "whole run");
  labels += RowLabel(steps_y + 8, "timeline");
  labels += RowLabel(marks_y + 10, "expectations");
  labels += RowLabel(network_y + kRowH / 2 + 1, "partitions, cuts");
  svg.Raw(absl::StrCat("<g id=\"grid\" data-y0=\"", Num(steps_y), "\" data-y1=\"",
                       Num(bottom_axis_y), "\"></g>\n"));
  DrawGuides(svg, model, network_y, bottom_axis_y);
  DrawNetwork(svg, model, network_y);
  double y = lanes_y + 4;
  for (size_t i = 0; i < model.lanes.size(); ++i) {
    y += DrawLane(svg, labels, model.lanes[i], i, y, model.end_ms);
  }
  DrawSteps(svg, model, steps_y);
  DrawMarks(svg, model, marks_y);

  std::string out = absl::StrCat(
      "<svg id=\"tl\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", Num(kWidth), " ",
      Num(height), "\" width=\"", Num(kWidth), "\" height=\"", Num(height), "\" data-x0=\"",
      Num(kX0), "\" data-x1=\"", Num(kX1), "\" data-end=\"", model.end_ms, "\" data-axis=\"",
      Num(steps_y), "\" role=\"img\" aria-label=\"timeline of the run\">\n");
  absl::StrAppend(&out, Defs(0, height));
  absl::StrAppend(&out, LaneBackgrounds(model, lanes_y), "<g clip-path=\"url(#plot)\">\n",
                  svg.out(), "</g>\n");
  absl::StrAppend(&out, "<g class=\"labels\">\n", labels, "</g>\n");
  // Axes (the script redraws the ticks), the overview strip and the brush.
  absl::StrAppend(&out, "<line x1=\"", Num(kX0), "\" x2=\"", Num(kX1), "\" y1=\"", Num(kAxisH),
                  "\" y2=\"", Num(kAxisH), "\" stroke=\"#888\"/>\n<g id=\"ticks-top\" data-y=\"",
                  Num(kAxisH), "\"></g>\n");
  absl::StrAppend(&out, "<line x1=\"", Num(kX0), "\" x2=\"", Num(kX1), "\" y1=\"",
                  Num(bottom_axis_y), "\" y2=\"", Num(bottom_axis_y),
                  "\" stroke=\"#888\"/>\n<g id=\"ticks-bottom\" data-y=\"", Num(bottom_axis_y),
                  "\"></g>\n");
  absl::StrAppend(&out, "<rect x=\"", Num(kX0), "\" y=\"", Num(overview_y), "\" width=\"",
                  Num(kX1 - kX0), "\" height=\"", Num(kOverviewH),
                  "\" fill=\"#edf2f7\" stroke=\"#cbd5e0\"/>\n<rect id=\"overview-window\" x=\"",
                  Num(kX0), "\" y=\"", Num(overview_y), "\" width=\"", Num(kX1 - kX0),
                  "\" height=\"", Num(kOverviewH), "\" fill=\"#bee3f8\" stroke=\"#3182ce\"/>\n");
  absl::StrAppend(&out, "<rect id=\"brush\" display=\"none\" x=\"0\" y=\"0\" width=\"0\" height=\"",
                  Num(height), "\" fill=\"#63b3ed\" fill-opacity=\"0.2\" stroke=\"#3182ce\"/>\n");
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

// ---------------------------------------------------------------------------
// The HTML around the chart.

std::string Header(const ScenarioRun& run) {
  const scenario::Scenario& s = *run.scenario;
  const int passed = run.passed(), failed = run.failed();
  std::string out = absl::StrCat("<header>\n<h1>", EscapeMarkup(s.name), "</h1>\n");
  if (!s.description.empty())
    absl::StrAppend(&out, "<p class=\"desc\">", EscapeMarkup(s.description), "</p>\n");
  absl::StrAppend(&out, "<div class=\"facts\">");
  absl::StrAppend(&out, "<span class=\"badge ", passed > 0 ? "pass" : "none", "\" id=\"passed\">",
                  passed, " passed</span>");
  absl::StrAppend(&out, "<span class=\"badge ", failed > 0 ? "fail" : "none", "\" id=\"failed\">",
                  failed, " failed</span>");
  auto fact = [&](const std::string& key, const std::string& value) {
    absl::StrAppend(&out, "<span><span class=\"k\">", key, "</span> ", EscapeMarkup(value), "</span>");
  };
  fact("seed", absl::StrCat(run.seed));
  fact("duration", Ms(s.duration_ms));
  if (run.end_ms != s.duration_ms) fact("ran to", Ms(run.end_ms) + " (after_heal)");
  fact("nodes", absl::StrCat(s.nodes.size()));
  fact("events", absl::StrCat(run.run.events));
  fact("trace hash", absl::StrFormat("%016x", run.world->TraceHash()));
  if (!s.source_file.empty()) fact("file", s.source_file);
  absl::StrAppend(&out, "</div>\n</header>\n");
  return out;
}

constexpr char kControls[] =
    "<div class=\"controls\"><button id=\"fit\" title=\"see the whole run (0)\">Fit</button>"
    "<button id=\"zin\" title=\"zoom in (+)\">+</button>"
    "<button id=\"zout\" title=\"zoom out (-)\">\u2212</button>"
    "<button id=\"left\" title=\"earlier (\u2190)\">\u25c0</button>"
    "<button id=\"right\" title=\"later (\u2192)\">\u25b6</button>"
    "<input id=\"range\" placeholder=\"e.g. 12m3s-12m5s\" title=\"show a range of virtual time\">"
    "<span id=\"readout\"></span>"
    "<span class=\"hint\">drag to pan \u00b7 drag on the axis or timeline row (or shift-drag) to "
    "zoom into a range \u00b7 ctrl+wheel or double-click to zoom \u00b7 hover for details</span>"
    "</div>\n";

std::string Legend() {
  struct Item {
    const char* colour;
    const char* text;
  };
  const Item items[] = {
      {kInitial, "running, initial phase"},
      {kRegular, "running, regular phase"},
      {"#e2e2e2", "stopped"},
      {kReady, "ready (verify_ready empty)"},
      {kNotReady, "not ready"},
      {kOk, "get_nodes ok"},
      {kError, "error / pang / failed"},
      {kPong, "pong"},
      {kJoin, "join ok"},
      {kJoinSame, "join: already joined"},
      {kCall, "call"},
      {kConnUp, "this end counts the peer connected (red tick: went down)"},
      {kApart, "partition or cut between the two"},
      {"#f6ad55", "dns slow / failing"},
      {"#ed8936", "slow connect"},
      {"#fc8181", "backend failing"},
  };
  std::string out = "<div class=\"legend\">";
  for (const Item& item : items) {
    absl::StrAppend(&out, "<span><i style=\"background:", item.colour, "\"></i>", item.text,
                    "</span>");
  }
  return out + "</div>\n";
}

std::string Tables(const ReportModel& model) {
  std::string out =
      "<h2>Expectations</h2>\n<table id=\"expectations\"><tr><th>#</th><th>verdict</th>"
      "<th>at</th><th>expectation</th><th>observed</th><th>line</th></tr>\n";
  for (size_t i = 0; i < model.marks.size(); ++i) {
    const ReportModel::Mark& m = model.marks[i];
    absl::StrAppend(&out, "<tr class=\"go\" data-t=\"", m.at_ms, "\"><td>", i + 1,
                    "</td><td class=\"", m.passed ? "pass\">PASS" : "fail\">FAIL",
                    "</td><td class=\"t\">", Ms(m.at_ms), "</td><td><code>", EscapeMarkup(m.as_written),
                    "</code></td><td>", EscapeMarkup(m.observed), "</td><td>", m.line, "</td></tr>\n");
  }
  absl::StrAppend(
      &out, "</table>\n<h2>Timeline</h2>\n<table id=\"steps\"><tr><th>at</th><th>step</th></tr>\n");
  for (const ReportModel::Step& step : model.steps) {
    absl::StrAppend(&out, "<tr class=\"go\" data-t=\"", step.at_ms, "\"><td class=\"t\">",
                    Ms(step.at_ms), "</td><td><code>", EscapeMarkup(step.as_written), "</code></td></tr>\n");
  }
  return out + "</table>\n";
}

}  // namespace

std::string HtmlReport(const ScenarioRun& run) {
  const ReportModel model = BuildReportModel(run);
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>discosim: ",
      EscapeMarkup(run.scenario->name), "</title>\n<style>\n", html_assets::kCss,
      "</style>\n</head>\n<body>\n");
  absl::StrAppend(&out, Header(run));
  if (!model.has_status) {
    absl::StrAppend(&out,
                    "<p class=\"warn\">The world recorded no discovery status for this run "
                    "(RunOptions.trace is not kKeepLines): phases and readiness are missing. "
                    "<code>discosim run --report</code> records them.</p>\n");
  }
  absl::StrAppend(&out, kControls, Legend(), "<div id=\"chart\">\n", Chart(model), "</div>\n");
  absl::StrAppend(&out, Tables(model));
  absl::StrAppend(&out, "<script>\n", html_assets::kScript, "</script>\n</body>\n</html>\n");
  return out;
}

}  // namespace discosim::report
