#!/bin/sh
# docs/input-errors.md's "When input is wrong" table and sim/cli/testdata/cases.txt name
# the same cases: every case cited in the table exists, and every case is
# cited, so the table cannot silently lose its tests.
#
#   sh sim/cli/readme_table_test.sh docs/input-errors.md sim/cli/testdata/cases.txt
set -u
readme=$1
cases=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The table: from the section's heading to the next heading; the case names
# are the `name`s in each row's last cell.
awk '/^## When input is wrong/ { on = 1; next } /^## / { on = 0 } on && /^\| / { print }' "$readme" |
  awk -F'|' '{ print $(NF - 1) }' | grep -oE '`[a-z0-9-]+`' | tr -d '`' | sort -u >"$work/cited"
grep -oE '^[a-z0-9-]+ \|' "$cases" | cut -d' ' -f1 | sort -u >"$work/cases"
status=0
if [ ! -s "$work/cited" ]; then echo "no table found in $readme"; exit 1; fi
for name in $(comm -23 "$work/cited" "$work/cases"); do
  echo "README cites cli.input.$name, which is not in cases.txt"; status=1
done
for name in $(comm -13 "$work/cited" "$work/cases"); do
  echo "case $name is not cited in README's table"; status=1
done
[ "$status" = 0 ] && echo "README's table cites all $(wc -l <"$work/cases") cases"
exit "$status"
