// SPDX-License-Identifier: GPL-2.0
/*
 * The net_dim state machine, written from its documented behaviour (DESIGN §7).
 *
 * One deliberate difference from net_dim's comparison: a rate that is zero in
 * both windows (the path does not count it, e.g. bytes on an irq-only hook)
 * passes on to the next rate instead of ending the comparison as "same", so a
 * queue without byte counts can still be moderated by packets and events.
 * Where every rate is counted the result is net_dim's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "dim.h"

#define NS_PER_MS 1000000ULL

static const struct dim_table builtin_tables[] = {
    [DIM_RX_EQE] = {5, {{1, 256}, {8, 256}, {64, 256}, {128, 256}, {256, 256}}},
    [DIM_RX_CQE] = {5, {{2, 256}, {8, 128}, {16, 64}, {32, 64}, {64, 64}}},
    [DIM_TX_EQE] = {5, {{1, 128}, {8, 128}, {32, 128}, {64, 128}, {128, 128}}},
    [DIM_TX_CQE] = {5, {{5, 128}, {8, 64}, {16, 32}, {32, 32}, {64, 32}}},
};

const struct dim_table *dim_builtin_table(enum dim_builtin which)
{
	if ((unsigned int)which >= sizeof(builtin_tables) / sizeof(builtin_tables[0]))
		return &builtin_tables[DIM_RX_EQE];
	return &builtin_tables[which];
}

/* Reads a decimal number of at most max from *pos; false if there is none or it is too big. */
static bool parse_number(const char **pos, __u32 max, __u32 *out)
{
	const char *s = *pos;
	__u64 v = 0;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (__u64)(*s - '0');
		if (v > max)
			return false;
		s++;
	}
	*pos = s;
	*out = (__u32)v;
	return true;
}

/* The entry starting at s, up to the next comma, for error messages. */
static void entry_text(const char *s, char *buf, size_t len)
{
	size_t n = strcspn(s, ",");

	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

int dim_table_parse(const char *text, bool tx, struct dim_table *out, char *err, size_t err_len)
{
	struct dim_table t = {0};
	const char *s = text;
	char entry[24];

	if (err && err_len)
		err[0] = '\0';
	if (!text || !*text) {
		snprintf(err, err_len, "empty profile list: want usecs:frames,... or eqe or cqe");
		return -EINVAL;
	}
	if (!strcmp(text, "eqe") || !strcmp(text, "cqe")) {
		bool cqe = text[0] == 'c';

		*out = *dim_builtin_table(tx ? (cqe ? DIM_TX_CQE : DIM_TX_EQE) : (cqe ? DIM_RX_CQE : DIM_RX_EQE));
		return 0;
	}
	for (;;) {
		struct dim_profile p;

		entry_text(s, entry, sizeof(entry));
		if (t.count == DIM_PROFILES_MAX) {
			snprintf(err, err_len, "more than %d profiles", DIM_PROFILES_MAX);
			return -EINVAL;
		}
		if (!parse_number(&s, DIM_USECS_MAX, &p.usecs)) {
			snprintf(err, err_len, "profile %u '%s': usecs must be a number 0..%d", t.count + 1, entry,
				 DIM_USECS_MAX);
			return -EINVAL;
		}
		if (*s++ != ':') {
			snprintf(err, err_len, "profile %u '%s': want usecs:frames", t.count + 1, entry);
			return -EINVAL;
		}
		if (!parse_number(&s, DIM_FRAMES_MAX, &p.frames)) {
			snprintf(err, err_len, "profile %u '%s': frames must be a number 0..%d", t.count + 1, entry,
				 DIM_FRAMES_MAX);
			return -EINVAL;
		}
		if (*s != ',' && *s != '\0') {
			snprintf(err, err_len, "profile %u '%s': unexpected '%c' after frames", t.count + 1, entry, *s);
			return -EINVAL;
		}
		if (t.count) {
			const struct dim_profile *prev = &t.p[t.count - 1];

			/* the state machine assumes a higher index moderates more */
			if (p.usecs < prev->usecs) {
				snprintf(err, err_len, "profile %u '%s': usecs %u below the previous profile's %u",
					 t.count + 1, entry, p.usecs, prev->usecs);
				return -EINVAL;
			}
			if (p.usecs == prev->usecs && p.frames == prev->frames) {
				snprintf(err, err_len, "profile %u '%s': repeats the previous profile", t.count + 1,
					 entry);
				return -EINVAL;
			}
		}
		t.p[t.count++] = p;
		if (*s == '\0')
			break;
		s++;
		if (*s == '\0') {
			snprintf(err, err_len, "trailing comma after profile %u", t.count);
			return -EINVAL;
		}
	}
	*out = t;
	return 0;
}

int dim_table_format(const struct dim_table *table, char *buf, size_t len)
{
	size_t used = 0;
	int total = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int i = 0; i < table->count && i < DIM_PROFILES_MAX; i++) {
		int n = snprintf(buf ? buf + used : NULL, used < len ? len - used : 0, "%s%u:%u", i ? "," : "",
				 table->p[i].usecs, table->p[i].frames);

		if (n < 0)
			return n;
		total += n;
		used = used + (size_t)n < len ? used + (size_t)n : len;
	}
	return total;
}

