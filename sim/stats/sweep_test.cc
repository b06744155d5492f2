// The sweep's grid: how --vary arguments read, what each point's scenario
// is (the node template's count, a default setting, the number of tables),
// the mistakes it refuses; and the plot drawn from points.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sim/stats/plot.h"
#include "sim/stats/sweep.h"

namespace discosim::stats {
namespace {

std::string TempFile(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

constexpr char kFile[] = R"(name: grid
duration: 5m
tables: [sessions]
defaults:
  net_ticktime: 20s
nodes:
  - name: seed@h0
  - names: n{i}@h{i}
    count: 2
)";

TEST(Axis, ReadsListsAndRanges) {
  absl::StatusOr<Axis> list = ParseAxis("join_lock={},{wait: sleep},{backoff: [1ms, 20ms]}");
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->key, "join_lock");
  EXPECT_EQ(list->values, (std::vector<std::string>{"{}", "{wait: sleep}", "{backoff: [1ms, 20ms]}"}));
  EXPECT_EQ(ParseAxis("nodes=2..8:3")->values, (std::vector<std::string>{"2", "5", "8"}));
  EXPECT_EQ(ParseAxis("nodes=3..5")->values, (std::vector<std::string>{"3", "4", "5"}));
  EXPECT_EQ(ParseAxis("defaults.latency = 1ms, 10ms")->values, (std::vector<std::string>{"1ms", "10ms"}));
  for (const char* bad : {"nodes", "=2,3", "nodes=2,,3", "join_lock={wait: sleep", "nodes="}) {
    EXPECT_FALSE(ParseAxis(bad).ok()) << bad;
  }
}

TEST(Grid, PutsEachValueIntoTheFile) {
  const std::string file = TempFile("discosim-sweep-grid.yaml", kFile);
  absl::StatusOr<std::vector<Point>> grid =
      BuildGrid(file, {*ParseAxis("nodes=1,3"), *ParseAxis("defaults.net_ticktime=10s,60s")}, {});
  ASSERT_TRUE(grid.ok()) << grid.status().message();
  ASSERT_EQ(grid->size(), 4u);  // the first axis varies slowest
  EXPECT_EQ((*grid)[0].values, (std::vector<std::string>{"1", "10s"}));
  EXPECT_EQ((*grid)[3].values, (std::vector<std::string>{"3", "60s"}));
  EXPECT_EQ((*grid)[0].scenario.nodes.size(), 2u);  // seed@h0 and one from the template
  EXPECT_EQ((*grid)[3].scenario.nodes.size(), 4u);
  EXPECT_EQ((*grid)[0].scenario.nodes[1].settings.net_ticktime_ms, 10'000);
  EXPECT_EQ((*grid)[3].scenario.nodes[3].settings.net_ticktime_ms, 60'000);

  absl::StatusOr<std::vector<Point>> tables = BuildGrid(file, {*ParseAxis("tables=1,3")}, {});
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  EXPECT_EQ((*tables)[1].scenario.tables, (std::vector<std::string>{"t1", "t2", "t3"}));
  std::remove(file.c_str());
}

TEST(Grid, RefusesWhatTheFileRefusesNamingTheValue) {
  const std::string file = TempFile("discosim-sweep-bad.yaml", kFile);
  absl::StatusOr<std::vector<Point>> bad = BuildGrid(file, {*ParseAxis("defaults.net_ticktime=10s,5")}, {});
  ASSERT_FALSE(bad.ok());
  // The value is read where the key is written: line 5, column 17.
  EXPECT_EQ(std::string(bad.status().message()).rfind("--vary defaults.net_ticktime=5: " + file + ":5:17: "
                                                       "defaults.net_ticktime: 5 has no unit", 0),
            0u)
      << bad.status().message();
  const std::string plain = TempFile("discosim-sweep-plain.yaml", "name: p\nduration: 1m\nnodes:\n  - name: a@h\n");
  absl::StatusOr<std::vector<Point>> none = BuildGrid(plain, {*ParseAxis("nodes=2")}, {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(std::string(none.status().message()).find("the file has none"), std::string::npos);
  std::remove(file.c_str());
  std::remove(plain.c_str());
}

TEST(Plot, DrawsALinePerSeriesAndMarksNever) {
  Summary reached;
  reached.runs = reached.reached = 3;
  reached.min = reached.p50 = 100;
  reached.p90 = reached.p99 = reached.max = 300;
  Summary never;
  never.runs = 3;
  std::vector<Series> series = {{"{}", {{"2", 2, reached}, {"4", 4, never}}},
                                {"{wait: sleep}", {{"2", 2, reached}, {"4", 4, reached}}}};
  PlotSpec spec;
  spec.figure = "converged";
  spec.x_key = "nodes";
  spec.series_key = "join_lock";
  const std::string svg = SvgPlot(spec, series);
  EXPECT_EQ(svg, SvgPlot(spec, series));
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  size_t lines = 0;
  for (size_t at = svg.find("stroke-width=\"2\""); at != std::string::npos; at = svg.find("stroke-width=\"2\"", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u);
  EXPECT_NE(svg.find("×<title>nodes=4, join_lock={}: p50 never"), std::string::npos) << svg;
  EXPECT_NE(svg.find("{wait: sleep}"), std::string::npos);
}

}  // namespace
}  // namespace discosim::stats
