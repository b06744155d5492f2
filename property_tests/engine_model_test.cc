// Proves that the engine's API behaves like a small reference model written
// from CETS 0.2.0's cets_discovery rules (it calls no engine function): the
// tables (add_table, delete_table, get_tables), the waiters (which
// wait_for_ready and wait_for_get_nodes callers are answered after which
// command) and the retry timing (when a get_nodes call starts, and the
// interval of every check timer). RapidCheck's state module generates the
// command sequences; the world is synchronous (Delivery::kImmediate: the
// mailbox is drained after every command and every timer), so the model can
// predict each command's outcome exactly.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/engine_driver.h"
#include "property_tests/engine_generators.h"

namespace discosim::property_tests {
namespace {

namespace e = ::discosim::engine;

// ---------------------------------------------------------------------------
// The reference model.

struct RefModel {
  Config config;
  TimeMs now_ms = 0;
  TimeMs enter_regular_at_ms = 0;
  bool enter_regular_fired = false;
  bool regular = false;  // left the initial phase (timer or a peer's start time)
  NodeSet connected;
  std::vector<TableName> tables;  // the option as given, then ordsets add/del on it
  // get_nodes
  bool get_nodes_running = false;
  bool retry_pending = false;  // a check came while get_nodes ran
  enum class Last { kNotCalledYet, kOk, kError } last = Last::kNotCalledYet;
  NodeSet nodes;        // the last good list
  NodeSet unavailable;  // answered pang, or went down
  std::optional<TimeMs> check_due_ms;
  std::optional<TimeMs> last_nodedown_ms;
  std::vector<NodeName> pings;  // in flight, in start order (as the driver keeps them)
  // joins
  bool join_running = false;
  bool join_again = false;
  std::vector<JoinPair> join_pairs;  // of the running task
  std::set<JoinPair> joined;         // pairs with a result from the last finished task
  // callers
  std::vector<CallerId> waiting_ready;
  std::vector<CallerId> waiting_get_nodes;
  CallerId next_caller = 1;
};

// What system_info should show.
struct ExpectedInfo {
  e::Phase phase;
  e::RetryType retry_type;
  bool get_nodes_running;
  bool retry_pending;
  bool join_running;
  std::vector<TableName> tables;
  NodeSet nodes;
  NodeSet unavailable;
  std::vector<CallerId> waiting_ready;
  std::vector<CallerId> waiting_get_nodes;
  bool ready;
};

struct ExpectedReply {
  CallerId caller = 0;
  CallKind kind = CallKind::kGetTables;
  std::vector<TableName> tables;     // get_tables
  std::optional<ExpectedInfo> info;  // system_info
};

// What the world should see during one command.
struct Expected {
  std::vector<ExpectedReply> replies;
  int get_nodes_started = 0;
  std::vector<std::vector<JoinPair>> joins_started;
  std::vector<TimeMs> check_timer_delays_ms;
  std::vector<NodeName> pings_started;
};

// ordsets:add_element/2 and del_element/2, clause by clause, on a list that
// may be unsorted.
std::vector<TableName> AddElement(const TableName& e, std::vector<TableName> set) {
  for (size_t i = 0; i < set.size(); ++i) {
    if (e > set[i]) continue;                                   // [H | add_element(E, Es)]
    if (e < set[i]) set.insert(set.begin() + static_cast<long>(i), e);  // [E | Set]
    return set;                                                 // E == H: Set
  }
  set.push_back(e);  // add_element(E, []) -> [E]
  return set;
}
std::vector<TableName> DelElement(const TableName& e, std::vector<TableName> set) {
  for (size_t i = 0; i < set.size(); ++i) {
    if (e > set[i]) continue;
    if (e == set[i]) set.erase(set.begin() + static_cast<long>(i));
    return set;  // E < H: Set
  }
  return set;
}
bool Member(const std::vector<TableName>& list, const TableName& e) {
  return std::find(list.begin(), list.end(), e) != list.end();
}

RefModel InitialModel(const DriverSetup& setup) {
  RefModel m;
  m.config = setup.config;
  m.now_ms = setup.start_ms;
  m.enter_regular_at_ms = setup.start_ms + setup.config.enter_regular_phase_ms;
  for (const NodeName& node : setup.connected) {
    if (node != LocalNode()) m.connected.insert(node);
  }
  m.tables = setup.tables;  // order and duplicates kept
  m.get_nodes_running = true;  // init queues a check, drained at once
  return m;
}

bool Ready(const RefModel& m) {
  if (m.last != RefModel::Last::kOk) return false;
  NodeSet should_be_unavailable;
  for (const NodeName& node : m.nodes) {
    if (node != LocalNode() && !m.connected.contains(node)) should_be_unavailable.insert(node);
  }
  if (should_be_unavailable != m.unavailable) return false;
  for (const NodeName& node : m.nodes) {
    if (!m.connected.contains(node)) continue;
    for (const TableName& table : m.tables) {
      if (!m.joined.contains(JoinPair{node, table})) return false;
    }
  }
  return true;
}

e::RetryType RetryTypeNow(const RefModel& m) {
  if (m.last == RefModel::Last::kError) return e::RetryType::kAfterError;
  if (!m.regular) return e::RetryType::kInitial;
  if (!m.last_nodedown_ms) return e::RetryType::kRegular;
  return m.now_ms - *m.last_nodedown_ms < m.config.after_nodedown_interval_ms
             ? e::RetryType::kAfterNodedown
             : e::RetryType::kRegular;
}

TimeMs Interval(const Config& c, e::RetryType type) {
  switch (type) {
    case e::RetryType::kInitial:
      return c.initial_interval_ms;
    case e::RetryType::kAfterError:
      return c.after_error_interval_ms;
    case e::RetryType::kRegular:
      return c.regular_interval_ms;
    case e::RetryType::kAfterNodedown:
      return c.after_nodedown_interval_ms;
  }
  return -1;
}

void ReplyOk(std::vector<CallerId>& waiting, CallKind kind, Expected& x) {
  for (CallerId caller : waiting) x.replies.push_back({caller, kind, {}, std::nullopt});
  waiting.clear();
}

void CheckArrives(RefModel& m, Expected& x) {
  if (m.get_nodes_running) {
    m.retry_pending = true;
  } else {
    m.get_nodes_running = true;
    ++x.get_nodes_started;
  }
}

void WantJoin(RefModel& m, Expected& x) {
  if (m.join_running) {
    m.join_again = true;
    return;
  }
  m.join_pairs.clear();
  for (const NodeName& node : m.nodes) {
    if (!m.connected.contains(node)) continue;
    for (const TableName& table : m.tables) m.join_pairs.push_back({node, table});
  }
  x.joins_started.push_back(m.join_pairs);
  m.join_running = true;
  m.join_again = false;
}

void ReleaseIfReady(RefModel& m, Expected& x) {
  if (Ready(m)) ReplyOk(m.waiting_ready, CallKind::kWaitForReady, x);
}

void NodeComesUp(RefModel& m, const NodeName& node, Expected& x) {
  m.connected.insert(node);
  m.unavailable.erase(node);
  WantJoin(m, x);
  CheckArrives(m, x);  // the nodeup's check to self, drained right after
}

void AdvanceModelTime(RefModel& m, TimeMs delta_ms, Expected& x) {
  const TimeMs target_ms = m.now_ms + delta_ms;
  while (true) {
    const bool regular_due = !m.enter_regular_fired && m.enter_regular_at_ms <= target_ms;
    const bool check_due = m.check_due_ms && *m.check_due_ms <= target_ms;
    // On a tie the enter_regular_phase timer fires first: it was started first.
    if (regular_due && (!check_due || m.enter_regular_at_ms <= *m.check_due_ms)) {
      m.now_ms = std::max(m.now_ms, m.enter_regular_at_ms);
      m.enter_regular_fired = true;
      m.regular = true;
    } else if (check_due) {
      m.now_ms = std::max(m.now_ms, *m.check_due_ms);
      m.check_due_ms.reset();
      CheckArrives(m, x);
    } else {
      break;
    }
  }
  m.now_ms = target_ms;
}

void GetNodesReturns(RefModel& m, const act::FinishGetNodes& a, Expected& x) {
  m.get_nodes_running = false;
  m.last = a.ok ? RefModel::Last::kOk : RefModel::Last::kError;
  if (!m.retry_pending) ReplyOk(m.waiting_get_nodes, CallKind::kWaitForGetNodes, x);
  if (a.ok) {
    m.nodes.clear();
    for (int index : a.nodes) m.nodes.insert(PoolNode(index));
    for (const NodeName& node : m.nodes) {
      if (node == LocalNode() || m.connected.contains(node)) continue;
      m.pings.push_back(node);
      x.pings_started.push_back(node);
    }
    WantJoin(m, x);
    NodeSet kept;
    for (const NodeName& node : m.unavailable) {
      if (m.nodes.contains(node)) kept.insert(node);
    }
    m.unavailable = kept;
  }
  ReleaseIfReady(m, x);
  if (m.retry_pending) {
    m.retry_pending = false;
    CheckArrives(m, x);  // the immediate retry; the old timer stays as it is
  } else {
    const TimeMs interval_ms = Interval(m.config, RetryTypeNow(m));
    x.check_timer_delays_ms.push_back(interval_ms);
    m.check_due_ms = m.now_ms + interval_ms;
  }
}

ExpectedInfo InfoOf(const RefModel& m) {
  return ExpectedInfo{m.regular ? e::Phase::kRegular : e::Phase::kInitial,
                      RetryTypeNow(m),
                      m.get_nodes_running,
                      m.retry_pending,
                      m.join_running,
                      m.tables,
                      m.nodes,
                      m.unavailable,
                      m.waiting_ready,
                      m.waiting_get_nodes,
                      Ready(m)};
}

void Called(RefModel& m, CallKind kind, Expected& x) {
  const CallerId caller = m.next_caller++;
  switch (kind) {
    case CallKind::kGetTables:
      x.replies.push_back({caller, kind, m.tables, std::nullopt});
      break;
    case CallKind::kSystemInfo:
      x.replies.push_back({caller, kind, {}, InfoOf(m)});
      break;
    case CallKind::kWaitForReady:
      m.waiting_ready.insert(m.waiting_ready.begin(), caller);  // newest first
      ReleaseIfReady(m, x);
      break;
    case CallKind::kWaitForGetNodes:
      if (m.get_nodes_running) {
        m.waiting_get_nodes.insert(m.waiting_get_nodes.begin(), caller);  // newest first
      } else {
        x.replies.push_back({caller, kind, {}, std::nullopt});
      }
      break;
    case CallKind::kUnknownCall:
      x.replies.push_back({caller, kind, {}, std::nullopt});
      break;
  }
}

// ---------------------------------------------------------------------------
// Comparing what the engine did with what the model expects.

template <typename T>
std::string Show(const T& value) {
  std::ostringstream os;
  rc::show(value, os);
  return os.str();
}

std::vector<std::string> PairNames(const std::vector<std::vector<JoinPair>>& joins) {
  std::vector<std::string> out;
  for (const auto& pairs : joins) {
    std::string line;
    for (const JoinPair& p : pairs) line += "{" + p.node + "," + p.table + "}";
    out.push_back(line);
  }
  return out;
}

std::optional<std::string> CompareInfo(const ExpectedInfo& want, const e::SystemInfo& got) {
  const State& s = got.state;
  auto mismatch = [](const char* field) {
    return std::optional<std::string>(std::string("system_info field ") + field + " differs");
  };
  if (s.phase != want.phase) return mismatch("phase");
  if (got.retry_type != want.retry_type) {
    return std::string("system_info retry_type is ") + e::ToString(got.retry_type) +
           ", model says " + e::ToString(want.retry_type);
  }
  if ((s.get_nodes_status == e::TaskStatus::kRunning) != want.get_nodes_running) {
    return mismatch("get_nodes_status");
  }
  if (s.should_retry_get_nodes != want.retry_pending) return mismatch("should_retry_get_nodes");
  if ((s.join_status == e::TaskStatus::kRunning) != want.join_running) {
    return mismatch("join_status");
  }
  if (s.tables != want.tables) return mismatch("tables");
  if (s.nodes != want.nodes) return mismatch("nodes");
  if (s.unavailable_nodes != want.unavailable) return mismatch("unavailable_nodes");
  if (s.pending_wait_for_ready != want.waiting_ready) return mismatch("pending_wait_for_ready");
  if (s.pending_wait_for_get_nodes != want.waiting_get_nodes) {
    return mismatch("pending_wait_for_get_nodes");
  }
  if (got.verify_ready.empty() != want.ready) return mismatch("verify_ready (ready or not)");
  return std::nullopt;
}

std::optional<std::string> CompareReplies(const std::vector<ExpectedReply>& want,
                                          const std::vector<e::Reply>& got) {
  std::vector<CallerId> want_callers;
  std::vector<CallerId> got_callers;
  for (const ExpectedReply& r : want) want_callers.push_back(r.caller);
  for (const e::Reply& r : got) got_callers.push_back(r.caller);
  if (want_callers != got_callers) {
    return "replied to callers " + Show(got_callers) + ", model expects " + Show(want_callers);
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].kind == CallKind::kGetTables) {
      const auto* tables = std::get_if<e::ReplyTables>(&got[i].value);
      if (tables == nullptr || tables->tables != want[i].tables) {
        return "get_tables replied otherwise than " + Show(want[i].tables);
      }
    } else if (want[i].kind == CallKind::kSystemInfo) {
      const auto* info = std::get_if<e::SystemInfo>(&got[i].value);
      if (info == nullptr) return std::string("system_info got another reply");
      if (auto diff = CompareInfo(*want[i].info, *info)) return diff;
    } else if (want[i].kind == CallKind::kUnknownCall) {
      if (!std::holds_alternative<e::ReplyUnexpectedCall>(got[i].value)) {
        return std::string("an unknown call was not answered {error, unexpected_call}");
      }
    } else if (!std::holds_alternative<e::ReplyOk>(got[i].value)) {
      return std::string("a waiter was not answered ok");
    }
  }
  return std::nullopt;
}

