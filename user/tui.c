// SPDX-License-Identifier: GPL-2.0
/* vqmod top on a terminal: sortable, filterable, grouped, with a detail view. */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "errors.h"
#include "history.h"
#include "loader.h"
#include "tui.h"

#define TUI_DECISIONS 8 /* recent decisions kept per queue */
#define PROMPT_MAX 128
#define SPARK_WIDTH HISTORY_LEN

enum mode { MODE_LIST, MODE_DETAIL, MODE_HELP };
enum prompt { PROMPT_NONE, PROMPT_FILTER, PROMPT_DELAY };
enum group { GROUP_NONE, GROUP_DEV, GROUP_VM, GROUP_COUNT };

/* A controller's view of one queue, copied: reports live for one period. */
struct mod_copy {
	struct vq_key key;
	struct vq_moderation m;
	struct vq_decision recent[TUI_DECISIONS];
};

struct vm_name {
	int pid;
	char name[40];
};

struct row {
	const struct vq_sample *s; /* NULL: a group header */
	struct vq_sample group; /* the header's sums */
	char label[48];
};

struct tui {
	struct view view;
	char filter[PROMPT_MAX];
	double interval;
	bool utf8, paused;
	enum mode mode;
	enum prompt prompt;
	enum group group;
	char input[PROMPT_MAX];
	char message[128]; /* shown once on the status line */

	/* the latest period, copied */
	struct vq_sample *s;
	size_t n, vanished;
	double seconds, wallclock;
	struct vq_sample total;
	struct mod_copy *mods;
	size_t nmods;
	char controller[32];
	size_t hooks_active, hooks_wanted;
	bool have_period;

	struct history history;
	struct vm_name vms[32];
	size_t nvms;

	/* what is on screen */
	struct row *rows;
	size_t nrows, rows_cap;
	struct vq_key selected;
	bool has_selected;
	size_t top; /* first row shown */
};

/* The terminal as it was, for the fatal-signal path, which cannot call curses. */
static struct termios saved_tio;
static char restore_seq[128];
static size_t restore_len;
static volatile sig_atomic_t tui_active;
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };

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

/* --- colspec ------------------------------------------------------------ */

enum col_id { C_DEV, C_DRIVER, C_QUEUE, C_TYPE, C_IRQS, C_SPUR, C_PKTS, C_BYTES, C_PPI, C_NS, C_KICKS, C_COAL };

static const struct column {
	const char *title;
	int width;
	int prio; /* which go first when the screen is narrow: lowest kept */
	int field; /* enum view_field, or -1: not sortable */
	bool left;
	char key; /* sort shortcut */
	int decimals;
} colspec[] = {
	[C_DEV] = { "DEV", 9, 0, FIELD_DEV, true, 'D' },
	[C_DRIVER] = { "DRIVER", 11, 9, FIELD_DRIVER, true, 'V' },
	[C_QUEUE] = { "QUEUE", 9, 1, FIELD_QUEUE, true, 'Q' },
	[C_TYPE] = { "TYPE", 5, 2, FIELD_TYPE, true, 'T' },
	[C_IRQS] = { "IRQ/s", 8, 3, FIELD_IRQS, false, 'I', 1 },
	[C_SPUR] = { "SPUR/s", 7, 10, FIELD_SPURIOUS, false, 'S', 1 },
	[C_PKTS] = { "PKT/s", 8, 4, FIELD_PACKETS, false, 'P', 1 },
	[C_BYTES] = { "B/s", 7, 5, FIELD_BYTES, false, 'B' },
	[C_PPI] = { "PKT/IRQ", 7, 6, FIELD_PKT_PER_IRQ, false, 'R', 2 },
	[C_NS] = { "NS/IRQ", 6, 8, FIELD_HANDLER_NS, false, 'N' },
	[C_KICKS] = { "KICK/s", 7, 11, FIELD_KICKS, false, 'K', 1 },
	[C_COAL] = { "COAL us/fr", 10, 7, -1, false, 0 },
};

