%% The node-side agent of `discosim real': the runner's hands and eyes on one
%% Erlang node.
%%
%% Started by `-s discosim_agent start' with `-discosim_runner PORT
%% -discosim_vm K' in a VM booted without distribution: it connects to the
%% runner on 127.0.0.1:PORT (from 127.0.0.1, so the partition rules between
%% node addresses never touch it), says hello (with K), then answers one
%% request per line. A request is an Erlang term in text,
%% `{Ref, Command}.'; the answer is one JSON object per line with "ref".
%% When the runner's socket closes, the node halts: a node never outlives
%% its runner.
%%
%% Commands:
%%   {dist, Node, NameDomain, Hidden}
%%                              start distribution as Node (net_kernel:start/2,
%%                              shortnames or longnames)
%%   {start, Tables, Backend}   start each table (cets:start/2), then
%%                              cets_discovery (registered as cets_discovery,
%%                              backend discosim_backend, those tables);
%%                              Backend holds the backend keys, fail_count
%%                              and fail_until included
%%   poll                       what the runner judges (see poll/0)
%%   {backend, Map}             change backend keys (nodes, latency, error_rate)
%%   {backend_fail, count, N} | {backend_fail, until, SystemTimeMs}
%%   {disconnect, Node}         erlang:disconnect_node(Node)
%%   {add_table, T} | {delete_table, T}
%%   {send, Msg}                Msg into cets_discovery's mailbox
%%   {call, Id, Request, TimeoutMs}  a gen_server:call from a process of its own
%%   halt                       erlang:halt() at once (no answer)
-module(discosim_agent).

-export([start/0]).

-define(DISCO, cets_discovery).
%% How long a poll waits for a table server or the discovery process.
-define(POLL_CALL_TIMEOUT_MS, 1000).

start() ->
    {ok, [[PortText]]} = init:get_argument(discosim_runner),
    {ok, [[VmText]]} = init:get_argument(discosim_vm),
    Port = list_to_integer(PortText),
    Vm = list_to_integer(VmText),
    Pid = spawn(fun() -> main(Port, Vm) end),
    register(discosim_agent, Pid),
    ok.

main(Port, Vm) ->
    Public = [named_table, public, {write_concurrency, true}],
    ets:new(discosim_cfg, [set | Public]),
    ets:new(discosim_calls, [ordered_set | Public]),
    ets:new(discosim_logs, [ordered_set | Public]),
    ets:new(discosim_faults, [ordered_set | Public]),
    ets:new(discosim_outcomes, [ordered_set | Public]),
    ets:new(discosim_tables, [ordered_set | Public]),
    set_backend(#{nodes => [], latency => {0, 0}, error_rate => 0.0, fail_count => 0,
                  fail_until => 0}),
    install_log_handler(),
    Options = [binary, {packet, line}, {active, false}, {ip, {127, 0, 0, 1}},
               {buffer, 1 bsl 20}, {nodelay, true}],
    case gen_tcp:connect({127, 0, 0, 1}, Port, Options, 5000) of
        {ok, Socket} ->
            send(Socket, #{hello => Vm, os_pid => list_to_integer(os:getpid())}),
            loop(Socket);
        {error, _} ->
            erlang:halt(3)
    end.

install_log_handler() ->
    ok = logger:set_primary_config(level, all),
    _ = logger:remove_handler(default),
    ok = logger:add_handler(discosim, discosim_log_handler, #{level => all}).

loop(Socket) ->
    case gen_tcp:recv(Socket, 0) of
        {ok, Line} ->
            {Ref, Command} = parse(Line),
            case handle(Command) of
                no_reply -> ok;
                Reply -> send(Socket, Reply#{ref => Ref})
            end,
            loop(Socket);
        {error, _} ->
            erlang:halt(0)
    end.

parse(Line) ->
    {ok, Tokens, _} = erl_scan:string(binary_to_list(Line)),
    {ok, Term} = erl_parse:parse_term(Tokens),
    Term.

send(Socket, Map) ->
    ok = gen_tcp:send(Socket, [json(Map), $\n]).

%% --- Commands --------------------------------------------------------------

handle({dist, Node, NameDomain, Hidden}) ->
    {ok, _} = net_kernel:start(Node, #{name_domain => NameDomain, hidden => Hidden}),
    #{ok => true};
handle({start, Tables, Backend}) ->
    set_backend(Backend),
    [start_table(T) || T <- Tables],
    {ok, _} = cets_discovery:start(#{name => ?DISCO, backend_module => discosim_backend,
                                     tables => Tables}),
    #{ok => true};
handle(poll) ->
    poll();
handle({backend, Changes}) ->
    set_backend(Changes),
    #{ok => true};
handle({backend_fail, count, N}) ->
    ets:insert(discosim_cfg, {fail_count, N}),
    #{ok => true};
handle({backend_fail, until, UntilMs}) ->
    ets:insert(discosim_cfg, {fail_until, UntilMs}),
    #{ok => true};
handle({disconnect, Node}) ->
    #{ok => erlang:disconnect_node(Node)};
handle({add_table, Table}) ->
    whereis(Table) =:= undefined andalso start_table(Table),
    ets:insert(discosim_tables, {Table}),
    cets_discovery:add_table(?DISCO, Table),
    #{ok => true};
handle({delete_table, Table}) ->
    cets_discovery:delete_table(?DISCO, Table),
    #{ok => true};
handle({send, Message}) ->
    catch ?DISCO ! Message,
    #{ok => true};
handle({call, Id, Request, TimeoutMs}) ->
    spawn(fun() -> call(Id, Request, TimeoutMs) end),
    #{ok => true};
handle(halt) ->
    erlang:halt(0),
    no_reply.

set_backend(Changes) ->
    ets:insert(discosim_cfg, maps:to_list(Changes)).

start_table(Table) ->
    ets:insert(discosim_tables, {Table}),
    {ok, _} = cets:start(Table, #{}).

call(Id, Request, TimeoutMs) ->
    Outcome =
        try gen_server:call(?DISCO, Request, TimeoutMs) of
            ok -> #{kind => ok};
            {ok, Tables} when is_list(Tables) -> #{kind => tables, tables => Tables};
            {error, unexpected_call} -> #{kind => unexpected_call};
            Info when is_map(Info) -> #{kind => system_info}
        catch
            exit:{timeout, _} -> #{kind => timeout};
            exit:_ -> #{kind => noproc}
        end,
    ets:insert(discosim_outcomes, {Id, Outcome#{id => Id, at => erlang:system_time(millisecond)}}).

%% --- Poll --------------------------------------------------------------------

%% Everything the runner reads, as of now: the connections (visible and all),
%% each table's cluster (node names, this node included; `busy' when the
%% server did not answer in time), discovery's system_info, and what
%% happened since the last poll: log records, get_nodes call start times,
%% backend_fail runs that ended, call outcomes.
poll() ->
    Now = erlang:system_time(millisecond),
    Info = system_info(),
    Tables = lists:usort([T || {T} <- ets:tab2list(discosim_tables)] ++ info_tables(Info)),
    #{now => Now,
      visible => lists:sort(nodes()),
      connected => lists:sort(nodes(connected)),
      tables => maps:from_list([{T, cluster(T)} || T <- Tables]),
      info => Info,
      logs => [log_entry(E) || E <- take(discosim_logs)],
      calls => [T || {_, T} <- take(discosim_calls)],
      faults_over => [T || {_, T} <- take(discosim_faults)],
      outcomes => [O || {_, O} <- take(discosim_outcomes)]}.

