// SPDX-License-Identifier: GPL-2.0
/* The engine's configuration: defaults, profile tables from the command line, checks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "engine.h"

void engine_config_default(struct engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rx = *dim_builtin_table(DIM_RX_EQE);
	cfg->tx = *dim_builtin_table(DIM_TX_EQE);
	/*
	 * net_dim's lowest profile holds 1 us, nothing on a NIC. On a device
	 * that coalesces with a software timer (vqsim, a hypervisor's vDPA
	 * path) that is a timer per packet, with the timer's latency; the
	 * virtio spec's 0 notifies at once. So the lowest profile is "off".
	 */
	cfg->rx.p[0] = (struct dim_profile){0, 0};
	cfg->tx.p[0] = (struct dim_profile){0, 0};
	cfg->rr_ppi_x100 = ENGINE_DEFAULT_RR_PPI_X100;
	cfg->jump_ratio = ENGINE_DEFAULT_JUMP_RATIO;
	cfg->window_max_ns = ENGINE_DEFAULT_WINDOW_MAX_NS;
	cfg->start_index = DIM_START_INDEX;
	cfg->min_dwell_ns = ENGINE_DEFAULT_MIN_DWELL_NS;
	cfg->max_changes_per_min = ENGINE_DEFAULT_MAX_CHANGES_PER_MIN;
	cfg->loss_hold_ns = ENGINE_DEFAULT_LOSS_HOLD_NS;
}

int engine_config_profile(struct engine_config *cfg, const char *spec, char *err, size_t err_len)
{
	struct dim_table t;
	bool tx;
	int ret;

	if (!spec || (strncmp(spec, "rx=", 3) && strncmp(spec, "tx=", 3))) {
		snprintf(err, err_len, "profile '%s': want rx=usecs:frames,... or tx=...", spec ? spec : "");
		return -EINVAL;
	}
	tx = spec[0] == 't';
	ret = dim_table_parse(spec + 3, tx, &t, err, err_len);
	if (ret) {
		/* say which table the message is about */
		char msg[128];

		snprintf(msg, sizeof(msg), "%s", err ? err : "");
		snprintf(err, err_len, "%s profile: %s", tx ? "tx" : "rx", msg);
		return ret;
	}
	if (tx)
		cfg->tx = t;
	else
		cfg->rx = t;
	return 0;
}

static int check_table(const struct dim_table *t, const char *name, char *err, size_t err_len)
{
	if (t->count < 1 || t->count > DIM_PROFILES_MAX) {
		snprintf(err, err_len, "%s profile: %u profiles, want 1..%d", name, t->count, DIM_PROFILES_MAX);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < t->count; i++) {
		if (t->p[i].usecs > DIM_USECS_MAX || t->p[i].frames > DIM_FRAMES_MAX) {
			snprintf(err, err_len, "%s profile %u: %u:%u out of range", name, i + 1, t->p[i].usecs,
				 t->p[i].frames);
			return -EINVAL;
		}
		if (i && t->p[i].usecs < t->p[i - 1].usecs) {
			snprintf(err, err_len, "%s profile %u: usecs decrease", name, i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

int engine_config_check(const struct engine_config *cfg, char *err, size_t err_len)
{
	int ret;

	ret = check_table(&cfg->rx, "rx", err, err_len);
	if (!ret)
		ret = check_table(&cfg->tx, "tx", err, err_len);
	if (ret)
		return ret;
	if (!cfg->window_max_ns) {
		snprintf(err, err_len, "window_max_ns must be above 0");
		return -EINVAL;
	}
	if (cfg->window_min_ns > cfg->window_max_ns) {
		snprintf(err, err_len, "window_min_ns above window_max_ns");
		return -EINVAL;
	}
	if (cfg->min_dwell_ns > ENGINE_MAX_DWELL_NS) {
		snprintf(err, err_len, "min dwell %llu ms: at most %llu ms",
			 (unsigned long long)(cfg->min_dwell_ns / 1000000), ENGINE_MAX_DWELL_NS / 1000000);
		return -EINVAL;
	}
	if (cfg->max_changes_per_min > ENGINE_MAX_CHANGES_PER_MIN) {
		snprintf(err, err_len, "max changes per minute %u: at most %d (0: no limit)", cfg->max_changes_per_min,
			 ENGINE_MAX_CHANGES_PER_MIN);
		return -EINVAL;
	}
	if (!cfg->loss_hold_ns || cfg->loss_hold_ns > ENGINE_MAX_LOSS_HOLD_NS) {
		snprintf(err, err_len, "loss hold %llu ms: want 1 ns to %llu ms",
			 (unsigned long long)(cfg->loss_hold_ns / 1000000), ENGINE_MAX_LOSS_HOLD_NS / 1000000);
		return -EINVAL;
	}
	return 0;
}
