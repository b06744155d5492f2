// fork + execve, waits with deadlines, and the kill sequence (process.h).
#include "real/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"

namespace discosim::real {
namespace {

// Only async-signal-safe calls between fork and execve.
[[noreturn]] void Child(const char* program, char* const* argv, char* const* envp,
                        const char* output_path, int stdin_fd, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(125);  // the parent died before prctl: die too
  setpgid(0, 0);
  int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
  int out = open(output_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in < 0 || out < 0) _exit(126);
  dup2(in, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(out, STDERR_FILENO);
  execve(program, argv, envp);
  _exit(127);
}

}  // namespace

std::vector<char*> ArgvPointers(const std::vector<std::string>& args) {
  std::vector<char*> pointers;
  pointers.reserve(args.size() + 1);
  for (const std::string& arg : args) pointers.push_back(const_cast<char*>(arg.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

absl::StatusOr<pid_t> Spawn(const Command& command, int stdin_fd) {
  if (command.program.empty() || command.program[0] != '/' || command.argv.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot start \"", command.program, "\": not an absolute path with an argv"));
  }
  std::vector<char*> argv = ArgvPointers(command.argv);
  std::vector<char*> envp = ArgvPointers(command.env);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    Child(command.program.c_str(), argv.data(), envp.data(), command.output_path.c_str(),
          stdin_fd, parent);
  }
  return pid;
}

std::optional<int> WaitFor(pid_t pid, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0) return 0;  // not our child (any more): nothing to wait for
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Terminate(pid_t pid, int grace_ms) {
  if (pid <= 0) return;
  if (WaitFor(pid, 0).has_value()) return;
  kill(pid, SIGTERM);
  if (WaitFor(pid, grace_ms).has_value()) return;
  kill(pid, SIGKILL);
  WaitFor(pid, 5'000);
}

absl::StatusOr<int> RunToExit(const Command& command, std::string_view stdin_text,
                              int timeout_ms) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  absl::StatusOr<pid_t> pid = Spawn(command, fds[0]);
  close(fds[0]);
  if (!pid.ok()) {
    close(fds[1]);
    return pid.status();
  }
  signal(SIGPIPE, SIG_IGN);
  size_t written = 0;
  while (written < stdin_text.size()) {
    const ssize_t n = write(fds[1], stdin_text.data() + written, stdin_text.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  close(fds[1]);
  std::optional<int> status = WaitFor(*pid, timeout_ms);
  if (!status.has_value()) {
    Terminate(*pid, 100);
    return absl::DeadlineExceededError(
        absl::StrCat(command.program, " did not finish within ", timeout_ms, " ms"));
  }
  if (WIFEXITED(*status)) return WEXITSTATUS(*status);
  return absl::InternalError(absl::StrCat(command.program, " was killed by a signal"));
}

}  // namespace discosim::real
