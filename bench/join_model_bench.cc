// The join model's benchmark, in virtual time (see docs/join-model.md):
//
//   join_model_bench run N TABLES LAYOUT VARIANT [SEEDS] [BUDGET_S]
//       one cold start per seed (SEEDS: "1,2,3"), one line each
//   join_model_bench calibrate
//       the calibration table (packed 2-core host, CalibrationSeeds()) as markdown
//   join_model_bench handoff [DURATION_MS]
//       the lock hand-off experiment against the measured table
//   join_model_bench sweep [MAX_NODES] > sweep.csv
//       time to converge and merges per virtual second against N = 2..100,
//       tables 1, 4, 16, both layouts, every variant (CSV; bench/join_model_plot.sh draws it)
//
// LAYOUT: packed | own-hosts.
// VARIANT: spin | sleep-1ms | backoff-1-20ms | recheck | backoff-scaled.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "bench/join_model.h"

namespace discosim::bench {
namespace {

bool ParseLayout(const std::string& text, Layout& out) {
  for (Layout l : {Layout::kOwnHosts, Layout::kPacked}) {
    if (text == ToString(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

bool ParseVariant(const std::string& text, Variant& out) {
  for (Variant v : AllVariants()) {
    if (text == ToString(v)) {
      out = v;
      return true;
    }
  }
  return false;
}

double WallSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

void PrintResult(const ColdStart& spec, const ColdStartResult& r, double wall_s) {
  const world::Counters& c = r.counters;
  std::printf(
      "N=%d tables=%d %s %s seed=%llu: %s %.3f s | grants %llu (merges %llu, skips %llu) "
      "attempts %llu aborts %llu local-waits %llu | held %.2f s, free-contended %.2f s, "
      "attempting %.2f s, waiting %.2f s | events %llu, wall %.2f s\n",
      spec.nodes, spec.tables, ToString(spec.layout), ToString(spec.variant), U(spec.seed),
      r.converged ? "converged" : "NOT converged",
      (r.converged ? r.converged_ms : r.end_ms) / 1000.0, U(c.lock_grants), U(c.merges),
      U(c.lock_skips), U(c.lock_attempts), U(c.lock_aborts), U(c.lock_local_waits),
      c.lock_held_us / 1e6, c.lock_free_contended_us / 1e6, c.lock_attempting_us / 1e6,
      c.lock_waiting_us / 1e6, U(c.events), wall_s);
  if (r.joins_finished) {
    const world::Counters& f = r.finished_counters;
    std::printf("  every join task done at %.3f s: grants %llu (merges %llu, skips %llu)\n",
                r.joins_finished_ms / 1000.0, U(f.lock_grants), U(f.merges), U(f.lock_skips));
  }
}

int Run(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr,
                 "usage: join_model_bench run N TABLES LAYOUT VARIANT [SEEDS] [BUDGET_S]\n");
    return 2;
  }
  ColdStart spec;
  spec.nodes = std::atoi(argv[2]);
  spec.tables = std::atoi(argv[3]);
  if (spec.nodes < 1 || spec.tables < 0 || !ParseLayout(argv[4], spec.layout) ||
      !ParseVariant(argv[5], spec.variant)) {
    std::fprintf(stderr, "bad N, TABLES, LAYOUT or VARIANT\n");
    return 2;
  }
  std::vector<uint64_t> seeds = {1};
  if (argc > 6) {
    seeds.clear();
    for (absl::string_view part : absl::StrSplit(argv[6], ',')) {
      uint64_t seed = 0;
      if (absl::SimpleAtoi(part, &seed)) seeds.push_back(seed);
    }
  }
  if (argc > 7) spec.budget_ms = static_cast<int64_t>(std::atof(argv[7]) * 1000);
  for (uint64_t seed : seeds) {
    spec.seed = seed;
    const auto start = std::chrono::steady_clock::now();
    const ColdStartResult r = RunColdStart(spec);
    PrintResult(spec, r, WallSince(start));
  }
  return 0;
}

int Calibrate() {
  const std::vector<CalibrationCell> cells = RunCalibration();
  std::printf("| cell | measured | simulated (median) | ratio | within | per seed |\n");
  std::printf("|---|---|---|---|---|---|\n");
  int misses = 0;
  for (const CalibrationCell& cell : cells) {
    std::string per_seed;
    for (double v : cell.per_seed) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), cell.acquisitions ? "%.0f" : "%.2f", v);
      if (!per_seed.empty()) per_seed += ", ";
      per_seed += buf;
    }
    const char* format = cell.acquisitions ? "| %s | %.0f | %.0f | %.2f | %s (%.1fx) | %s |\n"
                                           : "| %s | %.2f | %.2f | %.2f | %s (%.1fx) | %s |\n";
    std::printf(format, cell.what.c_str(), cell.measured, cell.simulated,
                cell.simulated / cell.measured, cell.Holds() ? "yes" : "NO", cell.tolerance,
                per_seed.c_str());
    misses += cell.Holds() ? 0 : 1;
  }
  std::printf("\nseeds:");
  for (uint64_t seed : CalibrationSeeds()) std::printf(" %llu", U(seed));
  std::printf("; %d of %zu cells outside their tolerance\n", misses, cells.size());
  return misses == 0 ? 0 : 1;
}

int HandoffTable(int argc, char** argv) {
  const int64_t duration_ms = argc > 2 ? std::atoll(argv[2]) : 20'000;
  std::printf("| contenders | grants/s, c nodes: measured | simulated | hand-off ms, 8 nodes: "
              "measured | simulated |\n|---|---|---|---|---|\n");
  const double measured_c[] = {0, 0, 5.2, 109, 34, 12.7, 4.5, 2.0, 0.88};
  const double measured_8[] = {0, 0, 4.5, 12, 48, 0, 152, 0, 0};
  for (int c = 2; c <= 8; ++c) {
    std::vector<double> own, of8;
    for (uint64_t seed : CalibrationSeeds()) {
      Handoff spec;
      spec.nodes = c;
      spec.contenders = c;
      spec.seed = seed;
      spec.duration_ms = duration_ms;
      own.push_back(RunHandoff(spec).grants_per_s);
      spec.nodes = 8;
      of8.push_back(RunHandoff(spec).mean_handoff_ms);
    }
    char m8[16] = "-";
    if (measured_8[c] > 0) std::snprintf(m8, sizeof(m8), "%.1f", measured_8[c]);
    std::printf("| %d | %.2f | %.2f | %s | %.1f |\n", c, measured_c[c], Median(own), m8,
                Median(of8));
  }
  return 0;
}

// Time to converge against N, for every layout, table count and variant.
// A series stops at its first N that does not converge within the budget
// (larger clusters contend more); those cells are written as not converged.
int Sweep(int argc, char** argv) {
  const int max_nodes = argc > 2 ? std::atoi(argv[2]) : 100;
  const int all_nodes[] = {2, 3, 5, 8, 12, 16, 20, 30, 50, 70, 100};
  std::printf("layout,variant,tables,nodes,seed,converged,seconds,merges,grants,skips,attempts,"
              "aborts,merges_per_s,held_s,free_contended_s,events,wall_s\n");
  for (Layout layout : {Layout::kOwnHosts, Layout::kPacked}) {
    for (Variant variant : AllVariants()) {
      for (int tables : {1, 4, 16}) {
        bool failed = false;
        for (int n : all_nodes) {
          if (n > max_nodes) break;
          ColdStart spec;
          spec.nodes = n;
          spec.tables = tables;
          spec.layout = layout;
          spec.variant = variant;
          spec.seed = 1;
          spec.budget_ms = 1'800'000;
          spec.max_events = 40'000'000;
          if (failed) {
            std::printf("%s,%s,%d,%d,%llu,0,,,,,,,,,,,\n", ToString(layout), ToString(variant),
                        tables, n, U(spec.seed));
            continue;
          }
          const auto start = std::chrono::steady_clock::now();
          const ColdStartResult r = RunColdStart(spec);
          const double wall_s = WallSince(start);
          const world::Counters& c = r.counters;
          const double seconds = (r.converged ? r.converged_ms : r.end_ms) / 1000.0;
          std::printf("%s,%s,%d,%d,%llu,%d,%.3f,%llu,%llu,%llu,%llu,%llu,%.3f,%.2f,%.2f,%llu,%.2f\n",
                      ToString(layout), ToString(variant), tables, n, U(spec.seed),
                      r.converged ? 1 : 0, seconds, U(c.merges), U(c.lock_grants),
                      U(c.lock_skips), U(c.lock_attempts), U(c.lock_aborts),
                      seconds > 0 ? static_cast<double>(c.merges) / seconds : 0.0,
                      c.lock_held_us / 1e6, c.lock_free_contended_us / 1e6, U(c.events), wall_s);
          std::fflush(stdout);
          failed = !r.converged;
        }
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace discosim::bench

int main(int argc, char** argv) {
  using namespace discosim::bench;
  const std::string mode = argc >= 2 ? argv[1] : "";
  if (mode == "run") return Run(argc, argv);
  if (mode == "calibrate") return Calibrate();
  if (mode == "handoff") return HandoffTable(argc, argv);
  if (mode == "sweep") return Sweep(argc, argv);
  std::fprintf(stderr, "usage: join_model_bench run|calibrate|handoff|sweep ...\n");
  return 2;
}