#define NCOLS (sizeof(colspec) / sizeof(colspec[0]))

/* Which colspec fit the width, by priority, kept in display order. */
static size_t visible_columns(int width, enum col_id *out)
{
	bool shown[NCOLS] = {};
	int used = 0;
	size_t n = 0;

	for (int prio = 0; prio < (int)NCOLS; prio++)
		for (size_t c = 0; c < NCOLS; c++)
			if (colspec[c].prio == prio && used + colspec[c].width + (used ? 1 : 0) <= width) {
				used += colspec[c].width + (used ? 1 : 0);
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

static const struct mod_copy *mod_of(const struct tui *t, const struct vq_key *key)
{
	for (size_t i = 0; i < t->nmods; i++)
		if (!vq_key_cmp(&t->mods[i].key, key))
			return &t->mods[i];
	return NULL;
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
		text = s->id.dev;
		break;
	case C_DRIVER:
		text = row->s ? s->id.driver : "";
		break;
	case C_QUEUE:
		text = row->s ? s->id.queue : "";
		break;
	case C_TYPE:
		text = row->s ? vq_type_name(s->id.type) : "";
		break;
	case C_COAL:
		if (row->s) {
			coal_text(mod_of(t, &s->id.key), buf, len);
			return;
		}
		break;
	default:
		fmt_num(buf, len, figure(s, c), colspec[c].width, colspec[c].decimals);
		return;
	}
	snprintf(buf, len, "%s", text);
}

/* --- VMs: a vhost worker is "vhost-<pid of its QEMU>" ---------------------- */

static void qemu_name(int pid, char *buf, size_t len)
{
	char path[64], args[4096] = "", *p, *end;
	size_t n = 0;
	FILE *f;

	snprintf(buf, len, "pid %d", pid);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (f) {
		n = fread(args, 1, sizeof(args) - 1, f);
		fclose(f);
	}
	args[n] = 0;
	/* "-name guest=foo,debug-threads=on" or "-name foo" */
	for (p = args, end = args + n; p < end; p += strlen(p) + 1) {
		if (strcmp(p, "-name") || p + strlen(p) + 1 >= end)
			continue;
		p += strlen(p) + 1;
		if (!strncmp(p, "guest=", 6))
			p += 6;
		snprintf(buf, len, "%.*s (pid %d)", (int)strcspn(p, ","), p, pid);
		return;
	}
}

static const char *vm_of(struct tui *t, const struct vq_sample *s)
{
	int pid;

	if (s->id.key.source != VQ_SRC_VHOST && s->id.key.source != VQ_SRC_VHOST_VDPA)
		return "host";
	if (sscanf(s->id.dev, "vhost-%d", &pid) != 1)
		return "unknown VM";
	for (size_t i = 0; i < t->nvms; i++)
		if (t->vms[i].pid == pid)
			return t->vms[i].name;
	if (t->nvms == sizeof(t->vms) / sizeof(t->vms[0]))
		t->nvms = 0; /* a small cache: start over */
	t->vms[t->nvms].pid = pid;
	qemu_name(pid, t->vms[t->nvms].name, sizeof(t->vms[t->nvms].name));
	return t->vms[t->nvms++].name;
}

static const char *group_of(struct tui *t, const struct vq_sample *s)
{
	return t->group == GROUP_VM ? vm_of(t, s) : s->id.dev;
}

/* --- rows ------------------------------------------------------------- */

static struct row *new_row(struct tui *t)
{
	if (t->nrows == t->rows_cap) {
		size_t cap = t->rows_cap ? 2 * t->rows_cap : 64;
		struct row *r = realloc(t->rows, cap * sizeof(*r));

		if (!r)
			return NULL;
		t->rows = r;
		t->rows_cap = cap;
	}
	memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
	return &t->rows[t->nrows++];
}

/* The period through the view; grouped, each group's queues keep the sort order. */
static void build_rows(struct tui *t)
{
	struct vq_period p = { .n = t->n, .s = t->s, .seconds = t->seconds };
	const struct vq_sample **shown = calloc(t->n ? t->n : 1, sizeof(*shown));
	bool *done = calloc(t->n ? t->n : 1, sizeof(*done));
	size_t n, i, j;

	t->nrows = 0;
	if (!shown || !done)
		goto out;
	n = view_select(&t->view, &p, shown);
	for (i = 0; i < n; i++) {
		char label[sizeof(t->rows[0].label)];
		size_t first, members = 0;
		struct row *h;

		if (t->group == GROUP_NONE) {
			struct row *r = new_row(t);

			if (r)
				r->s = shown[i];
			continue;
		}
		if (done[i])
			continue;
		/* a group appears where its first member would in the sort */
		snprintf(label, sizeof(label), "%s", group_of(t, shown[i]));
		h = new_row(t);
		if (!h)
			break;
		first = t->nrows;
		snprintf(h->label, sizeof(h->label), "%s", label);
		for (j = i; j < n; j++) {
			struct row *r;

			if (done[j] || strcmp(group_of(t, shown[j]), label))
				continue;
			done[j] = true;
			r = new_row(t);
			if (!r)
				break;
			r->s = shown[j];
			members++;
		}
		h = &t->rows[first - 1]; /* new_row may have moved the rows */
		{
			const struct vq_sample **m = calloc(members ? members : 1, sizeof(*m));

			for (j = 0; m && j < members; j++)
				m[j] = t->rows[first + j].s;
			if (m)
				vq_sample_sum(m, members, t->seconds, &h->group);
			free(m);
		}
	}
out:
	free(shown);
	free(done);
}

static long selected_row(const struct tui *t)
{
	for (size_t i = 0; t->has_selected && i < t->nrows; i++)
		if (t->rows[i].s && !vq_key_cmp(&t->rows[i].s->id.key, &t->selected))
			return i;
	return -1;
}

/* Keeps the selection on a queue row, on the same queue where it still shows. */
static void fix_selection(struct tui *t)
{
	if (selected_row(t) >= 0)
		return;
	t->has_selected = false;
	for (size_t i = 0; i < t->nrows; i++) {
		if (t->rows[i].s) {
			t->selected = t->rows[i].s->id.key;
			t->has_selected = true;
			return;
		}
	}
}

static void move_selection(struct tui *t, long by)
{
	long cur = selected_row(t), i, last = -1;

	if (cur < 0)
		return;
	for (i = cur; by > 0 ? i < (long)t->nrows : i >= 0; i += by > 0 ? 1 : -1) {
		if (!t->rows[i].s)
			continue;
		last = i;
		if (labs(i - cur) >= labs(by))
			break;
	}
	if (last >= 0)
		t->selected = t->rows[last].s->id.key;
}

/* --- drawing ------------------------------------------------------------ */

static const char *arrow(const struct tui *t)
{
	if (t->utf8)
		return t->view.ascending ? "\u25b2" : "\u25bc";
	return t->view.ascending ? "^" : "v";
}

static const char *field_title(enum view_field f)
{
	for (size_t c = 0; c < NCOLS; c++)
		if (colspec[c].field == (int)f)
			return colspec[c].title;
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
	fmt_num(irq, sizeof(irq), t->total.irq_rate, 9, 1);
	fmt_num(pkt, sizeof(pkt), t->total.packet_rate, 9, 1);
	fmt_num(bytes, sizeof(bytes), t->total.byte_rate, 7, 0);
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
		t->message[0] = 0;
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

	for (size_t c = 0; c < ncols && colspec[cols[c]].left; c++)
		x += colspec[cols[c]].width + 1;
	return x > 1 ? x - 1 : 1;
}

static void draw_list(struct tui *t)
{
	enum col_id cols[NCOLS];
	size_t ncols = visible_columns(COLS, cols), i, c;
	int first = 3, height = LINES - first - 1, x;
	long sel = selected_row(t);
	char buf[64];

	move(2, 0);
	clrtoeol();
	attron(A_REVERSE);
	for (x = 0; x < COLS; x++)
		addch(' ');
	for (c = 0, x = 0; c < ncols; c++) {
		const struct column *col = &colspec[cols[c]];
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
			const struct column *col = &colspec[cols[c]];

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
	static const char *const blocks[] = { " ",	"\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
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
	long sel = selected_row(t);
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
	e = history_find(&t->history, &s->id.key);
	mc = mod_of(t, &s->id.key);
	attron(A_BOLD);
	mvprintw(2, 0, "%s %s", s->id.dev, s->id.queue);
	attroff(A_BOLD);
	printw("  driver %s  type %s  source %s  index %u", s->id.driver, vq_type_name(s->id.type),
	       vq_source_name(s->id.key.source), s->id.key.queue);
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
	"least needed colspec first; the detail view shows them all.",
	"",
	"Press any key to return.",
};

static void draw_help(void)
{
	erase();
	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]) && (int)i < LINES; i++)
		mvprintw(i, 0, "%.*s", COLS, help_lines[i]);
}

