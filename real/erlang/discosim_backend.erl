%% The get_nodes backend of `discosim real': serves a scenario's backend keys
%% (nodes, latency, error_rate, backend_fail) and records when each call
%% started, for the `get_nodes_calls' expectations.
%%
%% The configuration lives in the public ETS table `discosim_cfg', owned by
%% discosim_agent, which changes it when the runner asks (timeline `backend'
%% and `backend_fail' steps). Call times go to `discosim_calls', and the time
%% a `backend_fail {count}' ran out to `discosim_faults'.
%%
%% Order inside a call, as the simulated backend has it: record the start,
%% decide the outcome (scripted failures first, then `until', then the error
%% rate), sleep the latency, answer.
-module(discosim_backend).
-behaviour(cets_discovery).

-export([init/1, get_nodes/1]).

-spec init(map()) -> map().
init(_Opts) ->
    #{}.

-spec get_nodes(map()) -> {cets_discovery:get_nodes_result(), map()}.
get_nodes(State) ->
    Now = erlang:system_time(millisecond),
    ets:insert(discosim_calls, {erlang:unique_integer([monotonic, positive]), Now}),
    Fails = fails(Now),
    timer:sleep(latency_ms()),
    case Fails of
        true -> {{error, simulated}, State};
        false -> {{ok, config(nodes)}, State}
    end.

config(Key) ->
    [{Key, Value}] = ets:lookup(discosim_cfg, Key),
    Value.

fails(Now) ->
    case config(fail_count) of
        Count when Count > 0 ->
            ets:insert(discosim_cfg, {fail_count, Count - 1}),
            Count =:= 1 andalso ets:insert(discosim_faults, {erlang:unique_integer([monotonic]), Now}),
            true;
        _ ->
            Now < config(fail_until) orelse rand:uniform() < config(error_rate)
    end.

latency_ms() ->
    case config(latency) of
        {Min, Min} -> Min;
        {Min, Max} -> Min + rand:uniform(Max - Min + 1) - 1
    end.
