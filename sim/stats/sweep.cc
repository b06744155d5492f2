// The sweep's grid (sweep.h).
#include "sim/stats/sweep.h"

#include <charconv>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/scenario/duration.h"

namespace discosim::stats {
namespace {

constexpr size_t kValuesMax = 1000;

std::string Trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::optional<int64_t> WholeNumber(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// `A..B` or `A..B:STEP`; none when `text` is not a range.
std::optional<std::vector<std::string>> Range(const std::string& text) {
  const size_t dots = text.find("..");
  if (dots == std::string::npos) return std::nullopt;
  const size_t colon = text.find(':', dots);
  std::optional<int64_t> from = WholeNumber(text.substr(0, dots));
  std::optional<int64_t> to = WholeNumber(text.substr(dots + 2, colon == std::string::npos ? std::string::npos : colon - dots - 2));
  std::optional<int64_t> step = colon == std::string::npos ? 1 : WholeNumber(text.substr(colon + 1));
  if (!from || !to || !step || *step < 1 || *to < *from) return std::nullopt;
  if ((*to - *from) / *step >= static_cast<int64_t>(kValuesMax)) return std::nullopt;
  std::vector<std::string> values;
  for (int64_t v = *from; v <= *to; v += *step) values.push_back(absl::StrCat(v));
  return values;
}

// Splits at the commas outside brackets, braces and quotes.
absl::StatusOr<std::vector<std::string>> SplitValues(const std::string& text) {
  std::vector<std::string> values;
  std::string current;
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      values.push_back(Trim(current));
      current.clear();
      continue;
    }
    current += c;
  }
  values.push_back(Trim(current));
  for (const std::string& v : values) {
    if (v.empty()) return absl::InvalidArgumentError("an empty value; write the values between commas");
  }
  if (depth != 0 || quote != 0) {
    return absl::InvalidArgumentError("a bracket, brace or quote is not closed");
  }
  return values;
}

// The key path `axis.key` stands for in `base`.
absl::StatusOr<std::string> PathOf(const Axis& axis, const scenario::Scenario& base) {
  if (axis.key != "nodes") return axis.key;
  std::set<size_t> templates;
  for (const scenario::Node& n : base.nodes) {
    if (n.template_item) templates.insert(*n.template_item);
  }
  if (templates.size() == 1) return absl::StrCat("nodes[", *templates.begin(), "].count");
  if (templates.empty()) {
    return absl::InvalidArgumentError(
        "--vary nodes changes the count of the file's node template, and the file has none; "
        "declare the nodes as a template (names: n{i}@h{i}, count: 3; docs/scenario-format.md)");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--vary nodes: the file has ", templates.size(), " node templates; name one, like --vary nodes[",
      *templates.begin(), "].count=2,4"));
}

// The YAML value `value` of the axis puts at its path.
std::string YamlValue(const Axis& axis, const std::string& value) {
  if (axis.key != "tables") return value;
  std::optional<int64_t> count = WholeNumber(value);
  if (!count || *count < 0 || *count > 100) return value;
  std::string list = "[";
  for (int64_t t = 1; t <= *count; ++t) absl::StrAppend(&list, t > 1 ? ", " : "", "t", t);
  return list + "]";
}

}  // namespace

absl::StatusOr<Axis> ParseAxis(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--vary ", text, ": expected KEY=VALUES, like nodes=2,4,8 or defaults.net_ticktime=10s,60s"));
  }
  Axis axis{Trim(text.substr(0, eq)), {}};
  const std::string values = text.substr(eq + 1);
  if (std::optional<std::vector<std::string>> range = Range(Trim(values))) {
    axis.values = std::move(*range);
    return axis;
  }
  absl::StatusOr<std::vector<std::string>> split = SplitValues(values);
  if (!split.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--vary ", text, ": ", std::string(split.status().message())));
  }
  if (split->size() > kValuesMax) {
    return absl::InvalidArgumentError(absl::StrCat("--vary ", text, ": more than ", kValuesMax, " values"));
  }
  axis.values = std::move(*split);
  return axis;
}

absl::StatusOr<std::vector<Point>> BuildGrid(const std::string& file, const std::vector<Axis>& axes,
                                             const scenario::ScenarioLimits& limits) {
  absl::StatusOr<scenario::Scenario> base = scenario::LoadScenarioFile(file, limits);
  if (!base.ok()) return base.status();
  std::vector<std::string> paths;
  for (const Axis& axis : axes) {
    absl::StatusOr<std::string> path = PathOf(axis, *base);
    if (!path.ok()) return path.status();
    paths.push_back(*path);
  }
  std::vector<std::vector<std::string>> combos = {{}};
  for (const Axis& axis : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& combo : combos) {
      for (const std::string& v : axis.values) {
        next.push_back(combo);
        next.back().push_back(v);
      }
    }
    combos = std::move(next);
  }
  std::vector<Point> points;
  for (const auto& combo : combos) {
    std::vector<scenario::ValueOverride> overrides;
    std::string given;
    for (size_t a = 0; a < axes.size(); ++a) {
      overrides.push_back({paths[a], YamlValue(axes[a], combo[a])});
      absl::StrAppend(&given, a ? " " : "", axes[a].key, "=", combo[a]);
    }
    absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(file, limits, overrides);
    if (!s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--vary ", given, ": ", std::string(s.status().message())));
    }
    points.push_back({combo, std::move(*s)});
  }
  return points;
}

std::optional<int64_t> NumericValue(const std::string& value) {
  if (std::optional<int64_t> n = WholeNumber(value)) return n;
  absl::StatusOr<int64_t> ms = scenario::ParseDurationMs(value);
  if (ms.ok()) return *ms;
  return std::nullopt;
}

}  // namespace discosim::stats
