%% What the rewritten cets_discovery calls instead of its side effects
%% (oracle_transform.erl says which call becomes which). Everything runs in
%% the oracle's one process: the module's state is handed in and out by
%% oracle_server, and each effect is appended to a list in the process
%% dictionary, in the order the module asked for it.
%%
%% Effects, as oracle_term prints them:
%%   {monitor_nodes,Flag}                net_kernel:monitor_nodes/1
%%   {send_self,Msg}                     self() ! Msg
%%   {send,Dest,Msg}                     any other send (start_time to a peer)
%%   {start_timer,{timer,K},Delay,Msg}   erlang:send_after(Delay, self(), Msg)
%%   {cancel_timer,{timer,K}}            erlang:cancel_timer/1
%%   drop_queued_checks                  receive check -> ... after 0 -> ... end
%%   {start_get_nodes,BackendState}      a task that calls the backend's get_nodes
%%   {start_ping,Node}                   a task that calls cets_ping:ping/1
%%   {start_join,[{Node,Table},...]}     a task that ends in {joining_finished, _}
%%   {reply,From,Reply}                  gen_server:reply/2 or a {reply, ...} return
%%   {log,Level,Report}                  a logger macro
%%
%% A task (the fun given to spawn/spawn_link) is run at once, in this
%% process, against stubs: the backend's get_nodes, cets_ping:ping/1 and
%% rpc:call/4 record what they were asked and return at once; the message
%% the task would send to the discovery process is kept back (its result
%% comes later, as a message the driver chooses).
-module(oracle_rt).
-compile({no_auto_import, [nodes/0, node/0, spawn/1, spawn_link/1, whereis/1, process_info/2]}).
-export([reset/0, set_context/3, take_effects/0, effect/1, timer_number/1]).
-export([system_time/1, nodes/0, node/0, monitor_nodes/1, send/2, send_after/3,
         cancel_timer/1, flush/1, process_info/2, reply/2, logger_allow/2, macro_log/1,
         spawn/1, spawn_link/1, whereis/1, run_tracked/2, ping/1, send_ping_result/3,
         rpc_call/4, join/4, backend_get_nodes/1]).

%% A fresh instance: no effects, no timers.
reset() ->
    put(oracle_effects, []),
    put(oracle_timers, #{}),
    put(oracle_timer_next, 1),
    erase(oracle_task),
    ok.

%% The virtual time, nodes() and node() of the next request.
set_context(Now, View, Local) ->
    put(oracle_now, Now),
    put(oracle_view, View),
    put(oracle_local, Local),
    ok.

take_effects() ->
    Effects = lists:reverse(get(oracle_effects)),
    put(oracle_effects, []),
    Effects.

effect(Effect) ->
    put(oracle_effects, [Effect | get(oracle_effects)]),
    ok.

timer_number(Ref) -> maps:get(Ref, get(oracle_timers), undefined).

%% --- the clock and the view

system_time(millisecond) -> get(oracle_now).
nodes() -> get(oracle_view).
node() -> get(oracle_local).

%% --- mailbox, timers, sends

monitor_nodes(Flag) -> effect({monitor_nodes, Flag}).

send(Dest, Msg) ->
    Self = self(),
    case get(oracle_task) of
        undefined when Dest =:= Self -> effect({send_self, Msg});
        undefined -> effect({send, Dest, Msg});
        Task -> put(oracle_task, Task#{sent := [Msg | maps:get(sent, Task)]})
    end,
    Msg.

send_after(Delay, Dest, Msg) ->
    Self = self(),
    Dest =:= Self orelse error({send_after_to_another_process, Dest}),
    K = get(oracle_timer_next),
    put(oracle_timer_next, K + 1),
    Ref = make_ref(),
    put(oracle_timers, (get(oracle_timers))#{Ref => K}),
    effect({start_timer, {timer, K}, Delay, Msg}),
    Ref.

cancel_timer(Ref) ->
    effect({cancel_timer, Ref}),
    false.

%% A `receive Patterns -> ... after 0 -> ... end`: only the flush of
%% queued checks is known; the transform refuses any other receive.
flush([check]) -> effect(drop_queued_checks).

process_info(Pid, registered_name) ->
    Self = self(),
    Pid =:= Self orelse error({process_info_of_another_process, Pid}),
    {registered_name, cets_discovery}.

reply(From, Reply) -> effect({reply, From, Reply}).

logger_allow(_Level, _Module) -> true.
macro_log([_Location, Level, Report]) -> effect({log, Level, Report});
macro_log([_Location, Level | Args]) -> effect({log, Level, Args}).

%% --- tasks

spawn(Fun) -> spawn_link(Fun).
spawn_link(Fun) ->
    undefined = get(oracle_task),
    put(oracle_task, #{get_nodes => [], pings => [], pairs => [], sent => []}),
    Outcome =
        try Fun() of
            _ -> ok
        catch
            Class:Reason -> {Class, Reason}
        end,
    Task = erase(oracle_task),
    effect(task_effect(Task, Outcome)),
    self().

task_effect(#{get_nodes := [State], pings := [], pairs := []}, ok) ->
    {start_get_nodes, State};
task_effect(#{get_nodes := [], pings := [Node], pairs := []}, ok) ->
    {start_ping, Node};
task_effect(#{get_nodes := [], pings := [], pairs := Pairs, sent := [{joining_finished, _}]}, ok) ->
    {start_join, lists:reverse(Pairs)};
task_effect(Task, Outcome) ->
    {unknown_task, Task, Outcome}.

note_task(Key, Value) ->
    Task = get(oracle_task),
    Task =/= undefined orelse error({outside_a_task, Key, Value}),
    put(oracle_task, Task#{Key := [Value | maps:get(Key, Task)]}).

run_tracked(_Info, Fun) -> Fun().

backend_get_nodes(State) ->
    note_task(get_nodes, State),
    {{ok, []}, State}.

ping(Node) ->
    note_task(pings, Node),
    pang.
send_ping_result(_Self, _Node, _Result) -> ok.

whereis(_Name) -> self().
rpc_call(Node, erlang, whereis, [Table]) ->
    note_task(pairs, {Node, Table}),
    self().
join(_Lock, _Info, _LocalPid, _RemotePid) -> ok.
