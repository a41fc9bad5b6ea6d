# sweep.gp: `ringbench sweep --plot`: the round trip between every ordered
# pair of CPUs as a heatmap, client CPU by row, server CPU by column, each
# cell's p50 written in it (the diagonal is empty: a CPU with itself).
load vars
w = 200 + 60 * n; h = 160 + 60 * n
if (w < 640) { w = 640 }
if (h < 560) { h = 560 }
load lib."/common.gp"
set title chart_title."\n".chart_sub."\n".what
set xlabel "server CPU"
set ylabel "client CPU"
set xrange [-0.5:n-0.5]
set yrange [n-0.5:-0.5]
set size ratio -1
set cbrange [lo:hi]
set cblabel "round trip p50 (ns)"
set palette defined (0 "#f7fbff", 1 "#6baed6", 2 "#08306b")
set grid front noxtics noytics
set datafile missing "NaN"
unset key
plot data using 2:1:(0.5):(0.5):3 with boxxyerror fs solid 1.0 noborder fc palette, \
	'' using 2:1:(($3 == $3) ? sprintf("%.0f", $3) : "") with labels tc rgb "#c0392b" font ",11"
