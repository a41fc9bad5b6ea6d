# common.gp: what every chart shares.  Loaded by each chart's script after it
# loads its variables and sets w and h (pixels); ringbench passes lib (this folder), vars (the chart's
# variables), data (its data file), out (the image), fmt (png or svg),
# chart_title and chart_sub (machine, date, revision, state) with -e.
if (fmt eq "svg") {
	set terminal svg size w,h font "Helvetica,12" background rgb "white" noenhanced
} else {
	set terminal pngcairo size w,h font "Helvetica,10" background rgb "white" noenhanced
}
set output out
set grid back lc rgb "#dddddd" lw 1
set border lc rgb "#444444"
# One look per line: colour, dash pattern and point shape all differ, so the
# lines stay apart printed in grey.  1-4 the ring's wait strategies, 5-9 the
# reference transports (9: work), 10-15 any other transport (the peers).
set style line 1 lc rgb "#1f4e9c" lw 2.5 dt 1 pt 7 ps 1.3
set style line 2 lc rgb "#d9730d" lw 2.5 dt 2 pt 5 ps 1.2
set style line 3 lc rgb "#2a8a3e" lw 2.5 dt 4 pt 9 ps 1.5
set style line 4 lc rgb "#8e3fa8" lw 2.5 dt 5 pt 13 ps 1.5
set style line 5 lc rgb "#000000" lw 1.5 dt (8,3,2,3) pt 6 ps 1.3
set style line 6 lc rgb "#555555" lw 1.5 dt 3 pt 4 ps 1.2
set style line 7 lc rgb "#8b4513" lw 1.5 dt (12,6) pt 8 ps 1.4
set style line 8 lc rgb "#888888" lw 1.5 dt (2,4,8,4) pt 12 ps 1.4
set style line 9 lc rgb "#c0392b" lw 1.5 dt 6 pt 10 ps 1.4
set style line 10 lc rgb "#0f7c8c" lw 1.5 dt (4,2) pt 14 ps 1.4
set style line 11 lc rgb "#6b4e16" lw 1.5 dt (1,3) pt 1 ps 1.6
set style line 12 lc rgb "#b0306a" lw 1.5 dt (16,4,4,4) pt 2 ps 1.4
set style line 13 lc rgb "#4d7f17" lw 1.5 dt (6,2,2,2) pt 3 ps 1.4
set style line 14 lc rgb "#1b6fa8" lw 1.5 dt (10,3) pt 11 ps 1.4
set style line 15 lc rgb "#a87f1b" lw 1.5 dt (3,3,9,3) pt 15 ps 1.4
set key box opaque samplen 4 spacing 1.2
