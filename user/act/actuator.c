// SPDX-License-Identifier: GPL-2.0
/* The actuator registry, and the dry run that records but sets nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "actuator.h"

static const struct actuator_ops *const actuators[] = {&act_vqsim_ops, &act_ethtool_ops, &act_dry_run_ops};

const char *actuator_names(void)
{
	return "vqsim, ethtool, dry-run";
}

int actuator_open(struct actuator *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < sizeof(actuators) / sizeof(actuators[0]); i++) {
		if (strcmp(actuators[i]->name, name))
			continue;
		a->ops = actuators[i];
		return a->ops->open ? a->ops->open(a) : 0;
	}
	snprintf(a->err, sizeof(a->err), "unknown actuator '%s' (%s)", name, actuator_names());
	return -ENOENT;
}

void actuator_close(struct actuator *a)
{
	if (a->ops && a->ops->close)
		a->ops->close(a);
	a->ops = NULL;
}

/* A dry run can "set" any queue; it starts from coalescing off. */
static int dry_target_of(struct actuator *a, const struct vq_ident *id, struct act_target *t)
{
	(void)a;
	memset(t, 0, sizeof(*t));
	snprintf(t->dev, sizeof(t->dev), "%s", id->dev);
	t->queue = id->key.queue;
	return 0;
}

static int dry_get(struct actuator *a, const struct act_target *t, struct coalesce *c)
{
	(void)a;
	(void)t;
	*c = (struct coalesce){0};
	return 0;
}

static int dry_set(struct actuator *a, struct act_setting *s, size_t n)
{
	(void)a;
	for (size_t i = 0; i < n; i++)
		s[i].err = 0;
	return 0;
}

/* Nothing changes behind a dry run's back: it sets nothing to change. */
static int dry_changes(struct actuator *a, act_change_cb cb, void *arg)
{
	(void)a;
	(void)cb;
	(void)arg;
	return 0;
}

const struct actuator_ops act_dry_run_ops = {
    .name = "dry-run",
    .target_of = dry_target_of,
    .get = dry_get,
    .set = dry_set,
    .changes = dry_changes,
};
