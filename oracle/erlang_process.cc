// erl as a child process over two pipes: see erlang_process.h.
#include "oracle/erlang_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

#ifndef DISCOSIM_ORACLE_ERL
#define DISCOSIM_ORACLE_ERL "erl"
#endif
#ifndef DISCOSIM_ORACLE_EBIN
#define DISCOSIM_ORACLE_EBIN ""
#endif
#ifndef DISCOSIM_ORACLE_CETS_SRC
#define DISCOSIM_ORACLE_CETS_SRC ""
#endif

namespace discosim::oracle {
namespace {

// One scheduler that sleeps when idle: the oracle runs one request at a
// time, and spinning schedulers would take CPU from the C++ side.
std::vector<std::string> Argv(const OracleSetup& setup) {
  return {setup.erl, "-noshell", "+S", "1:1", "+sbwt", "none", "+sbwtdcpu", "none",
          "+sbwtdio", "none", "-pa", setup.ebin, "-run", "oracle_server", "main",
          setup.cets_src};
}

absl::Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("the oracle's erl stopped reading its requests");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

OracleSetup DefaultOracleSetup() {
  OracleSetup setup{DISCOSIM_ORACLE_ERL, DISCOSIM_ORACLE_EBIN, DISCOSIM_ORACLE_CETS_SRC};
  if (const char* src = std::getenv("DISCOSIM_CETS_SRC"); src != nullptr && *src != '\0') {
    // A tree's root or its src/ folder.
    const std::string root_src = std::string(src) + "/src";
    setup.cets_src = access((root_src + "/cets_discovery.erl").c_str(), R_OK) == 0 ? root_src : src;
  }
  return setup;
}

absl::StatusOr<std::unique_ptr<ErlangProcess>> ErlangProcess::Start(const OracleSetup& setup) {
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  const std::vector<std::string> args = Argv(setup);
  std::string command;
  for (const std::string& arg : args) absl::StrAppend(&command, command.empty() ? "" : " ", arg);
  signal(SIGPIPE, SIG_IGN);  // a dead erl shows as a failed write, not a signal
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    close(to_child[0]);
    close(to_child[1]);
    close(from_child[0]);
    close(from_child[1]);
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  fcntl(to_child[1], F_SETFD, FD_CLOEXEC);
  fcntl(from_child[0], F_SETFD, FD_CLOEXEC);
  std::unique_ptr<ErlangProcess> erl(
      new ErlangProcess(pid, to_child[1], from_child[0], std::move(command)));
  absl::StatusOr<std::string> ready = erl->ReadLine();
  if (!ready.ok() || *ready != "{ready}") {
    return absl::FailedPreconditionError(absl::StrCat(
        "the oracle's Erlang side did not start (its stderr is above): ", erl->command(),
        ready.ok() ? absl::StrCat(" answered: ", *ready) : ""));
  }
  return erl;
}

ErlangProcess::~ErlangProcess() {
  close(to_erl_);  // erl reads eof and halts
  close(from_erl_);
  int status = 0;
  waitpid(pid_, &status, 0);
}

absl::StatusOr<std::string> ErlangProcess::AskText(std::string_view request) {
  if (absl::Status w = WriteAll(to_erl_, std::string(request) + ".\n"); !w.ok()) return w;
  return ReadLine();
}

absl::StatusOr<Term> ErlangProcess::Ask(const Term& request) {
  absl::StatusOr<std::string> line = AskText(Print(request));
  if (!line.ok()) return line.status();
  absl::StatusOr<Term> answer = Parse(*line);
  if (!answer.ok()) {
    return absl::InternalError(absl::StrCat("the oracle's answer does not read as a term (",
                                            answer.status().message(), "): ", *line));
  }
  return answer;
}

absl::StatusOr<std::vector<std::string>> ErlangProcess::AskBatch(const std::vector<Term>& requests) {
  std::string text = "{batch,[";
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i > 0) text += ',';
    text += Print(requests[i]);
  }
  text += "]}.\n";
  if (absl::Status w = WriteAll(to_erl_, text); !w.ok()) return w;
  std::vector<std::string> lines;
  lines.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StatusOr<std::string> line = ReadLine();
    if (!line.ok()) return line.status();
    lines.push_back(*std::move(line));
  }
  return lines;
}

absl::StatusOr<std::string> ErlangProcess::ReadLine() {
  while (true) {
    if (const size_t end = buffer_.find('\n'); end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return line;
    }
    char chunk[1 << 16];
    const ssize_t n = read(from_erl_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("the oracle's erl exited");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace discosim::oracle
