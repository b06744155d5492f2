// Reading the `timeline` (see build.h): each step is `at` plus exactly one
// action, and steps are in time order.
#include <set>
#include <string_view>

#include "sim/scenario/build.h"
#include "sim/scenario/duration.h"
#include "sim/scenario/text.h"

namespace discosim::scenario::internal {
namespace {

// What every action reader gets: the action's value, its key path and the
// step's time.
struct ActionInput {
  Reader& reader;
  const YamlNode& value;
  std::string path;
  std::optional<int64_t> at_ms;  // nullopt when the step's `at` is broken
};

using ActionReader = std::optional<Action> (*)(const ActionInput&);

// Opens the action's map with its allowed keys.
std::optional<MapReader> OpenAction(const ActionInput& in,
                                    std::span<const std::string_view> keys) {
  return MapReader::Open(in.reader, in.value, in.path, keys);
}

std::optional<NodeName> RequireNode(const ActionInput& in, const MapReader& map) {
  const YamlNode* node = map.Require("node");
  if (node == nullptr) return std::nullopt;
  return ReadNodeRef(in.reader, *node, map.PathOf("node"));
}

template <typename A>
std::optional<Action> ReadNodesAction(const ActionInput& in) {
  auto nodes = ReadNodeList(in.reader, in.value, in.path, EmptyList::kRefused);
  if (!nodes) return std::nullopt;
  return A{std::move(*nodes)};
}

std::optional<Action> ReadPartition(const ActionInput& in) {
  const std::vector<YamlNode>* groups = ReadList(in.reader, in.value, in.path);
  if (groups == nullptr) return std::nullopt;
  if (groups->empty()) {
    in.reader.Error(in.value.position, in.path,
                    "empty list; give the groups, like [[a@h1, b@h2], [c@h3]]");
    return std::nullopt;
  }
  world::action::Partition action;
  std::set<NodeName> seen;
  bool ok = true;
  for (const YamlNode& group : *groups) {
    if (!group.IsSequence()) {
      in.reader.Error(group.position, in.path,
                      Cat("expected a group (a list of nodes, like [a@h1, b@h2]), found ",
                                   Describe(group)));
      ok = false;
      continue;
    }
    auto nodes = ReadNodeList(in.reader, group, in.path, EmptyList::kRefused);
    if (!nodes) {
      ok = false;
      continue;
    }
    for (size_t i = 0; i < nodes->size(); ++i) {
      if (!seen.insert((*nodes)[i]).second) {
        in.reader.Error(group.items[i].position, in.path,
                        Cat("node \"", (*nodes)[i], "\" is in two groups"));
        ok = false;
      }
    }
    action.groups.push_back(std::move(*nodes));
  }
  if (!ok) return std::nullopt;
  return action;
}

std::optional<Action> ReadCut(const ActionInput& in) {
  auto links = ReadPairs(in.reader, in.value, in.path);
  if (!links) return std::nullopt;
  return world::action::Cut{std::move(*links)};
}

std::optional<Action> ReadHeal(const ActionInput& in) {
  if (in.value.IsScalar() && in.value.text == "all") return HealAction{HealAction::Scope::kAll, {}};
  if (!in.value.IsSequence()) {
    in.reader.Error(in.value.position, in.path,
                    Cat("expected all or a list of links like [[a@h1, c@h3]], found ",
                                 Describe(in.value)));
    return std::nullopt;
  }
  auto links = ReadPairs(in.reader, in.value, in.path);
  if (!links) return std::nullopt;
  return HealAction{HealAction::Scope::kLinks, std::move(*links)};
}

std::optional<Action> ReadDisconnect(const ActionInput& in) {
  auto pairs = ReadPairs(in.reader, in.value, in.path);
  if (!pairs) return std::nullopt;
  return world::action::Disconnect{std::move(*pairs)};
}

std::optional<Action> ReadDns(const ActionInput& in) {
  constexpr std::string_view kKeys[] = {"node", "delay", "fail"};
  auto map = OpenAction(in, kKeys);
  if (!map) return std::nullopt;
  DnsAction action;
  std::optional<NodeName> node = RequireNode(in, *map);
  const YamlNode* delay = map->Find("delay");
  const YamlNode* fail = map->Find("fail");
  if (delay == nullptr && fail == nullptr) {
    in.reader.Error(in.value.position, in.path,
                    "give delay (like 5s), fail (true or false) or both");
    return std::nullopt;
  }
  bool ok = node.has_value();
  if (delay != nullptr) {
    action.delay_ms = ReadDuration(in.reader, *delay, map->PathOf("delay"));
    ok = ok && action.delay_ms.has_value();
  }
  if (fail != nullptr) {
    std::optional<bool> fails = ReadBool(in.reader, *fail, map->PathOf("fail"));
    if (fails) action.outcome = *fails ? DnsAnswer::kFails : DnsAnswer::kResolves;
    ok = ok && fails.has_value();
  }
  if (!ok) return std::nullopt;
  action.node = *node;
  return action;
}

std::optional<Action> ReadSlowConnect(const ActionInput& in) {
  constexpr std::string_view kKeys[] = {"node", "delay"};
  auto map = OpenAction(in, kKeys);
  if (!map) return std::nullopt;
  std::optional<NodeName> node = RequireNode(in, *map);
  const YamlNode* delay = map->Require("delay");
  std::optional<int64_t> delay_ms;
  if (delay != nullptr) delay_ms = ReadDuration(in.reader, *delay, map->PathOf("delay"));
  if (!node || !delay_ms) return std::nullopt;
  return world::action::SlowConnect{*node, *delay_ms};
}

std::optional<Action> ReadBackendChange(const ActionInput& in) {
  constexpr std::string_view kKeys[] = {"node", "nodes", "latency", "error_rate", "crash_rate"};
  auto map = OpenAction(in, kKeys);
  if (!map) return std::nullopt;
  BackendAction action;
  bool ok = true;
  if (const YamlNode* node = map->Find("node")) {
    action.node = ReadNodeRef(in.reader, *node, map->PathOf("node"));
    ok = action.node.has_value();
  }
  if (!map->Find("nodes") && !map->Find("latency") && !map->Find("error_rate") &&
      !map->Find("crash_rate")) {
    in.reader.Error(in.value.position, in.path,
                    "give at least one of nodes, latency, error_rate, crash_rate");
    return std::nullopt;
  }
  action.changes = ReadBackendKeys(in.reader, *map);
  bool keys_ok = (!map->Find("nodes") || action.changes.nodes) &&
                 (!map->Find("latency") || action.changes.latency) &&
                 (!map->Find("error_rate") || action.changes.error_rate) &&
                 (!map->Find("crash_rate") || action.changes.crash_rate);
  if (!ok || !keys_ok) return std::nullopt;
  return action;
}

std::optional<Action> ReadBackendCrash(const ActionInput& in) {
  constexpr std::string_view kKeys[] = {"node"};
  auto map = OpenAction(in, kKeys);
  if (!map) return std::nullopt;
  const YamlNode* node = map->Require("node");
  if (node == nullptr) return std::nullopt;
  std::optional<NodeName> name = ReadNodeRef(in.reader, *node, map->PathOf("node"));
  if (!name) return std::nullopt;
  return world::action::BackendCrash{*name};
}

std::optional<Action> ReadBackendFail(const ActionInput& in) {
  constexpr std::string_view kKeys[] = {"node", "count", "until"};
  auto map = OpenAction(in, kKeys);
  if (!map) return std::nullopt;
  BackendFailAction action;
  bool ok = true;
  if (const YamlNode* node = map->Find("node")) {
    action.node = ReadNodeRef(in.reader, *node, map->PathOf("node"));
    ok = action.node.has_value();
  }
  const YamlNode* count = map->Find("count");
  const YamlNode* until = map->Find("until");
  if ((count == nullptr) == (until == nullptr)) {
    TextPosition at = count != nullptr ? map->KeyPosition("until") : in.value.position;
    in.reader.Error(at, in.path,
                    count != nullptr ? "give count or until, not both"
                                     : "give count (the next N calls fail) or until (every call "
                                       "until that time fails)");
    return std::nullopt;
  }
  if (count != nullptr) {
    action.kind = BackendFailAction::Kind::kCount;
    std::optional<int64_t> n = ReadCount(in.reader, *count, map->PathOf("count"));
    if (n && *n == 0) {
      in.reader.Error(count->position, map->PathOf("count"), "must be 1 or more");
      n.reset();
    }
    if (!n) return std::nullopt;
    action.count = *n;
  } else {
    action.kind = BackendFailAction::Kind::kUntil;
    std::optional<int64_t> until_ms = ReadTime(in.reader, *until, map->PathOf("until"));
    if (until_ms && in.at_ms && *until_ms <= *in.at_ms) {
      in.reader.Error(until->position, map->PathOf("until"),
                      Cat("until (", FormatDurationMs(*until_ms),
                                   ") must be after the step's at (", FormatDurationMs(*in.at_ms),
                                   ")"));
      until_ms.reset();
    }
    if (!until_ms) return std::nullopt;
    action.until_ms = *until_ms;
  }
  if (!ok) return std::nullopt;
  return action;
}

template <typename A>
std::optional<Action> ReadTableAction(const ActionInput& in) {
  constexpr std::string_view kKeys[] = {"node", "table"};
  auto map = OpenAction(in, kKeys);
  if (!map) return std::nullopt;
  std::optional<NodeName> node = RequireNode(in, *map);
  std::optional<TableName> table;
  if (const YamlNode* value = map->Require("table")) {
    table = ReadTableName(in.reader, *value, map->PathOf("table"));
  }
  if (!node || !table) return std::nullopt;
  return A{*node, *table};
}

constexpr std::string_view kMessageHelp =
    "the messages are check, enter_regular_phase, unknown, {nodeup: NODE}, {nodedown: NODE} and "
    "{ping_result: {node: NODE, result: pong|pang}}";

std::optional<RawMessage> ReadPingResult(Reader& reader, const YamlNode& value,
                                         const std::string& path) {
  constexpr std::string_view kKeys[] = {"node", "result"};
  auto map = MapReader::Open(reader, value, path, kKeys);
  if (!map) return std::nullopt;
  std::optional<NodeName> node;
  if (const YamlNode* v = map->Require("node")) node = ReadNodeRef(reader, *v, map->PathOf("node"));
  std::optional<engine::PingResult::Outcome> outcome;
  if (const YamlNode* v = map->Require("result")) {
    outcome = ReadEnum(reader, *v, map->PathOf("result"), {engine::PingResult::Outcome::kPong, engine::PingResult::Outcome::kPang});
  }
  if (!node || !outcome) return std::nullopt;
  return RawMessage{RawMessage::Kind::kPingResult, *node, *outcome};
}

std::optional<RawMessage> ReadMessage(Reader& reader, const YamlNode& value,
                                      const std::string& path) {
  constexpr std::string_view kAtoms[] = {"check", "enter_regular_phase", "unknown"};
  constexpr std::string_view kTagged[] = {"nodeup", "nodedown", "ping_result"};
  if (value.IsScalar()) {
    if (value.text == "check") return RawMessage{RawMessage::Kind::kCheck, "", engine::PingResult::Outcome::kPang};
    if (value.text == "enter_regular_phase") {
      return RawMessage{RawMessage::Kind::kEnterRegularPhase, "", engine::PingResult::Outcome::kPang};
    }
    if (value.text == "unknown") return RawMessage{RawMessage::Kind::kUnknown, "", engine::PingResult::Outcome::kPang};
    std::string hint = DidYouMean(value.text, kAtoms);
    reader.Error(value.position, path,
                 Cat("unknown message \"", value.text, "\"; ", kMessageHelp,
                              hint.empty() ? "" : "; ", hint));
    return std::nullopt;
  }
  if (!value.IsMap() || value.entries.size() != 1) {
    reader.Error(value.position, path,
                 Cat("expected a message, found ", Describe(value),
                              value.IsMap() ? Cat(" with ", value.entries.size(), " keys")
                                            : "",
                              "; ", kMessageHelp));
    return std::nullopt;
  }
  const YamlEntry& entry = value.entries.front();
  std::string entry_path = KeyPath(path, entry.key);
  if (entry.key == "nodeup" || entry.key == "nodedown") {
    std::optional<NodeName> node = ReadNodeRef(reader, entry.value, entry_path);
    if (!node) return std::nullopt;
    return RawMessage{entry.key == "nodeup" ? RawMessage::Kind::kNodeup : RawMessage::Kind::kNodedown,
                      *node, engine::PingResult::Outcome::kPang};
  }
  if (entry.key == "ping_result") return ReadPingResult(reader, entry.value, entry_path);
  std::string hint = DidYouMean(entry.key, kTagged);
  reader.Error(entry.key_position, entry_path,
               Cat("unknown message \"", entry.key, "\"; ", kMessageHelp,
                            hint.empty() ? "" : "; ", hint));
  return std::nullopt;
}

std::optional<Action> ReadSend(const ActionInput& in) {
  constexpr std::string_view kKeys[] = {"node", "message"};
  auto map = OpenAction(in, kKeys);
  if (!map) return std::nullopt;
  std::optional<NodeName> node = RequireNode(in, *map);
  std::optional<RawMessage> message;
  if (const YamlNode* value = map->Require("message")) {
    message = ReadMessage(in.reader, *value, map->PathOf("message"));
  }
  if (!node || !message) return std::nullopt;
  return SendAction{*node, *message};
}

std::optional<Action> ReadCall(const ActionInput& in) {
  constexpr std::string_view kKeys[] = {"node", "request", "timeout", "id"};
  auto map = OpenAction(in, kKeys);
  if (!map) return std::nullopt;
  world::action::Call action;
  std::optional<NodeName> node = RequireNode(in, *map);
  std::optional<Request> request;
  if (const YamlNode* value = map->Require("request")) {
    request = ReadEnum(in.reader, *value, map->PathOf("request"),
                       {Request::kWaitForReady, Request::kWaitForGetNodes,
                        Request::kGetTables, Request::kSystemInfo});
  }
  bool ok = node && request;
  if (const YamlNode* timeout = map->Find("timeout")) {
    std::optional<int64_t> timeout_ms = ReadDuration(in.reader, *timeout, map->PathOf("timeout"));
    if (timeout_ms) action.timeout_ms = *timeout_ms;
    ok = ok && timeout_ms;
  }
  if (const YamlNode* id = map->Find("id")) {
    std::optional<std::string> text = ReadText(in.reader, *id, map->PathOf("id"), "a call id");
    if (text && request) {
      auto [it, inserted] = in.reader.call_ids().emplace(*text, *request);
      if (!inserted) {
        in.reader.Error(id->position, map->PathOf("id"),
                        Cat("call id \"", *text, "\" is already used by another call"));
        text.reset();
      }
    }
    if (text) action.id = *text;
    ok = ok && text;
  }
  if (!ok) return std::nullopt;
  action.node = *node;
  action.request = *request;
  return action;
}

struct ActionEntry {
  std::string_view key;
  ActionReader read;
};
constexpr ActionEntry kActions[] = {
    {"start", &ReadNodesAction<world::action::Start>},
    {"stop", &ReadNodesAction<world::action::Stop>},
    {"restart", &ReadNodesAction<world::action::Restart>},
    {"partition", &ReadPartition},
    {"cut", &ReadCut},
    {"heal", &ReadHeal},
    {"disconnect", &ReadDisconnect},
    {"dns", &ReadDns},
    {"slow_connect", &ReadSlowConnect},
    {"backend", &ReadBackendChange},
    {"backend_fail", &ReadBackendFail},
    {"backend_crash", &ReadBackendCrash},
    {"add_table", &ReadTableAction<world::action::AddTable>},
    {"delete_table", &ReadTableAction<world::action::DeleteTable>},
    {"send", &ReadSend},
    {"call", &ReadCall},
};

const std::vector<std::string_view>& StepKeys() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> k = {"at"};
    for (const ActionEntry& action : kActions) k.push_back(action.key);
    return k;
  }();
  return keys;
}

