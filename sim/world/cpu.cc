// The CPU room (see cpu.h).
#include "sim/world/cpu.h"

#include <algorithm>
#include <map>
#include <utility>

namespace discosim::world {

void Cpu::Build(const std::vector<std::string>& node_hosts) {
  const WorldConfig& config = k_.config;
  std::vector<HostConfig> declared = config.hosts;
  std::sort(declared.begin(), declared.end(),
            [](const HostConfig& a, const HostConfig& b) { return a.name < b.name; });
  std::map<std::string, uint32_t, std::less<>> host_index;
  for (const HostConfig& h : declared) {
    host_index.emplace(h.name, static_cast<uint32_t>(hosts_.size()));
    Host host;
    host.name = h.name;
    host.cores = h.cores;
    hosts_.push_back(std::move(host));
  }
  host_of_.assign(node_hosts.size(), 0);
  for (NodeId id = 0; id < node_hosts.size(); ++id) {
    if (node_hosts[id].empty()) {
      Host host;
      host.name = k_.nodes[id].name;
      host.cores = config.cpu.default_cores;
      host_of_[id] = static_cast<uint32_t>(hosts_.size());
      hosts_.push_back(std::move(host));
    } else {
      host_of_[id] = host_index.find(node_hosts[id])->second;  // declared: ValidateConfig
    }
    hosts_[host_of_[id]].members.push_back(id);
  }
  for (uint32_t h = 0; h < hosts_.size(); ++h) {
    hosts_[h].rng = Rng::ForStream(config.seed, Subsystem::kCpu, h);
  }
}

int64_t Cpu::BucketUs() const {
  return std::max<int64_t>(1, k_.config.cpu.load_window_us / Host::kLoadBuckets);
}

int64_t Cpu::LoadMilli(uint32_t host) const {
  const Host& h = hosts_[host];
  const int64_t bucket_us = BucketUs();
  const int64_t slot = k_.now_us() / bucket_us;
  int64_t work_us = 0;
  for (int b = 0; b < Host::kLoadBuckets; ++b) {
    if (h.bucket_index[b] > slot - Host::kLoadBuckets) work_us += h.bucket_work_us[b];
  }
  int64_t busy_servers = 0;
  for (NodeId n : h.members) {
    if (server_busy && server_busy(n)) ++busy_servers;
  }
  return 1'000 * static_cast<int64_t>(h.spinners) + k_.config.cpu.busy_server_milli * busy_servers +
         1'000 * work_us / (bucket_us * Host::kLoadBuckets);
}

void Cpu::AddHopWork(uint32_t host, int64_t work_us) {
  Host& h = hosts_[host];
  const int64_t slot = k_.now_us() / BucketUs();
  const int b = static_cast<int>(slot % Host::kLoadBuckets);
  if (h.bucket_index[b] != slot) {
    h.bucket_index[b] = slot;
    h.bucket_work_us[b] = 0;
  }
  h.bucket_work_us[b] += work_us;
}

int64_t Cpu::CoreWaitUs(NodeId n) {
  if (!k_.calibrated()) return 0;
  const uint32_t host_id = host_of_[n];
  Host& host = hosts_[host_id];
  const int64_t cores_milli = 1'000 * static_cast<int64_t>(host.cores);
  const int64_t runnable_milli = LoadMilli(host_id) + 1'000;
  const int64_t quantum_us = k_.config.cpu.quantum_us;
  if (runnable_milli <= cores_milli || quantum_us == 0) return 0;
  return host.rng.Range(0, quantum_us * (runnable_milli - cores_milli) / cores_milli);
}

int64_t Cpu::HopUs(NodeId n) {
  if (!k_.calibrated()) return 0;  // the simple model costs no CPU time
  const CpuConfig& cpu = k_.config.cpu;
  const uint32_t host_id = host_of_[n];
  Host& host = hosts_[host_id];
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

}  // namespace discosim::world
