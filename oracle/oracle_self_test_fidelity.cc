// The oracle catches each fidelity point the engine once got wrong (issue
// 14's engine points, masked by the oracle until the engine was fixed): a
// recorded run of the right engine is rewritten into what the old, wrong
// engine did, and the comparison must fail at that difference, with it in
// the report. Control: the same run, not rewritten, agrees.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "oracle/driver.h"
#include "oracle/oracle_generators.h"
#include "oracle/shared_oracle.h"

namespace discosim::oracle {
namespace {

namespace e = ::discosim::engine;

// Calls `f` on every effect of the run (init's and every step's); true when
// `f` changed one.
bool RewriteEffects(Recording& run, const std::function<bool(e::Effect&)>& f) {
  bool changed = false;
  for (e::Effect& effect : run.init_effects) changed |= f(effect);
  for (Recording::Step& step : run.steps) {
    for (e::Effect& effect : step.effects) changed |= f(effect);
  }
  return changed;
}

// The same for every log record `what`.
bool RewriteLogs(Recording& run, const std::string& what,
                 const std::function<void(e::LogRecord&)>& f) {
  return RewriteEffects(run, [&](e::Effect& effect) {
    auto* log = std::get_if<e::Log>(&effect);
    if (log == nullptr || log->record.what != what) return false;
    f(log->record);
    return true;
  });
}

bool EraseField(e::LogRecord& record, const std::string& key) {
  return std::erase_if(record.fields, [&](const auto& field) { return field.first == key; }) > 0;
}

// The run must agree as recorded, and fail once rewritten: returns the
// mismatch report ("" when it agreed).
std::string CompareRewritten(const fuzz::DriverSetup& setup, const std::vector<fuzz::Action>& actions,
                             const std::function<bool(Recording&)>& rewrite) {
  Recording run = RecordDriverRun(setup, actions);
  absl::StatusOr<Verdict> right = SharedOracle().Compare(run);
  EXPECT_TRUE(right.ok()) << right.status();
  if (!right.ok()) return "";
  EXPECT_TRUE(right->agreed()) << "the right engine: " << right->mismatch->report;
  EXPECT_TRUE(rewrite(run)) << "the run does not show the point";
  absl::StatusOr<Verdict> wrong = SharedOracle().Compare(run);
  EXPECT_TRUE(wrong.ok()) << wrong.status();
  if (!wrong.ok() || wrong->agreed()) return "";
  return wrong->mismatch->report;
}

fuzz::DriverSetup WithTables(std::vector<e::TableName> tables, e::NodeSet connected = {}) {
  fuzz::DriverSetup setup;
  setup.tables = std::move(tables);
  setup.connected = std::move(connected);
  return setup;
}

// n2 is connected from the start and listed: one join task of (n2, t1),
// its result, the join_result record (outcome 1: {error, already_joined};
// 0: ok).
std::vector<fuzz::Action> OneJoin(uint32_t outcomes) {
  return {Action{act::Deliver{1}}, Action{act::FinishGetNodes{true, {1}, 0}},
          Action{act::Deliver{1}}, Action{act::FinishJoin{outcomes}}, Action{act::Deliver{1}}};
}

fuzz::DriverSetup OneTableN2Connected() { return WithTables({"t1"}, {"n2@h2"}); }

// handle_nodeup/2 logs with ?LOG_WARNING.
TEST(OracleSelfTest, NodeupLoggedAtInfoFails) {
  const std::string report = CompareRewritten(
      WithTables({"t1"}), {Action{act::Connect{1}}, Action{act::Deliver{1}}}, [](Recording& run) {
        return RewriteLogs(run, "nodeup", [](e::LogRecord& r) { r.level = e::LogLevel::kInfo; });
      });
  ASSERT_FALSE(report.empty());
  // Map keys in term order: `what` comes last.
  EXPECT_NE(report.find("≠ C++: {log,info,#{connected_nodes=>2,remote_node=>n2@h2,"), std::string::npos)
      << report;
  EXPECT_NE(report.find("erl: {log,warning,#{connected_nodes=>2,remote_node=>n2@h2,"),
            std::string::npos)
      << report;
}

// report_result/1 logs every join result with ?LOG_INFO, errors included.
TEST(OracleSelfTest, JoinErrorLoggedAsAWarningFails) {
  const std::string report =
      CompareRewritten(OneTableN2Connected(), OneJoin(1), [](Recording& run) {
        return RewriteLogs(run, "join_result",
                           [](e::LogRecord& r) { r.level = e::LogLevel::kWarning; });
      });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("C++: {log,warning,#{node=>n2@h2,result=>{error,already_joined},"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("erl: {log,info,#{node=>n2@h2,result=>{error,already_joined},"),
            std::string::npos)
      << report;
}

// do_join/2's map is logged as it is: result => {error, Reason}, no reason key.
TEST(OracleSelfTest, JoinErrorWithASeparateReasonFails) {
  const std::string report =
      CompareRewritten(OneTableN2Connected(), OneJoin(1), [](Recording& run) {
        return RewriteLogs(run, "join_result", [](e::LogRecord& r) {
          EraseField(r, "result");
          r.fields.emplace_back("result", "error");
          r.fields.emplace_back("reason", "already_joined");
        });
      });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("reason=>already_joined,result=>error"), std::string::npos) << report;
  EXPECT_NE(report.find("result=>{error,already_joined}"), std::string::npos) << report;
}

// report_results/2 logs Results -- OldResults: a second join with the same
// results logs nothing.
TEST(OracleSelfTest, LoggingUnchangedJoinResultsAgainFails) {
  std::vector<fuzz::Action> actions = OneJoin(0);
  // n3 connects: its nodeup starts a join of (n2, t1) again, same result.
  for (const Action& a : {Action{act::Connect{2}}, Action{act::Deliver{1}},
                          Action{act::FinishJoin{0}}, Action{act::Deliver{2}}}) {
    actions.push_back(a);
  }
  const std::string report = CompareRewritten(OneTableN2Connected(), actions, [](Recording& run) {
    std::vector<e::Effect> first_logs;
    int joins_finished = 0;
    for (Recording::Step& step : run.steps) {
      if (!std::holds_alternative<e::JoiningFinished>(step.message)) continue;
      if (++joins_finished == 1) {
        for (const e::Effect& x : step.effects) {
          if (std::holds_alternative<e::Log>(x)) first_logs.push_back(x);
        }
      } else if (joins_finished == 2 && !first_logs.empty()) {
        step.effects.insert(step.effects.begin(), first_logs.begin(), first_logs.end());
        return true;
      }
    }
    return false;
  });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("{joining_finished,"), std::string::npos) << report;
  EXPECT_NE(report.find("1 ≠ {log,info,#{node=>n2@h2,result=>ok,table=>t1,what=>join_result}} | -"),
            std::string::npos)
      << report;
}

