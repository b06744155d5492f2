// `discosim stats` and `discosim sweep` (commands.h).
#include "sim/stats/commands.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/parse.h"
#include "sim/stats/aggregate.h"
#include "sim/stats/batch.h"
#include "sim/stats/html.h"
#include "sim/stats/output.h"
#include "sim/stats/sweep.h"
#include "sim/stats/sweep_output.h"

namespace discosim::stats {
namespace {

enum ExitCode : int { kOk = 0, kInvalid = 2, kCannotWrite = 3 };

constexpr const char kStatsHelp[] =
    "Run one scenario file under many seeds and report how often and how long:\n"
    "per expectation its pass rate with a 95% (Wilson) interval, the distribution of\n"
    "its decision time (by:, after_heal:) and a few failing seeds to replay with\n"
    "`discosim run --seed`; per run the time until every node is ready and each table\n"
    "is whole (from the start and from each heal), join lock attempts and grants, and\n"
    "events. Quantiles by nearest rank; `never`: not reached by the end. docs/stats.md.\n"
    "Examples:\n"
    "  discosim stats scenarios/partition-heal-rejoin.yaml --seeds 1000\n"
    "  discosim stats FILE --seeds 10000 --jobs 8 --format csv > rates.csv\n"
    "  discosim stats FILE --seeds 400 --report stats.html\n"
    "  discosim stats FILE --seeds 10000 --shard 2/4 --format json > s2.json   # on machine 2 of 4\n"
    "  discosim stats FILE --merge s1.json s2.json s3.json s4.json             # as one run";

constexpr const char kSweepHelp[] =
    "Run `stats` at every point of a grid of one or two settings, and plot a figure\n"
    "(p50 line, p50-p90 and p90-p99 bands) against the first. KEY is a key path of the\n"
    "file (defaults.net_ticktime, backend.latency, backend.error_rate,\n"
    "backend.crash_rate, join_lock, cets.check_merge, nodes[0].count, ...), `nodes`\n"
    "(the count of the file's node template) or `tables` (a number N: tables t1..tN).\n"
    "VALUES: a,b,c (YAML values; commas inside [] and {} do not split) or a range\n"
    "A..B or A..B:STEP. docs/stats.md.\n"
    "Examples:\n"
    "  discosim sweep FILE --vary nodes=2..20:2 --seeds 20 --plot cold-start.svg\n"
    "  discosim sweep FILE --vary nodes=2,4,8 --vary 'join_lock={},{wait: sleep}' --seeds 10\n"
    "  discosim sweep FILE --vary defaults.net_ticktime=10s,20s,60s --figure 'ready after heal at 4m'\n"
    "  discosim sweep FILE --vary backend.error_rate=0,0.1,0.5 --format csv > sweep.csv";

void AddCommon(CLI::App& cmd, Commands::Common& c) {
  c.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cmd.add_option("FILE", c.file, "The scenario file")->required()->check(CLI::ExistingFile);
  cmd.add_option("--seeds", c.seeds, "Runs (per point), under seeds first-seed, first-seed + 1, ...")
      ->capture_default_str();
  cmd.add_option("--first-seed", c.first_seed, "The first seed")->capture_default_str();
  cmd.add_option("--jobs,-j", c.jobs, "Worker threads (default: all cores)");
  cmd.add_option("--shard", c.shard,
                 "K/M: run the runs i with i % M == K-1 (of all points), e.g. --shard 3/8 on the "
                 "third of eight machines; combine the shards' --format json with --merge")
      ->capture_default_str();
  cmd.add_option("--format", c.format, "text, json (with every run's record) or csv")
      ->check(CLI::IsMember({"text", "json", "csv"}))
      ->capture_default_str();
  cmd.add_option("--report", c.report_file,
                 "Also write a self-contained HTML page with the histograms (and, for sweep, the plots)");
  cmd.add_option("--merge", c.merge,
                 "Run nothing: combine the --format json outputs of every shard of one batch "
                 "(same file and arguments) and report them as one");
  cmd.add_option("--max-events", c.max_events, "Stop a run after this many events (counted as stopped)")
      ->capture_default_str()
      ->group("Limits");
  cmd.add_option("--max-virtual-time", c.max_virtual_time,
                 "Stop a run whose virtual clock would pass this (counted as stopped)")
      ->capture_default_str()
      ->group("Limits");
  cmd.add_option("--max-nodes", c.max_nodes, "Refuse files declaring more nodes")
      ->capture_default_str()
      ->group("Limits");
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) std::cerr << path << ": cannot write\n";
  return static_cast<bool>(out);
}

// The batch the flags ask for; an error message names the flag.
absl::StatusOr<BatchOptions> BatchOf(const Commands::Common& c, const std::string& label) {
  BatchOptions o;
  absl::StatusOr<fuzz::Shard> shard = fuzz::ParseShard(c.shard);
  if (!shard.ok()) return absl::InvalidArgumentError(absl::StrCat("--shard: ", std::string(shard.status().message())));
  if (c.seeds < 1) return absl::InvalidArgumentError("--seeds: must be 1 or more");
  if (c.first_seed > UINT64_MAX - (c.seeds - 1)) {
    return absl::InvalidArgumentError("--first-seed: the last seed would pass 2^64 - 1");
  }
  if (c.jobs < 1) return absl::InvalidArgumentError("--jobs: must be 1 or more");
  absl::StatusOr<int64_t> max_time_ms = scenario::ParseDurationMs(c.max_virtual_time);
  if (!max_time_ms.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--max-virtual-time: ", std::string(max_time_ms.status().message())));
  }
  o.first_seed = c.first_seed;
  o.seeds = c.seeds;
  o.jobs = c.jobs;
  o.shard = *shard;
  o.progress = isatty(STDERR_FILENO) != 0;
  o.label = label;
  o.limits.max_events = c.max_events;
  o.limits.max_time_ms = *max_time_ms;
  return o;
}

// One shard's part of a batch, as read from its JSON.
struct ShardPart {
  fuzz::Shard shard;
  uint64_t first_seed = 0;
  uint64_t seeds = 0;
  std::vector<RunRecord> records;
};

absl::StatusOr<nlohmann::json> ReadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not JSON: ", e.what()));
  }
}

