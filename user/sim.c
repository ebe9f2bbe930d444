// SPDX-License-Identifier: GPL-2.0
/*
 * vqmod sim: the vqsim simulator from the command line.
 *   devices, coalesce, batch, stats, traffic: through the vqsim netlink family;
 *   rx: a receiver in the guest that measures the source's frames (sim_rx.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/delay_hist.h"
#include "core/errors.h"
#include "sim.h"
#include "act/vqsim_nl.h"
#include "show/output.h"

static const char *const sim_usage = "usage: vqmod sim devices [--json]\n"
				     "       vqmod sim coalesce DEV QUEUE [usecs U] [frames F]\n"
				     "       vqmod sim batch [--partial] FILE|-      (lines: DEV QUEUE USECS FRAMES)\n"
				     "       vqmod sim stats [DEV [QUEUE]] [--json]\n"
				     "       vqmod sim traffic DEV QUEUE start [rate PPS] [size BYTES] [burst N]\n"
				     "                 [pattern constant|onoff|pingpong] [on USECS] [off USECS]\n"
				     "       vqmod sim traffic DEV QUEUE stop\n"
				     "       vqmod sim rx IFNAME [--duration S] [--count N] [--json]\n"
				     "QUEUE is the virtqueue index: 2i is rx i, 2i+1 is tx i.\n";

static const char *const type_names[] = {"rx", "tx", "ctrl"};
static const char *const src_names[] = {"reset", "netlink", "cvq"};
static const char *const pattern_names[] = {"constant", "onoff", "pingpong"};

int sim_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "vqmod sim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", sim_usage);
	return EXIT_USAGE;
}

bool sim_parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static const char *name_of(const char *const *names, size_t n, uint32_t v)
{
	return v < n ? names[v] : "?";
}

#define NAME_OF(tbl, v) name_of(tbl, sizeof(tbl) / sizeof(tbl[0]), v)

/* The exit code for a netlink failure, with its message on stderr. */
static int nl_fail(struct vqsim_nl *h, int err, const char *what)
{
	fprintf(stderr, "vqmod sim: %s: %s\n", what, vqsim_nl_error(h));
	if (err == -EPERM)
		return EXIT_NOPERM;
	if (err == -ENOENT)
		return EXIT_NOFEATURE;
	return EXIT_RUNTIME;
}

static int nl_open(struct vqsim_nl *h)
{
	int err = vqsim_nl_open(h);

	return err ? nl_fail(h, err, "open") : EXIT_OK;
}

/* ---- devices ---- */

struct dev_print {
	bool json;
	int n;
};

static int dev_print_cb(const struct vqsim_dev_info *d, void *arg)
{
	struct dev_print *p = arg;
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", d->mac[0], d->mac[1], d->mac[2], d->mac[3],
		 d->mac[4], d->mac[5]);
	if (p->json) {
		printf("%s{\"dev\":", p->n ? "," : "");
		json_string(stdout, d->name);
		printf(",\"vqp\":%u,\"queues\":%u,\"mac\":\"%s\",\"mtu\":%u,\"status\":%u,\"features\":%" PRIu64
		       ",\"virtio_index\":%d}",
		       d->vqp, d->queues, mac, d->mtu, d->status, d->features, d->virtio_index);
	} else
		printf("%-12s vqp %u queues %u mac %s mtu %u status 0x%x%s%.0d\n", d->name, d->vqp, d->queues, mac,
		       d->mtu, d->status, d->virtio_index >= 0 ? " virtio" : "",
		       d->virtio_index >= 0 ? d->virtio_index : 0);
	p->n++;
	return 0;
}

static int sim_devices(struct vqsim_nl *h, int argc, char **argv)
{
	struct dev_print p = {.json = argc > 1 && !strcmp(argv[1], "--json")};
	int err;

	if (p.json)
		printf("[");
	err = vqsim_nl_dev_dump(h, dev_print_cb, &p);
	if (p.json)
		printf("]\n");
	return err ? nl_fail(h, err, "devices") : EXIT_OK;
}

/* ---- coalesce ---- */