take(Table) ->
    Entries = ets:tab2list(Table),
    [ets:delete(Table, element(1, E)) || E <- Entries],
    Entries.

cluster(Table) ->
    case whereis(Table) of
        undefined ->
            null;
        Pid ->
            try gen_server:call(Pid, other_servers, ?POLL_CALL_TIMEOUT_MS) of
                Pids -> lists:usort([node() | [node(P) || P <- Pids]])
            catch
                exit:_ -> busy
            end
    end.

info_tables(#{tables := Tables}) -> Tables;
info_tables(_) -> [].

system_info() ->
    try gen_server:call(?DISCO, system_info, ?POLL_CALL_TIMEOUT_MS) of
        Info -> info_fields(Info)
    catch
        exit:{timeout, _} -> busy;
        exit:_ -> null
    end.

info_fields(Info) ->
    Keys = [phase, retry_type, last_get_nodes_retry_type, get_nodes_status, join_status,
            should_retry_get_nodes, should_retry_join, nodes, unavailable_nodes, tables,
            start_time],
    Fields = maps:with(Keys, Info),
    Fields#{verify_ready => [missing(M) || M <- maps:get(verify_ready, Info)],
            last_get_nodes_result => get_nodes_result(maps:get(last_get_nodes_result, Info))}.

missing({bad_last_get_nodes_result, _}) ->
    #{kind => bad_last_get_nodes_result};
