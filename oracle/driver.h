// Records a run of the engine in the mailbox world of the property tests
// (fuzz/engine_driver.h) for the oracle: init, then every step the world's
// actions lead to, with the view, effects and system_info of each.
//
// Usage:
//   Recording run = RecordDriverRun(setup, actions);
//   absl::StatusOr<Verdict> v = oracle->Compare(run);
#ifndef DISCOSIM_ORACLE_DRIVER_H_
#define DISCOSIM_ORACLE_DRIVER_H_

#include <vector>

#include "fuzz/engine_driver.h"
#include "oracle/oracle.h"

namespace discosim::oracle {

// Init at setup.start_ms, the actions (kOnDemand delivery: any
// interleaving of the mailbox), then Quiesce (everything in flight finished).
Recording RecordDriverRun(const fuzz::DriverSetup& setup, const std::vector<fuzz::Action>& actions);

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_DRIVER_H_
