// The discovery engine: CETS 0.2.0 `cets_discovery` as a pure state machine.
//
// The Erlang gen_server becomes two functions. `Init` is its init/1; `Step`
// handles one mailbox message, exactly as handle_info/handle_call/handle_cast
// would, and appends the effects the world must carry out. The rules are
// those of CETS 0.2.0's cets_discovery.erl; where a choice had to be made
// (the Erlang runtime's part, not the module's), it is noted beside the code.
//
// Usage:
//   engine::State state;
//   engine::Effects effects;
//   engine::Options options;
//   options.tables = {"sessions"};
//   engine::Init(state, options, /*now_ms=*/0, view, effects);
//   // ... the world carries out `effects`, then for each mailbox message:
//   effects.clear();
//   engine::Step(state, message, now_ms, view, effects);
//
// Same inputs, same outputs: no clock, randomness, globals or I/O.
#ifndef DISCOSIM_ENGINE_ENGINE_H_
#define DISCOSIM_ENGINE_ENGINE_H_

#include <vector>

#include "engine/types.h"

namespace discosim::engine {

struct Options {
  std::vector<TableName> tables;  // the `tables` option (any order, duplicates ok)
  BackendState backend_state = 0; // what the backend's init/1 returned
  Config config;
  // Whether the process runs under a registered name (the `name` option).
  // Only a registered discovery sends its start time to its peers
  // (send_start_time_to/2 sends to the same name on the peer's node).
  bool registered = true;
};

// init/1. Resets `state` and appends the start-up effects: a `check` to self,
// the enter_regular_phase timer, then nodeup bookkeeping (start time sent,
// timestamp, log) for every node already in `view.connected`, in sorted order.
void Init(State& state, const Options& options, TimeMs now_ms, const View& view,
          Effects& effects);

// Handles one message at virtual time `now_ms` with the current `view`.
// REQUIRES: `state` came from Init; now_ms never goes backwards.
// Appends effects (does not clear `effects`).
void Step(State& state, const Message& message, TimeMs now_ms, const View& view,
          Effects& effects);

// verify_ready's list of missing tasks (empty means ready).
std::vector<MissingTask> VerifyReady(const State& state, const View& view);

// The retry type the next schedule would choose at `now_ms`.
RetryType ChooseRetryType(const State& state, TimeMs now_ms);

// The check interval of a retry type under `config`.
TimeMs IntervalMs(const Config& config, RetryType type);

// What system_info/1 returns at `now_ms`.
SystemInfo MakeSystemInfo(const State& state, TimeMs now_ms, const View& view);

}  // namespace discosim::engine

#endif  // DISCOSIM_ENGINE_ENGINE_H_
