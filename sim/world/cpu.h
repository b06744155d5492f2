// The CPU room: hosts with a number of cores, shared by the busy work of
// their nodes. A message handled by a node costs one hop on its host; busy
// work (spinning lock waiters, busy global servers, and the CPU the host's
// recent hops used) makes hops slower and adds a wait for a core. See
// CpuConfig and README.md. The simple join model costs no CPU time.
//
// Owns: the hosts (cores, members, load buckets, the per-host CPU stream,
// the count of spinning lock waiters) and which host each node runs on.
// Touches: the kernel's clock and config only. Whether a node's global
// server is busy is asked through `server_busy` (the join lock keeps that;
// set where the world is built).
// Called by: the network (hops per message, loopback between nodes of one
// host), the join lock (hops of global servers, waits for a core, spinners).
#ifndef DISCOSIM_SIM_WORLD_CPU_H_
#define DISCOSIM_SIM_WORLD_CPU_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/world/config.h"
#include "sim/world/event.h"
#include "sim/world/kernel.h"
#include "sim/world/random.h"

namespace discosim::world {

class Cpu {
 public:
  struct Host {
    std::string name;
    int cores = 2;
    uint32_t spinners = 0;        // spinning lock waiters on its nodes
    std::vector<NodeId> members;  // its nodes
    Rng rng{0};
    // The CPU its hops used, in buckets of load_window_us / kLoadBuckets: the
    // current bucket and the ones before it (a ring).
    static constexpr int kLoadBuckets = 8;
    int64_t bucket_index[kLoadBuckets] = {};  // which time slot each bucket holds
    int64_t bucket_work_us[kLoadBuckets] = {};
  };

  explicit Cpu(Kernel& kernel) : k_(kernel) {}

  // Hosts: the declared ones in name order, then one of its own for each
  // node that names none (`node_hosts[n]`: the host node n names, or empty).
  // REQUIRES: every named host is declared (ValidateConfig).
  void Build(const std::vector<std::string>& node_hosts);

  int64_t HopUs(NodeId n);       // a process on n handling one message
  int64_t CoreWaitUs(NodeId n);  // waiting for a core on n's host
  // Busy work on a host in thousandths of a core: its spinners and busy
  // global servers plus the CPU its hops used lately.
  int64_t LoadMilli(uint32_t host) const;

  uint32_t HostOf(NodeId n) const { return host_of_[n]; }
  bool SameHost(NodeId x, NodeId y) const { return host_of_[x] == host_of_[y]; }
  // Spinning lock waiters on n's host (the join lock counts them here).
  uint32_t& Spinners(NodeId n) { return hosts_[host_of_[n]].spinners; }
  const std::vector<Host>& hosts() const { return hosts_; }

  // Whether node n's global server is handling a lock op now.
  std::function<bool(NodeId n)> server_busy;

 private:
  void AddHopWork(uint32_t host, int64_t work_us);
  int64_t BucketUs() const;

  Kernel& k_;
  std::vector<Host> hosts_;
  std::vector<uint32_t> host_of_;  // per node
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_CPU_H_
