/* dashboard.h: `ringbench dashboard`: a static site of every machine's
 * nightly figures, from the results store (store/store.h).
 *
 * The site is a folder of HTML pages, their charts (SVG and PNG, drawn by
 * gnuplot from plots/dashboard.gp) and the charts' data, that a browser
 * opens from the disk: no server, and nothing from the network.
 *   index.html           every machine and every case, with links
 *   machine-NN.html      a machine's context, its latest verdict, its steps
 *   case-NNN.html        a case's trend on every machine, its steps, its verdicts
 *   charts/case-NNN.*    the trend (SVG, PNG); data/case-NNN.* what it is drawn from
 *
 * A case's trend is its headline figure night by night (throughput for a
 * stream, p50 and p99 for ping-pong and fixed-rate latency), a line per
 * machine and machine state: the states are found per machine, over all
 * of its nights' probes, as the history finds them (states.h), so no line
 * mixes figures from two machines or two states.  A night's point is the
 * median of its repetitions in the state, where it has at least
 * HISTORY_MIN_REPS of them.  The steps are those `check` reported (the
 * store's ledger), marked at the night after them with the revision. */
#ifndef DASHBOARD_H
#define DASHBOARD_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>

struct dashboard_opts {
	const char *out;     /* the site's folder, made if missing */
	const char *scripts; /* the folder of the gnuplot scripts */
	const char *gnuplot; /* the program */
	int last;	     /* each machine's newest nights drawn (<= 0: HISTORY_MAX_NIGHTS) */
};

struct dashboard_result {
	char index[1200]; /* out/index.html */
	int machines, cases, nights;
	int drawn;   /* cases whose trend was drawn */
	int lacking; /* cases with no night to draw (too few repetitions in one state) */
	int failed;  /* trends gnuplot could not draw; why: the first one's reason */
	char why[1400];
	bool empty; /* the store holds no nightly runs: nothing was written */
};

/* Write the site from s's runs of kind "night".  0 with the site written
 * (r->failed says how many charts could not be drawn, and the pages say
 * why), or -1 with err: the store could not be read, the folder not
 * written, or (r->empty) the store holds no nightly runs. */
int dashboard_write(struct store *s, const struct dashboard_opts *o, struct dashboard_result *r,
		    char *err, size_t n);

#endif
