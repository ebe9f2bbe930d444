/* SPDX-License-Identifier: GPL-2.0 */
/* What the TUI's files share: its state, its columns and its rows. */
#ifndef VQMOD_TUI_INTERNAL_H
#define VQMOD_TUI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "core/history.h"
#include "tui.h"

#define TUI_DECISIONS 8 /* recent decisions kept per queue */
#define PROMPT_MAX    128
#define SPARK_WIDTH   HISTORY_LEN

enum mode { MODE_LIST, MODE_DETAIL, MODE_HELP };
enum prompt { PROMPT_NONE, PROMPT_FILTER, PROMPT_DELAY };
enum group { GROUP_NONE, GROUP_DEV, GROUP_VM, GROUP_COUNT };

/* A controller's view of one queue, copied: reports live for one period. */
struct mod_copy {
	struct vq_key key;
	struct vq_moderation m;
	struct vq_decision recent[TUI_DECISIONS];
};

struct row {
	const struct vq_sample *s; /* NULL: a group header */
	struct vq_sample group;	   /* the header's sums */
	char label[96];
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
	char message[128]; /* on the status line until the next key */

	/* the latest period, copied */
	struct vq_sample *s;
	size_t n, vanished;
	double seconds, wallclock;
	struct vq_sample total;
	struct mod_copy *mods; /* sorted by key */
	size_t nmods;
	char controller[32];
	size_t hooks_active, hooks_wanted;
	__u64 refused; /* queues the monitor had no slot for */
	bool have_period;

	struct history history;

	/* what is on screen */
	struct row *rows;
	size_t nrows, rows_cap;
	struct vq_key selected;
	bool has_selected;
	size_t top; /* first row shown */
};

enum col_id {
	C_DEV,
	C_DRIVER,
	C_QUEUE,
	C_TYPE,
	C_IRQS,
	C_SPUR,
	C_PKTS,
	C_BYTES,
	C_PPI,
	C_NS,
	C_KICKS,
	C_COAL,
	C_VM,
	NCOLS
};

struct column {
	const char *title;
	int width;
	int prio;  /* which go first when the screen is narrow: lowest kept */
	int field; /* enum view_field, or -1: not sortable */
	bool left;
	char key; /* sort shortcut */
	int decimals;
};

/* tui_draw.c */
extern const struct column tui_columns[NCOLS];
/* Which columns fit the width, by priority, kept in display order. */
size_t tui_visible_columns(int width, enum col_id *out);
void tui_draw(struct tui *t);

/* tui_rows.c */
/* The period through the view; grouped, each group's queues keep the sort order. */
void tui_build_rows(struct tui *t);
long tui_selected_row(const struct tui *t);
/* Keeps the selection on a queue row, on the same queue where it still shows. */
void tui_fix_selection(struct tui *t);
void tui_move_selection(struct tui *t, long by);
const struct mod_copy *tui_mod_of(const struct tui *t, const struct vq_key *key);

/* tui_keys.c */
/* A new filter regex ("": none); -1 with t->message set when it does not compile. */
int tui_set_filter(struct tui *t, const char *text);

#endif /* VQMOD_TUI_INTERNAL_H */
