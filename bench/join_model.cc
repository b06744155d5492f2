#include "bench/join_model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace discosim::bench {
namespace {

// The measured machine's connection setup: the nodeups came ~100 ms after
// the get_nodes that named the peers (real-cets-measurements.md, "More
// retry-timing detail": get_nodes ok at 3 016 ms, nodeups at 3 119 ms).
constexpr int64_t kMeasuredConnectDelayMs = 100;
// A deployment's discovery backend (DNS, a Kubernetes API) takes a while.
constexpr int64_t kDeploymentBackendMs = 20;

}  // namespace

const char* ToString(Layout layout) {
  switch (layout) {
    case Layout::kOwnHosts: return "own-hosts";
    case Layout::kPacked: return "packed";
  }
  return "?";
}

const char* ToString(Variant variant) {
  switch (variant) {
    case Variant::kSpin: return "spin";
    case Variant::kSleep: return "sleep-1ms";
    case Variant::kBackoff: return "backoff-1-20ms";
    case Variant::kRecheck: return "recheck";
    case Variant::kBackoffScaled: return "backoff-scaled";
  }
  return "?";
}

std::vector<Variant> AllVariants() {
  return {Variant::kSpin, Variant::kSleep, Variant::kBackoff, Variant::kRecheck,
          Variant::kBackoffScaled};
}

world::WorldConfig ColdStartWorld(const ColdStart& spec) {
  world::WorldConfig config;
  config.seed = spec.seed;
  config.join_model = world::JoinModel::kCalibrated;
  std::vector<std::string> tables;
  for (int t = 1; t <= spec.tables; ++t) tables.push_back(absl::StrCat("t", t));
  if (spec.layout == Layout::kPacked) config.hosts.push_back(world::HostConfig{"vm", 2});
  for (int i = 1; i <= spec.nodes; ++i) {
    world::NodeConfig node;
    node.name = absl::StrCat("n", i, "@h", i);
    node.tables = tables;
    if (spec.layout == Layout::kPacked) {
      node.host = "vm";
      node.settings.connect_delay_ms = kMeasuredConnectDelayMs;
    } else {
      node.backend.latency = {kDeploymentBackendMs, kDeploymentBackendMs};
    }
    config.nodes.push_back(std::move(node));
  }
  switch (spec.variant) {
    case Variant::kSpin:
      break;
    case Variant::kSleep:
      config.lock.wait = world::LockWait::kSleep;
      config.lock.sleep_ms = 1;
      break;
    case Variant::kBackoff:
      config.lock.backoff_ms_min = 1;
      config.lock.backoff_ms_max = 20;
      break;
    case Variant::kRecheck:
      config.lock.recheck_joined = true;
      break;
    case Variant::kBackoffScaled:
      config.lock.backoff_ms_min = 1;
      config.lock.backoff_ms_max = 10 * static_cast<int64_t>(spec.nodes);
      break;
  }
  config.limits.max_events = spec.max_events;
  config.limits.max_queued_events = 50'000'000;
  return config;
}

ColdStartResult RunColdStart(const ColdStart& spec) {
  ColdStartResult result;
  absl::StatusOr<std::unique_ptr<world::World>> created =
      world::World::Create(ColdStartWorld(spec));
  if (!created.ok()) {
    std::fprintf(stderr, "join_model: %s\n", created.status().ToString().c_str());
    std::abort();
  }
  world::World& w = **created;
  const uint64_t merges_needed =
      static_cast<uint64_t>(spec.tables) * static_cast<uint64_t>(spec.nodes - 1);
  // A fault-free cold start has converged once every table had N - 1
  // merges; checked only when a merge happens.
  bool done = merges_needed == 0;
  uint64_t seen_merges = 0;
  w.SetObserver([&](const world::World& world) {
    if (done) return;
    const uint64_t merges = world.counters().merges;
    if (merges == seen_merges) return;
    seen_merges = merges;
    if (merges >= merges_needed) {
      done = true;
      result.converged_ms = world.now_ms();
    }
  });
  // In slices, so that a converged run stops early.
  constexpr int64_t kSliceMs = 100;
  int64_t t = 0;
  while (!done && t < spec.budget_ms) {
    t = std::min(t + kSliceMs, spec.budget_ms);
    const world::RunResult run = w.RunUntil(t);
    if (!run.ok()) {
      result.hit_event_limit = run.status == world::RunStatus::kEventLimit;
      break;
    }
  }
  result.converged = done;
  result.counters = w.counters();
  auto all_finished = [&] {
    for (const world::JoinRecord& j : w.Joins()) {
      if (!j.finished_at_ms.has_value() && j.result.empty()) return false;
    }
    return true;
  };
  if (done) {
    const int64_t limit_ms = std::max(spec.budget_ms, result.converged_ms * 2);
    while (!all_finished() && t < limit_ms) {
      t = std::min(t + kSliceMs, limit_ms);
      if (!w.RunUntil(t).ok()) break;
    }
    result.joins_finished = all_finished();
    result.joins_finished_ms = w.now_ms();
    result.finished_counters = w.counters();
  }
  result.end_ms = w.now_ms();
  return result;
}