// wait_for_get_nodes callers are prepended ([From | Pending]) and answered
// front to back: newest first.
TEST(OracleSelfTest, WaitersAnsweredOldestFirstFail) {
  const std::vector<fuzz::Action> actions = {
      Action{act::Deliver{1}},  // init's check: get_nodes runs
      Action{act::Call{fuzz::CallKind::kWaitForGetNodes}},
      Action{act::Call{fuzz::CallKind::kWaitForGetNodes}},
      Action{act::Deliver{2}},
      Action{act::FinishGetNodes{true, {}, 0}},
      Action{act::Deliver{1}}};
  // Only the answers' order: system_info's lists stay right.
  const std::string report = CompareRewritten(WithTables({"t1"}), actions, [](Recording& run) {
    for (Recording::Step& step : run.steps) {
      auto is_reply = [](const e::Effect& x) { return std::holds_alternative<e::Reply>(x); };
      auto first = std::find_if(step.effects.begin(), step.effects.end(), is_reply);
      auto last = std::find_if_not(first, step.effects.end(), is_reply);
      if (last - first >= 2) {
        std::reverse(first, last);
        return true;
      }
    }
    return false;
  });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("{handle_check_result,{ok,[]},0}"), std::string::npos) << report;
  EXPECT_NE(report.find("1 ≠ {reply,{caller,1},ok}"), std::string::npos) << report;
  EXPECT_NE(report.find("| {reply,{caller,2},ok}"), std::string::npos) << report;
}

