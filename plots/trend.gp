# trend.gp: chart 4, the nightly trend of the key cases from the history,
# one line per machine state, each step the detector found marked at the
# revision after it.
load vars
w = 1400; h = panels > 2 ? 900 : 480
load lib."/common.gp"
cols = panels > 1 ? 2 : 1
set multiplot layout (panels + 1) / 2, cols title chart_title."\n".chart_sub
set xlabel "night (oldest first)"
set xtics 1
if (nights > 20) { set xtics nights / 10 }
set xrange [0.5:nights + 0.5]
set offsets 0, 0, graph 0.08, graph 0.08
set key outside right top vertical
do for [p=1:panels] {
	first = value(sprintf("p%d_first", p))
	n = value(sprintf("p%d_n", p))
	set title value(sprintf("p%d_title", p))
	set ylabel value(sprintf("p%d_ylabel", p))
	s0 = value(sprintf("p%d_step0", p))
	ns = value(sprintf("p%d_nsteps", p))
	if (ns > 0) {
		plot for [i=1:n] data index (first+i-1) using 1:2 with linespoints ls b_style[first+i] title b_title[first+i], \
			steps every ::s0::(s0+ns-1) using 2:3 with points pt 3 ps 3 lw 2 lc rgb "#c0392b" title "step", \
			steps every ::s0::(s0+ns-1) using 2:3:4 with labels offset 0,1.5 font ",9" tc rgb "#c0392b" notitle
	} else {
		plot for [i=1:n] data index (first+i-1) using 1:2 with linespoints ls b_style[first+i] title b_title[first+i]
	}
}
unset multiplot
