#!/usr/bin/env bash
# Draws the join-model sweep (join_model_bench sweep > CSV): time to converge
# against N, one line per variant, one panel per layout and table count.
# Runs that did not converge are left out (their line ends).
#   bench/join_model_plot.sh docs/perf/join-model-sweep.csv docs/perf/join-model.svg
# An output ending in .png draws a PNG instead.
set -euo pipefail
csv=${1:?usage: join_model_plot.sh SWEEP.csv OUT.svg|OUT.png}
out=${2:?usage: join_model_plot.sh SWEEP.csv OUT.svg|OUT.png}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
variants="spin sleep-1ms backoff-1-20ms recheck backoff-scaled"
for layout in own-hosts packed; do
  for tables in 1 4 16; do
    for v in $variants; do
      awk -F, -v l="$layout" -v t="$tables" -v v="$v" \
        'NR > 1 && $1 == l && $2 == v && $3 == t && $6 == 1 { print $4, $7 }' "$csv" \
        > "$dir/$layout-$tables-$v.dat"
    done
  done
done
if [[ "$out" == *.png ]]; then
  term='set terminal pngcairo size 1500,900 font "sans,10" background rgb "white"'
else
  term='set terminal svg size 1500,900 dynamic font "sans,11" background rgb "white"'
fi
gnuplot <<GP
$term
set output "$out"
set multiplot layout 2,3 title "Calibrated join model: virtual time until every table is joined (seed 1; a line ends where the run stopped converging within its budget)"
set logscale xy
set grid
set xrange [1.8:110]
set xtics (2, 3, 5, 8, 12, 20, 30, 50, 100)
set yrange [0.05:3000]
set xlabel "nodes N"
set ylabel "seconds to converge"
set key top left font ",9"
do for [layout in "own-hosts packed"] {
  do for [tables in "1 4 16"] {
    set title sprintf("%s, %s table%s", layout eq "packed" ? "all on one 2-core host" : "one node per 2-core host", tables, tables eq "1" ? "" : "s")
    plot for [v in "$variants"] sprintf("$dir/%s-%s-%s.dat", layout, tables, v) using 1:2 with linespoints lw 2 pt 7 ps 0.6 title v
  }
}
unset multiplot
GP
echo "wrote $out"
