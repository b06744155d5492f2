#!/usr/bin/env bash
# A change detector for refactors: the trace hash, event count and verdict
# counts of every scenario file, and the verdict and event count of a fixed
# set of fuzz cases, compared with the recorded ones in testdata/golden/.
# It says nothing about whether the behaviour is right (the scenario and
# world tests do): it says the behaviour did not move. A change that is meant
# to move it (a fidelity fix, a new trace record) regenerates the files in
# the same commit with --update and says so in its message.
#
#   golden.sh DISCOSIM SCENARIO_DIR GOLDEN_DIR [--update]
set -euo pipefail
discosim=${1:?usage: golden.sh DISCOSIM SCENARIO_DIR GOLDEN_DIR [--update]}
scenarios=${2:?scenario folder}
golden=${3:?golden folder}
update=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for f in "$scenarios"/*.yaml; do
  # Exit 1 (an expectation failed) is a verdict like any other here.
  "$discosim" run --format json "$f" >"$work/run.json" || [[ $? == 1 ]]
  events=$(sed -n 's/^ *"events": \([0-9]*\),*$/\1/p' "$work/run.json" | head -1)
  hash=$(sed -n 's/^ *"trace_hash": "\([0-9a-f]*\)",*$/\1/p' "$work/run.json" | head -1)
  passed=$(sed -n 's/^ *"passed": \([0-9]*\),*$/\1/p' "$work/run.json" | head -1)
  failed=$(sed -n 's/^ *"failed": \([0-9]*\),*$/\1/p' "$work/run.json" | head -1)
  echo "$(basename "$f") events=$events hash=$hash passed=$passed failed=$failed"
done >"$work/scenario-hashes.txt"

# Seed 11, 400 cases: the campaign of the world-bug fixes. The wall time of
# each case is cut off; the case order is by index, not by finishing time.
"$discosim" fuzz --seed 11 --runs 400 --list --no-shrink --jobs 2 --out "$work/fuzz" \
    --determinism-every 0 >"$work/fuzz.out" || true
sed -n 's/^case \([0-9]*\): \([^,]*\), \([0-9]*\) events, [0-9.]* ms: \(.*\)$/\1 \2 events=\3 \4/p' \
    "$work/fuzz.out" | sort -n >"$work/fuzz-verdicts.txt"
[[ -s "$work/fuzz-verdicts.txt" ]] || { echo "golden: discosim fuzz listed no case"; exit 1; }

if [[ "$update" == --update ]]; then
  mkdir -p "$golden"
  cp "$work/scenario-hashes.txt" "$work/fuzz-verdicts.txt" "$golden/"
  echo "golden: recorded $(wc -l <"$work/scenario-hashes.txt") scenarios and" \
       "$(wc -l <"$work/fuzz-verdicts.txt") fuzz cases in $golden"
  exit 0
fi
status=0
for name in scenario-hashes.txt fuzz-verdicts.txt; do
  if ! diff -u "$golden/$name" "$work/$name"; then
    echo "golden: $name differs from the recorded one (above: - recorded, + now)"
    status=1
  fi
done
((status == 0)) && echo "golden: $(wc -l <"$work/scenario-hashes.txt") scenarios and" \
    "$(wc -l <"$work/fuzz-verdicts.txt") fuzz cases as recorded"
exit $status
