// The join model's calibration: with every node on one 2-core host, the
// simulated cold starts (median over CalibrationSeeds()) must match the
// cold starts measured on real OTP 25 nodes with CETS 0.2.0 (the calibration
// table of docs/join-model.md) within the
// tolerance of each cell. Virtual time only: deterministic per seed.
#include "bench/join_model.h"
#include "gtest/gtest.h"

namespace discosim::bench {
namespace {

TEST(JoinCalibration, SimulatedColdStartsMatchTheMeasuredOnes) {
  for (const CalibrationCell& cell : RunCalibration()) {
    EXPECT_TRUE(cell.Holds()) << cell.what << ": measured " << cell.measured << ", simulated "
                              << cell.simulated << " (tolerance " << cell.tolerance << "x)";
  }
}

}  // namespace
}  // namespace discosim::bench
