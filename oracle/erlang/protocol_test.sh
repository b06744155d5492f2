#!/bin/sh
# The Erlang side of the oracle on its own: init, a check, a get_nodes result,
# system_info, an unknown call, through the line protocol. The expected
# answers are read off CETS 0.2.0's cets_discovery.erl: init monitors nodes,
# sends itself a check, starts the 5-minute enter_regular_phase timer, then
# does the nodeup bookkeeping (start time sent, warning) of each connected
# node; a good get_nodes result pings the unconnected listed nodes (sorted),
# joins the connected ones (node-major, tables as given) and schedules the
# next check (initial phase: 5 s).
# Usage: protocol_test.sh ERL EBIN CETS_SRC
set -eu
erl=$1 ebin=$2 cets=$3
out=$(printf '%s\n' \
  "{init,#{tables=>[t2,t1],backend_state=>0,local=>'n1@h1'},100,['n2@h2']}." \
  "{step,{info,check},120,['n2@h2']}." \
  "{step,{info,{handle_check_result,{ok,['n3@h3','n2@h2','n1@h1']},5}},130,['n2@h2']}." \
  "{state}." \
  "{step,{call,{'\$text',<<\"{bogus_call}\">>},{caller,2}},130,['n2@h2']}." \
  "{step,{info,{nodeup}}" \
  quit. |
  "$erl" -noshell -pa "$ebin" -run oracle_server main "$cets")
fail=0
expect() {  # expect LINE_NUMBER TEXT
  line=$(printf '%s\n' "$out" | sed -n "$1p")
  case $line in
    *"$2"*) ;;
    *) echo "answer $1: expected to contain: $2"; echo "  got: $line"; fail=1 ;;
  esac
}
expect 1 '{ready}'
expect 2 "{ok,[{monitor_nodes,true},{send_self,check},{start_timer,{timer,1},300000,enter_regular_phase},{send,{cets_discovery,n2@h2},{start_time,n1@h1,100}},{log,warning,#{connected_nodes=>2,remote_node=>n2@h2,time_since_startup_in_milliseconds=>0,what=>nodeup}}]}"
expect 3 '{ok,[{start_get_nodes,0}]}'
expect 4 '{ok,[{start_ping,n3@h3},{start_join,[{n2@h2,t2},{n2@h2,t1}]},{start_timer,{timer,2},5000,check}]}'
expect 5 'tables=>[t2,t1],timer_ref=>{timer,2},unavailable_nodes=>[],verify_ready=>[{still_waiting_for_pangs,[n3@h3]},{waiting_for_join_result,[{n2@h2,t2},{n2@h2,t1}]}]}}'
expect 6 '{ok,[{log,error,#{from=>{caller,2},msg=>{bogus_call},what=>unexpected_call}},{reply,{caller,2},{error,unexpected_call}}]}'
expect 7 '{error,<<"bad request: '
exit $fail
