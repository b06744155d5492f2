// The discovery engine's rules, one function per message kind, ported from
// CETS 0.2.0's cets_discovery.erl (handle_info, handle_call, handle_cast).
#include "engine/engine.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <tuple>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace discosim::engine {
namespace {

// Invariant checks: a broken one is a programmer error and aborts.
#define ENGINE_CHECK(cond, what)                                              \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "engine invariant broken: %s (%s:%d)\n", what,     \
                   __FILE__, __LINE__);                                       \
      std::abort();                                                           \
    }                                                                         \
  } while (0)

bool PairLess(const std::pair<const NodeName*, const TableName*>& a,
              const std::pair<const NodeName*, const TableName*>& b) {
  return std::tie(*a.first, *a.second) < std::tie(*b.first, *b.second);
}

bool IsConnected(const View& view, const NodeName& node) {
  return view.connected.contains(node);
}

// Answers "is this node in the set" for names asked in ascending order, by
// walking the sorted set alongside: a step or two per name instead of a tree
// search. Every step of the engine that asks about many nodes asks in the
// order of another sorted set (nodes, unavailable_nodes).
class SortedCursor {
 public:
  explicit SortedCursor(const NodeSet& set) : it_(set.begin()), end_(set.end()) {}
  // REQUIRES: `node` is not less than any name asked before.
  bool Contains(const NodeName& node) {
    int order = -1;
    while (it_ != end_ && (order = it_->compare(node)) < 0) ++it_;
    return it_ != end_ && order == 0;
  }

 private:
  NodeSet::const_iterator it_;
  NodeSet::const_iterator end_;
};

// ordsets:add_element/2 on `list` as it is, sorted or not: walk past the
// elements less than `table`, insert it before the first greater one (at
// the end if none); an equal one leaves the list alone.
void OrdsetsAddElement(TableList& list, const TableName& table) {
  auto it = list.begin();
  while (it != list.end() && table > *it) ++it;
  if (it != list.end() && table == *it) return;
  list.insert(it, table);
}

// ordsets:del_element/2 on `list` as it is: walk past the elements less than
// `table`; remove the element there if it equals `table`, else nothing (on an
// unsorted list a present table can stay).
void OrdsetsDelElement(TableList& list, const TableName& table) {
  auto it = list.begin();
  while (it != list.end() && table > *it) ++it;
  if (it != list.end() && table == *it) list.erase(it);
}

bool Contains(const TableList& list, const TableName& table) {
  return std::find(list.begin(), list.end(), table) != list.end();
}

TimerId NewTimer(State& state) { return state.next_timer_id++; }

// A total order on join results (all fields), for set-like lookups.
bool ResultLess(const JoinResult* a, const JoinResult* b) {
  return std::tie(a->node, a->table, a->what, a->ok, a->reason) <
         std::tie(b->node, b->table, b->what, b->ok, b->reason);
}

// Finds a record equal to `result` among `sorted` not yet `used`, marks it
// used and returns true; false if none is left.
bool TakeEqual(const std::vector<const JoinResult*>& sorted, std::vector<bool>& used,
               const JoinResult& result) {
  auto [first, last] = std::equal_range(sorted.begin(), sorted.end(), &result, ResultLess);
  for (auto it = first; it != last; ++it) {
    const auto index = static_cast<size_t>(it - sorted.begin());
    if (used[index]) continue;
    used[index] = true;
    return true;
  }
  return false;
}

// The (node, table) pairs that have a result, sorted, for binary search.
std::vector<std::pair<const NodeName*, const TableName*>> PairsWithResult(const State& state) {
  std::vector<std::pair<const NodeName*, const TableName*>> pairs;
  pairs.reserve(state.results.size());
  for (const JoinResult& r : state.results) pairs.emplace_back(&r.node, &r.table);
  std::sort(pairs.begin(), pairs.end(), PairLess);
  return pairs;
}

void LogEffect(Effects& effects, LogLevel level, std::string what,
               std::vector<std::pair<std::string, LogValue>> fields) {
  effects.push_back(Log{LogRecord{level, std::move(what), std::move(fields)}});
}

