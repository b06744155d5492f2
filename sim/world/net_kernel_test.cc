// net_kernel's DNS through its own API: the cache's TTL, an answer on its
// way, failures never cached, names that resolve only once started.
#include "sim/world/dns.h"

#include "gtest/gtest.h"

namespace discosim::world {
namespace {

Dns TwoNames(std::optional<TimeMs> ttl_ms) {
  Dns dns;
  dns.Build({Dns::Name{true, true, 0, ttl_ms}, Dns::Name{true, true, 5'000, ttl_ms}});
  return dns;
}

TEST(NetKernelTest, ACachedAnswerIsInstantUntilItsTtlRunsOut) {
  Dns dns = TwoNames(60'000);
  EXPECT_EQ(dns.Lookup(0, 1, 0), (std::pair<TimeMs, bool>{5'000, true}));
  // On its way: a second asker waits its full delay too (the answer keeps its time).
  EXPECT_EQ(dns.Lookup(0, 1, 1'000).first, 5'000);
  EXPECT_EQ(dns.Lookup(0, 1, 5'000).first, 0);   // answered at 5 s
  EXPECT_EQ(dns.Lookup(0, 1, 64'999).first, 0);  // still within the TTL
  EXPECT_EQ(dns.Lookup(0, 1, 65'000).first, 5'000);
  // Without a cache every lookup costs the delay.
  Dns uncached = TwoNames(std::nullopt);
  uncached.Lookup(0, 1, 0);
  EXPECT_EQ(uncached.Lookup(0, 1, 6'000).first, 5'000);
}

TEST(NetKernelTest, FailuresAreNotCachedAndAStopEmptiesTheCache) {
  Dns dns = TwoNames(60'000);
  dns.SetAnswer(1, 2'000, true);
  EXPECT_EQ(dns.Lookup(0, 1, 0), (std::pair<TimeMs, bool>{2'000, false}));
  dns.SetAnswer(1, 2'000, false);
  EXPECT_EQ(dns.Lookup(0, 1, 3'000), (std::pair<TimeMs, bool>{2'000, true}));
  EXPECT_EQ(dns.Lookup(0, 1, 6'000).first, 0);
  dns.NodeStopped(0);
  EXPECT_EQ(dns.Lookup(0, 1, 7'000).first, 2'000);
}

TEST(NetKernelTest, AnUndeclaredNameResolvesFromItsFirstStart) {
  Dns dns;
  dns.Build({Dns::Name{true, true, 0, std::nullopt}, Dns::Name{false, false, 0, std::nullopt},
             Dns::Name{false, true, 0, std::nullopt}});
  EXPECT_FALSE(dns.Lookup(0, 1, 0).second);
  dns.NodeStarted(1);
  EXPECT_TRUE(dns.Lookup(0, 1, 0).second);
  dns.NodeStarted(2);  // declared unresolvable: a start does not change it
  EXPECT_FALSE(dns.Lookup(0, 2, 0).second);
}

}  // namespace
}  // namespace discosim::world
