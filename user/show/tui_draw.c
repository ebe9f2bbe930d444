// SPDX-License-Identifier: GPL-2.0
/* The TUI's screens: the list, a queue's detail with sparklines, and help. */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "tui_internal.h"

const struct column tui_columns[NCOLS] = {
    [C_DEV] = {"DEV", 9, 0, FIELD_DEV, true, 'D'},
    [C_DRIVER] = {"DRIVER", 11, 9, FIELD_DRIVER, true, 'V'},
    [C_QUEUE] = {"QUEUE", 9, 1, FIELD_QUEUE, true, 'Q'},
    [C_TYPE] = {"TYPE", 5, 2, FIELD_TYPE, true, 'T'},
    [C_IRQS] = {"IRQ/s", 8, 3, FIELD_IRQS, false, 'I', 1},
    [C_SPUR] = {"SPUR/s", 7, 10, FIELD_SPURIOUS, false, 'S', 1},
    [C_PKTS] = {"PKT/s", 8, 4, FIELD_PACKETS, false, 'P', 1},
    [C_BYTES] = {"B/s", 7, 5, FIELD_BYTES, false, 'B'},
    [C_PPI] = {"PKT/IRQ", 7, 6, FIELD_PKT_PER_IRQ, false, 'R', 2},
    [C_NS] = {"NS/IRQ", 6, 8, FIELD_HANDLER_NS, false, 'N'},
    [C_KICKS] = {"KICK/s", 7, 11, FIELD_KICKS, false, 'K', 1},
    [C_COAL] = {"COAL us/fr", 10, 7, -1, false, 0},
    [C_VM] = {"VM", 14, 12, -1, true, 0},
};

size_t tui_visible_columns(int width, enum col_id *out)
{
	bool shown[NCOLS] = {};
	int used = 0;
	size_t n = 0;

	for (int prio = 0; prio < (int)NCOLS; prio++)
		for (size_t c = 0; c < NCOLS; c++)
			if (tui_columns[c].prio == prio && used + tui_columns[c].width + (used ? 1 : 0) <= width) {
				used += tui_columns[c].width + (used ? 1 : 0);
				shown[c] = true;
			}
	for (size_t c = 0; c < NCOLS; c++)
		if (shown[c])
			out[n++] = c;
	return n;
}

/* A figure in at most width characters: 1234.5, then 12.3K, 123M... */
static void fmt_num(char *buf, size_t len, double v, int width, int decimals)
{
	static const char units[] = " KMGTPE";
	int u = 0;

	snprintf(buf, len, "%.*f", decimals, v);
	while ((int)strlen(buf) > width && u < 6) {
		v /= 1000;
		u++;
		snprintf(buf, len, "%.1f%c", v, units[u]);
		if ((int)strlen(buf) > width)
			snprintf(buf, len, "%.0f%c", v, units[u]);
	}
}

static void coal_text(const struct mod_copy *mc, char *buf, size_t len)
{
	if (mc && mc->m.coalesce_known)
		snprintf(buf, len, "%u/%u", mc->m.usecs, mc->m.frames);
	else
		snprintf(buf, len, "-");
}

static double figure(const struct vq_sample *s, enum col_id c)
{
	switch (c) {
	case C_IRQS:
		return s->irq_rate;
	case C_SPUR:
		return s->spurious_rate;
	case C_PKTS:
		return s->packet_rate;
	case C_BYTES:
		return s->byte_rate;
	case C_PPI:
		return s->packets_per_irq;
	case C_NS:
		return s->avg_handler_ns;
	default:
		return s->kick_rate;
	}
}

