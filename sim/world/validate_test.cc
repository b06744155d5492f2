// The world's rule book (validate.h): each test breaks one rule and checks
// that exactly that rule is reported, naming its node and field, and that
// the config or action without the mistake passes.
#include "sim/world/validate.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace discosim::world {
namespace {

WorldConfig TwoNodes() {
  WorldConfig config;
  NodeConfig a;
  a.name = "a@h1";
  NodeConfig b;
  b.name = "b@h2";
  config.nodes = {a, b};
  return config;
}

TEST(ConfigProblems, AGoodConfigHasNone) {
  EXPECT_TRUE(ConfigProblems(TwoNodes()).empty());
  EXPECT_TRUE(ValidateConfig(TwoNodes()).ok());
}

TEST(ConfigProblems, NamesTheNodeAndTheSettingField) {
  WorldConfig config = TwoNodes();
  config.nodes[1].settings.net_ticktime_ms = 0;
  config.nodes[0].settings.dns_cache_ttl_ms = -1;
  std::vector<Problem> problems = ConfigProblems(config);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], (Problem{0, "settings.dns_cache_ttl_ms", "must not be negative"}));
  EXPECT_EQ(problems[1], (Problem{1, "settings.net_ticktime_ms", "must be positive"}));
  EXPECT_EQ(ValidateConfig(config).message(), "node a@h1: settings.dns_cache_ttl_ms must not be negative");
}

TEST(ConfigProblems, ChecksNodesInNameOrderButIndexesThemAsGiven) {
  WorldConfig config = TwoNodes();
  std::swap(config.nodes[0], config.nodes[1]);  // b@h2 first
  config.nodes[0].settings.latency_ms = -1;
  config.nodes[1].settings.latency_ms = -1;
  std::vector<Problem> problems = ConfigProblems(config);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].node, 1u);  // a@h1
  EXPECT_EQ(problems[1].node, 0u);
}

TEST(ConfigProblems, RefusesBadNamesRepeatsAndUndeclaredBackendNodes) {
  WorldConfig config = TwoNodes();
  config.nodes[1].name = "a@h1";
  config.nodes[0].backend.nodes = std::vector<NodeName>{"z@h9"};
  std::vector<Problem> problems = ConfigProblems(config);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], (Problem{0, "backend.nodes", "names undeclared node z@h9"}));
  EXPECT_EQ(problems[1], (Problem{1, "name", "declared twice"}));

  config = TwoNodes();
  config.nodes[0].name = "nohost";
  ASSERT_EQ(ConfigProblems(config).size(), 1u);
  EXPECT_EQ(ConfigProblems(config)[0], (Problem{0, "name", "is not name@host"}));
}

TEST(ConfigProblems, BackendRangesAndProbabilities) {
  WorldConfig config = TwoNodes();
  config.nodes[0].backend.latency = {5, 2};
  config.nodes[1].backend.error_rate = 1.5;
  std::vector<Problem> problems = ConfigProblems(config);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].field, "backend.latency");
  EXPECT_EQ(problems[1].field, "backend.error_rate");
}

TEST(ConfigProblems, HostsNeedTheCalibratedModelAndADeclaration) {
  WorldConfig config = TwoNodes();
  config.hosts = {HostConfig{"vm", 2}};
  config.nodes[0].host = "vm";
  config.nodes[1].host = "elsewhere";
  std::vector<Problem> simple = ConfigProblems(config);
  ASSERT_EQ(simple.size(), 3u);
  EXPECT_EQ(simple[0].field, "hosts");
  EXPECT_EQ(simple[1], (Problem{0, "host", "a host needs the calibrated join model"}));

  config.join_model = JoinModel::kCalibrated;
  std::vector<Problem> calibrated = ConfigProblems(config);
  ASSERT_EQ(calibrated.size(), 1u);
  EXPECT_EQ(calibrated[0], (Problem{1, "host", "names undeclared host elsewhere"}));

  config.nodes[1].host = "vm";
  config.hosts.push_back(HostConfig{"vm", 0});
  std::vector<Problem> hosts = ConfigProblems(config);
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].field, "hosts[1].cores");
  EXPECT_EQ(hosts[1].field, "hosts[1].name");
}