// Whether verify_ready's expected set (nodes - local node - view, sorted)
// equals unavailable_nodes, by one walk over both.
bool ExpectedIsUnavailable(const State& state, const View& view) {
  SortedCursor connected(view.connected);
  auto unavailable = state.unavailable_nodes.begin();
  const auto unavailable_end = state.unavailable_nodes.end();
  for (const NodeName& node : state.nodes) {
    if (node == view.local_node || connected.Contains(node)) continue;
    if (unavailable == unavailable_end || *unavailable != node) return false;
    ++unavailable;
  }
  return unavailable == unavailable_end;
}

// The common case of verify_ready's join check, in one walk: the results
// hold every (connected node, table) pair in pair order (node-major, tables
// in list order), as a join task over the same pairs returns them, perhaps
// with other results between. True: every pair has a result. False: not
// known; some pair may lack one, or the results are in another order (use
// MissingPairs).
bool EveryPairHasResultInOrder(const State& state, const View& view) {
  const std::vector<JoinResult>& results = state.results;
  SortedCursor connected(view.connected);
  size_t r = 0;
  for (const NodeName& node : state.nodes) {
    if (!connected.Contains(node)) continue;
    for (const TableName& table : state.tables) {
      while (r < results.size() && (results[r].node != node || results[r].table != table)) ++r;
      if (r == results.size()) return false;
      ++r;
    }
  }
  return true;
}

// The (connected node, table) pairs without a result, in pair order,
// appended to `out`; with no `out`, stops at the first. Returns whether
// there is any. Works for results in any order.
bool MissingPairs(const State& state, const View& view, std::vector<JoinPair>* out) {
  const auto with_result = PairsWithResult(state);
  SortedCursor connected(view.connected);
  bool any = false;
  for (const NodeName& node : state.nodes) {
    if (!connected.Contains(node)) continue;
    for (const TableName& table : state.tables) {
      if (std::binary_search(with_result.begin(), with_result.end(),
                             std::make_pair(&node, &table), PairLess)) {
        continue;
      }
      any = true;
      if (out == nullptr) return true;
      out->push_back({node, table});
    }
  }
  return any;
}

// VerifyReady(state, view).empty(), without building the lists.
bool IsReady(const State& state, const View& view) {
  if (!state.last_get_nodes_result.ok()) return false;
  if (!ExpectedIsUnavailable(state, view)) return false;
  return EveryPairHasResultInOrder(state, view) || !MissingPairs(state, view, nullptr);
}

// nodes := the set of `list` (any order, duplicates allowed); the tree is
// left alone when it already holds exactly those names, as it does on every
// get_nodes result after the first in a stable cluster.
void AssignNodes(NodeSet& nodes, const std::vector<NodeName>& list) {
  if (list.size() == nodes.size() && std::equal(list.begin(), list.end(), nodes.begin())) return;
  std::vector<const NodeName*> sorted;
  sorted.reserve(list.size());
  for (const NodeName& node : list) sorted.push_back(&node);
  std::sort(sorted.begin(), sorted.end(),
            [](const NodeName* a, const NodeName* b) { return *a < *b; });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [](const NodeName* a, const NodeName* b) { return *a == *b; }),
               sorted.end());
  if (sorted.size() == nodes.size() &&
      std::equal(sorted.begin(), sorted.end(), nodes.begin(),
                 [](const NodeName* a, const NodeName& b) { return *a == b; })) {
    return;
  }
  NodeSet rebuilt;
  for (const NodeName* node : sorted) rebuilt.emplace_hint(rebuilt.end(), *node);
  nodes = std::move(rebuilt);
}

using Field = std::pair<std::string, LogValue>;

// The fields of a nodeup or nodedown record: remote_node, connected_nodes,
// time_since_startup_in_milliseconds, then `last` if any. Each field is
// built once and moved in: an initializer list would copy them all again.
std::vector<Field> PeerFields(const NodeName& node, const View& view, TimeMs since_start_ms,
                              std::optional<Field> last) {
  std::array<Field, 4> fields = {
      Field("remote_node", node),
      Field("connected_nodes", static_cast<int64_t>(view.connected.size() + 1)),
      Field("time_since_startup_in_milliseconds", since_start_ms),
      last.has_value() ? std::move(*last) : Field(),
  };
  const size_t count = last.has_value() ? 4 : 3;
  return std::vector<Field>(std::make_move_iterator(fields.begin()),
                            std::make_move_iterator(fields.begin() + count));
}