static int sim_coalesce(struct vqsim_nl *h, int argc, char **argv)
{
	int64_t usecs = -1, frames = -1;
	struct vqsim_coal c;
	uint32_t q, v;
	char what[96];
	int i, err;

	if (argc < 3 || !sim_parse_u32(argv[2], &q))
		return sim_usage_error("coalesce: DEV QUEUE expected%s", "");
	for (i = 3; i < argc; i += 2) {
		if (i + 1 >= argc || !sim_parse_u32(argv[i + 1], &v))
			return sim_usage_error("coalesce: '%s' needs a number", argv[i]);
		if (!strcmp(argv[i], "usecs"))
			usecs = v;
		else if (!strcmp(argv[i], "frames") || !strcmp(argv[i], "packets"))
			frames = v;
		else
			return sim_usage_error("coalesce: unknown keyword '%s'", argv[i]);
	}
	snprintf(what, sizeof(what), "coalesce %s queue %u", argv[1], q);
	if (usecs >= 0 || frames >= 0) {
		err = vqsim_nl_coal_set(h, argv[1], q, usecs, frames);
		if (err)
			return nl_fail(h, err, what);
	}
	err = vqsim_nl_coal_get(h, argv[1], q, &c);
	if (err)
		return nl_fail(h, err, what);
	printf("%s queue %u usecs %u frames %u set-by %s\n", argv[1], q, c.usecs, c.packets,
	       NAME_OF(src_names, c.source));
	return EXIT_OK;
}

/* ---- batch ---- */

static int sim_batch(struct vqsim_nl *h, int argc, char **argv)
{
	struct vqsim_coal_entry *e = NULL;
	char line[256], dev[VQSIM_DEV_NAME_LEN];
	uint32_t n = 0, cap = 0, applied = 0, i, bad = 0;
	bool partial = false;
	const char *path = NULL;
	char **names = NULL;
	int ret = EXIT_OK, err;
	FILE *f;

	for (i = 1; i < (uint32_t)argc; i++) {
		if (!strcmp(argv[i], "--partial"))
			partial = true;
		else
			path = argv[i];
	}
	if (!path)
		return sim_usage_error("batch: FILE expected (- for stdin)%s", "");
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "vqmod sim: batch: %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), f)) {
		struct vqsim_coal_entry x;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%31s %u %u %u", dev, &x.queue, &x.usecs, &x.packets) != 4) {
			fprintf(stderr, "vqmod sim: batch: bad line: %s", line);
			ret = EXIT_USAGE;
			goto out;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			e = realloc(e, cap * sizeof(*e));
			names = realloc(names, cap * sizeof(*names));
			if (!e || !names) {
				ret = EXIT_RUNTIME;
				goto out;
			}
		}
		names[n] = strdup(dev);
		x.dev = names[n];
		e[n++] = x;
	}
	err = vqsim_nl_coal_set_batch(h, e, n, partial, &applied);
	for (i = 0; i < n; i++) {
		if (!e[i].err)
			continue;
		bad++;
		fprintf(stderr, "vqmod sim: batch entry %u (%s queue %u): %s\n", i, e[i].dev, e[i].queue,
			strerror(-e[i].err));
	}
	printf("batch: %u entries, %u applied, %u refused\n", n, applied, bad);
	if (err)
		ret = nl_fail(h, err, "batch");
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(e);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* ---- stats ---- */

struct stats_print {
	bool json;
	int n;
};

