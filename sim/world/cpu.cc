// The CPU model: hosts with a number of cores, shared by the busy work of
// their nodes. A message handled by a node costs one hop on its host; busy
// work (spinning lock waiters, and the CPU the host's recent hops used)
// makes hops slower and adds a wait for a core. See CpuConfig and README.md.
#include <algorithm>

#include "sim/world/sim.h"

namespace discosim::world {

int64_t Sim::LoadMilli(uint32_t host) const {
  const HostRt& h = hosts[host];
  const int64_t bucket_us = std::max<int64_t>(1, config.cpu.load_window_us / HostRt::kLoadBuckets);
  const int64_t slot = now_us() / bucket_us;
  int64_t work_us = 0;
  for (int b = 0; b < HostRt::kLoadBuckets; ++b) {
    if (h.bucket_index[b] > slot - HostRt::kLoadBuckets) work_us += h.bucket_work_us[b];
  }
  int64_t busy_servers = 0;
  for (NodeId n : h.members) {
    if (join_lock.ServerBusy(n)) ++busy_servers;
  }
  return 1'000 * static_cast<int64_t>(h.spinners) + config.cpu.busy_server_milli * busy_servers +
         1'000 * work_us / (bucket_us * HostRt::kLoadBuckets);
}

void Sim::AddHopWork(uint32_t host, int64_t work_us) {
  HostRt& h = hosts[host];
  const int64_t bucket_us = std::max<int64_t>(1, config.cpu.load_window_us / HostRt::kLoadBuckets);
  const int64_t slot = now_us() / bucket_us;
  const int b = static_cast<int>(slot % HostRt::kLoadBuckets);
  if (h.bucket_index[b] != slot) {
    h.bucket_index[b] = slot;
    h.bucket_work_us[b] = 0;
  }
  h.bucket_work_us[b] += work_us;
}

int64_t Sim::CoreWaitUs(NodeId n) {
  if (!calibrated()) return 0;
  const uint32_t host_id = nodes[n].host;
  HostRt& host = hosts[host_id];
  const int64_t cores_milli = 1'000 * static_cast<int64_t>(host.cores);
  const int64_t runnable_milli = LoadMilli(host_id) + 1'000;
  if (runnable_milli <= cores_milli || config.cpu.quantum_us == 0) return 0;
  return host.rng.Range(0, config.cpu.quantum_us * (runnable_milli - cores_milli) / cores_milli);
}

int64_t Sim::HopUs(NodeId n) {
  if (!calibrated()) return 0;  // the simple model costs no CPU time
  const CpuConfig& cpu = config.cpu;
  const uint32_t host_id = nodes[n].host;
  HostRt& host = hosts[host_id];
  const int64_t spread = cpu.hop_us * cpu.hop_jitter_pct / 100;
  int64_t hop_us = host.rng.Range(cpu.hop_us - spread, cpu.hop_us + spread);
  const int64_t cores_milli = 1'000 * static_cast<int64_t>(host.cores);
  const int64_t runnable_milli = LoadMilli(host_id) + 1'000;
  if (runnable_milli > cores_milli) {
    hop_us = hop_us * runnable_milli / cores_milli;  // its share of a core
    if (cpu.quantum_us > 0) {
      hop_us += host.rng.Range(0, cpu.quantum_us * (runnable_milli - cores_milli) / cores_milli);
    }
  }
  AddHopWork(host_id, cpu.hop_cpu_us);
  return hop_us;
}

int64_t Sim::RpcUs(NodeId caller, NodeId target) {
  // The call is handled by a process on the target, the answer by the caller.
  if (caller == target) return HopUs(target) + HopUs(caller);
  return 2 * LatencyUs(caller, target) + HopUs(target) + HopUs(caller);
}

}  // namespace discosim::world