// [caller | waiters], as handle_call/3 adds a waiter.
void PushFront(std::vector<CallerId>& waiters, CallerId caller) {
  waiters.insert(waiters.begin(), caller);
}

// Replies `ok` to every caller in `waiters`, front to back, and empties it.
void ReplyOkToAll(std::vector<CallerId>& waiters, Effects& effects) {
  for (CallerId caller : waiters) effects.push_back(Reply{caller, ReplyOk{}});
  waiters.clear();
}

// try_verify_ready: answers wait_for_ready callers once nothing is missing.
void TryVerifyReady(State& state, const View& view, Effects& effects) {
  if (state.pending_wait_for_ready.empty()) return;
  if (IsReady(state, view)) ReplyOkToAll(state.pending_wait_for_ready, effects);
}

// Appends {node, table}, each name copied once into the pair's own storage
// (push_back({node, table}) builds a temporary and moves both names again;
// emplace_back(node, table) would need C++20 aggregate init from
// parentheses, which clang 14 lacks).
void AppendPair(std::vector<JoinPair>& pairs, const NodeName& node, const TableName& table) {
  JoinPair& pair = pairs.emplace_back();
  pair.node = node;
  pair.table = table;
}

// Try joining: one join task at a time; a request while one runs is remembered.
void TryJoining(State& state, const View& view, Effects& effects) {
  if (state.join_status == TaskStatus::kRunning) {
    state.should_retry_join = true;
    return;
  }
  StartJoinTask task;
  std::vector<JoinPair>& pairs = task.pairs;
  pairs.reserve(std::min(state.nodes.size(), view.connected.size()) * state.tables.size());
  SortedCursor connected(view.connected);
  // Node-major: nodes sorted, and for each the tables in list order.
  for (const NodeName& node : state.nodes) {
    if (!connected.Contains(node)) continue;  // the local node is never in view
    for (const TableName& table : state.tables) AppendPair(pairs, node, table);
  }
  effects.push_back(std::move(task));
  state.join_status = TaskStatus::kRunning;
  state.should_retry_join = false;
}

// Step 5 of a get_nodes result: an immediate retry, or a fresh check timer.
void ScheduleNextCheck(State& state, TimeMs now_ms, Effects& effects) {
  ENGINE_CHECK(state.get_nodes_status == TaskStatus::kNotRunning,
               "scheduling a check while get_nodes runs");
  if (state.should_retry_get_nodes) {
    // The pending timer is deliberately left alone (CETS does the same).
    effects.push_back(SendToSelf{Check{}});
    state.should_retry_get_nodes = false;
    return;
  }
  if (state.timer_ref.has_value()) {
    effects.push_back(CancelTimer{*state.timer_ref});
    effects.push_back(DropQueuedChecks{});
  }
  const RetryType type = ChooseRetryType(state, now_ms);
  const TimerId timer = NewTimer(state);
  effects.push_back(StartTimer{timer, IntervalMs(state.config, type), Check{}});
  state.timer_ref = timer;
  state.last_get_nodes_retry_type = type;
}

// The part of nodeup shared with init: start time, timestamp, log.
void NodeupBookkeeping(State& state, const NodeName& node, TimeMs now_ms, const View& view,
                       Effects& effects) {
  // send_start_time_to/2: only a process with a registered name sends.
  if (state.registered) effects.push_back(SendStartTime{node, state.start_time});
  state.nodeup_timestamps[node] = now_ms;
  std::optional<Field> downtime;
  if (auto down = state.nodedown_timestamps.find(node);
      down != state.nodedown_timestamps.end()) {
    downtime.emplace("downtime_millisecond_duration", now_ms - down->second);
  }
  // CETS logs nodeup at warning level, as it does nodedown.
  LogEffect(effects, LogLevel::kWarning, "nodeup",
            PeerFields(node, view, now_ms - state.start_time, std::move(downtime)));
}

void OnCheck(State& state, Effects& effects) {
  if (state.get_nodes_status == TaskStatus::kRunning) {
    state.should_retry_get_nodes = true;
    return;
  }
  effects.push_back(StartGetNodes{state.backend_state});
  state.get_nodes_status = TaskStatus::kRunning;
}