/* A group's header row shows only its sums. */
static void cell(const struct tui *t, const struct row *row, enum col_id c, char *buf, size_t len)
{
	const struct vq_sample *s = row->s ? row->s : &row->group;
	const char *text = "";

	switch (c) {
	case C_DEV:
		text = s->id->dev;
		break;
	case C_DRIVER:
		text = row->s ? s->id->driver : "";
		break;
	case C_QUEUE:
		text = row->s ? s->id->queue : "";
		break;
	case C_TYPE:
		text = row->s ? vq_type_name(s->id->type) : "";
		break;
	case C_COAL:
		if (row->s) {
			coal_text(tui_mod_of(t, &s->id->key), buf, len);
			return;
		}
		break;
	case C_VM:
		if (row->s) {
			vm_label(&s->id->vm, buf, len);
			return;
		}
		break;
	case C_IRQS:
	case C_PPI:
		if (row->s && s->irqs_unseen) { /* not a zero: uncountable (irq bypass) */
			snprintf(buf, len, "bypass");
			return;
		}
		if (c == C_PPI && s->packets_unseen) {
			snprintf(buf, len, "-");
			return;
		}
		fmt_num(buf, len, figure(s, c), tui_columns[c].width, tui_columns[c].decimals);
		return;
	case C_PKTS:
	case C_BYTES:
		if (s->packets_unseen) { /* not a zero: the path's hooks see signals only */
			snprintf(buf, len, "-");
			return;
		}
		fmt_num(buf, len, figure(s, c), tui_columns[c].width, tui_columns[c].decimals);
		return;
	default:
		fmt_num(buf, len, figure(s, c), tui_columns[c].width, tui_columns[c].decimals);
		return;
	}
	snprintf(buf, len, "%s", text);
}

static const char *arrow(const struct tui *t)
{
	if (t->utf8)
		return t->view.ascending ? "\u25b2" : "\u25bc";
	return t->view.ascending ? "^" : "v";
}

static const char *field_title(enum view_field f)
{
	for (size_t c = 0; c < NCOLS; c++)
		if (tui_columns[c].field == (int)f)
			return tui_columns[c].title;
	return "?";
}

