%% The oracle's line protocol: one request per line on stdin, one answer per
%% line on stdout, both written as oracle_term text. One VM serves a whole
%% test run; `init` starts a fresh discovery instance.
%%
%% Requests (each on one line, ending with a full stop):
%%   {init,#{tables=>[T],backend_state=>S,local=>Node},Now,View}.
%%       init/1 of cets_discovery at virtual time Now with nodes() = View
%%       -> {ok,[Effect]}
%%   {step,Message,Now,View}.   Message is {info,M}, {cast,M} or {call,M,From}
%%       -> {ok,[Effect]}         (a call's {reply,R,_} is the effect {reply,From,R})
%%   {state}.                   system_info/1 of the instance, at the last step's time and view
%%       -> {ok,Map}
%%   {batch,[Request]}.         each request in turn -> one answer line per request
%%   quit.
%% Any error (a request the module refuses, a crash) answers
%% {error,<<"text">>}. A {'$text',<<"T">>} anywhere in a request stands for
%% the term that T writes (reasons and unknown messages are sent so).
%% Effects are listed in oracle_rt.erl.
-module(oracle_server).
-export([main/0, main/1, answer/2]).

main() ->
    main([os:getenv("DISCOSIM_CETS_SRC", "")]).

main([CetsSrc]) ->
    case oracle_transform:load(CetsSrc) of
        ok ->
            io:setopts(standard_io, [binary]),
            io:put_chars(<<"{ready}\n">>),
            loop(#{});
        {error, Text} ->
            io:put_chars(standard_error, [Text, $\n]),
            erlang:halt(3)
    end.

loop(Instance) ->
    case io:get_line(standard_io, "") of
        eof ->
            erlang:halt(0);
        Line ->
            case parse(Line) of
                {ok, quit} ->
                    erlang:halt(0);
                {ok, {batch, Requests}} when is_list(Requests) ->
                    {Answers, Instance2} = lists:mapfoldl(fun answer/2, Instance, Requests),
                    io:put_chars([[oracle_term:print(A), $\n] || A <- Answers]),
                    loop(Instance2);
                {ok, Request} ->
                    {Answer, Instance2} = answer(Request, Instance),
                    io:put_chars([oracle_term:print(Answer), $\n]),
                    loop(Instance2);
                {error, Text} ->
                    io:put_chars([oracle_term:print({error, Text}), $\n]),
                    loop(Instance)
            end
    end.

parse(Line) ->
    case oracle_term:parse(Line) of
        {ok, Term} -> {ok, resolve(Term)};
        {error, Text} -> {error, <<"bad request: ", Text/binary>>}
    end.

resolve({'$text', Bin}) when is_binary(Bin) -> oracle_term:from_text(Bin);
resolve(T) when is_tuple(T) -> list_to_tuple(resolve(tuple_to_list(T)));
resolve(L) when is_list(L) -> [resolve(E) || E <- L];
resolve(M) when is_map(M) -> maps:from_list([{resolve(K), resolve(V)} || {K, V} <- maps:to_list(M)]);
resolve(X) -> X.

answer(Request, Instance) ->
    try handle(Request, Instance)
    catch
        Class:Reason:Stack ->
            _ = oracle_rt:take_effects(),
            {{error, text("~p:~0p in ~0p", [Class, Reason, lists:sublist(Stack, 4)])}, Instance}
    end.

handle({init, Opts = #{tables := Tables, backend_state := Backend, local := Local}, Now, View},
       _) ->
    oracle_rt:reset(),
    oracle_rt:set_context(Now, View, Local),
    {ok, State} = cets_discovery:init(#{backend_module => oracle_backend, tables => Tables,
                                         backend_state => Backend, name => maps:get(name, Opts, cets_discovery)}),
    {{ok, oracle_rt:take_effects()}, #{state => State, local => Local}};
handle({step, Message, Now, View}, Instance = #{state := State, local := Local}) ->
    oracle_rt:set_context(Now, View, Local),
    State2 = deliver(Message, State),
    {{ok, oracle_rt:take_effects()}, Instance#{state := State2}};
handle({state}, Instance = #{state := State}) ->
    {reply, Info, _} = cets_discovery:handle_call(system_info, state_request, State),
    [] = oracle_rt:take_effects(),
    {{ok, Info}, Instance};
handle(Request, Instance) when map_size(Instance) =:= 0 ->
    {{error, text("~0p before init", [Request])}, Instance};
handle(Request, Instance) ->
    {{error, text("unknown request ~0p", [Request])}, Instance}.

deliver({info, Msg}, State) ->
    {noreply, State2} = cets_discovery:handle_info(Msg, State),
    State2;
deliver({cast, Msg}, State) ->
    {noreply, State2} = cets_discovery:handle_cast(Msg, State),
    State2;
deliver({call, Msg, From}, State) ->
    case cets_discovery:handle_call(Msg, From, State) of
        {reply, Reply, State2} ->
            oracle_rt:effect({reply, From, Reply}),
            State2;
        {noreply, State2} ->
            State2
    end.

text(Format, Args) -> unicode:characters_to_binary(io_lib:format(Format, Args)).
