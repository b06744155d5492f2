%% Compiles an unmodified cets_discovery.erl with every side effect replaced
%% by a call into oracle_rt. The source is read from the CETS tree given;
%% nothing is copied or written next to it: the rewritten module is compiled
%% and loaded in memory.
%%
%% Rewrites, over the parsed forms:
%%   erlang:system_time/1, nodes(), node()          -> the request's clock and view
%%   net_kernel:monitor_nodes/1                      -> recorded
%%   Dest ! Msg, erlang:send/2                       -> recorded (oracle_rt:send/2)
%%   erlang:send_after/3, erlang:cancel_timer/1      -> recorded, with numbered timers
%%   receive check -> ... after 0 -> ... end         -> the flush of queued checks, recorded
%%   spawn/1, spawn_link/1                           -> the task run at once against stubs
%%   Backend:get_nodes/1 (through backend_module), cets_ping:ping/1,
%%   cets_ping:send_ping_result/3, rpc:call/4, whereis/1, cets_join:join/4,
%%   cets_long:run_tracked/2                         -> stubs (oracle_rt)
%%   gen_server:reply/2                              -> recorded
%%   erlang:process_info/2                           -> {registered_name, cets_discovery}
%%   logger:allow/2, logger:macro_log (the ?LOG_* macros) -> recorded
%% Any other call with a side effect, in a function the gen_server callbacks
%% reach, stops the compilation with its line: a newer CETS that does
%% something new must be taught to the oracle, not run for real.
-module(oracle_transform).
-export([load/1, transform/1]).

-define(RT, oracle_rt).

%% Compiles and loads `Dir`/cets_discovery.erl. Returns ok or {error, Text}.
load(Dir) ->
    File = filename:join(Dir, "cets_discovery.erl"),
    case epp:parse_file(File, [{includes, [Dir, filename:join(Dir, "../include")]}]) of
        {ok, Forms} ->
            try transform(Forms) of
                Forms2 -> compile_and_load(File, Forms2)
            catch
                throw:{refused, Line, What} ->
                    {error, io_lib:format("~ts:~p: the oracle cannot run ~ts", [File, Line, What])}
            end;
        {error, Reason} ->
            {error, io_lib:format("~ts: ~ts", [File, file:format_error(Reason)])}
    end.

compile_and_load(File, Forms) ->
    case compile:forms(Forms, [binary, return_errors, {source, File}]) of
        {ok, Module, Binary} ->
            {module, Module} = code:load_binary(Module, File, Binary),
            ok;
        {error, Errors, _Warnings} ->
            {error, io_lib:format("~ts: does not compile: ~p", [File, Errors])}
    end.

transform(Forms) ->
    Reachable = reachable(Forms),
    [rewrite_form(Form, Reachable) || Form <- Forms].

rewrite_form({function, Line, Name, Arity, Clauses}, Reachable) ->
    Police = sets:is_element({Name, Arity}, Reachable),
    {function, Line, Name, Arity, [walk(C, Police) || C <- Clauses]};
rewrite_form(Form, _) ->
    Form.

%% The functions the gen_server callbacks reach through local calls.
reachable(Forms) ->
    Calls = maps:from_list([{{N, A}, local_calls(Cs)} || {function, _, N, A, Cs} <- Forms]),
    Roots = [{init, 1}, {handle_call, 3}, {handle_cast, 2}, {handle_info, 2}],
    grow(Roots, sets:new(), Calls).

grow([], Seen, _) -> Seen;
grow([F | Rest], Seen, Calls) ->
    case sets:is_element(F, Seen) orelse not maps:is_key(F, Calls) of
        true -> grow(Rest, Seen, Calls);
        false -> grow(maps:get(F, Calls) ++ Rest, sets:add_element(F, Seen), Calls)
    end.

local_calls(T) when is_tuple(T) ->
    Here = case T of
               {call, _, {atom, _, N}, Args} -> [{N, length(Args)}];
               {'fun', _, {function, N, A}} -> [{N, A}];
               _ -> []
           end,
    Here ++ local_calls(tuple_to_list(T));
local_calls(L) when is_list(L) -> lists:append([local_calls(E) || E <- L]);
local_calls(_) -> [].

%% A deep walk over the abstract forms: a call is looked at after its
%% arguments were rewritten.
walk(T, Police) when is_tuple(T) ->
    T2 = list_to_tuple([walk(E, Police) || E <- tuple_to_list(T)]),
    rewrite(T2, Police);
walk(L, Police) when is_list(L) ->
    [walk(E, Police) || E <- L];
walk(X, _) ->
    X.

rt(Line, F, Args) -> {call, Line, {remote, Line, {atom, Line, ?RT}, {atom, Line, F}}, Args}.

rewrite({op, L, '!', Dest, Msg}, _) ->
    rt(L, send, [Dest, Msg]);
