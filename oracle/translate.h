// The one translation between the engine's vocabulary and the oracle's
// protocol (oracle/erlang/oracle_server.erl): engine messages become the
// requests cets_discovery is handed, engine effects and system_info become
// the terms the rewritten module records (oracle/erlang/oracle_rt.erl lists
// them), so that the two sides compare as terms.
//
// Names are atoms. Strings that hold Erlang terms in the engine (get_nodes
// and join reasons, an unknown message's description, a log's msg, result
// and reason fields) are read as terms (FromText). Timers are numbered by
// their order of start in the instance ({timer,1} is init's
// enter_regular_phase timer), callers are {caller,Id}, and start_time goes
// to {cets_discovery,Node}: the oracle's process_info stub gives the
// module that registered name.
//
// Usage:
//   Translator tr("a@h1");
//   Term request = tr.InitRequest(options, now_ms, view.connected);
//   Term expected = tr.InitEffects(effects);       // what the module should record
//   Term step = tr.StepRequest(message, now_ms, view.connected);
//   Term got = tr.Effects(effects);
//   Term info = tr.SystemInfo(engine::MakeSystemInfo(state, now_ms, view));
#ifndef DISCOSIM_ORACLE_TRANSLATE_H_
#define DISCOSIM_ORACLE_TRANSLATE_H_

#include <map>
#include <string>

#include "engine/engine.h"
#include "engine/types.h"
#include "oracle/term.h"

namespace discosim::oracle {

class Translator {
 public:
  explicit Translator(engine::NodeName local_node) : local_node_(std::move(local_node)) {}

  // {init,#{tables=>..,backend_state=>..,local=>..},Now,View}
  Term InitRequest(const engine::Options& options, engine::TimeMs now_ms,
                   const engine::NodeSet& connected) const;
  // {step,{info,M}|{cast,M}|{call,M,From},Now,View}
  Term StepRequest(const engine::Message& message, engine::TimeMs now_ms,
                   const engine::NodeSet& connected) const;

  // The effects of Init: {monitor_nodes,true} (the world subscribes every
  // discovery process to nodeup/nodedown) and then Effects(effects).
  Term InitEffects(const engine::Effects& effects);
  // A list of effects. Numbers each StartTimer in order.
  Term Effects(const engine::Effects& effects);
  Term Effect(const engine::Effect& effect);
  Term SystemInfo(const engine::SystemInfo& info) const;

  // The message as the module receives it ({info,M} ...), and bare (M).
  Term Request(const engine::Message& message) const;
  Term Message(const engine::Message& message) const;

 private:
  Term Timer(engine::TimerId timer) const;
  Term Log(const engine::LogRecord& record) const;
  Term State(const engine::State& state) const;

  engine::NodeName local_node_;
  std::map<engine::TimerId, int64_t> timer_numbers_;
};

Term Caller(engine::CallerId caller);
Term JoinResult(const engine::JoinResult& result);
Term GetNodesResult(const engine::GetNodesResult& result);

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_TRANSLATE_H_
