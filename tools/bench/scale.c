// SPDX-License-Identifier: GPL-2.0
/*
 * The controller at hypervisor scale, without BPF: synthetic snapshots of N
 * queues go through what vqmod run does every tick (periods, the engine,
 * the dry-run actuator) and what it does every export (Prometheus and JSON),
 * and the CPU time of each is measured. With --map, it also fills a real
 * monitor's maps with N identities (root, BPF) and times the collector's
 * read of them. Prints one TSV line per size.
 *
 * usage: scale [--ticks T] [--active PCT] [--map] N...
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "act/actuator.h"
#include "core/clock.h"
#include "core/sample.h"
#include "monitor/collector.h"
#include "monitor/loader.h"
#include "run.h"
#include "show/output.h"
#include "show/prom.h"

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Queue i: device i / 16, a pair of 8 queues a device, rx even, tx odd. */
static void ident_of(size_t i, struct vq_ident *id)
{
	struct vq_key key = { .dev = i / 16, .queue = i % 16, .source = VQ_SRC_VIRTIO, .gen = i + 1 };
	struct vq_info info = { 0 };

	snprintf(info.queue_name, sizeof(info.queue_name), "%s.%zu", i % 2 ? "output" : "input", i % 16 / 2);
	snprintf(info.driver, sizeof(info.driver), "virtio_net");
	vq_ident_init(id, &key, &info);
}

/* One tick's counts: the active queues see bulk-like traffic, the rest nothing. */
static void advance(struct vq_snapshot *snap, const struct vq_snapshot *prev, size_t active, unsigned int *seed,
		    __u64 period_ns)
{
	snap->time_ns = prev->time_ns + period_ns;
	for (size_t i = 0; i < prev->n; i++) {
		snap->q[i] = prev->q[i];
		if (i % 100 >= active)
			continue;
		snap->q[i].c.irqs += 10 + rand_r(seed) % 20;
		snap->q[i].c.packets += 200 + rand_r(seed) % 100;
		snap->q[i].c.bytes += 200 * 1500;
	}
	snap->n = prev->n;
}

/* The ticks after the first, apart: what callgrind --toggle-collect=steady_tick counts. */
__attribute__((noinline)) static int steady_tick(struct controller *ctl, const struct vq_snapshot *prev,
						 const struct vq_snapshot *cur)
{
	return controller_tick(ctl, prev, cur);
}

struct result {
	double adopt_ns, tick_ns, prom_ns, json_ns, per_queue_bytes;
	__u64 changes;
};

static int run_size(size_t n, unsigned int ticks, size_t active, struct result *res)
{
	struct run_opts o = { 0 };
	struct controller ctl;
	struct vq_snapshot a, b;
	size_t heap0 = heap_bytes();
	unsigned int seed = 1;
	double t0, t_ticks = 0;
	char *text = NULL;
	size_t len = 0;
	int err;

	engine_config_default(&o.engine);
	o.actuator = "dry-run";
	o.state_path = "/dev/null/none"; /* a dry run records nothing */
	o.export_interval_ns = ~0ULL;	 /* exports are timed apart, below */
	vq_snapshot_init(&a);
	vq_snapshot_init(&b);
	err = controller_init(&ctl, &o);
	err = err ?: actuator_open(&ctl.act, "dry-run");
	for (size_t i = 0; i < n && !err; i++) {
		struct vq_ident id, *shared;
		struct vq_counters c = { .gen = i + 1, .state = VQ_SLOT_LIVE };

		ident_of(i, &id);
		shared = vq_ident_new(&id);
		err = !shared ? -ENOMEM : vq_snapshot_add(&a, shared, &c) ?: vq_snapshot_add(&b, shared, &c);
		vq_ident_put(shared);
	}
	if (err)
		return err;
	a.time_ns = 1;
	controller_tick(&ctl, NULL, &a);
	/* the first tick adopts every queue (an actuator read each): timed apart, as start-up */
	advance(&b, &a, active, &seed, 10000000);
	t0 = cpu_ns();
	err = controller_tick(&ctl, &a, &b);
	res->adopt_ns = cpu_ns() - t0;
	if (err)
		return err;
	for (unsigned int t = 0; t < ticks; t++) {
		struct vq_snapshot *prev = t % 2 ? &a : &b, *cur = t % 2 ? &b : &a;

		advance(cur, prev, active, &seed, 10000000);
		t0 = cpu_ns();
		err = steady_tick(&ctl, prev, cur);
		t_ticks += cpu_ns() - t0;
		if (err)
			return err;
	}
	res->per_queue_bytes = (double)(heap_bytes() - heap0) / n;
	/* one export: the Prometheus text (to memory, as for the HTTP body) and vqmod top's JSON */
	{
		struct vq_period p;
		const struct vq_sample **shown = calloc(n, sizeof(*shown));
		struct vq_sample total;
		struct report r = { 0 };
		FILE *f = open_memstream(&text, &len), *null = fopen("/dev/null", "w");

		t0 = cpu_ns();
		err = vq_period_build(&a, &b, &p);
		for (size_t i = 0; !err && i < p.n; i++)
			shown[i] = &p.s[i];
		vq_sample_sum(shown, p.n, p.seconds, &total);
		r = (struct report){ .period = &p, .shown = shown, .nshown = p.n, .total = &total };
		prom_write(f, &r, &b);
		fclose(f);
		res->prom_ns = cpu_ns() - t0;
		t0 = cpu_ns();
		json_print(null, &r);
		fclose(null);
		res->json_ns = cpu_ns() - t0;
		vq_period_free(&p);
		free(shown);
		free(text);
	}
	res->tick_ns = t_ticks / ticks;
	res->changes = ctl.changes;
	actuator_close(&ctl.act);
	controller_free(&ctl);
	vq_snapshot_free(&a);
	vq_snapshot_free(&b);
	return 0;
}

