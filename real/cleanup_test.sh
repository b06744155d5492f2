#!/usr/bin/env bash
# Everything `discosim real` starts is gone when it exits: after a run that
# ends normally, and after one stopped by SIGINT in the middle. Checks the
# VMs and epmd by the pids the runner printed (-v), the nftables table by
# name, and the run's directory.
#
#   cleanup_test.sh DISCOSIM SCENARIO   (SCENARIO: one with a partition step)
set -uo pipefail
discosim=${1:?usage: cleanup_test.sh DISCOSIM SCENARIO}
scenario=${2:?scenario}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# The pids and the table a run's -v log names, checked gone.
check_gone() {  # check_gone LOG WHAT
  local log=$1 what=$2 pids block
  pids=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$log")
  if [[ -z "$pids" ]]; then echo "$what: the log names no pids"; status=1; fi
  for pid in $pids; do
    if kill -0 "$pid" 2>/dev/null; then echo "$what: pid $pid still runs"; status=1; fi
  done
  block=$(sed -n 's/.*addresses 127\.\([0-9]*\)\.0\.0.*/\1/p' "$log" | head -1)
  if [[ -z "$block" ]]; then echo "$what: the log names no address block"; status=1; fi
  if nft list table ip "discosim_$block" >/dev/null 2>&1; then
    echo "$what: nftables table ip discosim_$block is still there"; status=1
  fi
  dir=$(sed -n 's/.*run directory \([^,]*\),.*/\1/p' "$log" | head -1)
  if [[ -n "$dir" && -e "$dir" ]]; then echo "$what: $dir is still there"; status=1; fi
}

"$discosim" real -v "$scenario" >"$work/end.out" 2>"$work/end.log"
code=$?
[[ $code == 0 || $code == 1 ]] || { echo "normal run: exit $code"; cat "$work/end.log"; status=1; }
check_gone "$work/end.log" "normal run"

"$discosim" real -v "$scenario" >"$work/int.out" 2>"$work/int.log" &
runner=$!
for _ in $(seq 1 600); do
  grep -q "started" "$work/int.log" && break
  sleep 0.1
done
sleep 2
kill -INT "$runner"
wait "$runner"
code=$?
[[ $code == 3 ]] || { echo "interrupted run: exit $code, expected 3"; status=1; }
grep -q "interrupted" "$work/int.log" || { echo "interrupted run: no 'interrupted' message"; status=1; }
check_gone "$work/int.log" "interrupted run"

[[ $status == 0 ]] && echo "cleanup: nothing left after a normal and an interrupted run"
exit $status
