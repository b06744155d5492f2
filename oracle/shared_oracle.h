// One oracle (one erl) for a whole test binary, started on first use and
// reporting, when the binary ends, how many sequences and steps it compared
// per second and what the known-difference masks hid.
#ifndef DISCOSIM_ORACLE_SHARED_ORACLE_H_
#define DISCOSIM_ORACLE_SHARED_ORACLE_H_

#include "oracle/oracle.h"

namespace discosim::oracle {

// Aborts with the reason when the Erlang side cannot start.
Oracle& SharedOracle();

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_SHARED_ORACLE_H_