std::string ActionNames() {
  std::vector<std::string_view> names;
  for (const ActionEntry& action : kActions) names.push_back(action.key);
  return Join(names, ", ");
}

// Reads step `index`. `previous_at_ms` is the latest valid time of the steps
// before it, and is updated with this step's.
std::optional<TimelineStep> ReadStep(Reader& reader, const YamlNode& item, size_t index,
                                     std::optional<int64_t>& previous_at_ms) {
  std::string path = IndexPath("timeline", index);
  std::optional<MapReader> map = MapReader::Open(reader, item, path, StepKeys());
  if (!map) return std::nullopt;
  std::optional<int64_t> at_ms;
  if (const YamlNode* at = map->Require("at")) {
    at_ms = ReadTime(reader, *at, map->PathOf("at"));
    if (at_ms && previous_at_ms && *at_ms < *previous_at_ms) {
      reader.Error(at->position, map->PathOf("at"),
                   Cat(FormatDurationMs(*at_ms), " is before the previous step's ",
                                FormatDurationMs(*previous_at_ms),
                                "; keep the timeline in time order"));
      at_ms.reset();
    }
    if (at_ms) previous_at_ms = at_ms;
  }
  const ActionEntry* action = nullptr;
  const YamlEntry* action_entry = nullptr;
  for (const YamlEntry* entry : map->entries()) {
    for (const ActionEntry& candidate : kActions) {
      if (candidate.key != entry->key) continue;
      if (action == nullptr) {
        action = &candidate;
        action_entry = entry;
      } else {
        reader.Error(entry->key_position, map->PathOf(entry->key),
                     Cat("a second action in one step (", action->key, " and ",
                                  entry->key, "); give each action its own step"));
        return std::nullopt;
      }
    }
  }
  if (action == nullptr) {
    reader.Error(item.position, path, Cat("no action; give one of ", ActionNames()));
    return std::nullopt;
  }
  std::optional<Action> read = action->read(
      ActionInput{reader, action_entry->value, map->PathOf(action->key), at_ms});
  if (!read || !at_ms) return std::nullopt;
  return TimelineStep{*at_ms, std::move(*read), reader.Source(item.position), RenderFlow(item)};
}

}  // namespace

void ReadTimeline(Reader& reader, const YamlNode& timeline, Scenario& scenario) {
  const std::vector<YamlNode>* items = ReadList(reader, timeline, "timeline");
  if (items == nullptr) return;
  if (static_cast<int64_t>(items->size()) > reader.limits().max_timeline_steps) {
    reader.Error(timeline.position, "timeline",
                 Cat(items->size(), " steps is more than the limit of ",
                              reader.limits().max_timeline_steps,
                              "; raise it with --max-timeline-steps"));
    return;
  }
  std::optional<int64_t> previous_at_ms;
  for (size_t i = 0; i < items->size(); ++i) {
    std::optional<TimelineStep> step = ReadStep(reader, (*items)[i], i, previous_at_ms);
    if (step) scenario.timeline.push_back(std::move(*step));
  }
}

}  // namespace discosim::scenario::internal
