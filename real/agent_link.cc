// Sockets to the node agents (agent_link.h).
#include "real/agent_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace discosim::real {

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

AgentListener::~AgentListener() {
  if (fd_ >= 0) close(fd_);
}

absl::Status AgentListener::Listen() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd_, 64) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    return absl::InternalError(absl::StrCat("agent listener: ", std::strerror(errno)));
  }
  port_ = ntohs(addr.sin_port);
  return absl::OkStatus();
}

absl::StatusOr<int> AgentListener::Accept(int timeout_ms) {
  pollfd pfd{fd_, POLLIN, 0};
  if (poll(&pfd, 1, timeout_ms) <= 0) {
    return absl::DeadlineExceededError(
        absl::StrCat("no node connected back within ", timeout_ms, " ms"));
  }
  const int fd = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("accept: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

AgentConnection::~AgentConnection() {
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<int64_t> AgentConnection::Send(std::string_view command) {
  if (closed_) return absl::UnavailableError("the node's agent is gone");
  const int64_t ref = next_ref_++;
  const std::string line = absl::StrCat("{", ref, ", ", std::string(command), "}.\n");
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      closed_ = true;
      return absl::UnavailableError("the node's agent is gone");
    }
    sent += static_cast<size_t>(n);
  }
  return ref;
}

absl::StatusOr<std::string> AgentConnection::ReadLine(int64_t deadline_ms) {
  while (true) {
    const size_t end = buffer_.find('\n');
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return line;
    }
    if (closed_) return absl::UnavailableError("the node's agent is gone");
    const int64_t wait_ms = std::max<int64_t>(0, deadline_ms - SteadyNowMs());
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(wait_ms)) <= 0) {
      return absl::DeadlineExceededError("the node's agent did not answer in time");
    }
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      closed_ = true;
      continue;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

absl::StatusOr<nlohmann::json> AgentConnection::ReadJson(int64_t deadline_ms) {
  absl::StatusOr<std::string> line = ReadLine(deadline_ms);
  if (!line.ok()) return line.status();
  nlohmann::json parsed = nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::DataLossError(absl::StrCat("the node's agent sent a line that is not JSON: ",
                                            line->substr(0, 200)));
  }
  return parsed;
}

absl::StatusOr<nlohmann::json> AgentConnection::Answer(int64_t ref, int64_t deadline_ms) {
  while (true) {
    absl::StatusOr<nlohmann::json> answer = ReadJson(deadline_ms);
    if (!answer.ok()) return answer;
    if (answer->value("ref", int64_t{-1}) == ref) return answer;
  }
}

absl::StatusOr<nlohmann::json> AgentConnection::Call(std::string_view command,
                                                     int64_t deadline_ms) {
  absl::StatusOr<int64_t> ref = Send(command);
  if (!ref.ok()) return ref.status();
  return Answer(*ref, deadline_ms);
}

}  // namespace discosim::real
