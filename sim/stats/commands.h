// The `discosim stats` and `discosim sweep` subcommands: their flags, help
// text with examples, and what each runs. sim/cli/main.cc registers them:
//
//   CLI::App app{...};
//   stats::Commands stats_commands(app);
//   app.parse(argc, argv);
//   if (std::optional<int> code = stats_commands.RunGiven()) return *code;
//
// Exit status: 0 the statistics were written (whatever the pass rates: a
// failing run is a data point); 2 the command line or the file is invalid,
// or --merge inputs do not fit together (nothing was run); 3 an output file
// could not be written.
#ifndef DISCOSIM_SIM_STATS_COMMANDS_H_
#define DISCOSIM_SIM_STATS_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace discosim::stats {

class Commands {
 public:
  explicit Commands(CLI::App& app);
  // The exit status of the subcommand given, or none when it was neither.
  std::optional<int> RunGiven();

  // The flags both subcommands take.
  struct Common {
    std::string file;
    uint64_t seeds = 100;
    uint64_t first_seed = 1;
    int jobs = 1;
    std::string shard = "1/1";
    std::string format = "text";
    std::string report_file;
    std::vector<std::string> merge;  // JSON reports of shards to combine
    uint64_t max_events = 100'000'000;
    std::string max_virtual_time = "720h";
    int64_t max_nodes = 1'000;
  };
  struct SweepFlags {
    std::vector<std::string> vary;
    std::string figure;
    std::string plot_file;
    bool log_y = false;
  };

 private:
  CLI::App* stats_ = nullptr;
  CLI::App* sweep_ = nullptr;
  Common stats_flags_;
  Common sweep_common_;
  SweepFlags sweep_flags_;
};

}  // namespace discosim::stats

#endif  // DISCOSIM_SIM_STATS_COMMANDS_H_