static void draw_header(struct tui *t)
{
	char when[16] = "--:--:--", irq[16], pkt[16], bytes[16];
	time_t now = (time_t)t->wallclock;
	struct tm tm;

	if (t->have_period) {
		localtime_r(&now, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	}
	move(0, 0);
	clrtoeol();
	attron(A_BOLD);
	printw("vqmod top");
	attroff(A_BOLD);
	printw(" %s  every %gs  queues %zu  hooks %zu/%zu  ctl %s", when, t->interval, t->n, t->hooks_active,
	       t->hooks_wanted, t->controller[0] ? t->controller : "-");
	if (t->paused) {
		attron(A_REVERSE | A_BOLD);
		printw("  PAUSED ");
		attroff(A_REVERSE | A_BOLD);
	}
	if (t->refused) { /* a limit, said where it is seen */
		attron(A_BOLD);
		printw("  REFUSED %llu", (unsigned long long)t->refused); /* the help says what */
		attroff(A_BOLD);
	}
	fmt_num(irq, sizeof(irq), t->total.irq_rate, 9, 1);
	if (t->total.packets_unseen) { /* no queue shown counts packets */
		snprintf(pkt, sizeof(pkt), "-");
		snprintf(bytes, sizeof(bytes), "-");
	} else {
		fmt_num(pkt, sizeof(pkt), t->total.packet_rate, 9, 1);
		fmt_num(bytes, sizeof(bytes), t->total.byte_rate, 7, 0);
	}
	move(1, 0);
	clrtoeol();
	printw("IRQ/s %s  PKT/s %s  B/s %s  sort %s%s", irq, pkt, bytes, field_title(t->view.sort), arrow(t));
	if (t->view.has_filter)
		printw("  filter /%s/", t->filter);
	if (t->group != GROUP_NONE)
		printw("  group %s", t->group == GROUP_DEV ? "dev" : "vm");
}

static void draw_status(struct tui *t)
{
	move(LINES - 1, 0);
	clrtoeol();
	if (t->prompt != PROMPT_NONE) {
		printw("%s%s", t->prompt == PROMPT_FILTER ? "filter regex: " : "delay in seconds: ", t->input);
		curs_set(1);
		return;
	}
	curs_set(0);
	if (t->message[0]) {
		attron(A_BOLD);
		printw("%s", t->message);
		attroff(A_BOLD);
		return;
	}
	attron(A_REVERSE);
	if (t->mode == MODE_DETAIL)
		printw("Esc back  p pause  d delay  h help  q quit");
	else
		printw("h help  / filter  <> sort  g group  Enter detail  p pause  d delay  q quit");
	attroff(A_REVERSE);
}

/* Up to the first figure column. */
static int label_width(const enum col_id *cols, size_t ncols)
{
	int x = 0;

	for (size_t c = 0; c < ncols && tui_columns[cols[c]].left; c++)
		x += tui_columns[cols[c]].width + 1;
	return x > 1 ? x - 1 : 1;
}

static void draw_list(struct tui *t)
{
	enum col_id cols[NCOLS];
	size_t ncols = tui_visible_columns(COLS, cols), i, c;
	int first = 3, height = LINES - first - 1, x;
	long sel = tui_selected_row(t);
	char buf[64];

	move(2, 0);
	clrtoeol();
	attron(A_REVERSE);
	for (x = 0; x < COLS; x++)
		addch(' ');
	for (c = 0, x = 0; c < ncols; c++) {
		const struct column *col = &tui_columns[cols[c]];
		bool sorted = col->field == (int)t->view.sort;
		int len = strlen(col->title) + sorted;
		int at = col->left ? x : x + col->width - len;

		mvprintw(2, at, "%s", col->title);
		if (sorted) {
			attron(A_BOLD);
			printw("%s", arrow(t));
			attroff(A_BOLD);
		}
		x += col->width + 1;
	}
	attroff(A_REVERSE);

	if (height < 1)
		return;
	if (sel >= 0 && (size_t)sel < t->top)
		t->top = sel;
	if (sel >= 0 && (size_t)sel >= t->top + height)
		t->top = sel - height + 1;
	if (t->top + height > t->nrows)
		t->top = t->nrows > (size_t)height ? t->nrows - height : 0;
	for (i = 0; i < (size_t)height; i++) {
		size_t r = t->top + i;

		move(first + i, 0);
		clrtoeol();
		if (r >= t->nrows)
			continue;
		if ((long)r == sel)
			attron(A_REVERSE);
		if (!t->rows[r].s)
			attron(A_BOLD);
		if ((long)r == sel)
			for (x = 0; x < COLS; x++)
				mvaddch(first + i, x, ' ');
		for (c = 0, x = 0; c < ncols; c++) {
			const struct column *col = &tui_columns[cols[c]];

			cell(t, &t->rows[r], cols[c], buf, sizeof(buf));
			if (!t->rows[r].s && col->left) { /* a group's name spans its text columns */
				if (cols[c] == C_DEV)
					mvprintw(first + i, x, "%.*s", label_width(cols, ncols), t->rows[r].label);
			} else if (col->left)
				mvprintw(first + i, x, "%-*.*s", col->width, col->width, buf);
			else
				mvprintw(first + i, x, "%*.*s", col->width, col->width, buf);
			x += col->width + 1;
		}
		attroff(A_REVERSE | A_BOLD);
	}
	if (!t->nrows)
		mvprintw(first, 0, t->have_period ? "no queue matches" : "waiting for the first period...");
}

static void spark(struct tui *t, int y, const struct history_entry *e, enum history_series s, const char *title,
		  int decimals)
{
	static const char *const blocks[] = {" ",      "\u2581", "\u2582", "\u2583", "\u2584",
					     "\u2585", "\u2586", "\u2587", "\u2588"};
	static const char ascii[] = " .:-=+*#@";
	unsigned char levels[HISTORY_LEN];
	char now[16], max[16];
	size_t n = e ? history_levels(e, s, 9, levels) : 0;

	fmt_num(now, sizeof(now), e && e->n ? history_value(e, s, e->n - 1) : 0, 9, decimals);
	fmt_num(max, sizeof(max), e ? history_max(e, s) : 0, 9, decimals);
	mvprintw(y, 0, "%-6s now %-9s max %-9s", title, now, max);
	move(y + 1, 0);
	clrtoeol();
	printw("|");
	/* newest on the right, as in every top-like graph */
	for (size_t i = n; i < SPARK_WIDTH; i++)
		addch(' ');
	for (size_t i = 0; i < n; i++) {
		if (t->utf8)
			addstr(blocks[levels[i]]);
		else
			addch(ascii[levels[i]]);
	}
	printw("|");
}

static void draw_detail(struct tui *t)
{
	long sel = tui_selected_row(t);
	const struct vq_sample *s = sel >= 0 ? t->rows[sel].s : NULL;
	const struct history_entry *e;
	const struct mod_copy *mc;
	char coal[32];
	int y = 3;

	for (int i = 2; i < LINES - 1; i++) {
		move(i, 0);
		clrtoeol();
	}
	if (!s) {
		mvprintw(y, 0, "the queue is gone (filtered out or vanished): Esc to go back");
		return;
	}
	e = history_find(&t->history, &s->id->key);
	mc = tui_mod_of(t, &s->id->key);
	attron(A_BOLD);
	mvprintw(2, 0, "%s %s", s->id->dev, s->id->queue);
	attroff(A_BOLD);
	printw("  driver %s  type %s  source %s  index %u", s->id->driver, vq_type_name(s->id->type),
	       vq_source_name(s->id->key.source), s->id->key.queue);
	mvprintw(y++, 0, "last %u of %d samples, every %gs; the newest on the right", e ? e->n : 0, HISTORY_LEN,
		 t->interval);
	spark(t, y, e, HIST_IRQS, "IRQ/s", 1);
	y += 2;
	spark(t, y, e, HIST_PACKETS, "PKT/s", 1);
	y += 2;
	spark(t, y, e, HIST_BYTES, "B/s", 0);
	y += 3;
	mvprintw(y++, 0, "this period: irqs %llu  spurious %llu  packets %llu  bytes %llu",
		 (unsigned long long)s->delta.irqs, (unsigned long long)s->delta.spurious,
		 (unsigned long long)s->delta.packets, (unsigned long long)s->delta.bytes);
	mvprintw(y++, 0, "             kicks %llu  polls %llu  pkt/irq %.2f  handler %.0f ns/irq",
		 (unsigned long long)s->delta.kicks, (unsigned long long)s->delta.polls, s->packets_per_irq,
		 s->avg_handler_ns);
	y++;
	coal_text(mc, coal, sizeof(coal));
	mvprintw(y++, 0, "moderation: coalescing %s us/frames  state %s  decisions ", coal,
		 mc && mc->m.state[0] ? mc->m.state : "-");
	if (mc)
		printw("%llu", (unsigned long long)mc->m.decisions);
	else
		printw("-");
	if (!t->controller[0])
		mvprintw(y++, 0, "  (no controller runs: vqmod run provides these)");
	mvprintw(y++, 0, "recent decisions:");
	if (!mc || !mc->m.nrecent)
		mvprintw(y++, 2, "-");
	for (size_t i = 0; mc && i < mc->m.nrecent && y < LINES - 1; i++) {
		const struct vq_decision *d = &mc->recent[i];
		time_t when = (time_t)d->time;
		char hms[16];
		struct tm tm;

		localtime_r(&when, &tm);
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		mvprintw(y++, 2, "%s  %u/%u -> %u/%u  %s", hms, d->old_usecs, d->old_frames, d->usecs, d->frames,
			 d->reason);
	}
}

static const char *const help_lines[] = {
    "vqmod top: keys",
    "",
    "  Up Down j k PgUp PgDn Home End   move the selection",
    "  Enter Right l    detail of the selected queue (Esc Left: back)",
    "  < >              sort by the column left or right of the current one",
    "  r                reverse the sort",
    "  D Q T V          sort by DEV, QUEUE, TYPE, DRIVER",
    "  I S P B R N K    sort by IRQ/s, SPUR/s, PKT/s, B/s, PKT/IRQ, NS/IRQ, KICK/s",
    "                   (the same letter again reverses)",
    "  /                filter by regex on \"dev driver queue type\"; empty: none",
    "  g                group: none, by device, by VM (vhost: the owning QEMU)",
    "  p Space          pause the display (exporters keep going)",
    "  d                delay between updates, in seconds",
    "  Ctrl-L           redraw      h ? F1  this help      q F10  quit",
    "",
    "Columns: rates per second over the measured period. PKT/IRQ packets per",
    "notification; NS/IRQ handler time per notification; COAL the coalescing in",
    "force, usecs/frames (\"-\": no controller runs). Narrow terminals drop the",
    "least needed columns first; the detail view shows them all, and the",
    "controller's state: \"yielded\" when something else set the queue.",
    "REFUSED in the header: queues not counted, as no slot of the monitor's",
    "maps was free (raise --max-queues).",
    "",
    "Press any key to return.",
};

static void draw_help(void)
{
	erase();
	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]) && (int)i < LINES; i++)
		mvprintw(i, 0, "%.*s", COLS, help_lines[i]);
}

void tui_draw(struct tui *t)
{
	if (t->mode == MODE_HELP) {
		draw_help();
		refresh();
		return;
	}
	tui_build_rows(t);
	tui_fix_selection(t);
	draw_header(t);
	if (t->mode == MODE_DETAIL)
		draw_detail(t);
	else
		draw_list(t);
	draw_status(t);
	refresh();
}
