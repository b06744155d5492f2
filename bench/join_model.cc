#include "bench/join_model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace discosim::bench {

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
  }
  return "?";
}

std::vector<Variant> AllVariants() {
  return {Variant::kSpin, Variant::kSleep, Variant::kBackoff, Variant::kRecheck};
}

world::WorldConfig ColdStartWorld(const ColdStart& spec) {
  world::WorldConfig config;
  config.seed = spec.seed;
  std::vector<std::string> tables;
  for (int t = 1; t <= spec.tables; ++t) tables.push_back(absl::StrCat("t", t));
  if (spec.layout == Layout::kPacked) config.hosts.push_back(world::HostConfig{"vm", 2});
  for (int i = 1; i <= spec.nodes; ++i) {
    world::NodeConfig node;
    node.name = absl::StrCat("n", i, "@h", i);
    node.tables = tables;
    if (spec.layout == Layout::kPacked) node.host = "vm";
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
      config.lock.retry_delay_ms_min = 1;
      config.lock.retry_delay_ms_max = 20;
      break;
    case Variant::kRecheck:
      config.lock.recheck_joined = true;
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
  // A fault-free cold start is converged once every table had N - 1 merges;
  // checked only when a merge happens.
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
  // Run in slices so that a converged run stops early.
  constexpr int64_t kSliceMs = 100;
  world::RunResult run;
  for (int64_t t = kSliceMs; !done && t <= spec.budget_ms + kSliceMs - 1; t += kSliceMs) {
    run = w.RunUntil(std::min(t, spec.budget_ms));
    if (!run.ok()) {
      result.hit_event_limit = run.status == world::RunStatus::kEventLimit;
      break;
    }
  }
  result.converged = done;
  result.end_ms = w.now_ms();
  result.counters = w.counters();
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

std::vector<uint64_t> CalibrationSeeds() { return {1, 2, 3, 4, 5}; }

std::vector<CalibrationCell> CalibrationCells() {
  std::vector<CalibrationCell> cells;
  auto time_cell = [&](int n, int tables, Variant variant, double seconds) {
    CalibrationCell c;
    c.what = absl::StrCat(ToString(variant), ", N=", n, ", ", tables,
                          tables == 1 ? " table" : " tables", ": seconds to join");
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
  // Lock acquisitions at N=8: tables x (N - 1) merges and about as many
  // skips (counted with 4 tables: 28 + 28).
  for (auto [tables, acquisitions] : std::vector<std::pair<int, double>>{{1, 14}, {4, 56}}) {
    CalibrationCell c;
    c.what = absl::StrCat("spin, N=8, ", tables, tables == 1 ? " table" : " tables",
                          ": lock acquisitions");
    c.nodes = 8;
    c.tables = tables;
    c.attempts = true;
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
  for (CalibrationCell& cell : cells) {
    for (uint64_t seed : CalibrationSeeds()) {
      ColdStart spec;
      spec.nodes = cell.nodes;
      spec.tables = cell.tables;
      spec.layout = Layout::kPacked;
      spec.variant = cell.variant;
      spec.seed = seed;
      spec.budget_ms = 600'000;
      const ColdStartResult r = RunColdStart(spec);
      const double value = cell.attempts ? static_cast<double>(r.counters.lock_grants)
                                         : (r.converged ? r.converged_ms / 1000.0 : 1e9);
      cell.per_seed.push_back(value);
    }
    cell.simulated = Median(cell.per_seed);
  }
  return cells;
}

}  // namespace discosim::bench