TEST(ConfigProblems, WholeConfigRules) {
  WorldConfig config = TwoNodes();
  config.lock.sleep_ms = 0;
  config.intervals.regular_interval_ms = 0;
  config.limits.max_nodes = 1;
  std::vector<Problem> problems = ConfigProblems(config);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].field, "nodes");
  EXPECT_EQ(problems[1].field, "intervals");
  EXPECT_EQ(problems[2].field, "lock.sleep_ms");
  EXPECT_FALSE(problems[0].node.has_value());
  EXPECT_EQ(ValidateConfig(config).message(), "nodes: too many nodes: 2 > max_nodes 1");
  EXPECT_EQ(ValidateConfig(WorldConfig{}).message(), "nodes: a world needs at least one node");
}

TEST(ActionProblems, AGoodActionHasNone) {
  const WorldConfig config = TwoNodes();
  EXPECT_TRUE(ActionProblems(config, 0, action::Cut{{{"a@h1", "b@h2"}}}).empty());
  EXPECT_TRUE(ValidateAction(config, 5, action::Call{"a@h1", action::Request::kGetTables, 10, "x"}).ok());
}

TEST(ActionProblems, UnknownNodesAndPairs) {
  const WorldConfig config = TwoNodes();
  std::vector<Problem> problems =
      ActionProblems(config, 0, action::Cut{{{"a@h1", "a@h1"}, {"a@h1", "d@h4"}}});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], (Problem{std::nullopt, "links", "a pair needs two different nodes"}));
  EXPECT_EQ(problems[1], (Problem{std::nullopt, "links", "unknown node \"d@h4\""}));
  EXPECT_EQ(ValidateAction(config, 5'000, action::Stop{{"d@h4"}}).message(),
            "t=5000ms stop: nodes: unknown node \"d@h4\"");
}

TEST(ActionProblems, PartitionGroupsDoNotOverlap) {
  const WorldConfig config = TwoNodes();
  std::vector<Problem> problems =
      ActionProblems(config, 0, action::Partition{{{"a@h1"}, {"a@h1", "b@h2"}}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "node \"a@h1\" is in two groups");
}

TEST(ActionProblems, FieldsInRange) {
  const WorldConfig config = TwoNodes();
  EXPECT_EQ(ActionProblems(config, 0, action::Dns{"a@h1", -1, action::DnsAnswer::kFails})[0].field,
            "delay_ms");
  action::Backend backend;
  backend.latency = LatencyRange{3, 1};
  backend.error_rate = -0.5;
  std::vector<Problem> problems = ActionProblems(config, 0, backend);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].field, "latency");
  EXPECT_EQ(problems[1].field, "error_rate");
  action::BackendFail fail;
  EXPECT_EQ(ActionProblems(config, 0, fail)[0].message, "exactly one of count and until");
  fail.count = 2;
  EXPECT_TRUE(ActionProblems(config, 0, fail).empty());
  fail.count.reset();
  fail.until_ms = 5'000;
  EXPECT_TRUE(ActionProblems(config, 4'999, fail).empty());
  EXPECT_EQ(ActionProblems(config, 5'000, fail)[0].field, "until_ms");
  EXPECT_EQ(ActionProblems(config, 0, action::AddTable{"a@h1", ""})[0].field, "table");
  EXPECT_EQ(ActionProblems(config, 0, action::Call{"a@h1", action::Request::kGetTables, 5, ""})[0].field,
            "id");
}

TEST(ActionProblems, RawMessagesAreThoseADiscoveryCanBeSent) {
  const WorldConfig config = TwoNodes();
  EXPECT_TRUE(ActionProblems(config, 0, action::Send{"a@h1", engine::Nodeup{"b@h2"}}).empty());
  std::vector<Problem> problems =
      ActionProblems(config, 0, action::Send{"a@h1", engine::Nodeup{"c@h3"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "message");
  problems = ActionProblems(config, 0, action::Send{"a@h1", engine::GetTablesCall{1}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("cannot be sent raw"), std::string::npos);
}

}  // namespace
}  // namespace discosim::world
