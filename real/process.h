// Starting and stopping programs without a shell: fork + execve of an
// argument vector, never a command line, so no text is ever re-parsed.
//
// A child gets its own process group (a Ctrl-C at the terminal reaches the
// runner only, which then stops everything it started), stdin from
// /dev/null, stdout and stderr into a log file, and PR_SET_PDEATHSIG
// SIGKILL: if the runner itself dies, the kernel kills the child too.
//
//   Command c{"/usr/bin/nft", {"nft", "-f", "-"}, {}, "/tmp/run/nft.log"};
//   absl::StatusOr<Exited> done = RunToExit(c, ruleset_text, 5'000);
#ifndef DISCOSIM_REAL_PROCESS_H_
#define DISCOSIM_REAL_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace discosim::real {

struct Command {
  std::string program;            // an absolute path, run as is (no PATH search)
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // "KEY=value" each; the whole environment
  std::string output_path;        // stdout and stderr go here (appended)
};

// The NULL-terminated pointer array execve takes, pointing into `args`.
std::vector<char*> ArgvPointers(const std::vector<std::string>& args);

// Starts `command`. With `stdin_fd` (>= 0) the child's stdin is that fd
// instead of /dev/null.
absl::StatusOr<pid_t> Spawn(const Command& command, int stdin_fd = -1);

// Waits up to timeout_ms for `pid` to end; its wait status, or none if it
// is still running.
std::optional<int> WaitFor(pid_t pid, int timeout_ms);

// Ends `pid`: SIGTERM, up to grace_ms to exit, then SIGKILL; always reaps it.
void Terminate(pid_t pid, int grace_ms);

// Runs `command` with `stdin_text` on its stdin and waits up to timeout_ms;
// the exit code (killed after the timeout: an error).
absl::StatusOr<int> RunToExit(const Command& command, std::string_view stdin_text,
                              int timeout_ms);

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_PROCESS_H_
