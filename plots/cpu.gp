# cpu.gp: chart 5, the CPU time each side spends per message, by wait
# strategy and transport, at a low rate and at a high one (log scale), so
# that the price of spinning shows.
load vars
w = 1200; h = 620
load lib."/common.gp"
set title chart_title."\n".chart_sub offset 0, 2.5
set style data histograms
set style histogram clustered gap 1.5
set boxwidth 0.9
set logscale y 10
set yrange [1e-9:*]
set format y "%.0s %cs"
set ylabel "CPU time per message (log scale)"
set grid y
set xtics scale 0
set key at graph 0.5, graph 1.01 center bottom horizontal maxrows 2
set tmargin 7
plot data using ($2*1e-9):xtic(1) fs solid 0.85 border lc rgb "#000000" lc rgb "#1f4e9c" title "producer, ".low, \
	'' using ($3*1e-9) fs pattern 4 border lc rgb "#000000" lc rgb "#1f4e9c" title "consumer, ".low, \
	'' using ($4*1e-9) fs solid 0.35 border lc rgb "#000000" lc rgb "#d9730d" title "producer, ".high, \
	'' using ($5*1e-9) fs pattern 5 border lc rgb "#000000" lc rgb "#d9730d" title "consumer, ".high
