// The binary's one oracle: see shared_oracle.h.
#include "oracle/shared_oracle.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

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
    static Shared s{*std::move(oracle), std::chrono::steady_clock::now()};
    return &s;
  }();
  return *shared->oracle;
}

}  // namespace discosim::oracle
