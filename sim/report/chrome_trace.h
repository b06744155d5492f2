// A scenario run as Chrome trace-event JSON, which Perfetto (ui.perfetto.dev)
// and chrome://tracing open.
//
// One process per node, with tracks (threads) for its discovery process's
// log records (World::Logs), get_nodes calls (the observation stream), join
// pairs with their lock statistics (World::Joins) and connections as its
// discovery saw them (nodeup to nodedown log records). A "world"
// process carries the timeline: partitions, cuts, heals, stops and every
// other fault, as instant events. Times are virtual microseconds.
#ifndef DISCOSIM_SIM_REPORT_CHROME_TRACE_H_
#define DISCOSIM_SIM_REPORT_CHROME_TRACE_H_

#include <string>

#include "sim/scenario/run.h"

namespace discosim::report {

std::string ChromeTraceJson(const scenario::ScenarioRun& run);

}  // namespace discosim::report

#endif  // DISCOSIM_SIM_REPORT_CHROME_TRACE_H_