void OnGetNodesDone(State& state, const GetNodesDone& done, TimeMs now_ms, const View& view,
                    Effects& effects) {
  // 1. Record the outcome.
  state.backend_state = done.backend_state;
  state.get_nodes_status = TaskStatus::kNotRunning;
  state.last_get_nodes_result = done.result;
  // 2. Release wait_for_get_nodes callers unless a retry is already due.
  if (!state.should_retry_get_nodes) ReplyOkToAll(state.pending_wait_for_get_nodes, effects);
  // 3. A good list: ping the unconnected, join the connected, prune.
  if (done.result.ok()) {
    AssignNodes(state.nodes, done.result.nodes);
    SortedCursor connected(view.connected);
    for (const NodeName& node : state.nodes) {
      if (node != view.local_node && !connected.Contains(node)) {
        effects.push_back(StartPing{node});
      }
    }
    TryJoining(state, view, effects);
    // unavailable_nodes := unavailable_nodes ∩ nodes, in place.
    SortedCursor listed(state.nodes);
    for (auto it = state.unavailable_nodes.begin(); it != state.unavailable_nodes.end();) {
      it = listed.Contains(*it) ? std::next(it) : state.unavailable_nodes.erase(it);
    }
  }
  // 4. and 5.
  TryVerifyReady(state, view, effects);
  ScheduleNextCheck(state, now_ms, effects);
}

void OnNodeup(State& state, const Nodeup& up, TimeMs now_ms, const View& view,
              Effects& effects) {
  effects.push_back(SendToSelf{Check{}});
  NodeupBookkeeping(state, up.node, now_ms, view, effects);
  state.unavailable_nodes.erase(up.node);
  TryJoining(state, view, effects);
}

void OnNodedown(State& state, const Nodedown& down, TimeMs now_ms, const View& view,
                Effects& effects) {
  state.nodedown_timestamps[down.node] = now_ms;
  // CETS logs the connected duration as a field of the one nodedown record.
  std::optional<Field> connected;
  if (auto up = state.nodeup_timestamps.find(down.node); up != state.nodeup_timestamps.end()) {
    connected.emplace("connected_millisecond_duration", now_ms - up->second);
    state.nodeup_timestamps.erase(up);
  }
  LogEffect(effects, LogLevel::kWarning, "nodedown",
            PeerFields(down.node, view, now_ms - state.start_time, std::move(connected)));
  // Even a node outside `nodes` becomes unavailable (a known oddity).
  state.unavailable_nodes.insert(down.node);
  TryVerifyReady(state, view, effects);
}

constexpr const char* kNodeReconnectsText =
    "Netsplit recovery. The remote node has been connected to us before.";

void OnStartTime(State& state, const StartTimeMsg& msg, Effects& effects) {
  auto it = state.node_start_timestamps.find(msg.node);
  if (it != state.node_start_timestamps.end() && it->second == msg.start_time) {
    LogEffect(effects, LogLevel::kWarning, "node_reconnects",
              {{"remote_node", msg.node},
               {"start_time", msg.start_time},
               {"text", std::string(kNodeReconnectsText)}});
  }
  state.node_start_timestamps[msg.node] = msg.start_time;
  state.phase = Phase::kRegular;
}

