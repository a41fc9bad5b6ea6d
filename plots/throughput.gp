# throughput.gp: chart 1, throughput against message size (log-log), one
# line per wait strategy and reference transport; messages/s on the left,
# bytes/s on the right.
load vars
w = 1400; h = 600
load lib."/common.gp"
set multiplot layout 1,2 title chart_title."\n".chart_sub
set logscale x 2
set logscale y 10
eval "set xtics (".size_tics.")"
set xlabel "message size (log scale)"
set key outside right top vertical
set offsets graph 0.05, graph 0.05, 0, 0
set ylabel "messages per second (log scale)"
set format y "%.1s %c"
set title "messages/s"
plot for [i=1:s_n] data index (i-1) using 1:2 with linespoints ls s_style[i] title s_title[i]
set ylabel "bytes per second (log scale)"
set format y "%.1s %cB/s"
set title "bytes/s"
plot for [i=1:s_n] data index (i-1) using 1:3 with linespoints ls s_style[i] title s_title[i]
unset multiplot