// The part of one shard in a stats report (or a sweep point's `stats`/`records`).
absl::StatusOr<ShardPart> PartOf(const nlohmann::json& stats, const nlohmann::json& records, const Plan& plan,
                                 const std::string& where) {
  ShardPart part;
  try {
    absl::StatusOr<fuzz::Shard> shard = fuzz::ParseShard(stats.at("shard").get<std::string>());
    if (!shard.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": shard ", std::string(shard.status().message())));
    part.shard = *shard;
    part.first_seed = stats.at("first_seed").get<uint64_t>();
    part.seeds = stats.at("seeds").get<uint64_t>();
    if (stats.at("scenario").get<std::string>() != plan.scenario.name) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": it is a report of scenario \"",
                                                     stats.at("scenario").get<std::string>(), "\", not \"",
                                                     plan.scenario.name, "\""));
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": not a discosim stats report: ", e.what()));
  }
  absl::StatusOr<std::vector<RunRecord>> parsed = RecordsFromJson(records, plan);
  if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", std::string(parsed.status().message())));
  part.records = std::move(*parsed);
  return part;
}

// The shards together: one batch, every shard once, every seed once.
absl::StatusOr<ShardPart> Combine(std::vector<ShardPart> parts) {
  ShardPart whole;
  whole.first_seed = parts.front().first_seed;
  whole.seeds = parts.front().seeds;
  const int count = parts.front().shard.count;
  std::set<int> shards;
  std::set<uint64_t> seeds;
  for (ShardPart& p : parts) {
    if (p.first_seed != whole.first_seed || p.seeds != whole.seeds || p.shard.count != count) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--merge: the reports are of different batches (seeds ", p.first_seed, "+", p.seeds, " of shard ",
          p.shard.index, "/", p.shard.count, " against ", whole.first_seed, "+", whole.seeds, " of M = ", count, ")"));
    }
    if (!shards.insert(p.shard.index).second) {
      return absl::InvalidArgumentError(absl::StrCat("--merge: shard ", p.shard.index, "/", count, " is given twice"));
    }
    for (RunRecord& r : p.records) {
      if (!seeds.insert(r.seed).second) {
        return absl::InvalidArgumentError(absl::StrCat("--merge: seed ", r.seed, " is in two reports"));
      }
      whole.records.push_back(std::move(r));
    }
  }
  if (static_cast<int>(shards.size()) != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("--merge: ", shards.size(), " of the ", count, " shards given; give every shard's report"));
  }
  std::sort(whole.records.begin(), whole.records.end(),
            [](const RunRecord& a, const RunRecord& b) { return a.seed < b.seed; });
  return whole;
}

// The shards' stats reports (--merge) as one batch.
absl::StatusOr<ShardPart> MergeStats(const std::vector<std::string>& files, const Plan& plan) {
  std::vector<ShardPart> parts;
  for (const std::string& path : files) {
    absl::StatusOr<nlohmann::json> j = ReadJson(path);
    if (!j.ok()) return j.status();
    absl::StatusOr<ShardPart> part = PartOf(*j, j->value("records", nlohmann::json()), plan, path);
    if (!part.ok()) return part.status();
    parts.push_back(std::move(*part));
  }
  return Combine(std::move(parts));
}

