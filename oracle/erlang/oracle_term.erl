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
-export([print/1, from_text/1]).

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

atom(A) ->
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
