// Where real mode finds its beams and erts (paths.h).
#include "real/paths.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "real/real_paths.h"

namespace discosim::real {
namespace {

namespace fs = std::filesystem;

class PathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("discosim-paths-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void Touch(const fs::path& file) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << "x";
  }
  fs::path root_;
};

TEST_F(PathsTest, AnInstalledBinaryFindsTheBeamsUnderItsPrefix) {
  const fs::path prefix = root_ / "usr";
  Touch(prefix / kInstalledEbinDir / "discosim_agent.beam");
  EXPECT_EQ(EbinDirFor((prefix / "bin" / "discosim").string()), (prefix / kInstalledEbinDir).string());
}

TEST_F(PathsTest, ABinaryWithoutInstalledBeamsUsesTheBuildTreesFolder) {
  const fs::path prefix = root_ / "usr";
  fs::create_directories(prefix / kInstalledEbinDir);  // the folder, but no agent beam
  EXPECT_EQ(EbinDirFor((prefix / "bin" / "discosim").string()), std::string(kEbinDir));
}

TEST_F(PathsTest, TheBuildsErtsFolderWhileItHasErlexec) {
  Touch(root_ / "erts-13.1.5" / "bin" / "erlexec");
  Touch(root_ / "erts-14.0" / "bin" / "erlexec");
  const std::string built = (root_ / "erts-13.1.5" / "bin").string();
  EXPECT_EQ(ErtsBinDirFor(built, root_.string()), built);
}

TEST_F(PathsTest, AnUpgradedOtpsNewestErtsFolderWithErlexec) {
  Touch(root_ / "erts-13.2" / "bin" / "erlexec");
  Touch(root_ / "erts-13.3" / "bin" / "erlexec");
  fs::create_directories(root_ / "erts-13.9" / "bin");  // no erlexec
  Touch(root_ / "lib" / "bin" / "erlexec");             // not an erts folder
  const std::string built = (root_ / "erts-13.1.5" / "bin").string();  // gone
  EXPECT_EQ(ErtsBinDirFor(built, root_.string()), (root_ / "erts-13.3" / "bin").string());
}

TEST_F(PathsTest, NoErtsAtAllKeepsTheBuildsPathForTheError) {
  const std::string built = (root_ / "erts-13.1.5" / "bin").string();
  EXPECT_EQ(ErtsBinDirFor(built, root_.string()), built);
  EXPECT_EQ(ErtsBinDirFor(built, (root_ / "missing").string()), built);
}

}  // namespace
}  // namespace discosim::real
