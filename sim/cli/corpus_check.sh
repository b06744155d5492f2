#!/usr/bin/env bash
# The scenario corpus is well formed: every file has a name equal to its file
# name and a description, and no two files share a name.
set -euo pipefail
dir=${1:?usage: corpus_check.sh SCENARIO_DIR}
status=0
for f in "$dir"/*.yaml; do
  stem=$(basename "$f" .yaml)
  name=$(sed -n 's/^name: *//p' "$f" | head -1)
  if [[ "$name" != "$stem" ]]; then
    echo "$f: name \"$name\" differs from the file name \"$stem\""
    status=1
  fi
  grep -q '^description:' "$f" || { echo "$f: no description"; status=1; }
done
dups=$(sed -n 's/^name: *//p' "$dir"/*.yaml | sort | uniq -d)
[[ -z "$dups" ]] || { echo "duplicate scenario names: $dups"; status=1; }
count=$(ls "$dir"/*.yaml | wc -l)
echo "$count scenario files checked"
exit $status
