# change.gp: chart 3, base against current (or A against B): each case's
# change with its confidence interval, turned so that right is better, the
# case's threshold as ticks, regressions and improvements marked.
load vars
w = 1200; h = 230 + 24 * rows
load lib."/common.gp"
set title chart_title." (against ".against.")\n".chart_sub offset 0, 3
set yrange [rows:-1]
set xrange [-xlim:xlim]
set ytics scale 0 font ",9"
set grid x
set xlabel "change of the median, %  (left: worse, right: better); bars: 95% interval"
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb "#444444" lw 1.5
set key at graph 0.5, graph 1.01 center bottom horizontal maxrows 2 samplen 2
set tmargin 9
set lmargin 42
plot \
	data using 3:1:ytic(2) with points pt 6 ps 0 lc rgb "white" notitle, \
	data using ($8 == 0 ? $3 : NaN):1:4:5 with xerrorbars pt 6 ps 1.2 lc rgb "#777777" lw 1.5 title "within the threshold", \
	data using ($8 == 1 ? $3 : NaN):1:4:5 with xerrorbars pt 11 ps 2 lc rgb "#c0392b" lw 2.5 title "regression", \
	data using ($8 == 2 ? $3 : NaN):1:4:5 with xerrorbars pt 9 ps 2 lc rgb "#2a8a3e" lw 2.5 title "improvement", \
	data using 6:1 with points pt "|" ps 1.6 lc rgb "#1f4e9c" title "the row's threshold", \
	data using 7:1 with points pt "|" ps 1.6 lc rgb "#1f4e9c" notitle
