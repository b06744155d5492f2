// discosim's version, as `discosim --version` prints it. The text is
// generated at build time (cmake/version.cmake): the project's version from
// CMakeLists.txt and, when built from a git checkout, the commit.
#ifndef DISCOSIM_SIM_CLI_VERSION_H_
#define DISCOSIM_SIM_CLI_VERSION_H_

#include <string_view>

namespace discosim::cli {

// "0.1.0": the project's version (CMakeLists.txt, project()).
std::string_view VersionNumber();
// "discosim 0.1.0 (git 0123456789ab)", or "discosim 0.1.0" outside git;
// the commit ends in "-dirty" when tracked files differed from it.
std::string_view VersionText();

}  // namespace discosim::cli

#endif  // DISCOSIM_SIM_CLI_VERSION_H_