// The stats of `records`, with the batch they came from.
Stats StatsOf(const Plan& plan, const std::vector<RunRecord>& records, uint64_t first_seed, uint64_t seeds,
              fuzz::Shard shard) {
  Stats s = Aggregate(plan, records);
  s.first_seed = first_seed;
  s.seeds = seeds;
  s.shard = shard;
  return s;
}

int RunStats(const Commands::Common& c) {
  absl::StatusOr<BatchOptions> batch = BatchOf(c, "stats");
  if (!batch.ok()) {
    std::cerr << batch.status().message() << "\n";
    return kInvalid;
  }
  scenario::ScenarioLimits limits;
  limits.max_nodes = c.max_nodes;
  absl::StatusOr<scenario::Scenario> loaded = scenario::LoadScenarioFile(c.file, limits);
  if (!loaded.ok()) {
    std::cerr << loaded.status().message() << "\n";
    return kInvalid;
  }
  const Plan plan = PlanFor(*loaded);
  std::vector<RunRecord> records;
  Stats stats;
  if (!c.merge.empty()) {
    absl::StatusOr<ShardPart> whole = MergeStats(c.merge, plan);
    if (!whole.ok()) {
      std::cerr << whole.status().message() << "\n";
      return kInvalid;
    }
    records = std::move(whole->records);
    stats = StatsOf(plan, records, whole->first_seed, whole->seeds, {});
  } else {
    records = RunBatch({&plan}, *batch, std::cerr).front();
    stats = StatsOf(plan, records, batch->first_seed, batch->seeds, batch->shard);
  }
  const OutputFormat format = *OutputFormatNamed(c.format);
  if (format == OutputFormat::kText) std::cout << TextReport(stats);
  if (format == OutputFormat::kJson) std::cout << JsonReport(stats, records);
  if (format == OutputFormat::kCsv) std::cout << CsvHeader({}) << CsvRows(stats, {});
  std::cout << std::flush;
  if (!c.report_file.empty() && !WriteFile(c.report_file, StatsHtml(stats))) return kCannotWrite;
  return kOk;
}

// The figure names of a plan, for --figure's message.
std::string FigureNames(const Plan& plan) {
  std::string names;
  for (const TimeFigure& t : plan.times) absl::StrAppend(&names, names.empty() ? "" : ", ", "\"", t.name, "\"");
  for (const char* c : kCountNames) absl::StrAppend(&names, ", \"", c, "\"");
  return names;
}

bool PlanHasFigure(const Plan& plan, const std::string& name) {
  return std::any_of(plan.times.begin(), plan.times.end(), [&](const TimeFigure& t) { return t.name == name; }) ||
         std::any_of(std::begin(kCountNames), std::end(kCountNames), [&](const char* c) { return name == c; });
}

// Each point's records from the shards' sweep reports (--merge).
absl::StatusOr<std::vector<ShardPart>> MergeSweep(const std::vector<std::string>& files,
                                                  const std::vector<Plan>& plans) {
  std::vector<std::vector<ShardPart>> by_point(plans.size());
  for (const std::string& path : files) {
    absl::StatusOr<nlohmann::json> j = ReadJson(path);
    if (!j.ok()) return j.status();
    if (!j->contains("points") || !(*j)["points"].is_array() || (*j)["points"].size() != plans.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a report of this sweep (", plans.size(), " points)"));
    }
    for (size_t p = 0; p < plans.size(); ++p) {
      const nlohmann::json& point = (*j)["points"][p];
      absl::StatusOr<ShardPart> part =
          PartOf(point.value("stats", nlohmann::json()), point.value("records", nlohmann::json()), plans[p],
                 absl::StrCat(path, ": point ", p));
      if (!part.ok()) return part.status();
      by_point[p].push_back(std::move(*part));
    }
  }
  std::vector<ShardPart> wholes;
  for (size_t p = 0; p < plans.size(); ++p) {
    absl::StatusOr<ShardPart> whole = Combine(std::move(by_point[p]));
    if (!whole.ok()) return whole.status();
    wholes.push_back(std::move(*whole));
  }
  return wholes;
}

