// The join model's benchmark, in virtual time (see docs/join-model.md):
//
//   join_model_bench run N TABLES LAYOUT VARIANT [SEEDS] [BUDGET_S]
//       one cold start per seed (SEEDS: "1,2,3"), one line each
//   join_model_bench calibrate
//       the calibration table (packed 2-core host) as markdown
//   join_model_bench sweep [--max-nodes N] [--seeds K] [--budget S] > sweep.csv
//       time to converge and merges per virtual second against N = 2..100,
//       tables 1, 4, 16, both layouts, every variant (CSV)
//
// LAYOUT: own-hosts | packed. VARIANT: spin | sleep-1ms | backoff-1-20ms | recheck.
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

void PrintResult(const ColdStart& spec, const ColdStartResult& r, double wall_s) {
  const world::Counters& c = r.counters;
  std::printf(
      "N=%d tables=%d %s %s seed=%llu: %s %.3f s | grants %llu (merges %llu, skips %llu) "
      "attempts %llu aborts %llu local-waits %llu | held %.2f s, free-contended %.2f s | "
      "events %llu, wall %.2f s\n",
      spec.nodes, spec.tables, ToString(spec.layout), ToString(spec.variant),
      static_cast<unsigned long long>(spec.seed), r.converged ? "converged" : "NOT converged",
      (r.converged ? r.converged_ms : r.end_ms) / 1000.0,
      static_cast<unsigned long long>(c.lock_grants), static_cast<unsigned long long>(c.merges),
      static_cast<unsigned long long>(c.lock_skips),
      static_cast<unsigned long long>(c.lock_attempts),
      static_cast<unsigned long long>(c.lock_aborts),
      static_cast<unsigned long long>(c.lock_local_waits), c.lock_held_us / 1e6,
      c.lock_free_contended_us / 1e6, static_cast<unsigned long long>(c.events), wall_s);
}

int Run(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: join_model_bench run N TABLES LAYOUT VARIANT [SEEDS] [BUDGET_S]\n");
    return 2;
  }
  ColdStart spec;
  spec.nodes = std::atoi(argv[2]);
  spec.tables = std::atoi(argv[3]);
  if (!ParseLayout(argv[4], spec.layout) || !ParseVariant(argv[5], spec.variant)) {
    std::fprintf(stderr, "unknown layout or variant\n");
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
    const double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    PrintResult(spec, r, wall_s);
  }
  return 0;
}

int Calibrate() {
  const std::vector<CalibrationCell> cells = RunCalibration();
  std::printf("| cell | measured | simulated (median) | per seed | ratio | within |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (const CalibrationCell& cell : cells) {
    std::string per_seed;
    for (double v : cell.per_seed) {
      if (!per_seed.empty()) per_seed += ", ";
      char buf[32];
      std::snprintf(buf, sizeof(buf), cell.attempts ? "%.0f" : "%.2f", v);
      per_seed += buf;
    }
    std::printf("| %s | %.2f | %.2f | %s | %.2f | %s |\n", cell.what.c_str(), cell.measured,
                cell.simulated, per_seed.c_str(), cell.simulated / cell.measured,
                cell.Holds() ? "yes" : "NO");
  }
  return 0;
}

}  // namespace
}  // namespace discosim::bench

int main(int argc, char** argv) {
  using namespace discosim::bench;
  if (argc >= 2 && std::strcmp(argv[1], "run") == 0) return Run(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "calibrate") == 0) return Calibrate();
  std::fprintf(stderr, "usage: join_model_bench run|calibrate|sweep ...\n");
  return 2;
}
