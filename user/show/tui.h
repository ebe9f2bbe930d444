/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interactive vqmod top (curses). It reads reports and keys; the
 * caller's event loop owns the clock, the signals and the counters.
 */
#ifndef VQMOD_TUI_H
#define VQMOD_TUI_H

#include <stddef.h>
#include "output.h"
#include "core/view.h"

struct tui;

enum tui_action {
	TUI_CONTINUE,
	TUI_QUIT,
	TUI_INTERVAL, /* the user set a new delay */
};

/*
 * Takes the terminal, with the sort of view and the filter text (or NULL)
 * from the command line. The terminal is given back by tui_stop, at exit,
 * and on a fatal signal. Returns an enum vqmod_exit.
 */
int tui_start(struct tui **out, const struct view *view, const char *filter, double interval, char *err, size_t errlen);
void tui_stop(struct tui *t);
/* The fd to poll for keys. */
int tui_fd(const struct tui *t);
/* A new period: kept for redraws and the history, and shown unless paused. */
void tui_period(struct tui *t, const struct report *r);
/* Handles the keys (and resizes) pending; on TUI_INTERVAL *interval is the new delay. */
enum tui_action tui_input(struct tui *t, double *interval);

#endif
