// The DNS server (dns_server.h): a thread, one UDP socket, a list of answers
// waiting for their time.
#include "real/dns_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace discosim::real {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void Put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xff));
}

constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeAny = 255;

}  // namespace

std::optional<DnsQuestion> ParseQuery(const uint8_t* data, size_t size) {
  if (size < 12) return std::nullopt;
  const uint16_t flags = Get16(data + 2);
  if ((flags & 0x8000) != 0 || Get16(data + 4) != 1) return std::nullopt;  // a query, one question
  DnsQuestion q;
  q.id = Get16(data);
  size_t at = 12;
  std::string name;
  while (true) {
    if (at >= size) return std::nullopt;
    const uint8_t length = data[at++];
    if (length == 0) break;
    if (length > 63 || at + length > size || name.size() + length > 253) return std::nullopt;
    if (!name.empty()) name.push_back('.');
    name.append(reinterpret_cast<const char*>(data + at), length);
    at += length;
  }
  if (at + 4 > size) return std::nullopt;
  q.type = Get16(data + at);
  q.end = at + 4;
  q.name = absl::AsciiStrToLower(name);
  return q;
}

std::vector<uint8_t> Response(const uint8_t* query, const DnsQuestion& question,
                              std::string_view address, bool nxdomain) {
  in_addr a{};
  const bool has_record = !nxdomain && !address.empty() &&
                          (question.type == kTypeA || question.type == kTypeAny) &&
                          inet_pton(AF_INET, std::string(address).c_str(), &a) == 1;
  std::vector<uint8_t> out;
  Put16(out, question.id);
  const uint16_t rd = Get16(query + 2) & 0x0100;
  Put16(out, static_cast<uint16_t>(0x8400 | rd | 0x0080 | (nxdomain ? 3 : 0)));  // QR AA RA rcode
  Put16(out, 1);
  Put16(out, has_record ? 1 : 0);
  Put16(out, 0);
  Put16(out, 0);
  out.insert(out.end(), query + 12, query + question.end);
  if (has_record) {
    Put16(out, 0xc00c);  // the name: a pointer to the question's
    Put16(out, kTypeA);
    Put16(out, 1);       // IN
    Put16(out, 0);
    Put16(out, 0);       // TTL 0: nothing to cache
    Put16(out, 4);
    const auto* bytes = reinterpret_cast<const uint8_t*>(&a.s_addr);
    out.insert(out.end(), bytes, bytes + 4);
  }
  return out;
}

DnsServer::~DnsServer() { Stop(); }

void DnsServer::Set(const std::string& host, HostAnswer answer) {
  std::lock_guard<std::mutex> lock(mu_);
  hosts_[absl::AsciiStrToLower(host)] = std::move(answer);
}

HostAnswer DnsServer::Get(const std::string& host) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hosts_.find(absl::AsciiStrToLower(host));
  return it == hosts_.end() ? HostAnswer{} : it->second;
}

absl::Status DnsServer::Start() {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return absl::InternalError(absl::StrCat("dns socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof(addr);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    return absl::InternalError(absl::StrCat("dns bind: ", std::strerror(errno)));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
  return absl::OkStatus();
}

void DnsServer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

void DnsServer::Serve() {
  while (!stop_) {
    const int64_t now = SteadyMs();
    int wait_ms = 20;
    for (const Pending& p : pending_) {
      wait_ms = static_cast<int>(std::clamp<int64_t>(p.due_ms - now, 0, wait_ms));
    }
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, wait_ms) > 0 && (pfd.revents & POLLIN) != 0) {
      uint8_t buffer[512];
      sockaddr_in peer{};
      socklen_t peer_size = sizeof(peer);
      const ssize_t n = recvfrom(fd_, buffer, sizeof(buffer), 0,
                                 reinterpret_cast<sockaddr*>(&peer), &peer_size);
      if (n > 0) Answer(buffer, static_cast<size_t>(n), &peer, peer_size);
    }
    const int64_t later = SteadyMs();
    auto due = std::stable_partition(pending_.begin(), pending_.end(),
                                     [&](const Pending& p) { return p.due_ms > later; });
    for (auto it = due; it != pending_.end(); ++it) {
      sendto(fd_, it->bytes.data(), it->bytes.size(), 0,
             reinterpret_cast<const sockaddr*>(it->peer.data()),
             static_cast<socklen_t>(it->peer.size()));
    }
    pending_.erase(due, pending_.end());
  }
}

void DnsServer::Answer(const uint8_t* data, size_t size, const void* peer, unsigned peer_size) {
  std::optional<DnsQuestion> q = ParseQuery(data, size);
  if (!q.has_value()) return;
  HostAnswer answer = Get(q->name);
  const bool nxdomain = answer.address.empty() || answer.fails;
  Pending p;
  p.due_ms = SteadyMs() + answer.delay_ms;
  p.bytes = Response(data, *q, answer.address, nxdomain);
  const auto* peer_bytes = static_cast<const uint8_t*>(peer);
  p.peer.assign(peer_bytes, peer_bytes + peer_size);
  pending_.push_back(std::move(p));
}

}  // namespace discosim::real
