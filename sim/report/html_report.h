// A scenario run as one self-contained HTML page: a header (scenario, seed,
// duration, pass/fail counts) over an SVG timeline with one lane per node,
// and tables of the expectations and timeline steps below it.
//
// Each node's lane shows, against virtual time: when it ran (one bar per
// incarnation, coloured by discovery phase), when verify_ready was empty,
// each get_nodes call from start to answer (errors in red), each ping from
// start to pong or pang, join tasks, calls made to its discovery, its DNS and
// connection-setup slowdowns and backend failures, and one track per peer
// saying when this node's end counted the connection to that peer as up,
// shaded where a partition or a cut kept the two apart. Partitions are also
// shaded across all lanes for as long as they last. Expectations are markers
// at the time they were decided, green or red, with their text on hover.
//
// The page needs nothing from the network: inline CSS, inline SVG and a
// little inline JavaScript that zooms and pans the time axis (wheel, drag,
// drag on the axis to pick a range, buttons). Without JavaScript the page
// still shows the whole run. The same run gives byte-identical HTML.
//
// The contract of the script (html_report.js) with the page: the <svg id="tl">
// carries data-x0, data-x1 (the plot's left and right edge in SVG units),
// data-end (the run's end, ms) and data-axis (above this y a drag picks a
// range). Elements with class "s" are spans (data-a, data-b: ms; x and width
// are rewritten; data-mw overrides the minimum width), class "p" are points
// (data-t: ms; a translate is rewritten), class "sl" are span labels (data-a,
// data-b; hidden when they do not fit). Points with data-row take part in
// label thinning: in one row, a label (class "pl") that would overlap the
// previous shown one is hidden. Ticks go into <g id="ticks-top"> and <g
// id="ticks-bottom"> (data-y), grid lines into <g id="grid"> (data-y0,
// data-y1). The view can be set with a URL hash "#t=1m-1m2s", and the script
// keeps the hash in step with the view.
//
// What the page shows comes from the world's observation stream
// (world::Observations: runs, get_nodes calls, pings, connection ends, spells
// apart, partition bands, faults, discovery status), its joins and call
// outcomes, the scenario's steps and the judged expectations. Nothing is
// re-derived: no trace text is read and no timeline is replayed. The world
// records discovery status (phases, readiness) only when the run keeps its
// trace lines (RunOptions.trace == TraceMode::kKeepLines); without it the
// page still renders and says what it cannot show.
//
// Usage:
//   RunOptions options;
//   options.trace = world::TraceMode::kKeepLines;
//   absl::StatusOr<ScenarioRun> run = RunScenario(scenario, options);
//   std::string html = HtmlReport(*run);
#ifndef DISCOSIM_SIM_REPORT_HTML_REPORT_H_
#define DISCOSIM_SIM_REPORT_HTML_REPORT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/scenario/run.h"
#include "sim/world/observations.h"
#include "sim/world/world.h"

namespace discosim::report {

using engine::NodeName;
using engine::TableName;

// What the page draws, read from a run (exposed for tests). Every time is
// virtual milliseconds in [0, end_ms]; an interval still open at the end of
// the run ends at end_ms. Lists are in time order, then in name order.
struct ReportModel {
  struct Interval {
    int64_t from_ms = 0;
    int64_t to_ms = 0;
  };
  // One incarnation's run, split where its phase or readiness changed.
  struct StatusSpan {
    Interval span;
    uint32_t incarnation = 0;
    engine::Phase phase = engine::Phase::kInitial;
    bool ready = false;
  };
  struct GetNodesCall {
    Interval span;         // start to answer (or to the node's stop)
    bool error = false;    // the backend answered {error, _}
    bool answered = true;  // false: the node stopped first (the span ends there), or the run ended
  };
  // One cets_ping run on this node (for its discovery, or served for a
  // remote join's check), from start to pong or pang.
  struct Ping {
    Interval span;
    NodeName peer;
    bool pong = false;
    bool finished = true;  // false: the node stopped first, or the run ended
  };
  struct Join {
    Interval span;
    NodeName peer;
    TableName table;
    std::string result;  // "ok", a reason, or empty while running
    uint64_t lock_attempts = 0;
  };
  struct Call {
    Interval span;
    std::string id;
    std::string outcome;  // world::ToString(CallOutcome::Kind)
  };
  // Something wrong with a node or a link for a while.
  struct Fault {
    Interval span;
    std::string kind;   // "partition", "cut", "dns", "slow_connect", "backend_fail", "backend"
    std::string label;  // short text drawn on the page
    std::string cause;  // the timeline step as written, or the node's settings (hover text)
  };
  // This node's end of its connection to one peer.
  struct Peer {
    NodeName name;
    std::vector<Interval> up;             // when this end counted it as up
    std::vector<std::string> down_cause;  // per `up` entry: world::ToString(DownCause); "" open at end
    std::vector<Fault> unreachable;       // partition / cut between the two
  };
  struct Lane {
    NodeName name;
    std::vector<StatusSpan> status;
    std::vector<int64_t> restarts_ms;  // a stop and a start in one instant
    std::vector<GetNodesCall> get_nodes;
    std::vector<Ping> pings;
    std::vector<Join> joins;
    std::vector<Call> calls;
    std::vector<Fault> faults;  // dns, slow_connect, backend_fail, backend
    std::vector<Peer> peers;    // every other declared node, in name order
  };
  struct Step {
    int64_t at_ms = 0;
    std::string key;  // ActionKey
    std::string as_written;
  };
  struct Mark {  // one expectation's verdict
    int64_t at_ms = 0;
    bool passed = false;
    std::optional<Interval> window;  // where it was judged, when not one instant
    std::string as_written;
    std::string observed;
    int line = 0;
  };

  int64_t end_ms = 0;
  bool has_status = false;  // the world recorded discovery status (phases, readiness)
  std::vector<Lane> lanes;        // in the order the scenario declares the nodes
  std::vector<Fault> partitions;  // across every lane
  std::vector<Step> steps;
  std::vector<Mark> marks;  // in the order of the expectations
};

// What the model is read from. The steps are the scenario's timeline in
// order: step i is the i-th World::Schedule call, which observation records
// name as `action` (sim/scenario/run.cc schedules timeline[i] as call i).
struct ModelInput {
  int64_t end_ms = 0;
  std::vector<NodeName> lanes;                      // the nodes as the scenario declares them
  const world::Observations* observed = nullptr;    // required
  std::span<const world::JoinRecord> joins;         // World::Joins()
  std::span<const world::CallOutcome> calls;        // World::Outcomes()
  std::vector<ReportModel::Step> steps;             // by action index
  std::vector<ReportModel::Mark> marks;             // the judged expectations, in order
};

// The input of one finished run (points into `run`, which must outlive it).
ModelInput ModelInputOf(const scenario::ScenarioRun& run);
ReportModel BuildReportModel(const ModelInput& input);
ReportModel BuildReportModel(const scenario::ScenarioRun& run);

// The page. Deterministic: no wall-clock time, no unordered iteration.
std::string HtmlReport(const scenario::ScenarioRun& run);

}  // namespace discosim::report

#endif  // DISCOSIM_SIM_REPORT_HTML_REPORT_H_