// The sweep's points and their plans, or why not (printed).
bool SweepPlans(const Commands::Common& c, const Commands::SweepFlags& f, std::vector<Axis>& axes,
                std::vector<Point>& grid, std::vector<Plan>& plans) {
  if (f.vary.empty() || f.vary.size() > 2) {
    std::cerr << "--vary: give one or two, like --vary nodes=2,4,8 (--vary KEY=VALUES)\n";
    return false;
  }
  for (const std::string& v : f.vary) {
    absl::StatusOr<Axis> axis = ParseAxis(v);
    if (!axis.ok()) {
      std::cerr << axis.status().message() << "\n";
      return false;
    }
    axes.push_back(std::move(*axis));
  }
  scenario::ScenarioLimits limits;
  limits.max_nodes = c.max_nodes;
  absl::StatusOr<std::vector<Point>> built = BuildGrid(c.file, axes, limits);
  if (!built.ok()) {
    std::cerr << built.status().message() << "\n";
    return false;
  }
  grid = std::move(*built);
  for (const Point& p : grid) plans.push_back(PlanFor(p.scenario));
  return true;
}

int WriteSweep(const Commands::Common& c, const Commands::SweepFlags& f, const SweepResult& result,
               const std::string& figure) {
  const OutputFormat format = *OutputFormatNamed(c.format);
  if (format == OutputFormat::kText) std::cout << SweepText(result, figure);
  if (format == OutputFormat::kJson) std::cout << SweepJson(result);
  if (format == OutputFormat::kCsv) std::cout << SweepCsv(result);
  std::cout << std::flush;
  if (!f.plot_file.empty()) {
    const PlotSpec spec = PlotSpecFor(result, figure, f.log_y);
    if (!WriteFile(f.plot_file, SvgPlot(spec, SeriesOf(result, figure)))) return kCannotWrite;
  }
  if (!c.report_file.empty() && !WriteFile(c.report_file, SweepHtml(result, figure, f.log_y))) return kCannotWrite;
  return kOk;
}

int RunSweep(const Commands::Common& c, const Commands::SweepFlags& f) {
  absl::StatusOr<BatchOptions> batch = BatchOf(c, "sweep");
  if (!batch.ok()) {
    std::cerr << batch.status().message() << "\n";
    return kInvalid;
  }
  std::vector<Axis> axes;
  std::vector<Point> grid;
  std::vector<Plan> plans;
  if (!SweepPlans(c, f, axes, grid, plans)) return kInvalid;
  const std::string figure = !f.figure.empty() ? f.figure
                             : PlanHasFigure(plans[0], "converged") ? "converged" : "ready";
  for (const Plan& plan : plans) {
    if (!PlanHasFigure(plan, figure)) {
      std::cerr << "--figure: no figure \"" << figure << "\" at every point; the figures are " << FigureNames(plan) << "\n";
      return kInvalid;
    }
  }
  SweepResult result{c.file, axes, {}, {}, {}};
  for (const Point& p : grid) result.values.push_back(p.values);
  if (!c.merge.empty()) {
    absl::StatusOr<std::vector<ShardPart>> wholes = MergeSweep(c.merge, plans);
    if (!wholes.ok()) {
      std::cerr << wholes.status().message() << "\n";
      return kInvalid;
    }
    for (size_t p = 0; p < plans.size(); ++p) {
      result.stats.push_back(StatsOf(plans[p], (*wholes)[p].records, (*wholes)[p].first_seed, (*wholes)[p].seeds, {}));
      result.records.push_back(std::move((*wholes)[p].records));
    }
  } else {
    std::vector<const Plan*> views;
    for (const Plan& plan : plans) views.push_back(&plan);
    result.records = RunBatch(views, *batch, std::cerr);
    for (size_t p = 0; p < plans.size(); ++p) {
      result.stats.push_back(StatsOf(plans[p], result.records[p], batch->first_seed, batch->seeds, batch->shard));
    }
  }
  return WriteSweep(c, f, result, figure);
}

}  // namespace

Commands::Commands(CLI::App& app) {
  stats_ = app.add_subcommand("stats", kStatsHelp);
  AddCommon(*stats_, stats_flags_);
  sweep_ = app.add_subcommand("sweep", kSweepHelp);
  AddCommon(*sweep_, sweep_common_);
  sweep_->add_option("--vary", sweep_flags_.vary, "KEY=VALUES, once or twice (the second gives one line per value)")
      ->required()
      ->allow_extra_args(false);
  sweep_->add_option("--figure", sweep_flags_.figure,
                     "The figure to print and plot (default: converged, or ready without tables), e.g. "
                     "\"whole sessions\", \"events\", \"join lock attempts\"");
  sweep_->add_option("--plot", sweep_flags_.plot_file, "Write the plot of the figure as an SVG file");
  sweep_->add_flag("--log-y", sweep_flags_.log_y, "Plot times on a log scale");
}

std::optional<int> Commands::RunGiven() {
  if (stats_ != nullptr && *stats_) return RunStats(stats_flags_);
  if (sweep_ != nullptr && *sweep_) return RunSweep(sweep_common_, sweep_flags_);
  return std::nullopt;
}

}  // namespace discosim::stats
