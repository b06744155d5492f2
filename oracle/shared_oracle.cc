// The binary's one oracle: see shared_oracle.h.
#include "oracle/shared_oracle.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "oracle/known_differences.h"

namespace discosim::oracle {
namespace {

struct Shared {
  std::unique_ptr<Oracle> oracle;
  std::chrono::steady_clock::time_point started;
  ~Shared() {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "oracle: %llu sequences, %llu steps in %.2f s (%.0f sequences/s, %.0f steps/s)\n",
                 static_cast<unsigned long long>(oracle->sequences()),
                 static_cast<unsigned long long>(oracle->steps()), seconds,
                 static_cast<double>(oracle->sequences()) / seconds,
                 static_cast<double>(oracle->steps()) / seconds);
    for (const KnownDifference& d : KnownDifferences()) {
      auto masked = oracle->masked().find(d.point);
      auto cut = oracle->cuts().find(d.point);
      std::fprintf(stderr, "oracle: known difference (%d) %s: %llu steps masked, %llu runs cut\n",
                   d.point, d.what,
                   static_cast<unsigned long long>(masked == oracle->masked().end() ? 0 : masked->second),
                   static_cast<unsigned long long>(cut == oracle->cuts().end() ? 0 : cut->second));
    }
  }
};

}  // namespace

Oracle& SharedOracle() {
  static Shared* const shared = [] {
    absl::StatusOr<std::unique_ptr<Oracle>> oracle = Oracle::Start(DefaultOracleSetup());
    if (!oracle.ok()) {
      std::fprintf(stderr, "oracle: %s\n", std::string(oracle.status().message()).c_str());
      std::abort();
    }
    // DISCOSIM_ORACLE_MASKS=0: no known difference is masked.
    if (const char* masks = std::getenv("DISCOSIM_ORACLE_MASKS"); masks && *masks == '0') {
      (*oracle)->set_masks(false);
    }
    static Shared s{*std::move(oracle), std::chrono::steady_clock::now()};
    return &s;
  }();
  return *shared->oracle;
}

}  // namespace discosim::oracle
