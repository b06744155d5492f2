#!/bin/sh
# Runs one case of testdata/cases.txt against the discosim binary and checks
# its exit status, the text it must print, that invalid input (exit 2) prints
# nothing on stdout, and that it answers within the case's time.
#
#   sh sim/cli/cli_test.sh build/sim/cli/discosim missing-key
set -u
discosim=$1
name=$2
here=$(cd "$(dirname "$0")" && pwd)
line=$(grep -E "^$name \|" "$here/testdata/cases.txt")
[ -n "$line" ] || { echo "no case named $name in testdata/cases.txt"; exit 1; }
field() { echo "$line" | awk -F'|' -v n="$1" '{ gsub(/^ +| +$/, "", $n); print $n }'; }
want_status=$(field 2)
stream=$(field 3)
max_seconds=$(field 4)
text=$(field 5)
args=$(field 6)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# GEN:nodes=N: an N-node scenario (one table, one expectation).
generate_nodes() {
  awk -v n="$1" 'BEGIN {
    print "name: generated-" n; print "duration: 10m"; print "tables: [sessions]"; print "nodes:";
    for (i = 0; i < n; i++) printf "  - name: n%d@h%d\n", i, i;
    print "expect:"; print "  - {by: 10m, ready: all}" }' > "$work/nodes-$1.yaml"
  echo "$work/nodes-$1.yaml"
}
set --
for arg in $args; do
  case $arg in
    GEN:nodes=*) arg=$(generate_nodes "${arg#GEN:nodes=}") ;;
  esac
  set -- "$@" "$arg"
done

cd "$here/testdata" || exit 1
start=$(date +%s)
"$discosim" "$@" >"$work/stdout" 2>"$work/stderr"
status=$?
elapsed=$(($(date +%s) - start))

fail=0
report() { echo "FAIL $name: $*"; fail=1; }
[ "$status" = "$want_status" ] || report "exit status $status, want $want_status"
grep -qF -- "$text" "$work/$stream" || report "$stream lacks: $text"
if [ "$want_status" = 2 ] && [ -s "$work/stdout" ]; then report "stdout not empty on invalid input"; fi
[ "$elapsed" -le "$max_seconds" ] || report "took ${elapsed}s, more than ${max_seconds}s"
if [ "$fail" = 1 ]; then
  echo "--- discosim $*"
  echo "--- stdout"; head -c 4000 "$work/stdout"
  echo "--- stderr"; head -c 4000 "$work/stderr"
  exit 1
fi
echo "ok $name: exit $status in ${elapsed}s"
