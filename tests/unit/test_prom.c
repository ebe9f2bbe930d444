// SPDX-License-Identifier: GPL-2.0
/* Prometheus exposition: names, types, labels and their escaping, the file swap. */
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "show/prom.h"

struct fixture {
	struct vq_snapshot snap;
	struct vq_period period;
	const struct vq_sample *shown[2];
	struct hook_status hooks[2];
	struct report r;
};

/* The snapshot takes a shared copy of id, as from the collector. */
static void add(struct vq_snapshot *snap, const struct vq_ident *id, const struct vq_counters *c)
{
	struct vq_ident *shared = vq_ident_new(id);

	vq_snapshot_add(snap, shared, c);
	vq_ident_put(shared);
}

static void setup(struct fixture *fx, const char *odd_name)
{
	struct vq_key k1 = {.dev = 1, .queue = 0, .source = VQ_SRC_VIRTIO};
	struct vq_key k2 = {.dev = 2, .queue = 1, .source = VQ_SRC_VHOST};
	struct vq_info info = {.dev_name = "virtio1", .queue_name = "req.0", .driver = "virtio_blk"};
	struct vq_counters c1 = {.irqs = 12345678901ULL, .packets = 5, .bytes = 4096, .handler_ns = 1500000000};
	struct vq_counters c2 = {.irqs = 3};
	struct vq_ident id;

	memset(fx, 0, sizeof(*fx));
	vq_snapshot_init(&fx->snap);
	vq_ident_init(&id, &k1, &info);
	add(&fx->snap, &id, &c1);
	snprintf(info.dev_name, sizeof(info.dev_name), "%s", odd_name);
	snprintf(info.queue_name, sizeof(info.queue_name), "output.0");
	snprintf(info.driver, sizeof(info.driver), "vhost_net");
	vq_ident_init(&id, &k2, &info);
	add(&fx->snap, &id, &c2);
	vq_snapshot_sort(&fx->snap);
	fx->snap.time_ns = 2000000000;
	vq_period_build(NULL, &fx->snap, &fx->period);
	fx->period.s[0].irq_rate = 250.5;
	fx->shown[0] = &fx->period.s[0];
	fx->shown[1] = &fx->period.s[1];
	fx->hooks[0] =
	    (struct hook_status){.group = "notify", .active = "tp_btf irq_handler_entry/exit", .wanted = true};
	fx->hooks[1] = (struct hook_status){.group = "vhost", .wanted = true};
	fx->r =
	    (struct report){.period = &fx->period, .shown = fx->shown, .nshown = 2, .hooks = fx->hooks, .nhooks = 2};
}

static void teardown(struct fixture *fx)
{
	vq_period_free(&fx->period);
	vq_snapshot_free(&fx->snap);
}

static char *expose(const struct report *r, const struct vq_snapshot *snap)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	prom_write(f, r, snap);
	fclose(f);
	return buf;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	printf("  no line '%s'\n", line);
	return false;
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void counters_and_gauges(void)
{
	struct fixture fx;
	char *out;

	setup(&fx, "vhost-1234");
	out = expose(&fx.r, &fx.snap);
	ASSERT_TRUE(has_line(out, "# TYPE vqmod_virtqueue_interrupts_total counter"));
	ASSERT_TRUE(has_line(out, "vqmod_virtqueue_interrupts_total{dev=\"virtio1\",driver=\"virtio_blk\","
				  "queue=\"req.0\",type=\"req\",source=\"virtio\"} 12345678901"));
	ASSERT_TRUE(has_line(out, "vqmod_virtqueue_handler_seconds_total{dev=\"virtio1\",driver=\"virtio_blk\","
				  "queue=\"req.0\",type=\"req\",source=\"virtio\"} 1.5"));
	ASSERT_TRUE(has_line(out, "# TYPE vqmod_virtqueue_interrupts_per_second gauge"));
	ASSERT_TRUE(has_line(out, "vqmod_virtqueue_interrupts_per_second{dev=\"virtio1\",driver=\"virtio_blk\","
				  "queue=\"req.0\",type=\"req\",source=\"virtio\"} 250.5"));
	ASSERT_TRUE(has_line(out, "vqmod_virtqueue_interrupts_total{dev=\"vhost-1234\",driver=\"vhost_net\","
				  "queue=\"output.0\",type=\"tx\",source=\"vhost\"} 3"));
	ASSERT_TRUE(has_line(out, "vqmod_hook_active{group=\"notify\",how=\"tp_btf irq_handler_entry/exit\"} 1"));
	ASSERT_TRUE(has_line(out, "vqmod_hook_active{group=\"vhost\",how=\"\"} 0"));
	ASSERT_TRUE(has_line(out, "vqmod_monitored_virtqueues 2"));
	ASSERT_TRUE(has_line(out, "vqmod_controller_running 0"));
	/* no controller: no coalescing families at all, rather than made-up zeros */
	ASSERT_TRUE(strstr(out, "coalesce") == NULL);
	ASSERT_TRUE(strstr(out, "decisions") == NULL);
	/* every family has HELP then TYPE, once */
	ASSERT_EQ(count(out, "# HELP vqmod_virtqueue_packets_total "), 1);
	ASSERT_EQ(count(out, "# TYPE "), count(out, "# HELP "));
	free(out);
	teardown(&fx);
}

static void label_escaping(void)
{
	struct fixture fx;
	char *out;

	setup(&fx, "a\"b\\c\nd");
	out = expose(&fx.r, &fx.snap);
	ASSERT_TRUE(strstr(out, "dev=\"a\\\"b\\\\c\\nd\"") != NULL);
	free(out);
	teardown(&fx);
}

static void controller_fields(void)
{
	struct vq_moderation m = {.coalesce_known = true, .usecs = 64, .frames = 32, .decisions = 7};
	const struct vq_moderation *mods[2] = {&m, NULL};
	struct fixture fx;
	char *out;

	setup(&fx, "vhost-1");
	fx.r.mod = mods;
	fx.r.controller = "running";
	out = expose(&fx.r, &fx.snap);
	ASSERT_TRUE(has_line(out, "vqmod_virtqueue_coalesce_usecs{dev=\"virtio1\",driver=\"virtio_blk\","
				  "queue=\"req.0\",type=\"req\",source=\"virtio\"} 64"));
	ASSERT_TRUE(has_line(out, "vqmod_virtqueue_decisions_total{dev=\"virtio1\",driver=\"virtio_blk\","
				  "queue=\"req.0\",type=\"req\",source=\"virtio\"} 7"));
	ASSERT_TRUE(strstr(out, "coalesce_usecs{dev=\"vhost-1\"") == NULL); /* nothing known there */
	ASSERT_TRUE(has_line(out, "vqmod_controller_running 1"));
	free(out);
	teardown(&fx);
}

int main(int argc, char **argv)
{
	RUN("prom", counters_and_gauges);
	RUN("prom", label_escaping);
	RUN("prom", controller_fields);
	return 0;
}