static int stats_print_cb(const struct vqsim_queue_info *q, void *arg)
{
	struct stats_print *p = arg;
	uint64_t nn = q->notify[0] + q->notify[1] + q->notify[2];
	int b;

	if (p->json) {
		printf("%s{\"dev\":", p->n ? "," : "");
		json_string(stdout, q->dev);
		printf(",\"queue\":%u,\"type\":\"%s\",\"ready\":%s,"
		       "\"coal_usecs\":%u,\"coal_packets\":%u,\"coal_source\":\"%s\","
		       "\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"notifications\":%" PRIu64
		       ",\"notify_frames\":%" PRIu64 ",\"notify_timer\":%" PRIu64 ",\"notify_immediate\":%" PRIu64
		       ",\"notify_suppressed\":%" PRIu64 ",\"notify_dropped\":%" PRIu64 ",\"kicks\":%" PRIu64
		       ",\"drops\":%" PRIu64 ",\"pending\":%u,\"delay_sum_ns\":%" PRIu64 ",\"delay_max_ns\":%" PRIu64
		       ",\"src_frames\":%" PRIu64 ",\"src_replies\":%" PRIu64 ",\"delay_p50_ns\":%" PRIu64
		       ",\"delay_p99_ns\":%" PRIu64 ",\"delay_hist\":[",
		       q->queue, NAME_OF(type_names, q->type), q->ready ? "true" : "false", q->coal.usecs,
		       q->coal.packets, NAME_OF(src_names, q->coal.source), q->packets, q->bytes, nn,
		       q->notify[VQSIM_CAUSE_FRAMES], q->notify[VQSIM_CAUSE_TIMER], q->notify[VQSIM_CAUSE_IMMEDIATE],
		       q->suppressed, q->notify_dropped, q->kicks, q->drops, q->pending, q->delay_sum_ns,
		       q->delay_max_ns, q->src_frames, q->src_replies, delay_hist_quantile_ns(q->delay_hist_ll, 0.5),
		       delay_hist_quantile_ns(q->delay_hist_ll, 0.99));
		for (b = 0; b < VQSIM_HIST_BUCKETS; b++)
			printf("%s%" PRIu64, b ? "," : "", q->delay_hist_log2[b]);
		printf("],\"delay_hist_ll\":[");
		for (b = 0; b < VQSIM_DELAY_HIST_LL_BUCKETS; b++)
			printf("%s%" PRIu64, b ? "," : "", q->delay_hist_ll[b]);
		printf("],\"ring_size\":%u,\"ring_low\":%" PRIu64 ",\"pending_hist\":[", q->ring_size, q->ring_low);
		for (b = 0; b < VQSIM_PENDING_HIST_BUCKETS; b++)
			printf("%s%" PRIu64, b ? "," : "", q->pending_hist[b]);
		printf("]");
		if (q->has_traffic)
			printf(",\"traffic\":{\"running\":%s,\"rate\":%u,\"size\":%u,\"burst\":%u,"
			       "\"pattern\":\"%s\"}",
			       q->traffic.state ? "true" : "false", q->traffic.rate, q->traffic.size, q->traffic.burst,
			       NAME_OF(pattern_names, q->traffic.pattern));
		printf("}");
	} else {
		if (!p->n)
			printf("%-10s %3s %-4s %6s %6s %-7s %10s %12s %9s %9s %9s %9s %8s %8s %9s "
			       "%9s %9s\n",
			       "DEV", "Q", "TYPE", "USECS", "FRAMES", "BY", "PACKETS", "BYTES", "NTF-FRM", "NTF-TMR",
			       "NTF-IMM", "SUPPR", "KICKS", "DROPS", "P50-ns", "P99-ns", "MAX-ns");
		printf("%-10s %3u %-4s %6u %6u %-7s %10" PRIu64 " %12" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
		       q->dev, q->queue, NAME_OF(type_names, q->type), q->coal.usecs, q->coal.packets,
		       NAME_OF(src_names, q->coal.source), q->packets, q->bytes, q->notify[VQSIM_CAUSE_FRAMES],
		       q->notify[VQSIM_CAUSE_TIMER], q->notify[VQSIM_CAUSE_IMMEDIATE], q->suppressed, q->kicks,
		       q->drops, delay_hist_quantile_ns(q->delay_hist_ll, 0.5),
		       delay_hist_quantile_ns(q->delay_hist_ll, 0.99), q->delay_max_ns);
	}
	p->n++;
	return 0;
}