/* A real monitor's maps, n identities in them, and the time of one collector read. */
static int map_read(size_t n, double *read_ns, double *map_bytes)
{
	struct vqmon_opts mo = { .hooks = "notify", .max_queues = n + 1024 };
	struct vqmon_maps m;
	struct collector col;
	struct vq_snapshot snap;
	struct vqmon *mon;
	struct vqmon_state st = { 0 };
	struct vq_counters *stats;
	char err[256];
	__u32 zero = 0;
	double t0;
	int rc = vqmon_open(&mon, &mo, err, sizeof(err));

	if (rc) {
		fprintf(stderr, "scale: --map: %s\n", err);
		return -EPERM;
	}
	vqmon_maps(mon, &m);
	rc = collector_init(&col, &m, 0);
	if (rc)
		goto out;
	stats = col.stats;
	/* as BPF would make them: a name each, then the slot goes live */
	for (__u32 s = 0; s < n; s++) {
		struct vq_info info = { .gen = s + 1, .key = { .dev = 100000 + s / 16, .queue = s % 16,
							       .source = VQ_SRC_VIRTIO } };

		snprintf(info.queue_name, sizeof(info.queue_name), "input.%u", s % 16 / 2);
		if (bpf_map_update_elem(m.names, &s, &info, BPF_ANY)) {
			rc = -errno;
			goto out_col;
		}
		stats[s].gen = s + 1;
		stats[s].state = VQ_SLOT_LIVE;
		stats[s].irqs = s;
	}
	bpf_map_lookup_elem(m.state, &zero, &st);
	st.next_slot = n;
	bpf_map_update_elem(m.state, &zero, &st, BPF_ANY);
	vq_snapshot_init(&snap);
	rc = collector_read(&col, &snap); /* names read once, here */
	t0 = cpu_ns();
	rc = rc ?: collector_read(&col, &snap);
	*read_ns = cpu_ns() - t0;
	*map_bytes = (double)n * (sizeof(struct vq_counters) + sizeof(struct vq_info));
	vq_snapshot_free(&snap);
out_col:
	collector_free(&col);
out:
	vqmon_close(mon);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned int ticks = 100;
	size_t active = 10;
	bool map = false;
	FILE *out;
	int i = 1;

	/* the controller logs each adoption and change: not the results */
	out = fdopen(dup(fileno(stdout)), "w");
	if (!out || !freopen("/dev/null", "w", stdout))
		return 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--ticks") && i + 1 < argc)
			ticks = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--active") && i + 1 < argc)
			active = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--map"))
			map = true;
		else {
			fprintf(stderr, "usage: scale [--ticks T] [--active PCT] [--map] N...\n");
			return 2;
		}
	}
	fprintf(out, "queues\tactive_pct\tticks\tstart_cpu_ms\ttick_cpu_ms\tprom_cpu_ms\tjson_cpu_ms\tchanges\theap_bytes_per_queue"
	       "\tmap_read_cpu_ms\tmap_bytes_per_queue\n");
	for (; i < argc; i++) {
		size_t n = strtoul(argv[i], NULL, 10);
		struct result r = { 0 };
		double read_ns = -1, map_bytes = 0;
		int err = run_size(n, ticks, active, &r);

		if (err) {
			fprintf(stderr, "scale: %zu queues: %s\n", n, strerror(-err));
			return 1;
		}
		if (map && map_read(n, &read_ns, &map_bytes))
			read_ns = -1;
		fprintf(out, "%zu\t%zu\t%u\t%.3f\t%.3f\t%.3f\t%.3f\t%llu\t%.0f\t%.3f\t%.0f\n", n, active, ticks,
			r.adopt_ns / 1e6, r.tick_ns / 1e6, r.prom_ns / 1e6, r.json_ns / 1e6, (unsigned long long)r.changes,
			r.per_queue_bytes, read_ns / 1e6, map_bytes / n);
		fflush(out);
	}
	return 0;
}
