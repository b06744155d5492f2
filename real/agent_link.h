// The runner's side of the node agents (erlang/discosim_agent.erl): a TCP
// listener on 127.0.0.1 that each node connects back to, and one
// line-oriented connection per node. Requests are Erlang terms in text
// (`{Ref, Command}.`), answers JSON objects carrying the same "ref".
//
//   AgentListener listener;
//   absl::Status listening = listener.Listen();      // then listener.port()
//   absl::StatusOr<int> fd = listener.Accept(10'000);
//   AgentConnection agent(*fd);
//   absl::StatusOr<nlohmann::json> hello = agent.ReadJson(deadline_ms);
//   absl::StatusOr<nlohmann::json> answer = agent.Call("poll", deadline_ms);
#ifndef DISCOSIM_REAL_AGENT_LINK_H_
#define DISCOSIM_REAL_AGENT_LINK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace discosim::real {

int64_t SteadyNowMs();

class AgentListener {
 public:
  AgentListener() = default;
  ~AgentListener();
  AgentListener(const AgentListener&) = delete;
  AgentListener& operator=(const AgentListener&) = delete;

  absl::Status Listen();
  uint16_t port() const { return port_; }
  // The next connection, or an error after timeout_ms.
  absl::StatusOr<int> Accept(int timeout_ms);

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class AgentConnection {
 public:
  explicit AgentConnection(int fd) : fd_(fd) {}
  ~AgentConnection();
  AgentConnection(const AgentConnection&) = delete;
  AgentConnection& operator=(const AgentConnection&) = delete;

  // Sends `{Ref, command}.` and returns Ref.
  absl::StatusOr<int64_t> Send(std::string_view command);
  // The next JSON line, waiting until deadline_ms (SteadyNowMs() time).
  absl::StatusOr<nlohmann::json> ReadJson(int64_t deadline_ms);
  // The answer to request `ref` (earlier lines are skipped).
  absl::StatusOr<nlohmann::json> Answer(int64_t ref, int64_t deadline_ms);
  // Send, then Answer.
  absl::StatusOr<nlohmann::json> Call(std::string_view command, int64_t deadline_ms);
  bool closed() const { return closed_; }

 private:
  absl::StatusOr<std::string> ReadLine(int64_t deadline_ms);
  int fd_;
  int64_t next_ref_ = 1;
  std::string buffer_;
  bool closed_ = false;
};

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_AGENT_LINK_H_
