// Differences between the engine and cets_discovery.erl that are known and
// being fixed in the engine (on their own branch), which the oracle may
// mask meanwhile. Each entry names its point; a mask rewrites both sides'
// terms the same way, so it hides exactly that difference and nothing
// else, or (`cuts`) says from which step on a run can no longer be compared.
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
  // whether it changed anything. nullptr: the entry only cuts.
  bool (*normalize)(Term& effects, Term& info);
  // Whether a mismatch at a step whose cets_discovery.erl system_info is
  // `erlang_info` is explained by this difference (the run is cut there).
  // nullptr: the entry only normalizes.
  bool (*cuts)(const Term& erlang_info);
};

const std::vector<KnownDifference>& KnownDifferences();

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_KNOWN_DIFFERENCES_H_
