// The CPU room alone, on a bare kernel: which host a node runs on, what a
// hop costs on an idle host, and how busy work (spinners, recent hops)
// stretches hops and adds waits for a core, as CpuConfig states the model.
#include "sim/world/cpu.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/world/kernel.h"

namespace discosim::world {
namespace {

// A kernel with nodes a, b, c (no queue events): the CPU room needs only the
// names, the config and the clock.
struct Bench {
  explicit Bench(JoinModel model, std::vector<HostConfig> hosts = {}) : kernel(Config(model, hosts)) {
    for (const char* name : {"a@h", "b@h", "c@h"}) {
      kernel.nodes.emplace_back();
      kernel.nodes.back().name = name;
    }
    kernel.n_nodes = 3;
  }
  static WorldConfig Config(JoinModel model, std::vector<HostConfig> hosts) {
    WorldConfig config;
    config.join_model = model;
    config.hosts = std::move(hosts);
    return config;
  }
  Kernel kernel;
};

TEST(CpuTest, DeclaredHostsComeFirstInNameOrderThenOneOwnHostPerNode) {
  Bench bench(JoinModel::kCalibrated, {HostConfig{"zeta", 4}, HostConfig{"alpha", 8}});
  Cpu cpu(bench.kernel);
  cpu.Build({"zeta", "", "zeta"});
  ASSERT_EQ(cpu.hosts().size(), 3u);
  EXPECT_EQ(cpu.hosts()[0].name, "alpha");
  EXPECT_EQ(cpu.hosts()[1].name, "zeta");
  EXPECT_EQ(cpu.hosts()[1].cores, 4);
  EXPECT_EQ(cpu.hosts()[2].name, "b@h");  // b names no host: its own, default cores
  EXPECT_EQ(cpu.hosts()[2].cores, CpuConfig{}.default_cores);
  EXPECT_EQ(cpu.HostOf(0), 1u);
  EXPECT_EQ(cpu.HostOf(1), 2u);
  EXPECT_TRUE(cpu.SameHost(0, 2));
  EXPECT_FALSE(cpu.SameHost(0, 1));
  EXPECT_EQ(cpu.hosts()[1].members, (std::vector<NodeId>{0, 2}));
}

TEST(CpuTest, TheSimpleModelCostsNoCpuTime) {
  Bench bench(JoinModel::kSimple);
  Cpu cpu(bench.kernel);
  cpu.Build({"", "", ""});
  cpu.Spinners(0) = 10;  // however busy
  EXPECT_EQ(cpu.HopUs(0), 0);
  EXPECT_EQ(cpu.CoreWaitUs(0), 0);
}

TEST(CpuTest, AnIdleHostsHopIsTheHopTimeWithinItsJitterAndNeedsNoWait) {
  Bench bench(JoinModel::kCalibrated);
  Cpu cpu(bench.kernel);
  cpu.Build({"", "", ""});
  const CpuConfig c;
  const int64_t spread = c.hop_us * c.hop_jitter_pct / 100;
  for (int i = 0; i < 20; ++i) {
    const int64_t hop_us = cpu.HopUs(0);
    EXPECT_GE(hop_us, c.hop_us - spread);
    EXPECT_LE(hop_us, c.hop_us + spread);
    EXPECT_EQ(cpu.CoreWaitUs(0), 0);
  }
}

TEST(CpuTest, RunnableWorkBeyondTheCoresStretchesHopsAndAddsAWaitForACore) {
  // Four spinners on two cores: five runnable (the hop's own process
  // included) on two cores stretch a hop by 5/2; no quantum, no jitter, so
  // the hop is exact.
  Bench bench(JoinModel::kCalibrated);
  bench.kernel.config.cpu.hop_jitter_pct = 0;
  bench.kernel.config.cpu.quantum_us = 0;
  bench.kernel.config.cpu.hop_cpu_us = 0;
  Cpu cpu(bench.kernel);
  cpu.Build({"", "", ""});
  cpu.Spinners(0) = 4;
  EXPECT_EQ(cpu.LoadMilli(cpu.HostOf(0)), 4'000);
  EXPECT_EQ(cpu.HopUs(0), 100 * 5 / 2);
  EXPECT_EQ(cpu.HopUs(1), 100);  // another host is idle
  // With a quantum, the wait for a core is drawn in [0, quantum * (R - C) / C].
  bench.kernel.config.cpu.quantum_us = 2'000;
  bool waited = false;
  for (int i = 0; i < 50; ++i) {
    const int64_t wait_us = cpu.CoreWaitUs(0);
    EXPECT_GE(wait_us, 0);
    EXPECT_LE(wait_us, 2'000 * 3 / 2);
    waited = waited || wait_us > 0;
  }
  EXPECT_TRUE(waited);
}

TEST(CpuTest, BusyGlobalServersAndRecentHopsAreLoad) {
  Bench bench(JoinModel::kCalibrated);
  Cpu cpu(bench.kernel);
  cpu.Build({"", "", ""});
  const CpuConfig c;
  cpu.server_busy = [](NodeId n) { return n == 0; };
  EXPECT_EQ(cpu.LoadMilli(cpu.HostOf(0)), c.busy_server_milli);
  cpu.server_busy = nullptr;
  // Each hop adds hop_cpu_us of work to its host's load window.
  for (int i = 0; i < 10; ++i) cpu.HopUs(1);
  EXPECT_EQ(cpu.LoadMilli(cpu.HostOf(1)), 1'000 * 10 * c.hop_cpu_us / c.load_window_us);
  // A window later it has gone.
  bench.kernel.queue.AdvanceTo(2 * c.load_window_us);
  EXPECT_EQ(cpu.LoadMilli(cpu.HostOf(1)), 0);
}

}  // namespace
}  // namespace discosim::world