static void draw(struct tui *t)
{
	if (t->mode == MODE_HELP) {
		draw_help();
		refresh();
		return;
	}
	build_rows(t);
	fix_selection(t);
	draw_header(t);
	if (t->mode == MODE_DETAIL)
		draw_detail(t);
	else
		draw_list(t);
	draw_status(t);
	refresh();
}

/* --- periods ------------------------------------------------------------ */

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
		mc->key = r->shown[i]->id.key;
		mc->m = *r->mod[i];
		if (mc->m.nrecent > TUI_DECISIONS) { /* keep the newest */
			mc->m.recent += mc->m.nrecent - TUI_DECISIONS;
			mc->m.nrecent = TUI_DECISIONS;
		}
		memcpy(mc->recent, mc->m.recent, mc->m.nrecent * sizeof(*mc->recent));
		mc->m.recent = mc->recent;
		n++;
	}
	t->nmods = n;
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
	memcpy(copy, r->period->s, r->period->n * sizeof(*copy));
	free(t->s);
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
	t->have_period = true;
	draw(t);
}

/* --- keys ------------------------------------------------------------- */

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
	size_t n = visible_columns(COLS, cols);
	long cur = -1, i;

	for (i = 0; i < (long)n; i++)
		if (colspec[cols[i]].field == (int)t->view.sort)
			cur = i;
	for (i = cur + dir; i >= 0 && i < (long)n; i += dir) {
		if (colspec[cols[i]].field >= 0) {
			sort_by(t, colspec[cols[i]].field);
			return;
		}
	}
}