missing({still_waiting_for_pangs, Nodes}) ->
    #{kind => still_waiting_for_pangs, nodes => Nodes};
missing({waiting_for_join_result, Pairs}) ->
    #{kind => waiting_for_join_result, pairs => [[N, T] || {N, T} <- Pairs]}.

get_nodes_result(not_called_yet) -> #{kind => not_called_yet};
get_nodes_result({ok, Nodes}) -> #{kind => ok, nodes => Nodes};
get_nodes_result({error, Reason}) -> #{kind => error, reason => text(Reason)}.

%% A log record as the runner's LogRecord has it: `what', the level, and
%% every other field as an integer or text. A join result's `{error, R}'
%% becomes result "error" and reason R, as the simulated discovery writes it;
%% an R of `{task_failed, Reason, Info}' (cets_long:run_tracked/2 wraps what
%% the join raised, pids and all) is given as Reason.
log_entry({_Seq, TimeMs, Level, Report}) ->
    What = maps:get(what, Report, undefined),
    Fields = maps:fold(fun log_field/3, #{}, maps:remove(what, Report)),
    #{at => TimeMs, level => Level, what => What, fields => Fields}.

log_field(result, {error, {task_failed, Reason, _Info}}, Acc) ->
    Acc#{result => <<"error">>, reason => text(Reason)};
log_field(result, {error, Reason}, Acc) ->
    Acc#{result => <<"error">>, reason => text(Reason)};
log_field(Key, Value, Acc) when is_integer(Value) ->
    Acc#{Key => Value};
log_field(Key, Value, Acc) ->
    Acc#{Key => text(Value)}.

text(Value) when is_atom(Value) -> atom_to_binary(Value);
text(Value) when is_binary(Value) -> Value;
text(Value) -> iolist_to_binary(io_lib:format("~0p", [Value])).

%% --- JSON (just what the answers hold) ---------------------------------------

json(Map) when is_map(Map) ->
    Pairs = [[json_string(key(K)), $:, json(V)] || {K, V} <- lists:sort(maps:to_list(Map))],
    [${, lists:join($,, Pairs), $}];
json(List) when is_list(List) ->
    [$[, lists:join($,, [json(V) || V <- List]), $]];
json(true) -> <<"true">>;
json(false) -> <<"false">>;
json(null) -> <<"null">>;
json(Int) when is_integer(Int) -> integer_to_binary(Int);
json(Float) when is_float(Float) -> float_to_binary(Float, [short]);
json(Atom) when is_atom(Atom) -> json_string(atom_to_binary(Atom));
json(Bin) when is_binary(Bin) -> json_string(Bin);
json(Other) -> json_string(text(Other)).

key(K) when is_atom(K) -> atom_to_binary(K);
key(K) -> text(K).

json_string(Bin) ->
    [$", [escape(C) || <<C>> <= Bin], $"].

escape($") -> <<"\\\"">>;
escape($\\) -> <<"\\\\">>;
escape(C) when C < 16#20 -> io_lib:format("\\u~4.16.0b", [C]);
escape(C) -> C.