void OnJoiningFinished(State& state, const JoiningFinished& done, const View& view,
                       Effects& effects) {
  // Results -- OldResults (whole records; each old record cancels one, the
  // first, equal new record), without the quadratic scan. A repeated join
  // usually returns the old results again, in the same order: the common
  // prefix cancels pairwise; the rest is looked up among the old records
  // left, sorted, each used at most once.
  const std::vector<JoinResult>& old = state.results;
  size_t same = 0;
  while (same < done.results.size() && same < old.size() && done.results[same] == old[same]) {
    ++same;
  }
  const bool unchanged = same == done.results.size() && same == old.size();
  std::vector<const JoinResult*> old_left;
  if (same < done.results.size()) {
    old_left.reserve(old.size() - same);
    for (size_t i = same; i < old.size(); ++i) old_left.push_back(&old[i]);
    std::sort(old_left.begin(), old_left.end(), ResultLess);
  }
  std::vector<bool> used(old_left.size(), false);
  for (size_t i = same; i < done.results.size(); ++i) {
    const JoinResult& result = done.results[i];
    if (TakeEqual(old_left, used, result)) continue;
    // The record is the join_result() map itself: node, table, and either
    // result (ok | {error, Reason}) or, for pid_not_found, reason.
    std::vector<std::pair<std::string, LogValue>> fields = {{"node", result.node},
                                                             {"table", result.table}};
    if (result.what == JoinResult::What::kJoinResult) {
      fields.emplace_back("result", ResultText(result));
    } else {
      fields.emplace_back("reason", result.reason);
    }
    // report_result/1 logs every result at info level, errors included.
    LogEffect(effects, LogLevel::kInfo, ToString(result.what), std::move(fields));
  }
  if (!unchanged) state.results = done.results;
  state.join_status = TaskStatus::kNotRunning;
  TryVerifyReady(state, view, effects);
  if (state.should_retry_join) TryJoining(state, view, effects);
}

void OnPingResult(State& state, const PingResult& ping, const View& view, Effects& effects) {
  if (ping.outcome == PingResult::Outcome::kPong) return;
  // A pang that raced with a nodeup is ignored; verify ready runs either way,
  // as handle_ping_result/3 in CETS does.
  if (!IsConnected(view, ping.node)) state.unavailable_nodes.insert(ping.node);
  TryVerifyReady(state, view, effects);
}

void OnUnknown(const UnknownMessage& msg, Effects& effects) {
  static constexpr const char* kWhat[] = {"unexpected_info", "unexpected_call",
                                          "unexpected_cast"};
  std::vector<Field> fields = {{"msg", msg.description}};
  // handle_call/3 logs the caller too: #{what, msg, from}.
  if (msg.kind == UnknownMessage::Kind::kCall) {
    fields.emplace_back("from", static_cast<int64_t>(msg.caller));
  }
  LogEffect(effects, LogLevel::kError, kWhat[static_cast<int>(msg.kind)], std::move(fields));
  if (msg.kind == UnknownMessage::Kind::kCall) {
    effects.push_back(Reply{msg.caller, ReplyUnexpectedCall{}});
  }
}

}  // namespace

void Init(State& state, const Options& options, TimeMs now_ms, const View& view,
          Effects& effects) {
  state = State{};
  state.config = options.config;
  state.registered = options.registered;
  state.start_time = now_ms;
  state.tables = options.tables;  // as given: order and duplicates kept
  state.backend_state = options.backend_state;
  effects.push_back(SendToSelf{Check{}});
  effects.push_back(
      StartTimer{NewTimer(state), state.config.enter_regular_phase_ms, EnterRegularPhase{}});
  for (const NodeName& node : view.connected) {
    NodeupBookkeeping(state, node, now_ms, view, effects);
  }
}

