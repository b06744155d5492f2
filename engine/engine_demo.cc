// A short tour of the engine with no world around it: start, a get_nodes
// result naming two peers, their nodeups, and the join that follows. Prints
// each message and the effects the engine asks for.
#include <cstdio>
#include <deque>

#include "engine/engine.h"

namespace {

using namespace discosim::engine;

void Print(const char* label, const Effects& effects) {
  std::printf("%s\n", label);
  for (const Effect& e : effects) std::printf("    -> %s\n", Describe(e).c_str());
}

}  // namespace

int main() {
  const NodeName self = "a@h1";
  NodeSet connected;
  const View view{self, connected};
  State state;
  Effects effects;
  Options options;
  options.tables = {"sessions"};
  Init(state, options, 0, view, effects);
  Print("t=0 init", effects);

  auto step = [&](TimeMs now_ms, const Message& message) {
    effects.clear();
    Step(state, message, now_ms, view, effects);
    Print(("t=" + std::to_string(now_ms) + " " + Describe(message)).c_str(), effects);
  };
  step(0, Check{});
  step(20, GetNodesDone{GetNodesResult::Ok({"c@h3", "a@h1", "b@h2"}), 1});
  step(21, JoiningFinished{});  // the join task started with no pairs
  connected.insert("b@h2");
  step(25, Nodeup{"b@h2"});
  connected.insert("c@h3");
  step(26, Nodeup{"c@h3"});
  step(40, JoiningFinished{{{"b@h2", "sessions", JoinResult::What::kJoinResult, true, ""}}});  // retries: c came up meanwhile
  step(41, WaitForReadyCall{7});
  step(60, JoiningFinished{{{"b@h2", "sessions", JoinResult::What::kJoinResult, true, ""},
                            {"c@h3", "sessions", JoinResult::What::kJoinResult, true, ""}}});
  std::printf("ready: %s\n", VerifyReady(state, view).empty() ? "yes" : "no");
  return 0;
}
