// The small DNS server real mode's nodes resolve host names through: UDP on
// 127.0.0.1, A records for the scenario's hosts, NXDOMAIN for the rest, each
// answer sent after the host's delay (`dns_delay`, timeline `dns` steps)
// without holding up the answers to other queries.
//
// Each node's inetrc points OTP's own resolver (inet_res) at it, with no
// cache, so every lookup pays the delay, as in the simulator by default.
//
//   DnsServer dns;
//   dns.Set("h1", {"127.42.0.1", 0, false});
//   absl::Status started = dns.Start();           // then dns.port()
//   dns.Set("h2", {"127.42.0.2", 5'000, false});  // lookups of h2 take 5 s
#ifndef DISCOSIM_REAL_DNS_SERVER_H_
#define DISCOSIM_REAL_DNS_SERVER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"

namespace discosim::real {

struct HostAnswer {
  std::string address;   // a loopback address; empty: no entry (NXDOMAIN)
  int64_t delay_ms = 0;  // before the answer is sent
  bool fails = false;    // answer NXDOMAIN (after the delay)
};

// One question of a DNS query, as far as the server needs it.
struct DnsQuestion {
  uint16_t id = 0;
  std::string name;  // lowercase, without a trailing dot
  uint16_t type = 0;
  size_t end = 0;    // offset just past the question
};
// Parses a query; none for anything that is not one plain question.
std::optional<DnsQuestion> ParseQuery(const uint8_t* data, size_t size);
// The response to `query`: an A record for `address` when the question asks
// for A (or ANY) and `address` is set; no record (NOERROR) for other types of
// a known name; NXDOMAIN when `nxdomain`.
std::vector<uint8_t> Response(const uint8_t* query, const DnsQuestion& question,
                              std::string_view address, bool nxdomain);

class DnsServer {
 public:
  DnsServer() = default;
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  void Set(const std::string& host, HostAnswer answer);
  HostAnswer Get(const std::string& host) const;
  absl::Status Start();
  uint16_t port() const { return port_; }
  void Stop();

 private:
  struct Pending {
    int64_t due_ms;
    std::vector<uint8_t> bytes;
    std::vector<uint8_t> peer;  // the client's sockaddr
  };
  void Serve();
  void Answer(const uint8_t* data, size_t size, const void* peer, unsigned peer_size);

  mutable std::mutex mu_;
  std::map<std::string, HostAnswer> hosts_;
  std::vector<Pending> pending_;  // only the server thread touches it
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_DNS_SERVER_H_
