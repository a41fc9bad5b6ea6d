# dashboard.gp: `ringbench dashboard`'s trend of one case: its headline
# figure (a panel each: throughput; or p50 and p99) night by night on every
# machine, a line per machine and machine state, each step check reported
# marked at the night after it with its change and revision.  Time runs
# along x (seconds since the epoch in the data, UTC).
load vars
w = 1300; h = panels > 1 ? 860 : 480
load lib."/common.gp"
set multiplot layout panels, 1 title chart_title."\n".chart_sub
set xdata time
set timefmt "%s"
set format x "%Y-%m-%d"
set xtics rotate by -20
set xlabel "night (UTC)"
set offsets graph 0.02, graph 0.02, graph 0.08, graph 0.08
set key outside right top vertical
do for [p=1:panels] {
	first = value(sprintf("p%d_first", p))
	n = value(sprintf("p%d_n", p))
	s0 = value(sprintf("p%d_step0", p))
	ns = value(sprintf("p%d_nsteps", p))
	if (value(sprintf("p%d_logy", p))) { set logscale y 10 } else { unset logscale y }
	set title value(sprintf("p%d_title", p))
	set ylabel value(sprintf("p%d_ylabel", p))
	if (ns > 0) {
		plot for [i=1:n] data index (first+i-1) using 1:2 with linespoints ls b_style[first+i] title b_title[first+i], \
			steps every ::s0::(s0+ns-1) using 2:3 with points pt 3 ps 3 lw 2 lc rgb "#c0392b" title "step", \
			steps every ::s0::(s0+ns-1) using 2:3:4 with labels offset 0,1.5 font ",9" tc rgb "#c0392b" notitle
	} else {
		plot for [i=1:n] data index (first+i-1) using 1:2 with linespoints ls b_style[first+i] title b_title[first+i]
	}
}
unset multiplot
