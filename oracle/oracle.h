// The differential oracle: one engine instance's run, recorded step by step
// (the message, the virtual time, the view, the effects, system_info after
// the step), re-run through the real cets_discovery.erl (oracle/erlang/) and
// compared after every step: the effect lists term for term (kinds, order,
// arguments, timer delays, log levels and every field) and the whole
// system_info map.
//
// Usage:
//   absl::StatusOr<std::unique_ptr<Oracle>> oracle = Oracle::Start(DefaultOracleSetup());
//   Recording run = ...;                      // RecordDriverRun, or the world's recording
//   absl::StatusOr<Verdict> v = (*oracle)->Compare(run);
//   if (!v->agreed()) std::cout << v->mismatch->report;
#ifndef DISCOSIM_ORACLE_ORACLE_H_
#define DISCOSIM_ORACLE_ORACLE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "engine/types.h"
#include "oracle/erlang_process.h"
#include "oracle/term.h"

namespace discosim::oracle {

// One engine instance from Init on, as the engine ran.
struct Recording {
  struct Step {
    engine::Message message;
    engine::TimeMs now_ms = 0;
    engine::NodeSet connected;  // the view the step ran with
    engine::Effects effects;
    engine::SystemInfo info;    // system_info right after the step
  };
  engine::NodeName local_node;
  engine::Options options;
  engine::TimeMs start_ms = 0;
  engine::NodeSet start_connected;
  engine::Effects init_effects;
  engine::SystemInfo init_info;
  std::vector<Step> steps;
};

struct Mismatch {
  size_t step = 0;     // 0: init; i: steps[i - 1]
  std::string report;  // both effect lists side by side, the system_info keys that differ, a replay
};

struct Verdict {
  size_t steps_compared = 0;  // init counts as one
  std::optional<Mismatch> mismatch;
  // Known differences (known_differences.h) that made a step agree, by point,
  // and whether one cut the comparison short.
  std::map<int, uint64_t> masked;
  std::optional<int> cut_by;
  bool agreed() const { return !mismatch.has_value(); }
};

class Oracle {
 public:
  static absl::StatusOr<std::unique_ptr<Oracle>> Start(const OracleSetup& setup);

  // Runs `run` through cets_discovery.erl in one batch and compares step by
  // step; stops at the first mismatch. An error: the Erlang side failed.
  absl::StatusOr<Verdict> Compare(const Recording& run);

  // Whether known differences may mask mismatches (on by default).
  void set_masks(bool on) { masks_ = on; }
  uint64_t sequences() const { return sequences_; }
  uint64_t steps() const { return steps_; }
  const std::map<int, uint64_t>& masked() const { return masked_; }
  const std::map<int, uint64_t>& cuts() const { return cuts_; }
  ErlangProcess& erlang() { return *erl_; }

 private:
  explicit Oracle(std::unique_ptr<ErlangProcess> erl) : erl_(std::move(erl)) {}

  std::unique_ptr<ErlangProcess> erl_;
  bool masks_ = true;
  uint64_t sequences_ = 0;
  uint64_t steps_ = 0;
  std::map<int, uint64_t> masked_;
  std::map<int, uint64_t> cuts_;
};

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_ORACLE_H_
