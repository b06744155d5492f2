# Cold start against N, one line per table count: convergence virtual time
# (left) and the modelled join throughput, table merges per virtual second
# (right). Called by bench/run:
#   gnuplot -e "datadir='DIR'; out='FILE.svg'" bench/cold_start.gp
# An `out` ending in .png draws a PNG instead.
if (out[strlen(out)-3:] eq ".png") {
  set terminal pngcairo size 1200,520 font "sans,11" background rgb "white"
} else {
  set terminal svg size 1000,440 dynamic font "sans,12" background rgb "white"
}
set output out
set multiplot layout 1,2 title "discosim cold start: N nodes x T tables until every node is ready and every table whole (lock re-ask pause 1-10N ms)"
set logscale xy
set grid
set key top left
set xlabel "nodes N"
set xrange [2:450]
set xtics (3, 10, 30, 100, 300)
set ylabel "virtual time to converge (s)"
set title "Convergence time"
plot datadir."/cold-start-T1.dat" using 1:2 with linespoints lw 2 pt 7 title "T = 1", \
     datadir."/cold-start-T10.dat" using 1:2 with linespoints lw 2 pt 5 title "T = 10"
set ylabel "table merges per virtual second"
set title "Join throughput"
set key top right
plot datadir."/cold-start-T1.dat" using 1:3 with linespoints lw 2 pt 7 title "T = 1", \
     datadir."/cold-start-T10.dat" using 1:3 with linespoints lw 2 pt 5 title "T = 10"
unset multiplot
