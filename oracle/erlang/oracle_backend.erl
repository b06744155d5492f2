%% The discovery backend the oracle gives cets_discovery (backend_module):
%% init/1 returns the `backend_state` option; get_nodes/1 records the call
%% and returns at once (its result reaches the module later, as a
%% {handle_check_result, Result, State} message the driver chooses).
-module(oracle_backend).
-export([init/1, get_nodes/1]).

init(Opts) -> maps:get(backend_state, Opts).
get_nodes(State) -> oracle_rt:backend_get_nodes(State).
