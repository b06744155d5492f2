// The translation, checked against the shapes cets_discovery.erl uses (its
// handle_info clauses, the state() map, the join_result() map) and the
// effects oracle_rt.erl records.
#include "oracle/translate.h"

#include <gtest/gtest.h>

namespace discosim::oracle {
namespace {

namespace e = ::discosim::engine;

TEST(Translate, MessagesAsTheModuleReceivesThem) {
  Translator tr("a@h1");
  EXPECT_EQ(Print(tr.Request(e::Check{})), "{info,check}");
  EXPECT_EQ(Print(tr.Request(e::GetNodesDone{e::GetNodesResult::Ok({"b@h2", "a@h1"}), 3})),
            "{info,{handle_check_result,{ok,[b@h2,a@h1]},3}}");
  EXPECT_EQ(Print(tr.Request(e::GetNodesDone{e::GetNodesResult::Error("timeout"), 0})),
            "{info,{handle_check_result,{error,timeout},0}}");
  EXPECT_EQ(Print(tr.Request(e::PingResult{"b@h2", e::PingResult::Outcome::kPang})),
            "{info,{ping_result,b@h2,pang}}");
  EXPECT_EQ(Print(tr.Request(e::AddTable{"t1"})), "{cast,{add_table,t1}}");
  EXPECT_EQ(Print(tr.Request(e::WaitForReadyCall{7})), "{call,wait_for_ready,{caller,7}}");
  EXPECT_EQ(Print(tr.Request(e::UnknownMessage{e::UnknownMessage::Kind::kCall, "{bogus_call}", 4})),
            "{call,{bogus_call},{caller,4}}");
  EXPECT_EQ(Print(tr.Request(e::UnknownMessage{e::UnknownMessage::Kind::kCast, "odd text", 0})),
            "{cast,<<\"odd text\">>}");
  e::JoiningFinished done;
  done.results = {{"b@h2", "t1", e::JoinResult::What::kJoinResult, true, ""},
                  {"b@h2", "t2", e::JoinResult::What::kJoinResult, false, "already_joined"},
                  {"c@h3", "t1", e::JoinResult::What::kPidNotFound, false, "{badrpc,nodedown}"}};
  EXPECT_EQ(Print(tr.Request(done)),
            "{info,{joining_finished,["
            "#{node=>b@h2,result=>ok,table=>t1,what=>join_result},"
            "#{node=>b@h2,result=>{error,already_joined},table=>t2,what=>join_result},"
            "#{node=>c@h3,reason=>{badrpc,nodedown},table=>t1,what=>pid_not_found}]}}");
}

TEST(Translate, TimersAreNumberedInStartOrder) {
  Translator tr("a@h1");
  const Term init = tr.InitEffects({e::SendToSelf{e::Check{}},
                                    e::StartTimer{41, 300'000, e::EnterRegularPhase{}}});
  EXPECT_EQ(Print(init),
            "[{monitor_nodes,true},{send_self,check},"
            "{start_timer,{timer,1},300000,enter_regular_phase}]");
  const Term step = tr.Effects({e::StartTimer{7, 5'000, e::Check{}}, e::CancelTimer{41},
                                e::CancelTimer{99}, e::DropQueuedChecks{}});
  EXPECT_EQ(Print(step),
            "[{start_timer,{timer,2},5000,check},{cancel_timer,{timer,1}},"
            "{cancel_timer,{timer,never_started}},drop_queued_checks]");
}

TEST(Translate, EffectsAsOracleRtRecordsThem) {
  Translator tr("a@h1");
  e::LogRecord nodeup{e::LogLevel::kWarning, "nodeup",
                      {{"remote_node", std::string("b@h2")}, {"connected_nodes", int64_t{2}}}};
  const Term effects = tr.Effects({
      e::StartGetNodes{5},
      e::StartPing{"c@h3"},
      e::StartJoinTask{{{"b@h2", "t1"}, {"b@h2", "t2"}}},
      e::SendStartTime{"b@h2", 100},
      e::Reply{3, e::ReplyTables{{"t1"}}},
      e::Reply{4, e::ReplyUnexpectedCall{}},
      e::Log{nodeup},
  });
  EXPECT_EQ(Print(effects),
            "[{start_get_nodes,5},{start_ping,c@h3},{start_join,[{b@h2,t1},{b@h2,t2}]},"
            "{send,{cets_discovery,b@h2},{start_time,a@h1,100}},"
            "{reply,{caller,3},{ok,[t1]}},{reply,{caller,4},{error,unexpected_call}},"
            "{log,warning,#{connected_nodes=>2,remote_node=>b@h2,what=>nodeup}}]");
}

TEST(Translate, SystemInfoHasEveryKeyOfTheStateMap) {
  Translator tr("a@h1");
  e::State state;
  state.tables = {"t1"};
  state.pending_wait_for_ready = {2, 1};
  state.nodedown_timestamps = {{"b@h2", 10}};
  const Term info = tr.SystemInfo(e::SystemInfo{state, {}, e::RetryType::kInitial});
  // The keys of cets_discovery's state() map, plus verify_ready and retry_type.
  for (const char* key :
       {"phase", "results", "nodes", "unavailable_nodes", "tables", "backend_module",
        "backend_state", "get_nodes_status", "should_retry_get_nodes", "last_get_nodes_result",
        "last_get_nodes_retry_type", "join_status", "should_retry_join", "timer_ref",
        "pending_wait_for_ready", "pending_wait_for_get_nodes", "nodeup_timestamps",
        "nodedown_timestamps", "node_start_timestamps", "start_time", "verify_ready",
        "retry_type"}) {
    EXPECT_NE(MapGet(info, key), nullptr) << key;
  }
  EXPECT_EQ(info.items.size(), 2u * 22);
  EXPECT_EQ(Print(*MapGet(info, "pending_wait_for_ready")), "[{caller,2},{caller,1}]");
  EXPECT_EQ(Print(*MapGet(info, "nodedown_timestamps")), "#{b@h2=>10}");
  EXPECT_EQ(Print(*MapGet(info, "timer_ref")), "undefined");
  EXPECT_EQ(Print(*MapGet(info, "last_get_nodes_result")), "not_called_yet");
}

}  // namespace
}  // namespace discosim::oracle