/* count per millisecond over ns, rounded up, saturating. */
static __u64 per_ms(__u64 count, __u64 ns)
{
	unsigned __int128 r = ((unsigned __int128)count * NS_PER_MS + ns - 1) / ns;

	return r > (unsigned __int128)~0ULL ? ~0ULL : (__u64)r;
}

bool dim_stats_compute(__u64 events, __u64 packets, __u64 bytes, __u64 ns, struct dim_stats *out)
{
	if (!ns)
		return false;
	out->bytes_per_ms = per_ms(bytes, ns);
	out->packets_per_ms = per_ms(packets, ns);
	out->events_per_ms = per_ms(events, ns);
	return true;
}

bool dim_significant(__u64 cur, __u64 ref)
{
	__u64 diff = cur > ref ? cur - ref : ref - cur;

	if (!ref)
		return false;
	/* whole percent, as the kernel's integer division counts them */
	return (unsigned __int128)diff * 100 / ref > DIM_SIGNIFICANT_PCT;
}

/* One rate's verdict, or "undecided" (2) to go on to the next rate. */
#define DIM_UNDECIDED 2

static int compare_rate(__u64 cur, __u64 ref, bool more_is_better)
{
	if (!ref) {
		if (!cur)
			return DIM_UNDECIDED; /* not counted on this path */
		return more_is_better ? DIM_BETTER : DIM_SAME;
	}
	if (!dim_significant(cur, ref))
		return DIM_UNDECIDED;
	if (more_is_better)
		return cur > ref ? DIM_BETTER : DIM_WORSE;
	return cur < ref ? DIM_BETTER : DIM_WORSE;
}

enum dim_cmp dim_compare(const struct dim_stats *cur, const struct dim_stats *ref)
{
	int r;

	r = compare_rate(cur->bytes_per_ms, ref->bytes_per_ms, true);
	if (r != DIM_UNDECIDED)
		return r;
	r = compare_rate(cur->packets_per_ms, ref->packets_per_ms, true);
	if (r != DIM_UNDECIDED)
		return r;
	r = compare_rate(cur->events_per_ms, ref->events_per_ms, false);
	return r == DIM_UNDECIDED ? DIM_SAME : r;
}

void dim_park(struct dim_state *state, unsigned int index)
{
	memset(state, 0, sizeof(*state));
	state->tune = DIM_PARKED_ON_TOP;
	state->index = index;
}

static void park_on_top(struct dim_state *s)
{
	s->tune = DIM_PARKED_ON_TOP;
	s->steps_right = s->steps_left = 0;
	s->tired = 0;
}

/* Keeps tired: it becomes the countdown. */
static void park_tired(struct dim_state *s)
{
	s->tune = DIM_PARKED_TIRED;
	s->steps_right = s->steps_left = 0;
}

enum step_result { STEPPED, AT_EDGE, TOO_TIRED };

static enum step_result step(struct dim_state *s, unsigned int last, unsigned int tired_steps)
{
	if (s->tired >= tired_steps)
		return TOO_TIRED;
	if (s->tune == DIM_GOING_RIGHT) {
		if (s->index >= last)
			return AT_EDGE;
		s->index++;
		s->steps_right++;
	} else if (s->tune == DIM_GOING_LEFT) {
		if (s->index == 0)
			return AT_EDGE;
		s->index--;
		s->steps_left++;
	}
	s->tired++;
	return STEPPED;
}

