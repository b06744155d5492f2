// net_kernel's DNS through its own API: the cache's TTL, an answer on its
// way, failures never cached, names that resolve only once started. Then
// the setups and the request queue, driving NetKernel and the Network on a
// bare kernel: a lookup blocks the queue, net_setuptime starts after
// net_kernel's own lookup, concurrent connects share one setup, a
// simultaneous connect makes one connection, and dist_auto_connect once.
#include "sim/world/dns.h"

#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/cpu.h"
#include "sim/world/kernel.h"
#include "sim/world/net_kernel.h"
#include "sim/world/network.h"

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

// ---------------------------------------------------------------------------
// Setups and the queue.

// Three running nodes a, b, c (10 ms apart; c's name answers after 5 s,
// uncached), with net_kernel and the network, and a loop for their events.
// A connect's waiter is a kActionConnect continuation whose id is a label.
struct NkBench {
  NkBench() : kernel(WorldConfig{}), cpu(kernel), net(kernel, cpu), nk(kernel, net) {
    std::vector<NodeName> names;
    std::vector<Dns::Name> dns;
    for (const char* name : {"a@h1", "b@h2", "c@h3"}) {
      kernel.nodes.emplace_back();
      NodeRt& node = kernel.nodes.back();
      node.name = name;
      node.settings.latency_ms = 10;
      node.running = true;
      node.incarnation = 1;
      names.push_back(name);
      dns.push_back(Dns::Name{true, true, names.size() == 3 ? 5'000 : 0, std::nullopt});
    }
    kernel.n_nodes = 3;
    kernel.observations.Build(names);
    cpu.Build({"", "", ""});
    net.Build();
    net.SetConnector(&nk);
    net.receive = [this](const NetMsg& m) {
      if (const auto* req = std::get_if<msg::HandshakeRequest>(&m.payload)) nk.OnHandshakeRequest(m, *req);
      if (const auto* reply = std::get_if<msg::HandshakeReply>(&m.payload)) nk.OnHandshakeReply(m, *reply);
    };
    nk.Build(dns, {0, 0, 0});
  }
  static Cont Waiter(NodeId n, NodeId target, uint64_t label) {
    return Cont{ContKind::kActionConnect, n, target, label};
  }
  void RunUntil(TimeMs until_ms) {
    while (!kernel.queue.empty() && kernel.queue.next() <= until_ms * Kernel::kUsPerMs) {
      const Event event = kernel.queue.Pop().payload;
      switch (event.kind) {
        case EventKind::kNetDeliver: net.OnDeliver(static_cast<uint32_t>(event.a)); break;
        case EventKind::kTickTimeout: net.OnTickTimeout(event); break;
        case EventKind::kNkPump: nk.OnPump(event); break;
        case EventKind::kNkDnsDone: nk.OnDnsDone(event); break;
        case EventKind::kSetupDns2Done: nk.OnSetupDns2Done(event); break;
        case EventKind::kSetupConnected: nk.OnSetupConnected(event.a); break;
        case EventKind::kSetupDeadline: nk.OnSetupDeadline(event.a); break;
        case EventKind::kResume:
          answers[event.a].push_back({event.b != 0, kernel.now()});
          break;
        default: FAIL() << "an event of another room: " << ToString(event.kind);
      }
    }
    kernel.queue.AdvanceTo(std::max(kernel.now_us(), until_ms * Kernel::kUsPerMs));
  }
  struct Answer {
    bool connected;
    TimeMs at_ms;
    friend bool operator==(const Answer&, const Answer&) = default;
  };
  Kernel kernel;
  Cpu cpu;
  Network net;
  NetKernel nk;
  std::map<uint64_t, std::vector<Answer>> answers;  // by label
};

TEST(NetKernelTest, AConnectToAPeerAlreadyUpIsTrueAtOnce) {
  NkBench bench;
  bench.nk.RequestConnect(0, 1, NkBench::Waiter(0, 1, 1));
  bench.RunUntil(1'000);
  // a's handshake reaches b at 10 ms, b accepts, a hears it at 20 ms.
  EXPECT_EQ(bench.answers[1], (std::vector<NkBench::Answer>{{true, 20}}));
  EXPECT_NE(bench.net.ConnId(1, 0), 0u);
  EXPECT_EQ(bench.net.ConnId(0, 1), bench.net.ConnId(1, 0));
  bench.nk.RequestConnect(0, 1, NkBench::Waiter(0, 1, 2));
  bench.RunUntil(2'000);
  EXPECT_EQ(bench.answers[2], (std::vector<NkBench::Answer>{{true, 1'000}}));
}

TEST(NetKernelTest, ALookupBlocksTheQueueBehindIt) {
  NkBench bench;
  bench.nk.RequestConnect(0, 2, NkBench::Waiter(0, 2, 1));  // c answers DNS after 5 s
  bench.RunUntil(1'000);
  bench.nk.RequestConnect(0, 1, NkBench::Waiter(0, 1, 2));  // queued behind it
  bench.RunUntil(20'000);
  // The setup process looks c up again (another 5 s), then 2 x 10 ms.
  EXPECT_EQ(bench.answers[1], (std::vector<NkBench::Answer>{{true, 10'020}}));
  // b's setup starts when net_kernel has c's answer, at 5 s.
  EXPECT_EQ(bench.answers[2], (std::vector<NkBench::Answer>{{true, 5'020}}));
}

TEST(NetKernelTest, NetSetuptimeStartsWhenNetKernelHasItsOwnAnswer) {
  NkBench bench;
  bench.net.Cut({{0, 2}}, -1);
  bench.nk.RequestConnect(0, 2, NkBench::Waiter(0, 2, 1));
  bench.RunUntil(60'000);
  // 5 s of net_kernel's lookup, then the 7 s net_setuptime: 12 s, not 7 s.
  EXPECT_EQ(bench.answers[1], (std::vector<NkBench::Answer>{{false, 12'000}}));
}

TEST(NetKernelTest, ConnectsWhileASetupIsPendingJoinIt) {
  NkBench bench;
  bench.nk.RequestConnect(0, 2, NkBench::Waiter(0, 2, 1));
  bench.RunUntil(1'000);
  bench.nk.RequestConnect(0, 2, NkBench::Waiter(0, 2, 2));
  bench.RunUntil(20'000);
  EXPECT_EQ(bench.answers[1], (std::vector<NkBench::Answer>{{true, 10'020}}));
  EXPECT_EQ(bench.answers[2], (std::vector<NkBench::Answer>{{true, 10'020}}));
}

TEST(NetKernelTest, ASimultaneousConnectMakesOneConnectionAndBothCallersGetTrue) {
  NkBench bench;
  bench.nk.RequestConnect(0, 1, NkBench::Waiter(0, 1, 1));
  bench.nk.RequestConnect(1, 0, NkBench::Waiter(1, 0, 2));
  bench.RunUntil(1'000);
  ASSERT_EQ(bench.answers[1].size(), 1u);
  ASSERT_EQ(bench.answers[2].size(), 1u);
  EXPECT_TRUE(bench.answers[1][0].connected);
  EXPECT_TRUE(bench.answers[2][0].connected);
  EXPECT_NE(bench.net.ConnId(0, 1), 0u);
  EXPECT_EQ(bench.net.ConnId(0, 1), bench.net.ConnId(1, 0));
}

TEST(NetKernelTest, AnUnresolvableNameFailsAfterItsLookup) {
  NkBench bench;
  bench.nk.SetDnsAnswer(2, 2'000, true);
  bench.nk.RequestConnect(0, 2, NkBench::Waiter(0, 2, 1));
  bench.RunUntil(60'000);
  EXPECT_EQ(bench.answers[1], (std::vector<NkBench::Answer>{{false, 2'000}}));
}

TEST(NetKernelTest, OnceBarsAutoConnectAfterALossUntilAnExplicitConnect) {
  NkBench bench;
  bench.kernel.nodes[0].settings.dist_auto_connect = AutoConnect::kOnce;
  bench.nk.RequestConnect(0, 1, NkBench::Waiter(0, 1, 1));
  bench.RunUntil(100);
  EXPECT_FALSE(bench.nk.AutoConnectBarred(0, 1));
  bench.net.Disconnect(0, 1, DownCause::kDisconnect);
  bench.RunUntil(200);
  EXPECT_TRUE(bench.nk.AutoConnectBarred(0, 1));
  bench.nk.AutoConnect(0, 1, NkBench::Waiter(0, 1, 2));
  bench.RunUntil(300);
  EXPECT_EQ(bench.answers[2], (std::vector<NkBench::Answer>{{false, 200}}));
  EXPECT_FALSE(bench.nk.AutoConnectBarred(0, 2));  // only towards the peer it lost
  bench.nk.RequestConnect(0, 1, NkBench::Waiter(0, 1, 3));  // explicit: always tries
  bench.RunUntil(400);
  EXPECT_EQ(bench.answers[3], (std::vector<NkBench::Answer>{{true, 320}}));
  EXPECT_FALSE(bench.nk.AutoConnectBarred(0, 1));
}

}  // namespace
}  // namespace discosim::world
