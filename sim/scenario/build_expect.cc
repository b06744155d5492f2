// Reading `expect` (see build.h): each expectation is one time qualifier
// (with its optional window keys) and one condition.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <string_view>

#include "sim/scenario/build.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/text.h"

namespace discosim::scenario::internal {
namespace {

constexpr std::string_view kQualifiers[] = {"at", "by", "always", "never", "after_heal"};
constexpr std::string_view kConditions[] = {
    "ready",        "joined",          "info", "reply", "connected",
    "disconnected", "get_nodes_calls", "log",  "no_overlapping_partitions",
    "cluster_members_connected"};

std::string Quoted(std::string_view text) { return Cat("\"", text, "\""); }

// --- Qualifiers -----------------------------------------------------------

// `always: true` / `never: true` / `no_overlapping_partitions: true`: only
// true means anything.
bool ReadTrue(Reader& reader, const YamlNode& node, std::string_view path,
              std::string_view if_false) {
  std::optional<bool> value = ReadBool(reader, node, path);
  if (value && !*value) reader.Error(node.position, path, if_false);
  return value.value_or(false);
}

// The window of always/never: [from, until].
struct Window {
  int64_t from_ms = 0;
  std::optional<int64_t> until_ms;
};

std::optional<Window> ReadWindow(Reader& reader, const MapReader& map) {
  Window window;
  bool ok = true;
  if (const YamlNode* from = map.Find("from")) {
    std::optional<int64_t> from_ms = ReadTime(reader, *from, map.PathOf("from"));
    ok = from_ms.has_value();
    window.from_ms = from_ms.value_or(0);
  }
  if (const YamlNode* until = map.Find("until")) {
    window.until_ms = ReadTime(reader, *until, map.PathOf("until"));
    ok = ok && window.until_ms.has_value();
    if (ok && *window.until_ms < window.from_ms) {
      reader.Error(until->position, map.PathOf("until"),
                   Cat("until (", FormatDurationMs(*window.until_ms),
                                ") is before from (", FormatDurationMs(window.from_ms), ")"));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return window;
}

std::optional<Qualifier> ReadQualifierValue(Reader& reader, const MapReader& map,
                                            std::string_view key) {
  const YamlNode& value = *map.Find(key);
  std::string path = map.PathOf(key);
  if (key == "at") {
    std::optional<int64_t> at_ms = ReadTime(reader, value, path);
    if (!at_ms) return std::nullopt;
    return AtQualifier{*at_ms};
  }
  if (key == "by") {
    std::optional<int64_t> by_ms = ReadTime(reader, value, path);
    std::optional<int64_t> from_ms = 0;
    if (const YamlNode* from = map.Find("from")) {
      from_ms = ReadTime(reader, *from, map.PathOf("from"));
      if (from_ms && by_ms && *from_ms > *by_ms) {
        reader.Error(from->position, map.PathOf("from"),
                     Cat("from (", FormatDurationMs(*from_ms), ") is after by (",
                                  FormatDurationMs(*by_ms), ")"));
        from_ms.reset();
      }
    }
    if (!by_ms || !from_ms) return std::nullopt;
    return ByQualifier{*by_ms, *from_ms};
  }
  if (key == "always" || key == "never") {
    bool is_true =
        ReadTrue(reader, value, path,
                 key == "always" ? "always takes only true; for the opposite write never: true"
                                 : "never takes only true; for the opposite write always: true");
    std::optional<Window> window = ReadWindow(reader, map);
    if (!is_true || !window) return std::nullopt;
    if (key == "always") return AlwaysQualifier{window->from_ms, window->until_ms};
    return NeverQualifier{window->from_ms, window->until_ms};
  }
  // after_heal: a duration after the last fault is removed (not a time).
  std::optional<int64_t> within_ms = ReadDuration(reader, value, path);
  if (!within_ms) return std::nullopt;
  return AfterHealQualifier{*within_ms};
}

// Exactly one qualifier; `from`/`until` only where they mean something.
std::optional<Qualifier> ReadQualifier(Reader& reader, const MapReader& map, const YamlNode& item,
                                       const std::string& path) {
  std::vector<const YamlEntry*> given;
  for (const YamlEntry* entry : map.entries()) {
    if (std::find(std::begin(kQualifiers), std::end(kQualifiers), entry->key) !=
        std::end(kQualifiers)) {
      given.push_back(entry);
    }
  }
  if (given.empty()) {
    reader.Error(item.position, path,
                 "no time qualifier; give exactly one of at, by, always, never, after_heal");
    return std::nullopt;
  }
  if (given.size() > 1) {
    reader.Error(given[1]->key_position, map.PathOf(given[1]->key),
                 Cat("two time qualifiers (", given[0]->key, " and ", given[1]->key,
                              "); give exactly one"));
    return std::nullopt;
  }
  std::string_view key = given[0]->key;
  bool ok = true;
  if (map.Find("from") && key != "by" && key != "always" && key != "never") {
    reader.Error(map.KeyPosition("from"), map.PathOf("from"),
                 Cat("from goes with by, always or never, not with ", key));
    ok = false;
  }
  if (map.Find("until") && key != "always" && key != "never") {
    reader.Error(map.KeyPosition("until"), map.PathOf("until"),
                 Cat("until goes with always or never, not with ", key));
    ok = false;
  }
  std::optional<Qualifier> qualifier = ReadQualifierValue(reader, map, key);
  if (!ok) return std::nullopt;
  return qualifier;
}

// --- Conditions -----------------------------------------------------------

// A list of strings (table names, field names), none twice. Unlike
// ReadTableList, names here are expected values, not declarations.
std::optional<std::vector<std::string>> ReadNames(Reader& reader, const YamlNode& node,
                                                  std::string_view path, std::string_view what) {
  const std::vector<YamlNode>* items = ReadList(reader, node, path);
  if (items == nullptr) return std::nullopt;
  std::vector<std::string> names;
  std::set<std::string_view> seen;
  bool ok = true;
  for (const YamlNode& item : *items) {
    std::optional<std::string> name = ReadString(reader, item, path, what);
    if (name && !seen.insert(item.text).second) {
      reader.Error(item.position, path, Cat(Quoted(*name), " is listed twice"));
      name.reset();
    }
    if (name) names.push_back(*name);
    ok = ok && name;
  }
  if (!ok) return std::nullopt;
  return names;
}

std::optional<Condition> ReadReady(Reader& reader, const YamlNode& value, const std::string& path) {
  std::optional<NodeSelection> nodes = ReadNodeSelection(reader, value, path);
  if (!nodes) return std::nullopt;
  return ReadyCondition{std::move(*nodes)};
}

std::optional<Condition> ReadJoined(Reader& reader, const YamlNode& value, const std::string& path) {
  constexpr std::string_view kKeys[] = {"table", "nodes", "includes"};
  std::optional<MapReader> map = MapReader::Open(reader, value, path, kKeys);
  if (!map) return std::nullopt;
  JoinedCondition condition;
  bool ok = true;
  if (const YamlNode* table = map->Require("table")) {
    std::optional<std::string> name = ReadString(reader, *table, map->PathOf("table"), "a table name");
    if (name && !reader.IsKnownTable(*name)) {
      std::vector<std::string_view> known = reader.known_tables();
      std::string hint = DidYouMean(*name, known);
      reader.Error(table->position, map->PathOf("table"),
                   Cat("unknown table ", Quoted(*name), "; ",
                                hint.empty() ? "no node has it (tables come from `tables`, a "
                                               "node's `tables` or an add_table step)"
                                             : hint));
      name.reset();
    }
    if (name) condition.table = *name;
    ok = name.has_value();
  } else {
    ok = false;
  }
  const YamlNode* nodes = map->Find("nodes");
  const YamlNode* includes = map->Find("includes");
  if ((nodes == nullptr) == (includes == nullptr)) {
    reader.Error(nodes ? map->KeyPosition("includes") : value.position, path,
                 nodes ? "give nodes (exactly these) or includes (at least these), not both"
                       : "give nodes (the cluster is exactly these) or includes (it contains "
                         "at least these)");
    return std::nullopt;
  }
  condition.match = nodes ? ClusterMatch::kExactly : ClusterMatch::kIncludes;
  std::optional<NodeSelection> selection =
      ReadNodeSelection(reader, nodes ? *nodes : *includes, map->PathOf(nodes ? "nodes" : "includes"));
  if (!selection || !ok) return std::nullopt;
  condition.nodes = std::move(*selection);
  return condition;
}

// Reads one system_info field of `info` into `condition`; false on a mistake.
bool ReadInfoField(Reader& reader, const YamlEntry& entry, const std::string& path,
                   InfoCondition& condition) {
  const YamlNode& v = entry.value;
  const std::string& key = entry.key;
  auto set = [](auto& field, auto value) {
    field = value;
    return value.has_value();
  };
  const std::initializer_list<RetryType> kRetryTypes = {
      RetryType::kInitial, RetryType::kAfterError, RetryType::kRegular, RetryType::kAfterNodedown};
  const std::initializer_list<TaskStatus> kTaskStatuses = {TaskStatus::kNotRunning,
                                                           TaskStatus::kRunning};
  if (key == "phase") return set(condition.phase, ReadEnum(reader, v, path, {Phase::kInitial, Phase::kRegular}));
  if (key == "retry_type") return set(condition.retry_type, ReadEnum(reader, v, path, kRetryTypes));
  if (key == "last_get_nodes_retry_type") {
    return set(condition.last_get_nodes_retry_type, ReadEnum(reader, v, path, kRetryTypes));
  }
  if (key == "get_nodes_status") {
    return set(condition.get_nodes_status, ReadEnum(reader, v, path, kTaskStatuses));
  }
  if (key == "join_status") return set(condition.join_status, ReadEnum(reader, v, path, kTaskStatuses));
  if (key == "should_retry_get_nodes") {
    return set(condition.should_retry_get_nodes, ReadBool(reader, v, path));
  }
  if (key == "should_retry_join") return set(condition.should_retry_join, ReadBool(reader, v, path));
  if (key == "nodes") return set(condition.nodes, ReadNodeList(reader, v, path, EmptyList::kAllowed));
  if (key == "unavailable_nodes") {
    return set(condition.unavailable_nodes, ReadNodeList(reader, v, path, EmptyList::kAllowed));
  }
  if (key == "tables") return set(condition.tables, ReadNames(reader, v, path, "a table name"));
  if (key == "verify_ready") {
    const std::vector<YamlNode>* items = ReadList(reader, v, path);
    if (items == nullptr) return false;
    std::vector<MissingTaskKind> kinds;
    bool ok = true;
    for (const YamlNode& item : *items) {
      std::optional<MissingTaskKind> kind = ReadEnum(
          reader, item, path,
          {MissingTaskKind::kBadLastGetNodesResult, MissingTaskKind::kStillWaitingForPangs,
           MissingTaskKind::kWaitingForJoinResult});
      if (kind) kinds.push_back(*kind);
      ok = ok && kind;
    }
    if (ok) condition.verify_ready = std::move(kinds);
    return ok;
  }
  // last_get_nodes_result (the only key left: the map allows no other).
  return set(condition.last_get_nodes_result,
             ReadEnum(reader, v, path,
                      {engine::GetNodesResult::Kind::kOk, engine::GetNodesResult::Kind::kError,
                       engine::GetNodesResult::Kind::kNotCalledYet}));
}

std::optional<Condition> ReadInfo(Reader& reader, const YamlNode& value, const std::string& path) {
  constexpr std::string_view kKeys[] = {
      "node",        "phase",           "retry_type",       "last_get_nodes_retry_type",
      "get_nodes_status", "join_status", "should_retry_get_nodes", "should_retry_join",
      "nodes",       "unavailable_nodes", "tables",         "verify_ready",
      "last_get_nodes_result"};
  std::optional<MapReader> map = MapReader::Open(reader, value, path, kKeys);
  if (!map) return std::nullopt;
  InfoCondition condition;
  bool ok = true;
  if (const YamlNode* node = map->Require("node")) {
    std::optional<NodeName> name = ReadNodeRef(reader, *node, map->PathOf("node"));
    if (name) condition.node = *name;
    ok = name.has_value();
  } else {
    ok = false;
  }
  size_t fields = 0;
  for (const YamlEntry* entry : map->entries()) {
    if (entry->key == "node") continue;
    ++fields;
    ok = ReadInfoField(reader, *entry, map->PathOf(entry->key), condition) && ok;
  }
  if (fields == 0) {
    reader.Error(value.position, path,
                 "give at least one system_info field to compare, like phase: regular");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return condition;
}

std::optional<Condition> ReadReply(Reader& reader, const YamlNode& value, const std::string& path) {
  constexpr std::string_view kKeys[] = {"id", "result"};
  std::optional<MapReader> map = MapReader::Open(reader, value, path, kKeys);
  if (!map) return std::nullopt;
  ReplyCondition condition;
  std::optional<Request> request;
  bool ok = true;
  if (const YamlNode* id = map->Require("id")) {
    std::optional<std::string> text = ReadText(reader, *id, map->PathOf("id"), "a call id");
    if (text) {
      auto it = reader.call_ids().find(*text);
      if (it == reader.call_ids().end()) {
        std::vector<std::string_view> ids;
        for (const auto& [known, unused] : reader.call_ids()) ids.push_back(known);
        std::string hint = DidYouMean(*text, ids);
        reader.Error(id->position, map->PathOf("id"),
                     Cat("no call step has id ", Quoted(*text),
                                  hint.empty() ? "" : "; ", hint));
        text.reset();
      } else {
        request = it->second;
        condition.call_id = *text;
      }
    }
    ok = text.has_value();
  } else {
    ok = false;
  }
  const YamlNode* result = map->Require("result");
  if (result == nullptr) return std::nullopt;
  std::string result_path = map->PathOf("result");
  if (result->IsSequence()) {
    std::optional<std::vector<std::string>> tables =
        ReadNames(reader, *result, result_path, "a table name");
    if (request && *request != Request::kGetTables) {
      reader.Error(result->position, result_path,
                   Cat("a table list is what get_tables returns; call \"",
                                condition.call_id, "\" is ", ToString(*request)));
      tables.reset();
    }
    if (!tables || !ok) return std::nullopt;
    condition.result = ReplyResult{ReplyResult::Kind::kTables, std::move(*tables)};
    return condition;
  }
  constexpr std::string_view kResults[] = {"ok", "timeout", "exit"};
  constexpr ReplyResult::Kind kKinds[] = {ReplyResult::Kind::kOk, ReplyResult::Kind::kTimeout,
                                          ReplyResult::Kind::kExit};
  std::optional<size_t> kind = ReadChoice(reader, *result, result_path, kResults);
  if (!kind || !ok) return std::nullopt;
  condition.result.kind = kKinds[*kind];
  return condition;
}

std::optional<Condition> ReadConnected(Reader& reader, const YamlNode& value,
                                       const std::string& path) {
  auto pairs = ReadPairs(reader, value, path);
  if (!pairs) return std::nullopt;
  return ConnectedCondition{std::move(*pairs)};
}

std::optional<Condition> ReadDisconnected(Reader& reader, const YamlNode& value,
                                          const std::string& path) {
  auto pairs = ReadPairs(reader, value, path);
  if (!pairs) return std::nullopt;
  return DisconnectedCondition{std::move(*pairs)};
}

std::optional<Condition> ReadGetNodesCalls(Reader& reader, const YamlNode& value,
                                           const std::string& path) {
  constexpr std::string_view kKeys[] = {"node", "count", "times"};
  std::optional<MapReader> map = MapReader::Open(reader, value, path, kKeys);
  if (!map) return std::nullopt;
  GetNodesCallsCondition condition;
  std::optional<NodeName> node;
  if (const YamlNode* v = map->Require("node")) node = ReadNodeRef(reader, *v, map->PathOf("node"));
  const YamlNode* count = map->Find("count");
  const YamlNode* times = map->Find("times");
  if ((count == nullptr) == (times == nullptr)) {
    reader.Error(count ? map->KeyPosition("times") : value.position, path,
                 count ? "give count or times, not both"
                       : "give count (how many calls so far) or times (when each call started)");
    return std::nullopt;
  }
  if (count != nullptr) {
    condition.kind = GetNodesCallsCondition::Kind::kCount;
    std::optional<int64_t> n = ReadCount(reader, *count, map->PathOf("count"));
    if (!n || !node) return std::nullopt;
    condition.count = *n;
  } else {
    condition.kind = GetNodesCallsCondition::Kind::kTimes;
    std::string times_path = map->PathOf("times");
    const std::vector<YamlNode>* items = ReadList(reader, *times, times_path);
    if (items == nullptr) return std::nullopt;
    bool ok = true;
    for (const YamlNode& item : *items) {
      std::optional<int64_t> time_ms = ReadTime(reader, item, times_path);
      if (time_ms && !condition.times_ms.empty() && *time_ms < condition.times_ms.back()) {
        reader.Error(item.position, times_path,
                     Cat(FormatDurationMs(*time_ms), " is before the previous time ",
                                  FormatDurationMs(condition.times_ms.back()),
                                  "; list the call times in order"));
        time_ms.reset();
      }
      if (time_ms) condition.times_ms.push_back(*time_ms);
      ok = ok && time_ms;
    }
    if (!ok || !node) return std::nullopt;
  }
  condition.node = *node;
  return condition;
}

// A log field's expected value: integers as integers, other scalars as text.
std::optional<LogFieldValue> ReadLogValue(Reader& reader, const YamlNode& node,
                                          const std::string& path) {
  std::optional<std::string> text = ReadText(reader, node, path, "a field value (a scalar)");
  if (!text) return std::nullopt;
  if (TypeOf(node) == ScalarType::kInt) {
    errno = 0;
    char* end = nullptr;
    long long value = std::strtoll(text->c_str(), &end, 10);
    if (errno != ERANGE && end == text->c_str() + text->size()) return static_cast<int64_t>(value);
  }
  return *text;
}

std::optional<Condition> ReadLog(Reader& reader, const YamlNode& value, const std::string& path) {
  std::optional<MapReader> map = MapReader::OpenAnyKeys(reader, value, path);
  if (!map) return std::nullopt;
  LogCondition condition;
  std::set<std::string_view> field_names;
  bool ok = true;
  std::optional<NodeName> node;
  if (const YamlNode* v = map->Find("node")) {
    node = ReadNodeRef(reader, *v, map->PathOf("node"));
  } else {
    // Any key is a field here, so a misspelt `node` would pass unnoticed.
    constexpr std::string_view kNode[] = {"node"};
    std::string hint;
    for (const YamlEntry* entry : map->entries()) {
      if (hint.empty() && !DidYouMean(entry->key, kNode).empty()) {
        hint = Cat("; is \"", entry->key, "\" meant to be \"node\"?");
      }
    }
    reader.Error(value.position, map->PathOf("node"),
                 Cat("required key is missing (the node whose log records to match)", hint));
  }
  ok = node.has_value();
  auto add_field = [&](const YamlEntry& entry, const std::string& field_path) {
    if (!field_names.insert(entry.key).second) {
      reader.Error(entry.key_position, field_path, "this field is given twice");
      ok = false;
      return;
    }
    std::optional<LogFieldValue> field_value = ReadLogValue(reader, entry.value, field_path);
    if (field_value) condition.fields.push_back({entry.key, *field_value});
    ok = ok && field_value;
  };
  for (const YamlEntry* entry : map->entries()) {
    const std::string key_path = map->PathOf(entry->key);
    if (entry->key == "node") continue;
    if (entry->key == "what") {
      condition.what = ReadString(reader, entry->value, key_path, "a log event name");
      ok = ok && condition.what;
    } else if (entry->key == "has") {
      auto names = ReadNames(reader, entry->value, key_path, "a field name");
      if (names) condition.has = std::move(*names);
      ok = ok && names;
    } else if (entry->key == "count") {
      condition.count = ReadCount(reader, entry->value, key_path);
      ok = ok && condition.count;
    } else if (entry->key == "fields") {
      // For fields named like the keys above (node, what, has, count, fields).
      std::optional<MapReader> fields = MapReader::OpenAnyKeys(reader, entry->value, key_path);
      ok = ok && fields;
      if (fields) {
        for (const YamlEntry* field : fields->entries()) add_field(*field, fields->PathOf(field->key));
      }
    } else {
      add_field(*entry, key_path);
    }
  }
  if (!ok) return std::nullopt;
  condition.node = *node;
  return condition;
}

std::optional<Condition> ReadNoOverlappingPartitions(Reader& reader, const YamlNode& value,
                                                     const std::string& path) {
  if (!ReadTrue(reader, value, path,
                "no_overlapping_partitions takes only true (write the check you want)")) {
    return std::nullopt;
  }
  return NoOverlappingPartitionsCondition{};
}

std::optional<Condition> ReadClusterMembersConnected(Reader& reader, const YamlNode& value,
                                                     const std::string& path) {
  if (!ReadTrue(reader, value, path,
                "cluster_members_connected takes only true (write the check you want)")) {
    return std::nullopt;
  }
  return ClusterMembersConnectedCondition{};
}

using ConditionReader = std::optional<Condition> (*)(Reader&, const YamlNode&, const std::string&);
struct ConditionEntry {
  std::string_view key;
  ConditionReader read;
};
constexpr ConditionEntry kConditionReaders[] = {
    {"ready", &ReadReady},
    {"joined", &ReadJoined},
    {"info", &ReadInfo},
    {"reply", &ReadReply},
    {"connected", &ReadConnected},
    {"disconnected", &ReadDisconnected},
    {"get_nodes_calls", &ReadGetNodesCalls},
    {"log", &ReadLog},
    {"no_overlapping_partitions", &ReadNoOverlappingPartitions},
    {"cluster_members_connected", &ReadClusterMembersConnected},
};

std::optional<Condition> ReadCondition(Reader& reader, const MapReader& map, const YamlNode& item,
                                       const std::string& path) {
  const ConditionEntry* found = nullptr;
  const YamlEntry* found_entry = nullptr;
  for (const YamlEntry* entry : map.entries()) {
    for (const ConditionEntry& candidate : kConditionReaders) {
      if (candidate.key != entry->key) continue;
      if (found != nullptr) {
        reader.Error(entry->key_position, map.PathOf(entry->key),
                     Cat("two conditions (", found->key, " and ", entry->key,
                                  "); give each its own expectation"));
        return std::nullopt;
      }
      found = &candidate;
      found_entry = entry;
    }
  }
  if (found == nullptr) {
    reader.Error(item.position, path,
                 Cat("no condition; give exactly one of ", Join(kConditions, ", ")));
    return std::nullopt;
  }
  return found->read(reader, found_entry->value, map.PathOf(found->key));
}

// Every key an expectation may have: qualifiers, window keys, conditions.
constexpr std::string_view kExpectationKeys[] = {
    "at",           "by",     "always", "never", "after_heal", "from",
    "until",        "ready",  "joined", "info",  "reply",      "connected",
    "disconnected", "get_nodes_calls",  "log",   "no_overlapping_partitions",
    "cluster_members_connected"};

}  // namespace

void ReadExpectations(Reader& reader, const YamlNode& expect, Scenario& scenario) {
  const std::vector<YamlNode>* items = ReadList(reader, expect, "expect");
  if (items == nullptr) return;
  if (static_cast<int64_t>(items->size()) > reader.limits().max_expectations) {
    reader.Error(expect.position, "expect",
                 Cat(items->size(), " expectations is more than the limit of ",
                              reader.limits().max_expectations,
                              "; raise it with --max-expectations"));
    return;
  }
  for (size_t i = 0; i < items->size(); ++i) {
    const YamlNode& item = (*items)[i];
    std::string path = IndexPath("expect", i);
    std::optional<MapReader> map = MapReader::Open(reader, item, path, kExpectationKeys);
    if (!map) continue;
    std::optional<Qualifier> qualifier = ReadQualifier(reader, *map, item, path);
    std::optional<Condition> condition = ReadCondition(reader, *map, item, path);
    if (!qualifier || !condition) continue;
    scenario.expectations.push_back(Expectation{std::move(*qualifier), std::move(*condition),
                                                reader.Source(item.position), RenderFlow(item)});
  }
}

}  // namespace discosim::scenario::internal