static int sim_stats(struct vqsim_nl *h, int argc, char **argv)
{
	struct stats_print p = {0};
	const char *dev = NULL;
	struct vqsim_queue_info q;
	bool has_q = false;
	uint32_t qi = 0;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			p.json = true;
		else if (!dev)
			dev = argv[i];
		else if (!has_q && sim_parse_u32(argv[i], &qi))
			has_q = true;
		else
			return sim_usage_error("stats: unexpected '%s'", argv[i]);
	}
	if (p.json)
		printf("[");
	if (has_q) {
		err = vqsim_nl_stats_get(h, dev, qi, &q);
		if (!err)
			stats_print_cb(&q, &p);
	} else {
		err = vqsim_nl_stats_dump(h, dev, stats_print_cb, &p);
		if (!err && dev && !p.n)
			err = vqsim_nl_dev_get(h, dev, &(struct vqsim_dev_info){0});
	}
	if (p.json)
		printf("]\n");
	return err ? nl_fail(h, err, "stats") : EXIT_OK;
}

/* ---- traffic ---- */

static int sim_traffic(struct vqsim_nl *h, int argc, char **argv)
{
	struct vqsim_traffic t = {0};
	unsigned int has = 0;
	uint32_t q, v;
	char what[96];
	int i, err;

	if (argc < 4 || !sim_parse_u32(argv[2], &q))
		return sim_usage_error("traffic: DEV QUEUE start|stop expected%s", "");
	if (!strcmp(argv[3], "start"))
		t.state = VQSIM_TRAFFIC_START;
	else if (!strcmp(argv[3], "stop"))
		t.state = VQSIM_TRAFFIC_STOP;
	else
		return sim_usage_error("traffic: start or stop, not '%s'", argv[3]);
	for (i = 4; i < argc; i += 2) {
		const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return sim_usage_error("traffic: '%s' needs a value", k);
		if (!strcmp(k, "pattern")) {
			for (v = 0; v < 3 && strcmp(val, pattern_names[v]); v++)
				;
			if (v == 3)
				return sim_usage_error("traffic: unknown pattern '%s'", val);
			t.pattern = v;
			has |= VQSIM_TRAFFIC_HAS_PATTERN;
			continue;
		}
		if (!sim_parse_u32(val, &v))
			return sim_usage_error("traffic: '%s' is not a number", val);
		if (!strcmp(k, "rate")) {
			t.rate = v;
			has |= VQSIM_TRAFFIC_HAS_RATE;
		} else if (!strcmp(k, "size")) {
			t.size = v;
			has |= VQSIM_TRAFFIC_HAS_SIZE;
		} else if (!strcmp(k, "burst")) {
			t.burst = v;
			has |= VQSIM_TRAFFIC_HAS_BURST;
		} else if (!strcmp(k, "on")) {
			t.on_usecs = v;
			has |= VQSIM_TRAFFIC_HAS_ON;
		} else if (!strcmp(k, "off")) {
			t.off_usecs = v;
			has |= VQSIM_TRAFFIC_HAS_OFF;
		} else {
			return sim_usage_error("traffic: unknown keyword '%s'", k);
		}
	}
	snprintf(what, sizeof(what), "traffic %s queue %u", argv[1], q);
	err = vqsim_nl_traffic_set(h, argv[1], q, &t, has);
	return err ? nl_fail(h, err, what) : EXIT_OK;
}

int cmd_sim(int argc, char **argv)
{
	struct vqsim_nl h;
	const char *verb;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(sim_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	verb = argv[1];
	argc--;
	argv++;
	if (!strcmp(verb, "rx"))
		return sim_rx(argc, argv);
	if (strcmp(verb, "devices") && strcmp(verb, "coalesce") && strcmp(verb, "batch") && strcmp(verb, "stats") &&
	    strcmp(verb, "traffic"))
		return sim_usage_error("unknown verb '%s'", verb);

	ret = nl_open(&h);
	if (ret)
		return ret;
	if (!strcmp(verb, "devices"))
		ret = sim_devices(&h, argc, argv);
	else if (!strcmp(verb, "coalesce"))
		ret = sim_coalesce(&h, argc, argv);
	else if (!strcmp(verb, "batch"))
		ret = sim_batch(&h, argc, argv);
	else if (!strcmp(verb, "stats"))
		ret = sim_stats(&h, argc, argv);
	else
		ret = sim_traffic(&h, argc, argv);
	vqsim_nl_close(&h);
	return ret;
}