HandoffResult RunHandoff(const Handoff& spec) {
  ColdStart cold;
  cold.nodes = spec.nodes;
  cold.tables = 0;
  cold.layout = spec.layout;
  cold.variant = spec.variant;
  cold.seed = spec.seed;
  absl::StatusOr<std::unique_ptr<world::World>> created =
      world::World::Create(ColdStartWorld(cold));
  if (!created.ok()) std::abort();
  world::World& w = **created;
  constexpr int64_t kStartMs = 1'000;
  for (int i = 1; i <= spec.contenders; ++i) {
    if (!w.Schedule(kStartMs, world::action::LockLoop{absl::StrCat("n", i, "@h", i)}).ok()) {
      std::abort();
    }
  }
  w.RunUntil(kStartMs);
  const uint64_t before = w.counters().lock_grants;
  w.RunUntil(kStartMs + spec.duration_ms);
  HandoffResult result;
  result.counters = w.counters();
  const double grants = static_cast<double>(result.counters.lock_grants - before);
  result.grants_per_s = grants * 1000.0 / static_cast<double>(spec.duration_ms);
  result.mean_handoff_ms = grants > 0 ? static_cast<double>(spec.duration_ms) / grants : 0;
  return result;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool CalibrationCell::Holds() const {
  if (measured <= 0 || simulated <= 0) return false;
  const double ratio = simulated / measured;
  return ratio >= 1 / tolerance && ratio <= tolerance;
}

std::vector<uint64_t> CalibrationSeeds() { return {1, 2, 3, 4, 5, 6, 7, 8, 9}; }

std::vector<CalibrationCell> CalibrationCells() {
  std::vector<CalibrationCell> cells;
  auto tables_text = [](int tables) {
    return absl::StrCat(tables, tables == 1 ? " table" : " tables");
  };
  auto time_cell = [&](int n, int tables, Variant variant, double seconds) {
    CalibrationCell c;
    c.what = absl::StrCat(ToString(variant), ", N=", n, ", ", tables_text(tables),
                          ": seconds until every table joined");
    c.nodes = n;
    c.tables = tables;
    c.variant = variant;
    c.measured = seconds;
    c.tolerance = 2;
    cells.push_back(c);
  };
  // The cold-start table (medians of 3 runs).
  for (auto [n, one, four] : std::vector<std::tuple<int, double, double>>{
           {2, 0.1, 0.11}, {3, 0.21, 0.30}, {5, 1.1, 3.9}, {8, 15, 45}}) {
    time_cell(n, 1, Variant::kSpin, one);
    time_cell(n, 4, Variant::kSpin, four);
  }
  // Lock acquisitions per cold start at N=8: tables x (N - 1) merges and
  // about as many skips (counted with 4 tables: 28 + 28).
  for (auto [tables, acquisitions] : std::vector<std::pair<int, double>>{{1, 14}, {4, 56}}) {
    CalibrationCell c;
    c.what = absl::StrCat("spin, N=8, ", tables_text(tables), ": lock acquisitions");
    c.nodes = 8;
    c.tables = tables;
    c.acquisitions = true;
    c.measured = acquisitions;
    c.tolerance = 1.5;
    cells.push_back(c);
  }
  // The what-if fixes measured at N=8.
  time_cell(8, 1, Variant::kSleep, 2.5);
  time_cell(8, 4, Variant::kSleep, 4.0);
  time_cell(8, 1, Variant::kBackoff, 3.7);
  time_cell(8, 4, Variant::kBackoff, 11.3);
  return cells;
}

std::vector<CalibrationCell> RunCalibration() {
  std::vector<CalibrationCell> cells = CalibrationCells();
  std::map<std::tuple<int, int, Variant, uint64_t>, ColdStartResult> runs;
  for (CalibrationCell& cell : cells) {
    for (uint64_t seed : CalibrationSeeds()) {
      const auto key = std::make_tuple(cell.nodes, cell.tables, cell.variant, seed);
      auto it = runs.find(key);
      if (it == runs.end()) {
        ColdStart spec;
        spec.nodes = cell.nodes;
        spec.tables = cell.tables;
        spec.layout = Layout::kPacked;
        spec.variant = cell.variant;
        spec.seed = seed;
        spec.budget_ms = 600'000;
        it = runs.emplace(key, RunColdStart(spec)).first;
      }
      const ColdStartResult& r = it->second;
      // A run that does not converge counts as "very slow".
      const double value =
          cell.acquisitions
              ? static_cast<double>(r.joins_finished ? r.finished_counters.lock_grants
                                                     : r.counters.lock_grants)
              : (r.converged ? static_cast<double>(r.converged_ms) / 1000.0 : 1e9);
      cell.per_seed.push_back(value);
    }
    cell.simulated = Median(cell.per_seed);
  }
  return cells;
}

}  // namespace discosim::bench
