// Where real mode finds Erlang and its compiled beams, at run time.
//
// The build writes both into real_paths.h (real/CMakeLists.txt); an installed
// discosim (`cmake --install`, the .deb) finds its beams beside itself
// instead, PREFIX/bin/discosim -> PREFIX/share/discosim/ebin, and an OTP
// upgraded since the build (a new erts-VERSION folder) is found under the
// same OTP root.
#ifndef DISCOSIM_REAL_PATHS_H_
#define DISCOSIM_REAL_PATHS_H_

#include <string>

namespace discosim::real {

// The folder holding CETS's and real mode's beams for a discosim binary at
// `exe` (an absolute path): the installed folder when it holds the agent's
// beam, else the build tree's.
std::string EbinDirFor(const std::string& exe);
// EbinDirFor of the running binary (/proc/self/exe).
std::string EbinDir();

// OTP's erts bin folder (erlexec, epmd): `built` when it has erlexec, else
// the newest erts-*/bin under `root` that has one, else `built` (so that the
// error names it).
std::string ErtsBinDirFor(const std::string& built, const std::string& root);
// ErtsBinDirFor of the build's erts bin folder and OTP root.
std::string ErtsBinDir();

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_PATHS_H_