static int set_filter(struct tui *t, const char *text)
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
		set_filter(t, t->input);
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
		if (colspec[c].key && ch == colspec[c].key) {
			sort_by(t, colspec[c].field);
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
		move_selection(t, -1);
		break;
	case KEY_DOWN:
	case 'j':
		move_selection(t, 1);
		break;
	case KEY_PPAGE:
		move_selection(t, -page);
		break;
	case KEY_NPAGE:
		move_selection(t, page);
		break;
	case KEY_HOME:
		move_selection(t, -(long)t->nrows);
		break;
	case KEY_END:
		move_selection(t, t->nrows);
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
		a = key(t, ch, interval);
		if (a == TUI_QUIT)
			return a;
		if (a != TUI_CONTINUE)
			action = a;
	}
	draw(t);
	return action;
}

/* --- set-up ------------------------------------------------------------- */

int tui_fd(const struct tui *t)
{
	(void)t;
	return STDIN_FILENO;
}

int tui_start(struct tui **out, const struct view *view, const char *filter, double interval, char *err, size_t errlen)
{
	struct sigaction sa = { .sa_handler = fatal_signal };
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
	if (filter && set_filter(t, filter)) {
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
	draw(t);
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
	free(t->s);
	free(t->mods);
	free(t->rows);
	free(t);
}
