// A scenario run as Chrome trace-event JSON, which Perfetto (ui.perfetto.dev)
// and chrome://tracing open.
//
// One process per node, with tracks (threads) for its discovery process's
// log records, get_nodes calls, join pairs (with their lock statistics) and
// connections as its discovery saw them (nodeup to nodedown). A "world"
// process carries the timeline: partitions, cuts, heals, stops and every
// other fault, as instant events. Times are virtual microseconds.
#ifndef DISCOSIM_SIM_SCENARIO_CHROME_TRACE_H_
#define DISCOSIM_SIM_SCENARIO_CHROME_TRACE_H_

#include <string>

#include "sim/scenario/run.h"

namespace discosim::scenario {

std::string ChromeTraceJson(const ScenarioRun& run);

}  // namespace discosim::scenario

#endif  // DISCOSIM_SIM_SCENARIO_CHROME_TRACE_H_