/* Leaves either parked state: towards less moderation if there is any. */
static void leave_parking(struct dim_state *s, unsigned int last, unsigned int tired_steps)
{
	s->tune = s->index ? DIM_GOING_LEFT : DIM_GOING_RIGHT;
	step(s, last, tired_steps);
}

static void turn(struct dim_state *s)
{
	if (s->tune == DIM_GOING_RIGHT) {
		s->tune = DIM_GOING_LEFT;
		s->steps_left = 0;
	} else if (s->tune == DIM_GOING_LEFT) {
		s->tune = DIM_GOING_RIGHT;
		s->steps_right = 0;
	}
}

/* Back where a round trip began: one step after turning from a longer run. */
static bool round_trip_done(const struct dim_state *s)
{
	if (s->tune == DIM_GOING_RIGHT)
		return s->steps_left > 1 && s->steps_right == 1;
	return s->steps_right > 1 && s->steps_left == 1;
}

enum dim_verdict dim_decide(struct dim_state *state, const struct dim_stats *cur, unsigned int last,
			    unsigned int tired_steps)
{
	enum dim_tune was = state->tune;
	enum dim_verdict verdict;
	bool turned = false;

	if (!tired_steps)
		tired_steps = 1;
	if (state->index > last)
		state->index = last;

	switch (state->tune) {
	case DIM_PARKED_ON_TOP:
		if (dim_compare(cur, &state->reference) == DIM_SAME) {
			verdict = DIM_V_STAYED_PARKED;
			break;
		}
		leave_parking(state, last, tired_steps);
		verdict = DIM_V_LEFT_PARKING;
		break;
	case DIM_PARKED_TIRED:
		if (state->tired)
			state->tired--;
		if (state->tired) {
			verdict = DIM_V_RESTING;
			break;
		}
		leave_parking(state, last, tired_steps);
		verdict = DIM_V_LEFT_PARKING;
		break;
	case DIM_GOING_RIGHT:
	case DIM_GOING_LEFT:
	default:
		if (dim_compare(cur, &state->reference) != DIM_BETTER) {
			turn(state);
			turned = true;
		}
		if (round_trip_done(state)) {
			park_on_top(state);
			verdict = DIM_V_PARKED_ROUND_TRIP;
			break;
		}
		switch (step(state, last, tired_steps)) {
		case AT_EDGE:
			park_on_top(state);
			verdict = DIM_V_PARKED_EDGE;
			break;
		case TOO_TIRED:
			park_tired(state);
			verdict = DIM_V_PARKED_TIRED;
			break;
		case STEPPED:
		default:
			verdict = turned ? DIM_V_TURNED : DIM_V_KEPT_GOING;
			break;
		}
		break;
	}

	/* staying parked on top keeps the reference it parked with */
	if (was != DIM_PARKED_ON_TOP || state->tune != DIM_PARKED_ON_TOP)
		state->reference = *cur;
	return verdict;
}

enum dim_verdict dim_probe_right(struct dim_state *state, const struct dim_stats *cur, unsigned int last,
				 unsigned int tired_steps)
{
	if (state->index >= last)
		return DIM_V_STAYED_PARKED;
	state->tune = DIM_GOING_RIGHT;
	state->steps_right = state->steps_left = 0;
	state->tired = 0;
	step(state, last, tired_steps ? tired_steps : 1);
	state->reference = *cur;
	return DIM_V_LEFT_PARKING;
}

const char *dim_tune_name(enum dim_tune tune)
{
	switch (tune) {
	case DIM_PARKED_ON_TOP:
		return "parked-on-top";
	case DIM_PARKED_TIRED:
		return "parked-tired";
	case DIM_GOING_RIGHT:
		return "going-right";
	case DIM_GOING_LEFT:
		return "going-left";
	}
	return "?";
}

const char *dim_verdict_name(enum dim_verdict verdict)
{
	switch (verdict) {
	case DIM_V_STAYED_PARKED:
		return "no significant change";
	case DIM_V_RESTING:
		return "resting after too many steps";
	case DIM_V_LEFT_PARKING:
		return "significant change, left parking";
	case DIM_V_KEPT_GOING:
		return "better, kept going";
	case DIM_V_TURNED:
		return "not better, turned";
	case DIM_V_PARKED_ROUND_TRIP:
		return "round trip done, parked";
	case DIM_V_PARKED_EDGE:
		return "end of table, parked";
	case DIM_V_PARKED_TIRED:
		return "too many steps, resting";
	}
	return "?";
}
