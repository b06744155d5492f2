// Scenario -> scenario file text. One writer per part of the format; each
// writes exactly the keys the reader in sim/scenario/build_*.cc reads.
#include "sim/fuzz/yaml_writer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/overloaded.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/node_settings.h"

namespace discosim::fuzz {
namespace {

using namespace ::discosim::scenario;  // NOLINT: the writer names every struct of the model

std::string Dur(int64_t ms) { return FormatDurationMs(ms); }
// This Abseil has its own string_view; StrCat takes std::string_view only as a std::string.
std::string Str(std::string_view text) { return std::string(text); }
const char* Bool(bool value) { return value ? "true" : "false"; }

// A probability in the shortest text that reads back as the same double.
std::string Number(double value) {
  std::array<char, 64> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  std::string text(buffer.data(), end);
  // The reader takes YAML ints and floats; "1e-05" is a float to it, and a
  // bare exponent without a dot is spelled with one to be safe.
  if (text.find('e') != std::string::npos && text.find('.') == std::string::npos) {
    text.insert(text.find('e'), ".0");
  }
  return text;
}

std::string List(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const std::string& item : items) out.push_back(YamlString(item));
  return "[" + absl::StrJoin(out, ", ") + "]";
}

std::string Pairs(const std::vector<NodePair>& pairs) {
  std::vector<std::string> out;
  for (const NodePair& p : pairs) out.push_back(List({p.first, p.second}));
  return "[" + absl::StrJoin(out, ", ") + "]";
}

std::string Selection(const NodeSelection& selection) {
  return selection.kind == NodeSelection::Kind::kAll ? "all" : List(selection.listed);
}

std::string Latency(const LatencyRange& latency) {
  if (latency.min_ms == latency.max_ms) return Dur(latency.min_ms);
  return absl::StrCat("[", Dur(latency.min_ms), ", ", Dur(latency.max_ms), "]");
}

// "key: value" entries of a backend override, in the reader's key order.
std::vector<std::string> BackendEntries(const BackendOverrides& b) {
  std::vector<std::string> entries;
  if (b.nodes) entries.push_back("nodes: " + List(*b.nodes));
  if (b.latency) entries.push_back("latency: " + Latency(*b.latency));
  if (b.error_rate) entries.push_back("error_rate: " + Number(*b.error_rate));
  if (b.crash_rate) entries.push_back("crash_rate: " + Number(*b.crash_rate));
  return entries;
}

// "key: value" entries of the settings keys `written` (a key name), in the
// table's order, then `host`.
template <typename Written>
std::vector<std::string> SettingsEntries(const NodeSettings& settings,
                                         const std::optional<std::string>& host, Written written) {
  std::vector<std::string> e;
  for (const NodeSettingKey& row : NodeSettingKeys()) {
    if (written(row)) e.push_back(absl::StrCat(Str(row.key), ": ", row.write(settings)));
  }
  if (host) e.push_back("host: " + YamlString(*host));
  return e;
}

// A node's entries: the keys written on it.
std::vector<std::string> SettingsEntries(const Node& node) {
  return SettingsEntries(node.settings, node.settings_keys.contains("host") ? node.host : std::nullopt,
                         [&](const NodeSettingKey& row) {
                           return node.settings_keys.contains(std::string(row.key));
                         });
}

// The defaults' entries: the keys whose value differs from the built-in one.
std::vector<std::string> DefaultsEntries(const Scenario& s) {
  const NodeSettings built_in;
  return SettingsEntries(s.defaults, s.default_host, [&](const NodeSettingKey& row) {
    return !row.same(s.defaults, built_in);
  });
}

std::string FlowMap(const std::vector<std::string>& entries) {
  return "{" + absl::StrJoin(entries, ", ") + "}";
}

std::string NodeLine(const Node& node) {
  std::vector<std::string> e = {"name: " + YamlString(node.name)};
  if (node.start == StartMode::kNever) {
    e.push_back("start: false");
  } else if (node.start_at_ms != 0) {
    e.push_back("start_at: " + Dur(node.start_at_ms));
  }
  const DnsEntry default_entry =
      node.start == StartMode::kNever ? DnsEntry::kUnresolvable : DnsEntry::kResolvable;
  if (node.dns_entry != default_entry) {
    e.push_back(absl::StrCat("resolvable: ", Bool(node.dns_entry == DnsEntry::kResolvable)));
  }
  for (std::string& entry : SettingsEntries(node)) e.push_back(std::move(entry));
  if (node.tables_override) e.push_back("tables: " + List(*node.tables_override));
  if (node.backend_override) {
    std::vector<std::string> b = BackendEntries(*node.backend_override);
    if (!b.empty()) e.push_back("backend: " + FlowMap(b));
  }
  return "  - " + FlowMap(e) + "\n";
}

std::string MessageText(const RawMessage& m) {
  switch (m.kind) {
    case RawMessage::Kind::kCheck:
    case RawMessage::Kind::kEnterRegularPhase:
    case RawMessage::Kind::kUnknown:
      return std::string(Str(ToString(m.kind)));
    case RawMessage::Kind::kNodeup:
    case RawMessage::Kind::kNodedown:
      return absl::StrCat("{", Str(ToString(m.kind)), ": ", YamlString(m.node), "}");
    case RawMessage::Kind::kPingResult:
      return absl::StrCat("{ping_result: {node: ", YamlString(m.node),
                          ", result: ", Str(ToString(m.outcome)), "}}");
  }
  return "check";
}

// The value written after the action's key.
std::string ActionValue(const Action& action) {
  return std::visit(
      Overloaded{
          [](const world::action::Start& a) { return List(a.nodes); },
          [](const world::action::Stop& a) { return List(a.nodes); },
          [](const world::action::Restart& a) { return List(a.nodes); },
          [](const world::action::Partition& a) {
            std::vector<std::string> groups;
            for (const auto& group : a.groups) groups.push_back(List(group));
            return "[" + absl::StrJoin(groups, ", ") + "]";
          },
          [](const world::action::Cut& a) { return Pairs(a.links); },
          [](const HealAction& a) {
            return a.scope == HealAction::Scope::kAll ? std::string("all") : Pairs(a.links);
          },
          [](const world::action::Disconnect& a) { return Pairs(a.links); },
          [](const DnsAction& a) {
            std::vector<std::string> e = {"node: " + YamlString(a.node)};
            if (a.delay_ms) e.push_back("delay: " + Dur(*a.delay_ms));
            if (a.outcome) e.push_back(absl::StrCat("fail: ", Bool(*a.outcome == DnsAnswer::kFails)));
            return FlowMap(e);
          },
          [](const world::action::SlowConnect& a) {
            return FlowMap({"node: " + YamlString(a.node), "delay: " + Dur(a.delay_ms)});
          },
          [&](const BackendAction& a) {
            std::vector<std::string> e;
            if (a.node) e.push_back("node: " + YamlString(*a.node));
            for (std::string& entry : BackendEntries(a.changes)) e.push_back(std::move(entry));
            return FlowMap(e);
          },
          [](const BackendFailAction& a) {
            std::vector<std::string> e;
            if (a.node) e.push_back("node: " + YamlString(*a.node));
            if (a.kind == BackendFailAction::Kind::kCount) {
              e.push_back(absl::StrCat("count: ", a.count));
            } else {
              e.push_back("until: " + Dur(a.until_ms));
            }
            return FlowMap(e);
          },
          [](const world::action::AddTable& a) {
            return FlowMap({"node: " + YamlString(a.node), "table: " + YamlString(a.table)});
          },
          [](const world::action::DeleteTable& a) {
            return FlowMap({"node: " + YamlString(a.node), "table: " + YamlString(a.table)});
          },
          [](const world::action::BackendCrash& a) { return FlowMap({"node: " + YamlString(a.node)}); },
          [](const SendAction& a) {
            return FlowMap({"node: " + YamlString(a.node), "message: " + MessageText(a.message)});
          },
          [](const world::action::Call& a) {
            std::vector<std::string> e = {"node: " + YamlString(a.node),
                                          absl::StrCat("request: ", Str(ToString(a.request))),
                                          "timeout: " + Dur(a.timeout_ms)};
            if (!a.id.empty()) e.push_back("id: " + YamlString(a.id));
            return FlowMap(e);
          },
      },
      action);
}

std::vector<std::string> QualifierEntries(const Qualifier& qualifier) {
  return std::visit(
      Overloaded{
          [](const AtQualifier& q) { return std::vector<std::string>{"at: " + Dur(q.at_ms)}; },
          [](const ByQualifier& q) {
            std::vector<std::string> e = {"by: " + Dur(q.by_ms)};
            if (q.from_ms != 0) e.push_back("from: " + Dur(q.from_ms));
            return e;
          },
          [](const AlwaysQualifier& q) {
            std::vector<std::string> e = {"always: true"};
            if (q.from_ms != 0) e.push_back("from: " + Dur(q.from_ms));
            if (q.until_ms) e.push_back("until: " + Dur(*q.until_ms));
            return e;
          },
          [](const NeverQualifier& q) {
            std::vector<std::string> e = {"never: true"};
            if (q.from_ms != 0) e.push_back("from: " + Dur(q.from_ms));
            if (q.until_ms) e.push_back("until: " + Dur(*q.until_ms));
            return e;
          },
          [](const AfterHealQualifier& q) {
            return std::vector<std::string>{"after_heal: " + Dur(q.within_ms)};
          },
      },
      qualifier);
}

std::string InfoValue(const InfoCondition& c) {
  std::vector<std::string> e = {"node: " + YamlString(c.node)};
  auto add = [&](const char* key, auto value) { e.push_back(absl::StrCat(key, ": ", value)); };
  if (c.phase) add("phase", Str(ToString(*c.phase)));
  if (c.retry_type) add("retry_type", Str(ToString(*c.retry_type)));
  if (c.last_get_nodes_retry_type) add("last_get_nodes_retry_type", Str(ToString(*c.last_get_nodes_retry_type)));
  if (c.get_nodes_status) add("get_nodes_status", Str(ToString(*c.get_nodes_status)));
  if (c.join_status) add("join_status", Str(ToString(*c.join_status)));
  if (c.should_retry_get_nodes) add("should_retry_get_nodes", Bool(*c.should_retry_get_nodes));
  if (c.should_retry_join) add("should_retry_join", Bool(*c.should_retry_join));
  if (c.nodes) add("nodes", List(*c.nodes));
  if (c.unavailable_nodes) add("unavailable_nodes", List(*c.unavailable_nodes));
  if (c.tables) add("tables", List(*c.tables));
  if (c.verify_ready) {
    std::vector<std::string> kinds;
    for (MissingTaskKind kind : *c.verify_ready) kinds.emplace_back(Str(ToString(kind)));
    add("verify_ready", "[" + absl::StrJoin(kinds, ", ") + "]");
  }
  if (c.last_get_nodes_result) add("last_get_nodes_result", Str(ToString(*c.last_get_nodes_result)));
  return FlowMap(e);
}

std::string LogValue(const LogCondition& c) {
  std::vector<std::string> e = {"node: " + YamlString(c.node)};
  if (c.what) e.push_back("what: " + YamlString(*c.what));
  if (!c.fields.empty()) {
    // Under `fields:` a field name never collides with the condition's keys.
    std::vector<std::string> fields;
    for (const LogField& f : c.fields) {
      std::string value = std::holds_alternative<int64_t>(f.value)
                              ? absl::StrCat(std::get<int64_t>(f.value))
                              : YamlQuoted(std::get<std::string>(f.value));
      fields.push_back(f.name + ": " + value);
    }
    e.push_back("fields: " + FlowMap(fields));
  }
  if (!c.has.empty()) e.push_back("has: " + List(c.has));
  if (c.count) e.push_back(absl::StrCat("count: ", *c.count));
  return FlowMap(e);
}

std::string ConditionValue(const Condition& condition) {
  return std::visit(
      Overloaded{
          [](const ReadyCondition& c) { return Selection(c.nodes); },
          [](const JoinedCondition& c) {
            return FlowMap({"table: " + YamlString(c.table),
                            absl::StrCat(c.match == ClusterMatch::kExactly ? "nodes" : "includes",
                                         ": ", Selection(c.nodes))});
          },
          [](const InfoCondition& c) { return InfoValue(c); },
          [](const ReplyCondition& c) {
            std::string result;
            switch (c.result.kind) {
              case ReplyResult::Kind::kOk: result = "ok"; break;
              case ReplyResult::Kind::kTimeout: result = "timeout"; break;
              case ReplyResult::Kind::kExit: result = "exit"; break;
              case ReplyResult::Kind::kTables: result = List(c.result.tables); break;
            }
            return FlowMap({"id: " + YamlString(c.call_id), "result: " + result});
          },
          [](const ConnectedCondition& c) { return Pairs(c.pairs); },
          [](const DisconnectedCondition& c) { return Pairs(c.pairs); },
          [](const GetNodesCallsCondition& c) {
            if (c.kind == GetNodesCallsCondition::Kind::kCount) {
              return FlowMap({"node: " + YamlString(c.node), absl::StrCat("count: ", c.count)});
            }
            std::vector<std::string> times;
            for (int64_t t : c.times_ms) times.push_back(Dur(t));
            return FlowMap({"node: " + YamlString(c.node),
                            "times: [" + absl::StrJoin(times, ", ") + "]"});
          },
          [](const LogCondition& c) { return LogValue(c); },
          [](const NoOverlappingPartitionsCondition&) { return std::string("true"); },
          [](const ClusterMembersConnectedCondition&) { return std::string("true"); },
      },
      condition);
}

// A folded block (`>-`) for prose: reads back as the same one-line text.
// Only for text that is printable ASCII without runs of spaces at its ends.
bool FoldsCleanly(std::string_view text) {
  if (text.empty() || text.front() == ' ' || text.back() == ' ') return false;
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return text.find("  ") == std::string_view::npos;
}

std::string Folded(std::string_view text, size_t width) {
  std::string out = ">-\n";
  std::string line;
  size_t start = 0;
  while (start <= text.size()) {
    size_t space = text.find(' ', start);
    std::string_view word = text.substr(start, space == std::string_view::npos ? text.npos : space - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      absl::StrAppend(&out, "  ", line, "\n");
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  absl::StrAppend(&out, "  ", line, "\n");
  return out;
}

}  // namespace

std::string YamlString(std::string_view text) {
  static constexpr std::string_view kReserved[] = {"y",   "n",     "yes",  "no",   "on", "off",
                                                   "true", "false", "null", "none"};
  bool plain = !text.empty() && (absl::ascii_isalpha(static_cast<unsigned char>(text.front())) ||
                                 text.front() == '_');
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!(absl::ascii_isalnum(u) || c == '_' || c == '@' || c == '.' || c == '-')) plain = false;
  }
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  for (std::string_view word : kReserved) {
    if (lower == word) plain = false;
  }
  return plain ? std::string(text) : YamlQuoted(text);
}

