// Differences between the engine and cets_discovery.erl that are known and
// being fixed in the engine (on their own branch), which the oracle may
// mask meanwhile. Each entry names its point; a mask rewrites both sides'
// terms the same way, so it hides exactly that difference and nothing
// else. An entry with a trigger applies only from the first step whose
// cets_discovery.erl system_info shows the condition the difference needs,
// for the rest of the run; one that `cuts` ends the comparison of the run
// (as agreed so far) at a mismatch its mask cannot hide.
// The list must be emptied as the fixes land: a mask that no longer masks
// anything shows as 0 in the oracle's summary.
#ifndef DISCOSIM_ORACLE_KNOWN_DIFFERENCES_H_
#define DISCOSIM_ORACLE_KNOWN_DIFFERENCES_H_

#include <vector>

#include "oracle/term.h"

namespace discosim::oracle {

struct KnownDifference {
  int point;         // the point's number in the fidelity list
  const char* what;  // what differs
  // Rewrites one side's effects (a list) and system_info (a map); returns
  // whether it changed anything.
  bool (*normalize)(Term& effects, Term& info);
  // When the entry starts to apply (nullptr: from the start).
  bool (*trigger)(const Term& erlang_info);
  // Once it applies, a mismatch left after every mask ends the run's comparison.
  bool cuts;
};

const std::vector<KnownDifference>& KnownDifferences();

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_KNOWN_DIFFERENCES_H_
