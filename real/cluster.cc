// The run's resources and their removal (cluster.h).
#include "real/cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "real/names.h"
#include "real/nft.h"
#include "real/real_paths.h"

namespace discosim::real {
namespace {

// The /16 blocks a run may take: 127.20.0.0 to 127.250.0.0.
constexpr int kFirstBlock = 20;
constexpr int kLastBlock = 250;

bool SafePath(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  for (char c : path) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return path.find("..") == std::string_view::npos;
}

// A TCP port nobody listens on right now (bound, read, closed).
absl::StatusOr<uint16_t> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0;
  if (fd >= 0) close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("no free port: ", std::strerror(errno)));
  return ntohs(addr.sin_port);
}

bool Accepts(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::vector<std::string> ErlangEnv(const std::string& home) {
  return {absl::StrCat("ROOTDIR=", kErlangRootDir), absl::StrCat("BINDIR=", kErtsBinDir),
          "EMU=beam", "PROGNAME=erl", absl::StrCat("HOME=", home),
          absl::StrCat("PATH=", kErtsBinDir, ":/usr/bin:/bin"), "LANG=C.UTF-8"};
}

}  // namespace

std::vector<std::string> VmArgv(const VmSpec& spec, const std::string& erlexec,
                                const std::string& ebin, uint16_t epmd_port,
                                const std::string& inetrc_path, const std::string& cookie,
                                uint16_t runner_port, size_t vm_index) {
  const std::string address = ErlangAddress(spec.address);
  std::vector<std::string> argv = {erlexec, "-noshell", "-noinput", "-start_epmd", "false",
                                   "-epmd_port", std::to_string(epmd_port),
                                   "-setcookie", cookie, "-pa", ebin,
                                   "-kernel", "inet_dist_use_interface", address,
                                   "-kernel", "inet_dist_connect_options",
                                   absl::StrCat("[{ip,", address, "}]"),
                                   "-kernel", "inetrc", absl::StrCat("\"", inetrc_path, "\"")};
  argv.insert(argv.end(), spec.kernel_flags.begin(), spec.kernel_flags.end());
  for (const char* arg : {"-discosim_runner"}) argv.emplace_back(arg);
  argv.push_back(std::to_string(runner_port));
  argv.emplace_back("-discosim_vm");
  argv.push_back(std::to_string(vm_index));
  for (const char* arg : {"-s", "discosim_agent", "start"}) argv.emplace_back(arg);
  return argv;
}

