// Proves the reproducer path itself: a property that is wrong on purpose
// ("no connection between two nodes that list each other is ever down after
// the first minute") fails, both the fuzzer's shrinker and RapidCheck's
// shrink it to a small case, and the scenario file written for it fails the
// same way when parsed and run again, and under the `discosim run` binary.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "property_tests/world_generators.h"
#include "property_tests/world_repro.h"
#include "sim/fuzz/check.h"
#include "sim/fuzz/shrink.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"

namespace discosim::property_tests {
namespace {

using fuzz::CaseResult;
using fuzz::FuzzCase;
using fuzz::Property;

constexpr char kPlanted[] = "planted";

// Wrong on purpose: any partition, cut, disconnect or stop breaks it.
Property PlantedProperty() {
  return {kPlanted, [](const FuzzCase& c, const fuzz::Bounds&, scenario::Scenario& s) {
            std::vector<scenario::NodePair> pairs;
            for (size_t i = 0; i < c.nodes.size(); ++i) {
              for (size_t j = i + 1; j < c.nodes.size(); ++j) {
                const bool listed = (!c.nodes[i].backend_nodes || ((*c.nodes[i].backend_nodes >> j) & 1u)) &&
                                    (!c.nodes[j].backend_nodes || ((*c.nodes[j].backend_nodes >> i) & 1u));
                if (c.nodes[i].started && c.nodes[j].started && listed) {
                  pairs.push_back({fuzz::NodeNameOf(static_cast<int>(i)), fuzz::NodeNameOf(static_cast<int>(j))});
                }
              }
            }
            if (pairs.empty()) return;
            scenario::Expectation e;
            e.qualifier = scenario::AlwaysQualifier{60'000, std::nullopt};
            e.condition = scenario::ConnectedCondition{pairs};
            s.expectations.push_back(std::move(e));
          }};
}

// Parses and runs the file: the failures it reports, one line each.
std::vector<std::string> FailuresOf(const std::string& path) {
  absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(path);
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return {"unparsable"};
  absl::StatusOr<scenario::ScenarioRun> run = scenario::RunScenario(*s, {});
  EXPECT_TRUE(run.ok()) << run.status().message();
  if (!run.ok()) return {"unrunnable"};
  std::vector<std::string> failures;
  for (const scenario::ExpectationResult& r : run->results) {
    if (!r.passed) failures.push_back(r.expectation->as_written + " -- " + r.observed);
  }
  return failures;
}

// The exit status of `discosim run FILE`.
int DiscosimRun(const std::string& path) {
  const std::string command = std::string(DISCOSIM_BIN) + " run " + path + " > /dev/null";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string TempPath(const std::string& name) {
  const std::filesystem::path dir = ReproducerDir();
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / name);
  return (dir / name).string();
}

TEST(WorldReproducer, FuzzerShrinksAPlantedFailureToAFileThatReplays) {
  const std::vector<Property> properties = {PlantedProperty()};
  fuzz::GenOptions gen;
  gen.max_nodes = 5;
  std::optional<FuzzCase> failing;
  CaseResult failed;
  for (uint64_t i = 0; i < 100 && !failing; ++i) {
    FuzzCase c = fuzz::GenerateCase(fuzz::CaseSeed(7, i), gen);
    CaseResult r = fuzz::CheckCase(c, properties, {});
    if (r.kind == CaseResult::Kind::kFailed && c.faults.size() >= 3) {
      failing = c;
      failed = r;
    }
  }
  ASSERT_TRUE(failing.has_value()) << "no case of seed 7 broke the planted property";

  const fuzz::Reproducer r = fuzz::Minimize(*failing, properties, failed, {}, {}, "planted-fuzz",
                                            "world_reproducer_test");
  EXPECT_TRUE(r.replays);
  EXPECT_LT(fuzz::Complexity(r.minimal), fuzz::Complexity(*failing));
  EXPECT_LE(r.minimal.faults.size(), 1u) << r.yaml;
  EXPECT_EQ(r.result.property, kPlanted);

  const std::string path = TempPath("planted-fuzz.yaml");
  std::ofstream(path) << r.yaml;
  const std::vector<std::string> failures = FailuresOf(path);
  ASSERT_EQ(failures.size(), 1u) << r.yaml;
  EXPECT_NE(failures[0].find("connected"), std::string::npos) << failures[0];
  EXPECT_EQ(DiscosimRun(path), 1) << "discosim run " << path << " should fail (exit 1)";
}

TEST(WorldReproducer, RapidCheckShrinksAPlantedFailureToAFileThatReplays) {
  const std::vector<Property> properties = {PlantedProperty()};
  const std::string path = TempPath("planted-rapidcheck.yaml");
  const bool held = rc::check("the planted property (wrong on purpose)", [&] {
    const FuzzCase c = *GenWorldCase({});
    const CaseResult r = fuzz::CheckCase(c, properties, {});
    if (r.kind == CaseResult::Kind::kFailed) {
      WriteReproducer(c, properties, kPlanted, "planted-rapidcheck", "world_reproducer_test.");
      RC_FAIL("the planted property broke (as it should): " + r.observed);
    }
  });
  EXPECT_FALSE(held) << "RapidCheck found no counterexample to a wrong property";
  ASSERT_TRUE(std::filesystem::exists(path));

  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(text.str(), path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  // Shrunk: a fault at most (a disconnect, stop, cut or partition), few nodes.
  EXPECT_LE(s->nodes.size(), 3u) << text.str();
  EXPECT_EQ(FailuresOf(path).size(), 1u) << text.str();
  EXPECT_EQ(DiscosimRun(path), 1) << "discosim run " << path << " should fail (exit 1)";
}

}  // namespace
}  // namespace discosim::property_tests