void Step(State& state, const Message& message, TimeMs now_ms, const View& view,
          Effects& effects) {
  ENGINE_CHECK(now_ms >= state.start_time, "time went backwards before start");
  std::visit(
      [&](const auto& msg) {
        using M = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<M, Check>) {
          OnCheck(state, effects);
        } else if constexpr (std::is_same_v<M, EnterRegularPhase>) {
          state.phase = Phase::kRegular;
        } else if constexpr (std::is_same_v<M, GetNodesDone>) {
          ENGINE_CHECK(state.get_nodes_status == TaskStatus::kRunning,
                       "get_nodes result without a running call");
          OnGetNodesDone(state, msg, now_ms, view, effects);
        } else if constexpr (std::is_same_v<M, Nodeup>) {
          OnNodeup(state, msg, now_ms, view, effects);
        } else if constexpr (std::is_same_v<M, Nodedown>) {
          OnNodedown(state, msg, now_ms, view, effects);
        } else if constexpr (std::is_same_v<M, StartTimeMsg>) {
          OnStartTime(state, msg, effects);
        } else if constexpr (std::is_same_v<M, JoiningFinished>) {
          ENGINE_CHECK(state.join_status == TaskStatus::kRunning,
                       "joining_finished without a running join task");
          OnJoiningFinished(state, msg, view, effects);
        } else if constexpr (std::is_same_v<M, PingResult>) {
          OnPingResult(state, msg, view, effects);
        } else if constexpr (std::is_same_v<M, AddTable>) {
          if (!Contains(state.tables, msg.table)) {
            effects.push_back(SendToSelf{Check{}});
            OrdsetsAddElement(state.tables, msg.table);
          }
        } else if constexpr (std::is_same_v<M, DeleteTable>) {
          if (Contains(state.tables, msg.table)) OrdsetsDelElement(state.tables, msg.table);
        } else if constexpr (std::is_same_v<M, GetTablesCall>) {
          effects.push_back(Reply{msg.caller, ReplyTables{state.tables}});  // list order
        } else if constexpr (std::is_same_v<M, SystemInfoCall>) {
          // Built in place: a SystemInfo holds a whole State. (A braced Reply
          // moved in: clang 14 has no parenthesized aggregate init.)
          effects.emplace_back(std::in_place_type<Reply>,
                               Reply{msg.caller, MakeSystemInfo(state, now_ms, view)});
        } else if constexpr (std::is_same_v<M, WaitForReadyCall>) {
          // [From | Pending]: the newest caller goes to the front.
          PushFront(state.pending_wait_for_ready, msg.caller);
          TryVerifyReady(state, view, effects);
        } else if constexpr (std::is_same_v<M, WaitForGetNodesCall>) {
          if (state.get_nodes_status == TaskStatus::kNotRunning) {
            effects.push_back(Reply{msg.caller, ReplyOk{}});
          } else {
            PushFront(state.pending_wait_for_get_nodes, msg.caller);
          }
        } else {
          static_assert(std::is_same_v<M, UnknownMessage>);
          OnUnknown(msg, effects);
        }
      },
      message);
}

std::vector<MissingTask> VerifyReady(const State& state, const View& view) {
  std::vector<MissingTask> missing;
  if (!state.last_get_nodes_result.ok()) {
    missing.push_back(BadLastGetNodesResult{state.last_get_nodes_result});
  }
  // expected = sorted(nodes - local node - view); pangs = expected - unavailable.
  if (!ExpectedIsUnavailable(state, view)) {
    StillWaitingForPangs pangs;
    SortedCursor connected(view.connected);
    SortedCursor unavailable(state.unavailable_nodes);
    for (const NodeName& node : state.nodes) {
      if (node == view.local_node || connected.Contains(node)) continue;
      if (!unavailable.Contains(node)) pangs.nodes.push_back(node);
    }
    missing.push_back(std::move(pangs));
  }
  WaitingForJoinResult joins;
  if (!EveryPairHasResultInOrder(state, view)) MissingPairs(state, view, &joins.pairs);
  if (!joins.pairs.empty()) missing.push_back(std::move(joins));
  return missing;
}

RetryType ChooseRetryType(const State& state, TimeMs now_ms) {
  if (state.last_get_nodes_result.kind == GetNodesResult::Kind::kError) {
    return RetryType::kAfterError;
  }
  if (state.phase == Phase::kInitial) return RetryType::kInitial;
  if (state.nodedown_timestamps.empty()) return RetryType::kRegular;
  TimeMs latest_ms = state.nodedown_timestamps.begin()->second;
  for (const auto& [node, at_ms] : state.nodedown_timestamps) latest_ms = std::max(latest_ms, at_ms);
  return now_ms - latest_ms < state.config.after_nodedown_interval_ms ? RetryType::kAfterNodedown
                                                                      : RetryType::kRegular;
}

TimeMs IntervalMs(const Config& config, RetryType type) {
  switch (type) {
    case RetryType::kInitial:
      return config.initial_interval_ms;
    case RetryType::kAfterError:
      return config.after_error_interval_ms;
    case RetryType::kRegular:
      return config.regular_interval_ms;
    case RetryType::kAfterNodedown:
      return config.after_nodedown_interval_ms;
  }
  ENGINE_CHECK(false, "unknown retry type");
  return 0;
}

SystemInfo MakeSystemInfo(const State& state, TimeMs now_ms, const View& view) {
  return SystemInfo{state, VerifyReady(state, view), ChooseRetryType(state, now_ms)};
}

}  // namespace discosim::engine