Cluster::~Cluster() {
  for (auto& vm : vms_) {
    if (!vm->gone && vm->agent) (void)vm->agent->Send("halt");
  }
  for (size_t i = 0; i < vms_.size(); ++i) HaltVm(i, 1'000);
  if (!nft_table_.empty()) {
    Command nft{kNftProgram, {"nft", "-f", "-"}, {"PATH=/usr/sbin:/usr/bin:/bin"}, dir_ + "/nft.log"};
    absl::StatusOr<int> removed = RunToExit(nft, DeleteTableText(nft_table_), 5'000);
    if (!removed.ok() || *removed != 0) {
      Log(absl::StrCat("could not remove nftables table ip ", nft_table_,
                       ": remove it with `nft delete table ip ", nft_table_, "`"));
    }
  }
  dns_.Stop();
  if (epmd_pid_ > 0) Terminate(epmd_pid_, 1'000);
  if (remove_dir_ && !dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the block
}

void Cluster::Log(const std::string& line) {
  if (log_ != nullptr) *log_ << "real: " << line << "\n" << std::flush;
}

absl::Status Cluster::Open(const std::string& keep_dir) {
  for (int b = kFirstBlock; b <= kLastBlock && lock_fd_ < 0; ++b) {
    const std::string path = absl::StrCat("/tmp/discosim-real-block-", b, ".lock");
    const int fd = open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      lock_fd_ = fd;
      block_ = b;
    } else {
      close(fd);
    }
  }
  if (lock_fd_ < 0) return absl::ResourceExhaustedError("no free address block 127.B.0.0/16");
  if (keep_dir.empty()) {
    char pattern[] = "/tmp/discosim-real-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
    }
    dir_ = pattern;
  } else {
    std::error_code error;
    std::filesystem::create_directories(keep_dir, error);
    dir_ = std::filesystem::absolute(keep_dir, error).lexically_normal().string();
    remove_dir_ = false;
  }
  if (!SafePath(dir_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the run's directory \"", dir_, "\" has characters other than A-Z a-z 0-9 / _ . -"));
  }
  cookie_ = absl::StrCat("discosim_", block_, "_", getpid());
  return listener_.Listen();
}

absl::Status Cluster::StartDns(const std::map<std::string, HostAnswer>& hosts) {
  for (const auto& [host, answer] : hosts) dns_.Set(host, answer);
  if (absl::Status started = dns_.Start(); !started.ok()) return started;
  inetrc_ = dir_ + "/inetrc";
  std::ofstream out(inetrc_);
  // OTP's own resolver, our server only, no cache: every lookup is asked.
  // resolv_conf "" first: otherwise inet_res re-reads /etc/resolv.conf on a
  // lookup and its nameservers replace ours.
  // One query per lookup, answered within 30 s: with inet_res's defaults
  // (2 s, then resent with longer waits) an answer that takes more than
  // about 2 s is never taken (a 3 s delay gave nxdomain after 4.7 s here),
  // so dns_delay would turn into a failure instead of a delay.
  out << "{resolv_conf, \"\"}.\n{hosts_file, \"\"}.\n{lookup, [dns]}.\n"
      << "{nameserver, {127,0,0,1}, " << dns_.port() << "}.\n{cache_size, 0}.\n{search, []}.\n"
      << "{timeout, 30000}.\n{retry, 1}.\n";
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", inetrc_));
  return absl::OkStatus();
}

absl::Status Cluster::StartEpmd() {
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<uint16_t> port = FreePort();
    if (!port.ok()) return port.status();
    Command epmd{absl::StrCat(kErtsBinDir, "/epmd"), {"epmd", "-port", std::to_string(*port)},
                 {"PATH=/usr/bin:/bin"}, dir_ + "/epmd.log"};
    absl::StatusOr<pid_t> pid = Spawn(epmd);
    if (!pid.ok()) return pid.status();
    for (int i = 0; i < 300; ++i) {
      if (Accepts(*port)) {
        epmd_pid_ = *pid;
        epmd_port_ = *port;
        Log(absl::StrCat("epmd on port ", *port, " (pid ", *pid, ")"));
        return absl::OkStatus();
      }
      if (WaitFor(*pid, 0).has_value()) break;  // exited: the port was taken meanwhile
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Terminate(*pid, 200);
  }
  return absl::UnavailableError(absl::StrCat("epmd did not start; see ", dir_, "/epmd.log"));
}

absl::Status Cluster::SetBlocked(const std::vector<std::pair<std::string, std::string>>& pairs) {
  const std::string table = absl::StrCat("discosim_", block_);
  Command nft{kNftProgram, {"nft", "-f", "-"}, {"PATH=/usr/sbin:/usr/bin:/bin"}, dir_ + "/nft.log"};
  absl::StatusOr<int> applied = RunToExit(nft, RulesetText(table, pairs), 5'000);
  if (!applied.ok()) return applied.status();
  if (*applied != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("nft failed (exit ", *applied, "); see ", dir_,
                     "/nft.log. Partitions and cuts need root and nftables"));
  }
  nft_table_ = table;
  return absl::OkStatus();
}

absl::StatusOr<size_t> Cluster::BootVm(VmSpec spec, int timeout_ms) {
  const size_t index = vms_.size();
  auto vm = std::make_unique<Vm>();
  vm->spec = std::move(spec);
  const std::string erlexec = absl::StrCat(kErtsBinDir, "/erlexec");
  Command command{erlexec,
                  VmArgv(vm->spec, erlexec, kEbinDir, epmd_port_, inetrc_, cookie_,
                         listener_.port(), index),
                  ErlangEnv(dir_), absl::StrCat(dir_, "/", vm->spec.node, "-", index, ".log")};
  absl::StatusOr<pid_t> pid = Spawn(command);
  if (!pid.ok()) return pid.status();
  vm->pid = *pid;
  Log(absl::StrCat("VM ", index, " for ", vm->spec.node, " (pid ", *pid, ")"));
  vms_.push_back(std::move(vm));
  const int64_t deadline = SteadyNowMs() + timeout_ms;
  absl::StatusOr<int> fd = listener_.Accept(timeout_ms);
  if (!fd.ok()) {
    return absl::UnavailableError(absl::StrCat("the VM for ", vms_[index]->spec.node,
                                               " did not come up; see ", command.output_path));
  }
  auto agent = std::make_unique<AgentConnection>(*fd);
  absl::StatusOr<nlohmann::json> hello = agent->ReadJson(deadline);
  if (!hello.ok() || hello->value("hello", int64_t{-1}) != static_cast<int64_t>(index)) {
    return absl::UnavailableError(absl::StrCat("the VM for ", vms_[index]->spec.node,
                                               " did not say hello; see ", command.output_path));
  }
  vms_[index]->agent = std::move(agent);
  return index;
}

void Cluster::HaltVm(size_t index, int grace_ms) {
  Vm& vm = *vms_[index];
  if (vm.gone) return;
  if (vm.agent) (void)vm.agent->Send("halt");
  if (!WaitFor(vm.pid, grace_ms).has_value()) Terminate(vm.pid, 200);
  vm.agent.reset();
  vm.gone = true;
}

}  // namespace discosim::real