TEST(OracleSelfTest, WaitersKeptOldestFirstFail) {
  const std::vector<fuzz::Action> actions = {
      Action{act::Deliver{1}}, Action{act::Call{fuzz::CallKind::kWaitForGetNodes}},
      Action{act::Call{fuzz::CallKind::kWaitForGetNodes}}, Action{act::Deliver{2}}};
  const std::string report = CompareRewritten(WithTables({"t1"}), actions, [](Recording& run) {
    bool changed = false;
    for (Recording::Step& step : run.steps) {
      std::vector<e::CallerId>& pending = step.info.state.pending_wait_for_get_nodes;
      changed |= pending.size() >= 2;
      std::reverse(pending.begin(), pending.end());
    }
    return changed;
  });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("pending_wait_for_get_nodes\n      C++: [{caller,1},{caller,2}]\n"
                        "      erl: [{caller,2},{caller,1}]"),
            std::string::npos)
      << report;
}

// init/1 keeps the tables option as given; get_tables replies it.
TEST(OracleSelfTest, TablesSortedFail) {
  const std::string report = CompareRewritten(
      WithTables({"t2", "t1", "t2"}),
      {Action{act::Call{fuzz::CallKind::kGetTables}}, Action{act::Deliver{2}}}, [](Recording& run) {
        bool changed = false;
        auto sort = [&](std::vector<e::TableName>& tables) {
          std::vector<e::TableName> sorted = tables;
          std::sort(sorted.begin(), sorted.end());
          sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
          changed |= sorted != tables;
          tables = sorted;
        };
        sort(run.init_info.state.tables);
        for (Recording::Step& step : run.steps) {
          sort(step.info.state.tables);
          for (e::Effect& x : step.effects) {
            if (auto* reply = std::get_if<e::Reply>(&x)) {
              if (auto* tables = std::get_if<e::ReplyTables>(&reply->value)) sort(tables->tables);
            }
          }
        }
        return changed;
      });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("mismatch at step 0 of"), std::string::npos) << report;
  EXPECT_NE(report.find("tables\n      C++: [t1,t2]\n      erl: [t2,t1,t2]"), std::string::npos)
      << report;
}

// delete_table runs ordsets:del_element/2 on the list as it is: on [t2, t1]
// deleting t1 stops at t2 and removes nothing.
TEST(OracleSelfTest, DeleteTableThatErasesFromAnUnsortedListFails) {
  const std::string report = CompareRewritten(
      WithTables({"t2", "t1"}), {Action{act::Cast{false, 0}}, Action{act::Deliver{1}}},
      [](Recording& run) {
        for (Recording::Step& step : run.steps) {
          if (const auto* m = std::get_if<e::DeleteTable>(&step.message)) {
            return std::erase(step.info.state.tables, m->table) > 0;
          }
        }
        return false;
      });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("{delete_table,t1}"), std::string::npos) << report;
  EXPECT_NE(report.find("tables\n      C++: [t2]\n      erl: [t2,t1]"), std::string::npos) << report;
}

// handle_call/3's catch-all logs msg and from.
TEST(OracleSelfTest, UnexpectedCallWithoutFromFails) {
  const std::string report = CompareRewritten(
      WithTables({"t1"}), {Action{act::Call{fuzz::CallKind::kUnknownCall}}, Action{act::Deliver{1}}},
      [](Recording& run) {
        bool changed = false;
        RewriteLogs(run, "unexpected_call", [&](e::LogRecord& r) { changed |= EraseField(r, "from"); });
        return changed;
      });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("erl: {log,error,#{from=>{caller,1},msg=>"), std::string::npos) << report;
}

// handle_receive_start_time/3 logs node_reconnects with its text.
TEST(OracleSelfTest, NodeReconnectsWithoutTextFails) {
  const std::string report = CompareRewritten(
      WithTables({"t1"}),
      {Action{act::PeerStartTime{1, 2}}, Action{act::PeerStartTime{1, 2}}, Action{act::Deliver{2}}},
      [](Recording& run) {
        bool changed = false;
        RewriteLogs(run, "node_reconnects", [&](e::LogRecord& r) { changed |= EraseField(r, "text"); });
        return changed;
      });
  ASSERT_FALSE(report.empty());
  EXPECT_NE(report.find("text=><<\"Netsplit recovery. The remote node has been connected to us "
                        "before.\">>"),
            std::string::npos)
      << report;
}

}  // namespace
}  // namespace discosim::oracle
