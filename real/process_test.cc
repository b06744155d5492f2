// Programs run from argument vectors, never through a shell, and stopped.
#include "real/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace discosim::real {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempPath(const char* name) {
  return std::string(testing::TempDir()) + "/" + name + std::to_string(getpid());
}

TEST(Process, ArgvPointersEndWithNull) {
  std::vector<std::string> args = {"a", "b c"};
  std::vector<char*> p = ArgvPointers(args);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_STREQ(p[1], "b c");
  EXPECT_EQ(p[2], nullptr);
}

TEST(Process, ArgumentsReachTheProgramAsTheyAreNotThroughAShell) {
  const std::string out = TempPath("argv");
  std::remove(out.c_str());
  // printf prints each argument on a line: a shell would split, expand and run these.
  Command c{"/usr/bin/printf", {"printf", "%s\\n", "a b", "$(touch /tmp/x)", "*", "; echo hi"}, {}, out};
  absl::StatusOr<int> exit = RunToExit(c, "", 5'000);
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(*exit, 0);
  EXPECT_EQ(Slurp(out), "a b\n$(touch /tmp/x)\n*\n; echo hi\n");
}

TEST(Process, StdinTextReachesTheProgram) {
  const std::string out = TempPath("stdin");
  std::remove(out.c_str());
  Command c{"/bin/cat", {"cat"}, {}, out};
  absl::StatusOr<int> exit = RunToExit(c, "table ip x\n", 5'000);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(Slurp(out), "table ip x\n");
}

TEST(Process, RelativeProgramsAreRefused) {
  Command c{"printf", {"printf", "x"}, {}, TempPath("rel")};
  EXPECT_FALSE(Spawn(c).ok());
}

TEST(Process, EnvironmentIsExactlyTheOneGiven) {
  const std::string out = TempPath("env");
  std::remove(out.c_str());
  Command c{"/usr/bin/env", {"env"}, {"ONLY=this"}, out};
  ASSERT_TRUE(RunToExit(c, "", 5'000).ok());
  EXPECT_EQ(Slurp(out), "ONLY=this\n");
}

TEST(Process, TerminateEndsAProgramThatIgnoresSigterm) {
  Command c{"/usr/bin/python3",
            {"python3", "-c",
             "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(30)"},
            {}, TempPath("term")};
  absl::StatusOr<pid_t> pid = Spawn(c);
  ASSERT_TRUE(pid.ok());
  EXPECT_FALSE(WaitFor(*pid, 100).has_value());
  Terminate(*pid, 200);
  EXPECT_NE(kill(*pid, 0), 0);  // gone and reaped
}

TEST(Process, RunToExitKillsAProgramPastItsTimeout) {
  Command c{"/bin/sleep", {"sleep", "10"}, {}, TempPath("sleep")};
  absl::StatusOr<int> exit = RunToExit(c, "", 100);
  EXPECT_FALSE(exit.ok());
}

TEST(Process, AChildDiesWithItsParent) {
  // A middle process spawns a child, then exits: PR_SET_PDEATHSIG kills the child.
  const std::string pid_file = TempPath("pdeath");
  std::remove(pid_file.c_str());
  const pid_t middle = fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    Command c{"/bin/sleep", {"sleep", "30"}, {}, TempPath("pdeath-out")};
    absl::StatusOr<pid_t> child = Spawn(c);
    std::ofstream(pid_file) << (child.ok() ? *child : -1);
    _exit(0);
  }
  waitpid(middle, nullptr, 0);
  pid_t child = -1;
  std::ifstream(pid_file) >> child;
  ASSERT_GT(child, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    // The child was reparented; once killed it is a zombie of init or gone.
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string text;
    std::getline(stat, text);
    gone = text.empty() || text.find(") Z") != std::string::npos;
    if (!gone) usleep(10'000);
  }
  EXPECT_TRUE(gone);
}

}  // namespace
}  // namespace discosim::real
