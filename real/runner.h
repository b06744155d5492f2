// `discosim real`: one scenario file run on real Erlang/OTP nodes with the
// real CETS, judged by the simulator's own judge (sim/scenario/judge.h)
// against what the nodes report.
//
// Each declared node is an Erlang VM of its own (erlexec, started without a
// shell), on a loopback address of its own in a /16 block the run holds
// (127.B.0.0/16, B locked for the run under /tmp), with its OTP settings as
// kernel parameters. Every VM a run needs (one per start of each node) is
// booted before t=0 without distribution; a node "starts" when its agent
// starts distribution (net_kernel:start/2), its CETS tables and
// cets_discovery with the project's backend. So t=0 is the moment the
// first nodes start, and a later start or restart is on time.
//
// Faults: partitions and cuts are nftables drops between the nodes'
// addresses (table `ip discosim_B`, needs root); DNS answers and delays
// come from the run's DNS server; stop halts the VM (peers see the
// connection close at once); disconnect is erlang:disconnect_node/1.
//
// Whatever the run started is removed when RunReal returns, also on an
// error or when `interrupted` becomes true: the VMs, epmd, the DNS server,
// the nftables table, the run's directory (unless kept). A VM also dies
// when the runner dies (PR_SET_PDEATHSIG) or its agent's socket closes.
//
//   RealOptions options;
//   options.interrupted = &stop_flag;  // set from SIGINT / SIGTERM
//   absl::StatusOr<scenario::ScenarioRun> run = RunReal(scenario, options);
#ifndef DISCOSIM_REAL_RUNNER_H_
#define DISCOSIM_REAL_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/scenario/run.h"
#include "sim/scenario/scenario.h"

namespace discosim::real {

struct RealOptions {
  // How late a `by:` or `after_heal:` may still pass (the report says when
  // a pass needed it).
  int64_t late_ms = 1'000;
  // How far a get_nodes call may be from a `times` entry.
  int64_t times_tolerance_ms = 250;
  // Time between polls of every node.
  int64_t poll_interval_ms = 20;
  // Keep the run's directory (node logs, inetrc) here instead of deleting it.
  std::string keep_dir;
  // Set it to stop the run early; RunReal then cleans up and returns an error.
  const std::atomic<bool>* interrupted = nullptr;
  // Progress lines (node starts, steps), when set.
  std::ostream* log = nullptr;
};

// Why real mode cannot run `scenario`: one line per reason, each naming the
// key and where it is written (file:line:column). Empty: it can run.
// `root`: whether the process may change nftables.
std::vector<std::string> RealModeProblems(const scenario::Scenario& scenario, bool root);

// Runs the scenario in wall time. Errors: a refused scenario (see
// RealModeProblems), a resource that could not be set up, a node that did not
// come up, an interrupt.
absl::StatusOr<scenario::ScenarioRun> RunReal(const scenario::Scenario& scenario,
                                              const RealOptions& options);

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_RUNNER_H_
