// Where real mode finds Erlang and its beams (paths.h).
#include "real/paths.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "real/real_paths.h"

namespace discosim::real {

namespace fs = std::filesystem;

std::string EbinDirFor(const std::string& exe) {
  const fs::path installed = fs::path(exe).parent_path().parent_path() / kInstalledEbinDir;
  std::error_code error;
  if (fs::exists(installed / "discosim_agent.beam", error)) return installed.string();
  return kEbinDir;
}

std::string EbinDir() {
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string(kEbinDir) : EbinDirFor(exe.string());
}

std::string ErtsBinDirFor(const std::string& built, const std::string& root) {
  std::error_code error;
  if (fs::exists(fs::path(built) / "erlexec", error)) return built;
  std::vector<fs::path> found;
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    const fs::path bin = it->path() / "bin";
    if (it->path().filename().string().starts_with("erts-") && fs::exists(bin / "erlexec", error)) {
      found.push_back(bin);
    }
  }
  if (found.empty()) return built;
  std::sort(found.begin(), found.end());  // directory order is not sorted
  return found.back().string();
}

std::string ErtsBinDir() { return ErtsBinDirFor(kErtsBinDir, kErlangRootDir); }

}  // namespace discosim::real