rewrite({'receive', L, Clauses, {integer, _, 0}, After}, _) ->
    Patterns = [P || {clause, _, [P], [], _} <- Clauses],
    case [erl_parse:normalise(P) || P <- Patterns] of
        [check] when length(Clauses) =:= 1 ->
            {block, L, [rt(L, flush, [erl_parse:abstract([check], L)]) | After]};
        _ ->
            throw({refused, L, "a receive other than the flush of checks"})
    end;
rewrite({'receive', L, _}, _) ->
    throw({refused, L, "a blocking receive"});
rewrite({'receive', L, _, _, _}, _) ->
    throw({refused, L, "a receive with a timeout"});
rewrite(Call = {call, L, {remote, _, {atom, _, M}, {atom, _, F}}, Args}, Police) ->
    remote(L, M, F, Args, Call, Police);
rewrite(Call = {call, L, {atom, _, F}, Args}, Police) ->
    local(L, F, Args, Call, Police);
rewrite(T, _) ->
    T.

%% Remote calls: to a stub, or left alone when pure.
remote(L, erlang, system_time, Args, _, _) -> rt(L, system_time, Args);
remote(L, erlang, nodes, [], _, _) -> rt(L, nodes, []);
remote(L, erlang, node, [], _, _) -> rt(L, node, []);
remote(L, erlang, send, Args = [_, _], _, _) -> rt(L, send, Args);
remote(L, erlang, send_after, Args = [_, _, _], _, _) -> rt(L, send_after, Args);
remote(L, erlang, cancel_timer, Args = [_], _, _) -> rt(L, cancel_timer, Args);
remote(L, erlang, process_info, Args = [_, _], _, _) -> rt(L, process_info, Args);
remote(L, erlang, spawn_link, Args = [_], _, _) -> rt(L, spawn_link, Args);
remote(L, erlang, spawn, Args = [_], _, _) -> rt(L, spawn, Args);
remote(L, erlang, whereis, Args = [_], _, _) -> rt(L, whereis, Args);
remote(L, erlang, apply, [{atom, _, logger}, {atom, _, macro_log}, Args], _, _) ->
    rt(L, macro_log, [Args]);
remote(L, net_kernel, monitor_nodes, Args = [_], _, _) -> rt(L, monitor_nodes, Args);
remote(L, gen_server, reply, Args = [_, _], _, _) -> rt(L, reply, Args);
remote(L, logger, allow, Args = [_, _], _, _) -> rt(L, logger_allow, Args);
remote(L, logger, macro_log, Args, _, _) -> rt(L, macro_log, [list(L, Args)]);
remote(L, cets_long, run_tracked, Args = [_, _], _, _) -> rt(L, run_tracked, Args);
remote(L, cets_ping, ping, Args = [_], _, _) -> rt(L, ping, Args);
remote(L, cets_ping, send_ping_result, Args = [_, _, _], _, _) -> rt(L, send_ping_result, Args);
remote(L, cets_join, join, Args = [_, _, _, _], _, _) -> rt(L, join, Args);
remote(L, rpc, call, Args = [_, _, _, _], _, _) -> rt(L, rpc_call, Args);
remote(L, M, F, Args, Call, true) ->
    case pure(M, F, length(Args)) of
        true -> Call;
        false -> throw({refused, L, io_lib:format("~p:~p/~p", [M, F, length(Args)])})
    end;
remote(_, _, _, _, Call, false) ->
    Call.

%% Auto-imported BIFs with a side effect.
local(L, nodes, [], _, _) -> rt(L, nodes, []);
local(L, node, [], _, _) -> rt(L, node, []);
local(L, spawn_link, Args = [_], _, _) -> rt(L, spawn_link, Args);
local(L, spawn, Args = [_], _, _) -> rt(L, spawn, Args);
local(L, whereis, Args = [_], _, _) -> rt(L, whereis, Args);
local(L, process_info, Args = [_, _], _, _) -> rt(L, process_info, Args);
local(L, F, Args, Call, true) ->
    case impure_bif(F, length(Args)) of
        true -> throw({refused, L, io_lib:format("~p/~p", [F, length(Args)])});
        false -> Call
    end;
local(_, _, _, Call, false) ->
    Call.

list(L, []) -> {nil, L};
list(L, [H | T]) -> {cons, L, H, list(L, T)}.

pure(M, _, _) when M =:= lists; M =:= maps; M =:= ordsets; M =:= proplists;
                   M =:= sets; M =:= string; M =:= unicode -> true;
pure(timer, F, 1) when F =:= seconds; F =:= minutes; F =:= hours -> true;
pure(erlang, F, A) -> not impure_bif(F, A);
pure(_, _, _) -> false.

impure_bif(F, _) ->
    lists:member(F, [apply, spawn, spawn_link, spawn_monitor, spawn_opt, register, unregister,
                     whereis, process_info, link, unlink, monitor, demonitor, exit, send,
                     send_after, start_timer, cancel_timer, read_timer, make_ref, put, get,
                     erase, nodes, node, monitor_node, system_time, monotonic_time, now,
                     timestamp, group_leader, halt, process_flag, open_port]).
