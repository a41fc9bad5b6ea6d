# latency.gp: chart 2, the latency distribution: percentile 50 to 99.99 on a
# log scale of 1/(1-p), against ns (log scale); ping-pong round trips on the
# left, one-way latency at a fixed rate on the right, one line per wait
# strategy and reference transport.
load vars
panels = (pp_n > 0) + (fr_n > 0)
w = panels == 2 ? 1400 : 900; h = 600
load lib."/common.gp"
set multiplot layout 1,panels title chart_title."\n".chart_sub
set logscale x 10
set logscale y 10
set xrange [1.7:13000]
set xtics ("p50" 2, "p75" 4, "p90" 10, "p95" 20, "p99" 100, "p99.9" 1000, "p99.99" 10000)
set mxtics 10
set xlabel "percentile (axis: 1/(1-p), log scale)"
set ylabel "nanoseconds (log scale)"
set format y "%.0s %cs"
set key outside right top vertical
if (pp_n > 0) {
	set title "ping-pong round trip (".pp_note.")"
	plot for [i=1:pp_n] data index (pp_first+i-1) using 2:($3*1e-9) with linespoints ls pp_style[i] title pp_title[i]
}
if (fr_n > 0) {
	set title "one-way latency at a fixed rate (".fr_note.")"
	plot for [i=1:fr_n] data index (fr_first+i-1) using 2:($3*1e-9) with linespoints ls fr_style[i] title fr_title[i]
}
unset multiplot
