%% The oracle's term text: one canonical way to write an Erlang term on one
%% line, which the C++ side (oracle/term.h) reads and writes the same way.
%%
%% Integers in decimal; atoms bare when they match [a-z][A-Za-z0-9_@]*,
%% else in single quotes; binaries as <<"...">>; lists, tuples; maps with
%% their keys in Erlang term order. Inside quotes, \ and the quote are
%% escaped with \, and bytes outside 32..126 are written \xHH. A reference
%% the harness handed out as a timer prints as {timer,K}; any other pid,
%% reference or fun prints as a quoted atom naming its kind.
-module(oracle_term).
-export([print/1, parse/1, from_text/1]).

-spec print(term()) -> iodata().
print(I) when is_integer(I) -> integer_to_list(I);
print(A) when is_atom(A) -> atom(A);
print(B) when is_binary(B) -> [<<"<<\"">>, escape(B, $"), <<"\">>">>];
print(L) when is_list(L) -> [$[, join([print(E) || E <- L]), $]];
print(T) when is_tuple(T) -> [${, join([print(E) || E <- tuple_to_list(T)]), $}];
print(M) when is_map(M) ->
    [<<"#{">>, join([[print(K), <<"=>">>, print(V)] || {K, V} <- lists:sort(maps:to_list(M))]), $}];
print(R) when is_reference(R) ->
    case oracle_rt:timer_number(R) of
        undefined -> atom('#ref');
        K -> print({timer, K})
    end;
print(P) when is_pid(P) -> atom('#pid');
print(F) when is_function(F) -> atom('#fun');
print(X) when is_float(X) -> atom(list_to_atom(float_to_list(X, [short]))).

%% Atoms repeat (node and table names, keys): each one's text is worked
%% out once per VM.
atom(A) ->
    case get({oracle_atom, A}) of
        undefined ->
            Text = atom_text(A),
            put({oracle_atom, A}, Text),
            Text;
        Text ->
            Text
    end.

atom_text(A) ->
    Text = atom_to_binary(A, utf8),
    case bare(Text) of
        true -> Text;
        false -> [$', escape(Text, $'), $']
    end.

bare(<<C, Rest/binary>>) when C >= $a, C =< $z -> bare_rest(Rest);
bare(_) -> false.
bare_rest(<<>>) -> true;
bare_rest(<<C, Rest/binary>>) when C >= $a, C =< $z; C >= $A, C =< $Z; C >= $0, C =< $9;
                                   C =:= $_; C =:= $@ ->
    bare_rest(Rest);
bare_rest(_) -> false.

escape(Bin, Quote) -> [escape_byte(B, Quote) || <<B>> <= Bin].
escape_byte($\\, _) -> <<"\\\\">>;
escape_byte(Q, Q) -> [$\\, Q];
escape_byte(B, _) when B >= 32, B =< 126 -> B;
escape_byte(B, _) -> io_lib:format("\\x~2.16.0B", [B]).

join([]) -> [];
join([H | T]) -> [H | [[$,, E] || E <- T]].

%% The term that `Text` (a binary) writes, or the binary itself when it is
%% not one term.
-spec from_text(binary()) -> term().
from_text(Text) ->
    case erl_scan:string(binary_to_list(Text) ++ ".") of
        {ok, Tokens, _} ->
            case erl_parse:parse_term(Tokens) of
                {ok, Term} -> Term;
                {error, _} -> Text
            end;
        _ ->
            Text
    end.

%% Reads one term written as print/1 writes it (spaces between tokens are
%% allowed), much faster than erl_scan and erl_parse. {ok, Term} or
%% {error, Text}.
-spec parse(binary()) -> {ok, term()} | {error, binary()}.
parse(Bin) ->
    try value(Bin) of
        {Term, Rest} ->
            case skip(Rest) of
                <<>> -> {ok, Term};
                <<".", Tail/binary>> -> case skip(Tail) of
                                            <<>> -> {ok, Term};
                                            _ -> {error, <<"text after the term">>}
                                        end;
                _ -> {error, <<"text after the term">>}
            end
    catch
        throw:{bad, Where} -> {error, iolist_to_binary(["cannot read the term at: ", first(Where)])};
        error:_ -> {error, <<"cannot read the term">>}
    end.

