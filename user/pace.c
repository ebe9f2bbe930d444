// SPDX-License-Identifier: GPL-2.0
/* Pacing a loop to a tenth of a core (pace.h). */
#include <stdio.h>
#include <time.h>
#include "pace.h"

/* Periods are round: 10 ms, 20, 50, 100, 200, 500, 1 s, 2 s, ... */
static double round_up(double s)
{
	static const double steps[] = {1, 2, 5};
	double decade = 0.001;

	for (;;) {
		for (unsigned int i = 0; i < 3; i++)
			if (steps[i] * decade >= s * 0.9999)
				return steps[i] * decade;
		decade *= 10;
	}
}

void pace_init(struct pace *p, const char *what, const char *option, double base_s)
{
	*p = (struct pace){.what = what, .option = option, .base_s = base_s, .period_s = base_s};
}

bool pace_note(struct pace *p, double cpu_s, size_t queues)
{
	double need, want;

	/* a few runs smooth the noise of one; the first is start-up and is not counted */
	if (p->runs++ == 0)
		return false;
	p->cost_s = p->runs == 2 ? cpu_s : 0.8 * p->cost_s + 0.2 * cpu_s;
	if (p->runs < 8)
		return false;
	need = p->cost_s / PACE_SHARE;
	want = need < p->base_s ? p->base_s : round_up(need);
	/* up at once; down only well below the step, and not within 20 runs of a change: no flapping */
	if (want == p->period_s || (want < p->period_s && (need > 0.4 * p->period_s || p->runs - p->changed_at < 20)))
		return false;
	p->period_s = want;
	p->changed_at = p->runs;
	fprintf(stderr, "vqmod run: a %s of %zu queues needs %.2f ms of CPU: one every %g ms now, near %.0f%% of a core (%s sets it)\n",
		p->what, queues, p->cost_s * 1e3, want * 1e3, PACE_SHARE * 100, p->option);
	return true;
}

double pace_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
