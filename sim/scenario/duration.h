// Durations as scenario files write them: a number and a unit, in groups
// from the largest unit to the smallest: "250ms", "5s", "2m", "1h", "1m30s",
// "1h2m3s500ms". Units: h, m, s, ms. The result is int64 milliseconds.
//
// A bare number ("5") is refused: five what? So are signs, fractions,
// spaces, unknown units, a unit used twice or out of order, and values that
// do not fit in int64 milliseconds.
//
// Usage:
//   absl::StatusOr<int64_t> at_ms = ParseDurationMs("1m30s");  // 90'000
//   std::string text = FormatDurationMs(90'000);                // "1m30s"
#ifndef DISCOSIM_SIM_SCENARIO_DURATION_H_
#define DISCOSIM_SIM_SCENARIO_DURATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace discosim::scenario {

// The duration `text` denotes, in milliseconds (>= 0). On bad input an
// InvalidArgument status whose message says what to write instead; it does
// not repeat `text`'s position (the caller adds that).
absl::StatusOr<int64_t> ParseDurationMs(std::string_view text);

// The shortest text ParseDurationMs reads back as `duration_ms`: "0s",
// "250ms", "1m30s", "1h0m0s1ms" is written "1h1ms". REQUIRES: duration_ms >= 0.
std::string FormatDurationMs(int64_t duration_ms);

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_DURATION_H_