first(Bin) -> binary:part(Bin, 0, min(byte_size(Bin), 40)).

skip(<<C, Rest/binary>>) when C =:= $\s; C =:= $\n; C =:= $\r; C =:= $\t -> skip(Rest);
skip(Bin) -> Bin.

value(Bin0) ->
    case skip(Bin0) of
        <<"{", Rest/binary>> -> items(Rest, $}, fun list_to_tuple/1);
        <<"[", Rest/binary>> -> items(Rest, $], fun(L) -> L end);
        <<"#{", Rest/binary>> -> map(skip(Rest), #{});
        <<"<<\"", Rest/binary>> -> quoted(Rest, $", fun(B) -> B end, <<">>">>);
        <<"<<>>", Rest/binary>> -> {<<>>, Rest};
        <<"'", Rest/binary>> -> quoted(Rest, $', fun(B) -> binary_to_atom(B, latin1) end, <<>>);
        <<C, _/binary>> = Bin when C =:= $-; C >= $0, C =< $9 -> integer(Bin);
        <<C, _/binary>> = Bin when C >= $a, C =< $z -> bare(Bin, 0);
        Bin -> throw({bad, Bin})
    end.

items(Bin, Close, Make) ->
    case skip(Bin) of
        <<Close, Rest/binary>> -> {Make([]), Rest};
        _ -> items_more(Bin, Close, Make, [])
    end.
items_more(Bin, Close, Make, Acc) ->
    {Item, Rest} = value(Bin),
    case skip(Rest) of
        <<",", Rest2/binary>> -> items_more(Rest2, Close, Make, [Item | Acc]);
        <<Close, Rest2/binary>> -> {Make(lists:reverse([Item | Acc])), Rest2};
        Other -> throw({bad, Other})
    end.

map(<<"}", Rest/binary>>, Acc) when map_size(Acc) =:= 0 -> {Acc, Rest};
map(Bin, Acc) ->
    {Key, Rest} = value(Bin),
    <<"=>", Rest2/binary>> = skip(Rest),
    {Value, Rest3} = value(Rest2),
    Acc2 = Acc#{Key => Value},
    case skip(Rest3) of
        <<",", Rest4/binary>> -> map(skip(Rest4), Acc2);
        <<"}", Rest4/binary>> -> {Acc2, Rest4};
        Other -> throw({bad, Other})
    end.

quoted(Bin, Quote, Make, Suffix) ->
    {Bytes, Rest} = quoted_bytes(Bin, Quote, []),
    Size = byte_size(Suffix),
    case Rest of
        <<Suffix:Size/binary, Rest2/binary>> -> {Make(Bytes), Rest2};
        _ -> throw({bad, Rest})
    end.
quoted_bytes(<<Q, Rest/binary>>, Q, Acc) -> {iolist_to_binary(lists:reverse(Acc)), Rest};
quoted_bytes(<<"\\x", H1, H2, Rest/binary>>, Q, Acc) ->
    quoted_bytes(Rest, Q, [list_to_integer([H1, H2], 16) | Acc]);
quoted_bytes(<<"\\", C, Rest/binary>>, Q, Acc) -> quoted_bytes(Rest, Q, [C | Acc]);
quoted_bytes(<<C, Rest/binary>>, Q, Acc) -> quoted_bytes(Rest, Q, [C | Acc]).

integer(<<"-", Rest/binary>>) ->
    {N, Rest2} = natural(Rest, 0, 0),
    {-N, Rest2};
integer(Bin) ->
    natural(Bin, 0, 0).
natural(<<C, Rest/binary>>, N, Count) when C >= $0, C =< $9 -> natural(Rest, N * 10 + C - $0, Count + 1);
natural(Rest, N, Count) when Count > 0 -> {N, Rest}.

bare(Bin, N) ->
    case Bin of
        <<_:N/binary, C, _/binary>> when C >= $a, C =< $z; C >= $A, C =< $Z; C >= $0, C =< $9;
                                         C =:= $_; C =:= $@ ->
            bare(Bin, N + 1);
        <<Name:N/binary, Rest/binary>> ->
            {binary_to_atom(Name, latin1), Rest}
    end.
