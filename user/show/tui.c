// SPDX-License-Identifier: GPL-2.0
/* vqmod top on a terminal: taking and giving back the terminal, and each new period. */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "core/errors.h"
#include "tui_internal.h"

/* The terminal as it was, for the fatal-signal path, which cannot call curses. */
static struct termios saved_tio;
static char restore_seq[128];
static size_t restore_len;
static volatile sig_atomic_t tui_active;
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};

static void fatal_signal(int sig)
{
	if (tui_active) {
		if (write(STDOUT_FILENO, restore_seq, restore_len) < 0) {
			/* nothing more can be done here */
		}
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	if (tui_active)
		endwin();
	tui_active = 0;
}

static void add_cap(const char *name)
{
	char *s = tigetstr((char *)name);
	size_t n;

	if (!s || s == (char *)-1)
		return;
	n = strlen(s);
	if (restore_len + n < sizeof(restore_seq)) {
		memcpy(restore_seq + restore_len, s, n);
		restore_len += n;
	}
}

static int mod_key_cmp(const void *a, const void *b)
{
	return vq_key_cmp(&((const struct mod_copy *)a)->key, &((const struct mod_copy *)b)->key);
}

static void copy_mods(struct tui *t, const struct report *r)
{
	size_t n = 0;

	free(t->mods);
	t->mods = NULL;
	t->nmods = 0;
	if (!r->mod)
		return;
	t->mods = calloc(r->nshown ? r->nshown : 1, sizeof(*t->mods));
	if (!t->mods)
		return;
	for (size_t i = 0; i < r->nshown; i++) {
		struct mod_copy *mc = &t->mods[n];

		if (!r->mod[i])
			continue;
		mc->key = r->shown[i]->id->key;
		mc->m = *r->mod[i];
		if (mc->m.nrecent > TUI_DECISIONS) { /* keep the newest */
			mc->m.recent += mc->m.nrecent - TUI_DECISIONS;
			mc->m.nrecent = TUI_DECISIONS;
		}
		memcpy(mc->recent, mc->m.recent, mc->m.nrecent * sizeof(*mc->recent));
		n++;
	}
	/* sorted for lookups; each copy's decisions are its own */
	qsort(t->mods, n, sizeof(*t->mods), mod_key_cmp);
	for (size_t i = 0; i < n; i++)
		t->mods[i].m.recent = t->mods[i].recent;
	t->nmods = n;
}

static void release_samples(struct tui *t)
{
	for (size_t i = 0; i < t->n; i++)
		vq_ident_put(t->s[i].id);
	free(t->s);
	t->s = NULL;
	t->n = 0;
}

void tui_period(struct tui *t, const struct report *r)
{
	const struct vq_sample **all;
	struct vq_sample *copy;

	if (t->paused)
		return;
	copy = malloc((r->period->n ? r->period->n : 1) * sizeof(*copy));
	all = calloc(r->period->n ? r->period->n : 1, sizeof(*all));
	if (!copy || !all || history_push(&t->history, r->period)) {
		free(copy);
		free(all);
		snprintf(t->message, sizeof(t->message), "out of memory: this period is not shown");
		return;
	}
	/* the copies outlive the period: they keep their identities */
	memcpy(copy, r->period->s, r->period->n * sizeof(*copy));
	for (size_t i = 0; i < r->period->n; i++)
		vq_ident_get(copy[i].id);
	release_samples(t);
	t->s = copy;
	t->n = r->period->n;
	t->seconds = r->period->seconds;
	t->vanished = r->period->vanished;
	t->wallclock = r->wallclock;
	/* host totals: every queue, whatever the view */
	for (size_t i = 0; i < t->n; i++)
		all[i] = &t->s[i];
	vq_sample_sum(all, t->n, t->seconds, &t->total);
	free(all);
	copy_mods(t, r);
	snprintf(t->controller, sizeof(t->controller), "%s", r->controller ?: "");
	t->hooks_active = t->hooks_wanted = 0;
	for (size_t i = 0; i < r->nhooks; i++) {
		t->hooks_wanted += r->hooks[i].wanted;
		t->hooks_active += r->hooks[i].wanted && r->hooks[i].active;
	}
	t->refused = r->health ? r->health->refused_queues : 0;
	t->have_period = true;
	tui_draw(t);
}

int tui_fd(const struct tui *t)
{
	(void)t;
	return STDIN_FILENO;
}

int tui_start(struct tui **out, const struct view *view, const char *filter, double interval, char *err, size_t errlen)
{
	struct sigaction sa = {.sa_handler = fatal_signal};
	static bool registered;
	struct tui *t;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return EXIT_RUNTIME;
	}
	t->view.sort = view->sort;
	t->view.ascending = view->ascending;
	t->interval = interval;
	history_init(&t->history);
	if (filter && tui_set_filter(t, filter)) {
		snprintf(err, errlen, "%s", t->message);
		tui_stop(t);
		return EXIT_USAGE;
	}
	/* only the character type: numbers keep their C format */
	setlocale(LC_CTYPE, "");
	t->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	if (tcgetattr(STDIN_FILENO, &saved_tio)) {
		snprintf(err, errlen, "cannot read the terminal's settings: %s", strerror(errno));
		tui_stop(t);
		return EXIT_RUNTIME;
	}
	if (!registered)
		atexit(at_exit);
	registered = true;
	if (!newterm(NULL, stdout, stdin)) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s)", getenv("TERM") ?: "");
		tui_stop(t);
		return EXIT_RUNTIME;
	}
	tui_active = 1;
	restore_len = 0;
	add_cap("sgr0");
	add_cap("cnorm");
	add_cap("rmkx");
	add_cap("rmcup");
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaction(fatal_signals[i], &sa, NULL);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	*out = t;
	tui_draw(t);
	return EXIT_OK;
}

void tui_stop(struct tui *t)
{
	if (!t)
		return;
	if (tui_active) {
		endwin();
		tui_active = 0;
		for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
			signal(fatal_signals[i], SIG_DFL);
	}
	view_free(&t->view);
	history_free(&t->history);
	release_samples(t);
	free(t->mods);
	free(t->rows);
	free(t);
}
