// Everything a real run starts, owned in one place so that all of it goes
// away together: the address block's lock, the run's directory, epmd, the
// DNS server, the nftables table, the agent listener, and the node VMs.
// The destructor removes it all (VMs: halt, then SIGTERM/SIGKILL), in
// reverse order of start.
//
//   Cluster cluster(log);
//   absl::Status ok = cluster.Open(keep_dir);       // block, dir, listener
//   ok = cluster.StartDns(hosts); ok = cluster.StartEpmd();
//   ok = cluster.SetBlocked({});                     // creates the nft table
//   absl::StatusOr<size_t> vm = cluster.BootVm(spec);
#ifndef DISCOSIM_REAL_CLUSTER_H_
#define DISCOSIM_REAL_CLUSTER_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "real/agent_link.h"
#include "real/dns_server.h"
#include "real/process.h"

namespace discosim::real {

// One Erlang VM for one start of one node.
struct VmSpec {
  std::string node;     // name@host, safe (names.h)
  std::string address;  // its loopback address
  std::vector<std::string> kernel_flags;  // "-kernel", "key", "value", ...
};

struct Vm {
  VmSpec spec;
  pid_t pid = -1;
  std::unique_ptr<AgentConnection> agent;
  bool started = false;  // distribution, tables and discovery are up
  bool gone = false;     // halted (or died)
};

// The Erlang argv of a VM: erlexec with the flags, the kernel flags, the
// run's epmd port, inetrc, cookie and the agent's arguments. Every value is
// either fixed text or checked (names.h) before it gets here.
std::vector<std::string> VmArgv(const VmSpec& spec, const std::string& erlexec,
                                const std::string& ebin, uint16_t epmd_port,
                                const std::string& inetrc_path, const std::string& cookie,
                                uint16_t runner_port, size_t vm_index);

class Cluster {
 public:
  explicit Cluster(std::ostream* log) : log_(log) {}
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Takes a free address block, makes the run's directory, listens for agents.
  absl::Status Open(const std::string& keep_dir);
  int block() const { return block_; }
  const std::string& dir() const { return dir_; }

  // Starts the DNS server with these hosts and writes the nodes' inetrc.
  absl::Status StartDns(const std::map<std::string, HostAnswer>& hosts);
  DnsServer& dns() { return dns_; }
  // Starts the run's own epmd on a free port.
  absl::Status StartEpmd();
  // Replaces the run's nftables table: drops between these address pairs.
  absl::Status SetBlocked(const std::vector<std::pair<std::string, std::string>>& pairs);

  // Boots a VM (no distribution yet) and waits for its agent's hello.
  absl::StatusOr<size_t> BootVm(VmSpec spec, int timeout_ms);
  Vm& vm(size_t index) { return *vms_[index]; }
  size_t vm_count() const { return vms_.size(); }
  // Halts a VM and waits for it to exit (SIGKILL after grace_ms).
  void HaltVm(size_t index, int grace_ms);

 private:
  void Log(const std::string& line);
  std::ostream* log_;
  int block_ = 0;
  int lock_fd_ = -1;
  std::string dir_;
  bool remove_dir_ = true;
  std::string inetrc_;
  std::string cookie_;
  AgentListener listener_;
  DnsServer dns_;
  pid_t epmd_pid_ = -1;
  uint16_t epmd_port_ = 0;
  std::string nft_table_;  // set once created
  std::vector<std::unique_ptr<Vm>> vms_;
};

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_CLUSTER_H_
