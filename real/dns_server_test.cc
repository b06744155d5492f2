// The DNS server's wire format and its delays, over a real UDP socket.
#include "real/dns_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

namespace discosim::real {
namespace {

// A query for `name`, type A, id 0x1234, recursion desired.
std::vector<uint8_t> Query(const std::string& name, uint16_t type = 1) {
  std::vector<uint8_t> q = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<uint8_t>(dot - start));
    q.insert(q.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  q.push_back(0);
  q.insert(q.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
  return q;
}

TEST(Dns, ParsesAQuestion) {
  std::vector<uint8_t> q = Query("H2.Example");
  std::optional<DnsQuestion> parsed = ParseQuery(q.data(), q.size());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->id, 0x1234);
  EXPECT_EQ(parsed->name, "h2.example");
  EXPECT_EQ(parsed->type, 1);
  EXPECT_EQ(parsed->end, q.size());
}

TEST(Dns, RefusesTruncatedAndNonQueries) {
  std::vector<uint8_t> q = Query("h2");
  EXPECT_FALSE(ParseQuery(q.data(), 11).has_value());
  EXPECT_FALSE(ParseQuery(q.data(), q.size() - 1).has_value());
  q[2] |= 0x80;  // a response
  EXPECT_FALSE(ParseQuery(q.data(), q.size()).has_value());
}

TEST(Dns, AnswersARecordsAndNxdomain) {
  std::vector<uint8_t> q = Query("h2");
  DnsQuestion question = *ParseQuery(q.data(), q.size());
  std::vector<uint8_t> a = Response(q.data(), question, "127.42.0.2", false);
  ASSERT_EQ(a.size(), q.size() + 16);
  EXPECT_EQ(a[3] & 0x0f, 0);  // NOERROR
  EXPECT_EQ(a[7], 1);         // one answer
  EXPECT_EQ(std::vector<uint8_t>(a.end() - 4, a.end()), (std::vector<uint8_t>{127, 42, 0, 2}));
  std::vector<uint8_t> nx = Response(q.data(), question, "127.42.0.2", true);
  EXPECT_EQ(nx[3] & 0x0f, 3);  // NXDOMAIN
  EXPECT_EQ(nx[7], 0);
  std::vector<uint8_t> aaaa = Query("h2", 28);
  DnsQuestion q6 = *ParseQuery(aaaa.data(), aaaa.size());
  std::vector<uint8_t> none = Response(aaaa.data(), q6, "127.42.0.2", false);
  EXPECT_EQ(none[3] & 0x0f, 0);  // a known name without AAAA: no record, no error
  EXPECT_EQ(none[7], 0);
}

int Socket() { return socket(AF_INET, SOCK_DGRAM, 0); }

void Send(int fd, uint16_t port, const std::string& name) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::vector<uint8_t> q = Query(name);
  sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
}

// The answer on fd, waiting up to 3 s; empty if none came.
std::vector<uint8_t> Receive(int fd) {
  pollfd pfd{fd, POLLIN, 0};
  std::vector<uint8_t> answer(512, 0);
  if (poll(&pfd, 1, 3'000) != 1) return {};
  answer.resize(static_cast<size_t>(recv(fd, answer.data(), answer.size(), 0)));
  return answer;
}

bool Ready(int fd) {
  pollfd pfd{fd, POLLIN, 0};
  return poll(&pfd, 1, 0) == 1;
}

TEST(Dns, ServerDelaysOneHostWithoutHoldingUpAnother) {
  DnsServer dns;
  dns.Set("slow", {"127.42.0.1", 500, false});
  dns.Set("fast", {"127.42.0.2", 0, false});
  ASSERT_TRUE(dns.Start().ok());
  const int slow = Socket(), fast = Socket();
  const auto start = std::chrono::steady_clock::now();
  Send(slow, dns.port(), "slow");
  Send(fast, dns.port(), "fast");
  std::vector<uint8_t> fast_answer = Receive(fast);
  ASSERT_FALSE(fast_answer.empty());
  EXPECT_EQ(fast_answer.back(), 2);
  // The slow answer waits for its delay, which has not passed unless the
  // fast one was held up behind it.
  const bool slow_already = Ready(slow);
  const bool delay_passed = std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(500);
  EXPECT_TRUE(!slow_already || delay_passed);
  std::vector<uint8_t> slow_answer = Receive(slow);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(495));  // ms clock
  ASSERT_FALSE(slow_answer.empty());
  EXPECT_EQ(slow_answer.back(), 1);
  dns.Set("slow", {"127.42.0.1", 0, true});
  Send(slow, dns.port(), "slow");
  std::vector<uint8_t> failed = Receive(slow);
  ASSERT_FALSE(failed.empty());
  EXPECT_EQ(failed[3] & 0x0f, 3);
  Send(slow, dns.port(), "unknown");
  std::vector<uint8_t> unknown = Receive(slow);
  ASSERT_FALSE(unknown.empty());
  EXPECT_EQ(unknown[3] & 0x0f, 3);
  close(slow);
  close(fast);
  dns.Stop();
}

}  // namespace
}  // namespace discosim::real
