// SPDX-License-Identifier: GPL-2.0
/*
 * vqmod run: the onloaded moderation loop. This wires it together: the
 * monitor's counters, the controller (engine and actuator), the exporters,
 * and one event loop; and it restores every device on the way out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "commands.h"
#include "core/errors.h"
#include "evloop.h"
#include "monitor/collector.h"
#include "monitor/pin.h"
#include "run.h"
#include "show/httpd.h"

/*
 * One run per restore record: a second would overwrite the first's record
 * of the originals, and the two would set the same devices. The claim is
 * beside the record.
 */
static int claim_record(struct controller *ctl)
{
	char path[300];
	pid_t holder;
	int err;

	if (!strcmp(ctl->act.ops->name, "dry-run")) /* keeps no record */
		return 0;
	snprintf(path, sizeof(path), "%s.lock", ctl->restore.path);
	err = claim_path(&ctl->claims, path, &holder);
	if (err == -EBUSY) {
		fprintf(stderr,
			"vqmod run: another vqmod run (pid %d) is running with the restore record %s; one run "
			"moderates a host (stop it, or give this one its own --state and --device)\n",
			(int)holder, ctl->restore.path);
		return EXIT_RUNTIME;
	}
	if (err) {
		fprintf(stderr, "vqmod run: cannot lock %s: %s\n", path, strerror(-err));
		return EXIT_RUNTIME;
	}
	return 0;
}

/* The pin counts notifications: a VM's (vhost-vdpa) or a virtio driver's. */
static bool pinned_notifies(const struct pinned *pin)
{
	for (size_t i = 0; i < pin->nhooks; i++)
		if (pin->hooks[i].active && (!strcmp(pin->hooks[i].group, "notify") ||
					     !strcmp(pin->hooks[i].group, "vhost-vdpa")))
			return true;
	return false;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {};
	struct controller ctl;
	struct evloop loop = {};
	struct collector col = {};
	struct vqmon *mon = NULL;
	struct vqmon_maps maps;
	struct pinned pin;
	struct pace tick_pace;
	char err[512], hooks[512];
	int rc;

	pin_init(&pin);
	rc = run_parse_args(argc, argv, &o);
	if (rc) {
		run_opts_free(&o);
		return rc;
	}
	if (controller_init(&ctl, &o)) {
		fprintf(stderr, "vqmod run: out of memory\n");
		rc = EXIT_RUNTIME;
		goto out;
	}
	ctl.published.pid = getpid();
	if (actuator_open(&ctl.act, o.actuator)) {
		fprintf(stderr, "vqmod run: %s\n", ctl.act.err);
		rc = EXIT_NOFEATURE;
		goto out;
	}
	snprintf(ctl.published.actuator, sizeof(ctl.published.actuator), "%s", o.actuator);
	rc = claim_record(&ctl);
	if (rc)
		goto out_closed;
	controller_restore_leftovers(&ctl);
	rc = o.from_pinned ? pin_open(&pin, o.from_pinned, err, sizeof(err)) : vqmon_open(&mon, &o.mon, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vqmod run: %s\n", err);
		goto out;
	}
	if (mon) {
		vqmon_maps(mon, &maps);
		ctl.nhooks = vqmon_hooks(mon, &ctl.hooks);
	} else {
		maps = pin.maps;
		ctl.hooks = pin.hooks;
		ctl.nhooks = pin.nhooks;
	}
	if (o.from_pinned && !pinned_notifies(&pin)) {
		fprintf(stderr, "vqmod run: the pin at %s has neither the notify nor the vhost-vdpa hooks: it counts "
				"no notification the controller could judge\n", o.from_pinned);
		rc = EXIT_NOFEATURE;
		goto out;
	}
	if (collector_init(&col, &maps, o.idle_timeout_ns)) {
		fprintf(stderr, "vqmod run: cannot read the BPF maps\n");
		rc = EXIT_RUNTIME;
		goto out;
	}
	ctl.col = &col;
	if (o.listen && (rc = httpd_open(&ctl.httpd, o.listen, err, sizeof(err)))) {
		fprintf(stderr, "vqmod run: %s\n", err);
		goto out;
	}
	report_hooks_line(ctl.hooks, ctl.nhooks, hooks, sizeof(hooks));
	if (o.from_pinned)
		fprintf(stderr, "vqmod: monitoring the pin at %s; hooks: %s\n", o.from_pinned, hooks);
	else
		fprintf(stderr, "vqmod: monitoring; hooks: %s\n", hooks);
	fprintf(stderr, "vqmod run: actuator %s, tick %u ms%s\n", ctl.act.ops->name, o.interval_ms,
		o.engine.max_delay_us || o.engine.irq_budget ? ", with budgets" : "");
	pace_init(&tick_pace, "tick", "--interval", o.interval_ms / 1000.0);
	loop = (struct evloop){.col = &col,
			       .pace = o.interval_given ? NULL : &tick_pace,
			       .interval_s = o.interval_ms / 1000.0,
			       .duration_s = o.duration,
			       .tick = controller_tick,
			       .arg = &ctl,
			       .httpd = ctl.httpd,
			       .input_fd = -1};
	if (o.mon.wake_every && !(loop.wake = evloop_wakeups(vqmon_wakeups_fd(mon)))) {
		fprintf(stderr, "vqmod run: --wake-every: cannot use the ring buffer: %s\n", strerror(errno));
		rc = EXIT_NOFEATURE;
		goto out;
	}
	rc = evloop_run(&loop);
	if (rc)
		fprintf(stderr, "vqmod run: %s\n", ctl.err[0] ? ctl.err : strerror(-rc));
	rc = rc ? EXIT_RUNTIME : EXIT_OK;
	if (loop.early_ticks)
		fprintf(stderr, "vqmod run: %llu ticks brought forward by wake-ups\n",
			(unsigned long long)loop.early_ticks);
out:
	if (ctl.act.ops) {
		restore_apply(&ctl.restore, &ctl.act, stderr);
		fprintf(stderr, "vqmod run: %llu decisions, %llu changes applied, %llu failed, %llu queues yielded\n",
			(unsigned long long)ctl.decisions, (unsigned long long)ctl.changes,
			(unsigned long long)ctl.failures, (unsigned long long)ctl.yields);
	}
out_closed:
	actuator_close(&ctl.act);
	collector_free(&col);
	vqmon_close(mon);
	pin_close(&pin);
	ring_buffer__free(loop.wake);
	httpd_close(ctl.httpd);
	unlink(ctl.published_path);
	controller_free(&ctl);
	run_opts_free(&o);
	return rc;
}