std::string YamlQuoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;  // UTF-8 bytes pass through
        }
    }
  }
  return out + "\"";
}

std::string WriteScenarioYaml(const Scenario& s) {
  std::string out = "name: " + YamlString(s.name) + "\n";
  if (!s.description.empty()) {
    out += "description: ";
    out += FoldsCleanly(s.description) ? Folded(s.description, 76) : YamlQuoted(s.description) + "\n";
  }
  absl::StrAppend(&out, "seed: ", s.seed, "\n");
  absl::StrAppend(&out, "duration: ", Dur(s.duration_ms), "\n");
  if (std::vector<std::string> d = DefaultsEntries(s); !d.empty()) {
    out += "defaults:\n";
    for (const std::string& entry : d) absl::StrAppend(&out, "  ", entry, "\n");
  }
  if (!s.tables.empty()) out += "tables: " + List(s.tables) + "\n";
  if (s.join_lock) {  // the calibrated join model
    const JoinLockOptions& lock = *s.join_lock;
    std::vector<std::string> j;
    if (lock.wait == world::LockWait::kSleep) {
      j.push_back("wait: sleep");
      j.push_back("sleep: " + Dur(lock.sleep_ms));
    }
    if (lock.backoff) j.push_back("backoff: " + Latency(*lock.backoff));
    if (lock.recheck_joined) j.push_back("recheck_joined: true");
    out += "join_lock: " + FlowMap(j) + "\n";
  }
  if (s.cets.check_merge) out += "cets: {check_merge: true}\n";
  if (!s.hosts.empty()) {
    out += "hosts:\n";
    for (const Host& host : s.hosts) {
      absl::StrAppend(&out, "  - {name: ", YamlString(host.name), ", cores: ", host.cores, "}\n");
    }
  }
  {
    BackendOverrides top;
    top.nodes = s.backend.nodes;
    if (!(s.backend.latency == LatencyRange{})) top.latency = s.backend.latency;
    if (s.backend.error_rate != 0.0) top.error_rate = s.backend.error_rate;
    if (s.backend.crash_rate != 0.0) top.crash_rate = s.backend.crash_rate;
    std::vector<std::string> b = BackendEntries(top);
    if (!b.empty()) {
      out += "backend:\n";
      for (const std::string& entry : b) absl::StrAppend(&out, "  ", entry, "\n");
    }
  }
  out += "nodes:\n";
  for (const Node& node : s.nodes) out += NodeLine(node);
  if (!s.timeline.empty()) {
    out += "timeline:\n";
    for (const TimelineStep& step : s.timeline) absl::StrAppend(&out, "  - ", StepYaml(step), "\n");
  }
  if (!s.expectations.empty()) {
    out += "expect:\n";
    for (const Expectation& e : s.expectations) absl::StrAppend(&out, "  - ", ExpectationYaml(e), "\n");
  }
  return out;
}

std::string ExpectationYaml(const Expectation& e) {
  std::vector<std::string> entries = QualifierEntries(e.qualifier);
  entries.push_back(absl::StrCat(Str(ConditionKey(e.condition)), ": ", ConditionValue(e.condition)));
  return FlowMap(entries);
}

std::string StepYaml(const TimelineStep& step) {
  return absl::StrCat("{at: ", Dur(step.at_ms), ", ", Str(ActionKey(step.action)), ": ",
                      ActionValue(step.action), "}");
}

}  // namespace discosim::fuzz