std::optional<std::string> Compare(const Expected& want, const Observed& got) {
  if (auto diff = CompareReplies(want.replies, got.replies)) return diff;
  if (want.get_nodes_started != got.get_nodes_started) {
    return "started " + std::to_string(got.get_nodes_started) + " get_nodes call(s), model " +
           "expects " + std::to_string(want.get_nodes_started);
  }
  if (want.check_timer_delays_ms != got.check_timer_delays_ms) {
    return "check timers of " + Show(got.check_timer_delays_ms) + " ms, model expects " +
           Show(want.check_timer_delays_ms);
  }
  if (want.joins_started != got.joins_started) {
    return "join tasks " + Show(PairNames(got.joins_started)) + ", model expects " +
           Show(PairNames(want.joins_started));
  }
  if (want.pings_started != got.pings_started) {
    return "pings " + Show(got.pings_started) + ", model expects " + Show(want.pings_started);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Commands: each is one world action, with the model's prediction of it.

using Command = rc::state::Command<RefModel, EngineDriver>;

// Derived supplies `Action ToAction() const` and
// `void Predict(RefModel&, Expected&) const`.
template <typename Derived>
struct ModelCommand : Command {
  void apply(RefModel& m) const override {
    Expected ignored;
    self().Predict(m, ignored);
  }
  void run(const RefModel& m0, EngineDriver& sut) const override {
    RefModel m = m0;
    Expected want;
    self().Predict(m, want);
    sut.Apply(self().ToAction());
    const Observed got = sut.TakeObserved();
    std::optional<std::string> diff;
    if (!sut.violations().empty()) diff = sut.violations().front();
    if (!diff) diff = Compare(want, got);
    if (diff) {
      RC_LOG() << "trace:\n" << sut.Trace();
      RC_FAIL(*diff);
    }
  }
  void show(std::ostream& os) const override { os << self().ToAction(); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }
};

struct AddTableCmd : ModelCommand<AddTableCmd> {
  int table = *GenTableIndex();
  Action ToAction() const { return {act::Cast{true, table}}; }
  void Predict(RefModel& m, Expected& x) const {
    const TableName name = PoolTable(table);
    if (Member(m.tables, name)) return;
    m.tables = AddElement(name, m.tables);
    CheckArrives(m, x);
  }
};

struct DeleteTableCmd : ModelCommand<DeleteTableCmd> {
  int table = *GenTableIndex();
  Action ToAction() const { return {act::Cast{false, table}}; }
  void Predict(RefModel& m, Expected&) const {
    const TableName name = PoolTable(table);
    if (Member(m.tables, name)) m.tables = DelElement(name, m.tables);
  }
};

struct CallCmd : ModelCommand<CallCmd> {
  CallKind kind = *rc::gen::element(CallKind::kGetTables, CallKind::kSystemInfo,
                                    CallKind::kWaitForReady, CallKind::kWaitForGetNodes,
                                    CallKind::kUnknownCall);
  Action ToAction() const { return {act::Call{kind}}; }
  void Predict(RefModel& m, Expected& x) const { Called(m, kind, x); }
};

struct FinishGetNodesCmd : ModelCommand<FinishGetNodesCmd> {
  act::FinishGetNodes result{
      *rc::gen::weightedElement<bool>({{3, true}, {1, false}}),
      *rc::gen::container<std::vector<int>>(*rc::gen::inRange<size_t>(0, 7), GenNodeIndex()),
      *rc::gen::inRange<BackendState>(0, 4)};
  void checkPreconditions(const RefModel& m) const override { RC_PRE(m.get_nodes_running); }
  Action ToAction() const { return {result}; }
  void Predict(RefModel& m, Expected& x) const { GetNodesReturns(m, result, x); }
};

struct FinishJoinCmd : ModelCommand<FinishJoinCmd> {
  uint32_t outcomes = *rc::gen::arbitrary<uint32_t>();
  void checkPreconditions(const RefModel& m) const override { RC_PRE(m.join_running); }
  Action ToAction() const { return {act::FinishJoin{outcomes}}; }
  void Predict(RefModel& m, Expected& x) const {
    // Any result counts for readiness, errors included.
    m.joined = std::set<JoinPair>(m.join_pairs.begin(), m.join_pairs.end());
    m.join_running = false;
    ReleaseIfReady(m, x);
    if (m.join_again) WantJoin(m, x);
  }
};

struct PingCmd : ModelCommand<PingCmd> {
  int index = *rc::gen::inRange(0, 8);
  bool pong = *rc::gen::arbitrary<bool>();
  void checkPreconditions(const RefModel& m) const override { RC_PRE(!m.pings.empty()); }
  Action ToAction() const { return {act::FinishPing{index, pong}}; }
  void Predict(RefModel& m, Expected& x) const {
    const size_t i = static_cast<size_t>(index) % m.pings.size();
    const NodeName node = m.pings[i];
    m.pings.erase(m.pings.begin() + static_cast<std::ptrdiff_t>(i));
    if (pong) {
      if (!m.connected.contains(node)) NodeComesUp(m, node, x);
      return;  // a pong changes nothing by itself
    }
    if (!m.connected.contains(node)) m.unavailable.insert(node);
    ReleaseIfReady(m, x);
  }
};

struct ConnectCmd : ModelCommand<ConnectCmd> {
  int node = *GenRemoteIndex();
  void checkPreconditions(const RefModel& m) const override {
    RC_PRE(!m.connected.contains(PoolNode(node)));
  }
  Action ToAction() const { return {act::Connect{node}}; }
  void Predict(RefModel& m, Expected& x) const { NodeComesUp(m, PoolNode(node), x); }
};

struct DisconnectCmd : ModelCommand<DisconnectCmd> {
  int node = *GenRemoteIndex();
  void checkPreconditions(const RefModel& m) const override {
    RC_PRE(m.connected.contains(PoolNode(node)));
  }
  Action ToAction() const { return {act::Disconnect{node}}; }
  void Predict(RefModel& m, Expected& x) const {
    m.connected.erase(PoolNode(node));
    m.last_nodedown_ms = m.now_ms;
    m.unavailable.insert(PoolNode(node));
    ReleaseIfReady(m, x);
  }
};

struct AdvanceTimeCmd : ModelCommand<AdvanceTimeCmd> {
  TimeMs delta_ms = *rc::gen::weightedOneOf<TimeMs>(
      {{4, rc::gen::inRange<TimeMs>(0, 40)}, {1, rc::gen::inRange<TimeMs>(0, 400)}});
  Action ToAction() const { return {act::AdvanceTime{delta_ms}}; }
  void Predict(RefModel& m, Expected& x) const { AdvanceModelTime(m, delta_ms, x); }
};

struct PeerStartTimeCmd : ModelCommand<PeerStartTimeCmd> {
  int node = *GenRemoteIndex();
  TimeMs start_time = *rc::gen::inRange<TimeMs>(0, 3);
  Action ToAction() const { return {act::PeerStartTime{node, start_time}}; }
  void Predict(RefModel& m, Expected&) const { m.regular = true; }
};

struct ExternalCheckCmd : ModelCommand<ExternalCheckCmd> {
  Action ToAction() const { return {act::ExternalCheck{}}; }
  void Predict(RefModel& m, Expected& x) const { CheckArrives(m, x); }
};

RC_GTEST_PROP(EngineModel, ApiMatchesTheReferenceModel, ()) {
  const DriverSetup setup = *GenSetup();
  RC_LOG() << "setup: " << setup << "\n";
  EngineDriver sut(setup, Delivery::kImmediate);
  sut.TakeObserved();  // init's own get_nodes call is in the initial model
  rc::state::check(
      InitialModel(setup), sut,
      rc::state::gen::execOneOfWithArgs<
          AddTableCmd, DeleteTableCmd, CallCmd, CallCmd, CallCmd, FinishGetNodesCmd,
          FinishGetNodesCmd, FinishJoinCmd, FinishJoinCmd, PingCmd, ConnectCmd, DisconnectCmd,
          AdvanceTimeCmd, AdvanceTimeCmd, PeerStartTimeCmd, ExternalCheckCmd>());
}

}  // namespace
}  // namespace discosim::property_tests
