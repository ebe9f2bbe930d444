// SPDX-License-Identifier: GPL-2.0
/* The TUI's keys: sorting, filtering, grouping, the detail view, prompts. */
#include <curses.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tui_internal.h"

static void sort_by(struct tui *t, int field)
{
	if ((int)t->view.sort == field) {
		t->view.ascending = !t->view.ascending;
		return;
	}
	t->view.sort = field;
	t->view.ascending = field <= FIELD_TYPE; /* names A-Z, figures highest first */
}

/* < and >: the next sortable column on screen. */
static void sort_step(struct tui *t, int dir)
{
	enum col_id cols[NCOLS];
	size_t n = tui_visible_columns(COLS, cols);
	long cur = -1, i;

	for (i = 0; i < (long)n; i++)
		if (tui_columns[cols[i]].field == (int)t->view.sort)
			cur = i;
	for (i = cur + dir; i >= 0 && i < (long)n; i += dir) {
		if (tui_columns[cols[i]].field >= 0) {
			sort_by(t, tui_columns[cols[i]].field);
			return;
		}
	}
}

int tui_set_filter(struct tui *t, const char *text)
{
	struct view v = t->view;
	char err[96];

	if (!*text) {
		view_free(&t->view);
		t->filter[0] = 0;
		return 0;
	}
	v.has_filter = false;
	if (view_set_filter(&v, text, err, sizeof(err))) {
		snprintf(t->message, sizeof(t->message), "bad regex: %s", err);
		return -1;
	}
	view_free(&t->view);
	t->view = v;
	snprintf(t->filter, sizeof(t->filter), "%s", text);
	return 0;
}

/* Enter on a prompt; returns TUI_INTERVAL when the delay changed. */
static enum tui_action prompt_done(struct tui *t, double *interval)
{
	enum prompt p = t->prompt;
	char *end;
	double v;

	t->prompt = PROMPT_NONE;
	if (p == PROMPT_FILTER) {
		tui_set_filter(t, t->input);
		return TUI_CONTINUE;
	}
	errno = 0;
	v = strtod(t->input, &end);
	if (errno || end == t->input || *end || !isfinite(v) || v < 0.01 || v > 3600) {
		snprintf(t->message, sizeof(t->message), "invalid delay '%s': give seconds from 0.01 to 3600",
			 t->input);
		return TUI_CONTINUE;
	}
	t->interval = *interval = v;
	return TUI_INTERVAL;
}

static enum tui_action prompt_key(struct tui *t, int ch, double *interval)
{
	size_t len = strlen(t->input);

	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		return prompt_done(t, interval);
	case 27: /* Esc */
		t->prompt = PROMPT_NONE;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len)
			t->input[len - 1] = 0;
		break;
	case 21: /* Ctrl-U */
		t->input[0] = 0;
		break;
	default:
		if (ch >= 32 && ch < 127 && len + 1 < sizeof(t->input)) {
			t->input[len] = ch;
			t->input[len + 1] = 0;
		}
	}
	return TUI_CONTINUE;
}

static void start_prompt(struct tui *t, enum prompt p)
{
	t->prompt = p;
	if (p == PROMPT_FILTER)
		snprintf(t->input, sizeof(t->input), "%s", t->filter);
	else
		snprintf(t->input, sizeof(t->input), "%g", t->interval);
}

static enum tui_action key(struct tui *t, int ch, double *interval)
{
	int page = LINES > 5 ? LINES - 5 : 1;

	if (t->prompt != PROMPT_NONE)
		return prompt_key(t, ch, interval);
	if (t->mode == MODE_HELP && ch != KEY_RESIZE) {
		t->mode = MODE_LIST;
		return TUI_CONTINUE;
	}
	for (size_t c = 0; c < NCOLS; c++) {
		if (tui_columns[c].key && ch == tui_columns[c].key) {
			sort_by(t, tui_columns[c].field);
			return TUI_CONTINUE;
		}
	}
	switch (ch) {
	case 'q':
	case KEY_F(10):
		return TUI_QUIT;
	case 'h':
	case '?':
	case KEY_F(1):
		t->mode = MODE_HELP;
		break;
	case 27: /* Esc */
	case KEY_LEFT:
	case KEY_BACKSPACE:
		t->mode = MODE_LIST;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_RIGHT:
	case 'l':
		t->mode = t->mode == MODE_DETAIL && ch != KEY_RIGHT && ch != 'l' ? MODE_LIST : MODE_DETAIL;
		break;
	case KEY_UP:
	case 'k':
		tui_move_selection(t, -1);
		break;
	case KEY_DOWN:
	case 'j':
		tui_move_selection(t, 1);
		break;
	case KEY_PPAGE:
		tui_move_selection(t, -page);
		break;
	case KEY_NPAGE:
		tui_move_selection(t, page);
		break;
	case KEY_HOME:
		tui_move_selection(t, -(long)t->nrows);
		break;
	case KEY_END:
		tui_move_selection(t, t->nrows);
		break;
	case '<':
	case ',':
		sort_step(t, -1);
		break;
	case '>':
	case '.':
		sort_step(t, 1);
		break;
	case 'r':
		t->view.ascending = !t->view.ascending;
		break;
	case '/':
		start_prompt(t, PROMPT_FILTER);
		break;
	case 'd':
		start_prompt(t, PROMPT_DELAY);
		break;
	case 'g':
		t->group = (t->group + 1) % GROUP_COUNT;
		t->top = 0;
		break;
	case 'p':
	case ' ':
		t->paused = !t->paused;
		break;
	case 12: /* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	}
	return TUI_CONTINUE;
}

enum tui_action tui_input(struct tui *t, double *interval)
{
	enum tui_action action = TUI_CONTINUE, a;
	int ch;

	while ((ch = getch()) != ERR) {
		t->message[0] = 0; /* read: the next key dismisses it */
		a = key(t, ch, interval);
		if (a == TUI_QUIT)
			return a;
		if (a != TUI_CONTINUE)
			action = a;
	}
	tui_draw(t);
	return action;
}
