// `discosim real` and `discosim compare`: their flags and what they do
// (real/runner.h runs a scenario on real Erlang nodes). When real mode was
// not built (no Erlang or no CETS tree at configure time), both say why and
// exit 2.
#ifndef DISCOSIM_SIM_CLI_REAL_COMMANDS_H_
#define DISCOSIM_SIM_CLI_REAL_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/report/report.h"
#include "sim/scenario/parse.h"

namespace discosim::cli {

struct RealFlags {
  std::vector<std::string> files;
  std::string format_name = "text";
  std::string tolerance = "1s";
  std::string poll = "20ms";
  std::string keep_dir;
  bool verbose = false;
  std::optional<uint64_t> seed;  // compare: the simulated run's seed
  scenario::ScenarioLimits limits;
};

// Adds the `real` (compare = false) or `compare` subcommand to `app`.
CLI::App* AddRealCommand(CLI::App& app, RealFlags& flags, bool compare);
// Runs it; the exit status.
int RunRealCommand(const RealFlags& flags, bool compare);

}  // namespace discosim::cli

#endif  // DISCOSIM_SIM_CLI_REAL_COMMANDS_H_
