// The Erlang side of the oracle as a child process: `erl` running
// oracle_server (oracle/erlang/) over pipes, one request line out, one
// answer line back. One process serves a whole test run.
//
// Usage:
//   absl::StatusOr<std::unique_ptr<ErlangProcess>> erl = ErlangProcess::Start(OracleSetup());
//   absl::StatusOr<Term> answer = (*erl)->Ask(request);   // {ok, ...} or {error, Text}
#ifndef DISCOSIM_ORACLE_ERLANG_PROCESS_H_
#define DISCOSIM_ORACLE_ERLANG_PROCESS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "oracle/term.h"

namespace discosim::oracle {

// Where erl, the oracle's compiled Erlang modules and the CETS tree are.
struct OracleSetup {
  std::string erl;       // the erl program
  std::string ebin;      // oracle_server.beam and the rest
  std::string cets_src;  // the CETS src/ folder holding cets_discovery.erl
};
// The build's defaults; the environment variable DISCOSIM_CETS_SRC, when
// set, names another CETS tree.
OracleSetup DefaultOracleSetup();

class ErlangProcess {
 public:
  // Starts erl and waits for oracle_server's {ready}: the CETS module was
  // found, rewritten and loaded. The error says why not (with erl's stderr).
  static absl::StatusOr<std::unique_ptr<ErlangProcess>> Start(const OracleSetup& setup);
  ~ErlangProcess();
  ErlangProcess(const ErlangProcess&) = delete;
  ErlangProcess& operator=(const ErlangProcess&) = delete;

  // Sends one request and reads its answer.
  absl::StatusOr<Term> Ask(const Term& request);
  // The same, for a request already written as text (without the full stop).
  absl::StatusOr<std::string> AskText(std::string_view request);
  // {batch,[Request...]}: one answer line per request, unread.
  absl::StatusOr<std::vector<std::string>> AskBatch(const std::vector<Term>& requests);

  // The command line that runs this Erlang side by hand (for replays).
  const std::string& command() const { return command_; }

 private:
  ErlangProcess(int pid, int to_erl, int from_erl, std::string command)
      : pid_(pid), to_erl_(to_erl), from_erl_(from_erl), command_(std::move(command)) {}
  absl::StatusOr<std::string> ReadLine();

  int pid_;
  int to_erl_;
  int from_erl_;
  std::string command_;
  std::string buffer_;  // read but not yet returned
};

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_ERLANG_PROCESS_H_
