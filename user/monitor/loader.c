// SPDX-License-Identifier: GPL-2.0
/* Loading vqmon's BPF objects with the best hooks this kernel allows. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/errors.h"
#include "hooks.h"
#include "loader.h"
#include "vqmon.skel.h"
#include "vqmon_empty.skel.h"
#include "vqmon_fentry.skel.h"

#define MAX_LINKS  32
#define MAX_GROUPS 16
/* Map sizes while probing which programs load: the probe objects are thrown away. */
#define PROBE_ENTRIES 16

struct vqmon {
	struct vqmon_bpf *core;
	struct vqmon_fentry_bpf *fentry; /* NULL where no fentry program loads */
	struct vqmon_empty_bpf *empty;	 /* --baseline: empty programs beside the attached ones */
	struct bpf_link *empty_links[MAX_LINKS];
	struct bpf_program *empty_of[MAX_LINKS]; /* parallel to linked[] */
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *linked[MAX_LINKS];
	size_t nlinks;
	struct hook_status hooks[MAX_GROUPS];
	const char *kinds; /* allowed attach types; NULL: all */
	__u32 wake_every, max_queues, max_irqs;
	bool handler_timing;
	bool probing; /* loading one program alone, with small maps */
};

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* name is in the comma-separated list (NULL: everything is) */
static bool list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (!list)
		return true;
	for (const char *p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == 0))
			return true;
	}
	return false;
}

static bool kind_allowed(const char *kinds, const char *how)
{
	char kind[16];

	hook_kind(how, kind, sizeof(kind));
	return list_has(kinds, kind);
}

/* Whether a program serves an alternative that is wanted and allowed. */
static bool prog_wanted(const struct vqmon *mon, const char *prog)
{
	for (size_t g = 0; g < hook_ngroups; g++)
		for (int a = 0; a < HOOK_ALTS && hook_groups[g].alts[a].how; a++)
			if (hook_alt_serves(&hook_groups[g].alts[a], prog) && mon->hooks[g].wanted &&
			    kind_allowed(mon->kinds, hook_groups[g].alts[a].how))
				return true;
	return false;
}

/* The irq numbers in use, for the size of vq_irqs: the highest, with room to grow. */
static __u32 irq_entries(void)
{
	DIR *d = opendir("/sys/kernel/irq");
	unsigned long max = 0;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		unsigned long n = strtoul(e->d_name, NULL, 10);

		if (n > max)
			max = n;
	}
	if (d)
		closedir(d);
	max = 2 * (max + 1);
	if (max < VQMON_DEFAULT_IRQS)
		max = VQMON_DEFAULT_IRQS;
	return max > (1U << 20) ? 1U << 20 : max;
}

/* The maps that hold one entry per queue. */
static int size_maps(struct bpf_map *const *maps, size_t n, __u32 entries)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = bpf_map__set_max_entries(maps[i], entries);
	return err;
}

typedef struct bpf_object *(*open_fn)(const struct bpf_object_open_opts *opts, void **skel);
typedef int (*prep_fn)(void *skel, struct vqmon *mon);
typedef void (*destroy_fn)(void *skel);
typedef bool (*wanted_fn)(const struct vqmon *mon, const char *prog);

struct objtype {
	open_fn open;
	prep_fn prep; /* before load: sizes, settings, map reuse */
	destroy_fn destroy;
	wanted_fn wanted; /* which programs to load */
};

static struct bpf_object *core_open(const struct bpf_object_open_opts *opts, void **skel)
{
	struct vqmon_bpf *s = vqmon_bpf__open_opts(opts);

	*skel = s;
	return s ? s->obj : NULL;
}

static int core_prep(void *skel, struct vqmon *mon)
{
	struct vqmon_bpf *s = skel;
	struct bpf_map *per_queue[] = {s->maps.vq_stats, s->maps.vq_names, s->maps.vq_ids,
				       s->maps.vq_ptrs,	 s->maps.vq_free,  s->maps.vq_ctxs};
	__u32 queues = mon->probing ? PROBE_ENTRIES : mon->max_queues;
	__u32 irqs = mon->probing ? PROBE_ENTRIES : mon->max_irqs;

	s->rodata->max_queues = queues;
	s->rodata->wake_every = mon->wake_every;
	s->rodata->handler_timing = mon->handler_timing;
	return size_maps(per_queue, sizeof(per_queue) / sizeof(per_queue[0]), queues)
		   ?: bpf_map__set_max_entries(s->maps.vq_irqs, irqs);
}

static void core_destroy(void *skel)
{
	vqmon_bpf__destroy(skel);
}

static struct bpf_object *fentry_open(const struct bpf_object_open_opts *opts, void **skel)
{
	struct vqmon_fentry_bpf *s = vqmon_fentry_bpf__open_opts(opts);

	*skel = s;
	return s ? s->obj : NULL;
}

/* The fentry object counts into the core object's maps, with its settings. */
static int fentry_prep(void *skel, struct vqmon *mon)
{
	struct vqmon_fentry_bpf *s = skel;
	struct bpf_map *m;
	int err = 0;

	bpf_object__for_each_map(m, s->obj)
	{
		struct bpf_map *core;

		if (bpf_map__is_internal(m))
			continue;
		core = bpf_object__find_map_by_name(mon->core->obj, bpf_map__name(m));
		err = core ? bpf_map__reuse_fd(m, bpf_map__fd(core)) : -ENOENT;
		if (err)
			return err;
	}
	s->rodata->max_queues = mon->max_queues;
	s->rodata->wake_every = mon->wake_every;
	s->rodata->handler_timing = mon->handler_timing;
	return 0;
}

static void fentry_destroy(void *skel)
{
	vqmon_fentry_bpf__destroy(skel);
}

static struct bpf_object *empty_open(const struct bpf_object_open_opts *opts, void **skel)
{
	struct vqmon_empty_bpf *s = vqmon_empty_bpf__open_opts(opts);

	*skel = s;
	return s ? s->obj : NULL;
}

static int empty_prep(void *skel, struct vqmon *mon)
{
	(void)skel;
	(void)mon;
	return 0;
}

static void empty_destroy(void *skel)
{
	vqmon_empty_bpf__destroy(skel);
}

static bool linked_name(const struct vqmon *mon, const char *name)
{
	for (size_t i = 0; i < mon->nlinks; i++)
		if (!strcmp(bpf_program__name(mon->linked[i]), name))
			return true;
	return false;
}

/* empty_<prog> for each attached prog */
static bool empty_wanted(const struct vqmon *mon, const char *prog)
{
	return !strncmp(prog, "empty_", 6) && linked_name(mon, prog + 6);
}

static const struct objtype core_type = {core_open, core_prep, core_destroy, prog_wanted};
static const struct objtype fentry_type = {fentry_open, fentry_prep, fentry_destroy, prog_wanted};
static const struct objtype empty_type = {empty_open, empty_prep, empty_destroy, empty_wanted};

/* Records why a program could not load, in its groups' reports. */
static void note_failure(struct vqmon *mon, const char *prog, const char *what, int err)
{
	for (size_t g = 0; g < hook_ngroups; g++) {
		for (int a = 0; a < HOOK_ALTS; a++) {
			const struct hook_alt *alt = &hook_groups[g].alts[a];
			char *why = mon->hooks[g].why;
			size_t used = strlen(why);

			if (!alt->how || !hook_alt_serves(alt, prog) || !mon->hooks[g].wanted)
				continue;
			snprintf(why + used, sizeof(mon->hooks[g].why) - used, "%s%s: %s %s %s", used ? "; " : "",
				 alt->how, what, prog, strerror(err));
		}
	}
}

/*
 * Opens and loads one object with the wanted programs. If the whole load
 * fails, each program is tried alone (with small maps) and only those that
 * load are kept.
 */
static void *load_object(struct vqmon *mon, const struct objtype *t, const struct bpf_object_open_opts *opts, int *errp)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	void *skel, *probe;
	char keep[64] = {};
	int i, err, n = 0;

	obj = t->open(opts, &skel);
	if (!obj) {
		*errp = errno;
		return NULL;
	}
	bpf_object__for_each_program (prog, obj)
		bpf_program__set_autoload(prog, t->wanted(mon, bpf_program__name(prog)));
	err = t->prep(skel, mon);
	if (!err && !bpf_object__load(obj))
		return skel;
	t->destroy(skel);

	/* find the programs that load alone */
	mon->probing = true;
	for (i = 0;; i++) {
		struct bpf_object *pobj = t->open(opts, &probe);
		struct bpf_program *p, *target = NULL;
		int k = 0;

		if (!pobj) {
			*errp = errno;
			mon->probing = false;
			return NULL;
		}
		bpf_object__for_each_program (p, pobj) {
			if (k++ == i)
				target = p;
			bpf_program__set_autoload(p, false);
		}
		if (!target || i >= (int)sizeof(keep)) {
			t->destroy(probe);
			break;
		}
		if (t->wanted(mon, bpf_program__name(target))) {
			bpf_program__set_autoload(target, true);
			err = t->prep(probe, mon);
			err = err ?: bpf_object__load(pobj);
			if (err)
				note_failure(mon, bpf_program__name(target), "load:", -err);
			keep[i] = !err;
			n += !err;
		}
		t->destroy(probe);
	}
	mon->probing = false;
	if (!n) {
		*errp = 0;
		return NULL;
	}
	obj = t->open(opts, &skel);
	if (!obj) {
		*errp = errno;
		return NULL;
	}
	i = 0;
	bpf_object__for_each_program (prog, obj)
		bpf_program__set_autoload(prog, keep[i++]);
	err = t->prep(skel, mon);
	err = err ?: bpf_object__load(obj);
	if (err) {
		*errp = -err;
		t->destroy(skel);
		return NULL;
	}
	return skel;
}

static struct bpf_program *find_prog(struct vqmon *mon, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(mon->core->obj, name);

	if (!p && mon->fentry)
		p = bpf_object__find_program_by_name(mon->fentry->obj, name);
	if (p && bpf_program__fd(p) < 0) /* not loaded */
		return NULL;
	return p;
}

static bool linked(const struct vqmon *mon, const struct bpf_program *p)
{
	for (size_t i = 0; i < mon->nlinks; i++)
		if (mon->linked[i] == p)
			return true;
	return false;
}

/* Attaches one program; -1 if it is not loaded or does not attach. */
static int attach_prog(struct vqmon *mon, const char *name, bool note)
{
	struct bpf_program *p = find_prog(mon, name);
	struct bpf_link *l;

	if (!p || mon->nlinks == MAX_LINKS)
		return -1;
	if (linked(mon, p)) /* an extra that two groups share */
		return 0;
	l = bpf_program__attach(p);
	if (!l) {
		if (note)
			note_failure(mon, name, "attach:", errno);
		return -1;
	}
	mon->linked[mon->nlinks] = p;
	mon->links[mon->nlinks++] = l;
	return 0;
}

/* Attaches the first alternative of group g whose programs all attach. */
static void attach_group(struct vqmon *mon, size_t g)
{
	const struct hook_group *grp = &hook_groups[g];
	const struct hook_status *leader = NULL;
	struct hook_status *h = &mon->hooks[g];
	char kind[16], want[16];

	if (grp->follows) {
		for (size_t l = 0; l < hook_ngroups; l++)
			if (!strcmp(hook_groups[l].name, grp->follows))
				leader = &mon->hooks[l];
		if (!leader || !leader->active) {
			snprintf(h->why, sizeof(h->why), "needs %s, which is not attached", grp->follows);
			return;
		}
		hook_kind(leader->active, want, sizeof(want));
	}
	for (int a = 0; a < HOOK_ALTS && grp->alts[a].how; a++) {
		const struct hook_alt *alt = &grp->alts[a];
		size_t first = mon->nlinks;
		int i, err = 0;

		if (!kind_allowed(mon->kinds, alt->how))
			continue;
		hook_kind(alt->how, kind, sizeof(kind));
		if (leader && strcmp(kind, want))
			continue;
		for (i = 0; i < HOOK_PROGS && alt->progs[i] && !err; i++)
			err = attach_prog(mon, alt->progs[i], true);
		if (!err) {
			for (int x = 0; !err && x < HOOK_EXTRAS && alt->extra[x]; x++)
				attach_prog(mon, alt->extra[x], false); /* where one cannot, the idle timeout does */
			h->active = alt->how;
			return;
		}
		while (mon->nlinks > first)
			bpf_link__destroy(mon->links[--mon->nlinks]);
	}
}

static int privileged(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int vqmon_open(struct vqmon **out, const struct vqmon_opts *opts, char *errbuf, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = opts->btf_path);
	const char *btf = opts->btf_path ?: "/sys/kernel/btf/vmlinux";
	struct vqmon *mon;
	size_t g, active = 0;
	int err;

	verbose = opts->verbose;
	libbpf_set_print(print_libbpf);
	*out = NULL;
	if (access(btf, R_OK)) {
		snprintf(errbuf, errlen,
			 "no BTF at %s (%s): the kernel needs CONFIG_DEBUG_INFO_BTF, or give --btf FILE", btf,
			 strerror(errno));
		return EXIT_NOBTF;
	}
	err = privileged();
	if (err == -EPERM || err == -EACCES) {
		snprintf(errbuf, errlen, "not allowed to use BPF: run as root (or with CAP_BPF and CAP_PERFMON)");
		return EXIT_NOPERM;
	}
	mon = calloc(1, sizeof(*mon));
	if (!mon) {
		snprintf(errbuf, errlen, "out of memory");
		return EXIT_RUNTIME;
	}
	mon->kinds = opts->kinds;
	mon->wake_every = opts->wake_every;
	mon->max_queues = opts->max_queues ?: VQMON_DEFAULT_QUEUES;
	mon->max_irqs = irq_entries();
	for (g = 0; g < hook_ngroups && g < MAX_GROUPS; g++) {
		mon->hooks[g].group = hook_groups[g].name;
		mon->hooks[g].wanted = list_has(opts->hooks, hook_groups[g].name);
		if (!strcmp(hook_groups[g].name, "handler"))
			mon->handler_timing = mon->hooks[g].wanted;
	}

	mon->core = load_object(mon, &core_type, &oo, &err);
	if (!mon->core) {
		snprintf(errbuf, errlen, "cannot load the BPF monitor: %s", err ? strerror(err) : "no program loads");
		vqmon_close(mon);
		return err == EPERM ? EXIT_NOPERM : EXIT_NOFEATURE;
	}
	mon->fentry = load_object(mon, &fentry_type, &oo, &err); /* optional */

	/* in table order: a group that follows another comes after it */
	for (g = 0; g < hook_ngroups && g < MAX_GROUPS; g++) {
		if (!mon->hooks[g].wanted)
			continue;
		attach_group(mon, g);
		active += mon->hooks[g].active != NULL;
		if (!mon->hooks[g].active && !mon->hooks[g].why[0])
			snprintf(mon->hooks[g].why, sizeof(mon->hooks[g].why), "no alternative loads here");
	}
	if (!active) {
		snprintf(errbuf, errlen, "none of the requested hooks can attach on this kernel (%s)",
			 opts->hooks ?: "all");
		vqmon_close(mon);
		return EXIT_NOFEATURE;
	}
	*out = mon;
	return EXIT_OK;
}

int vqmon_attach_baseline(struct vqmon *mon)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	int err = 0;

	mon->empty = load_object(mon, &empty_type, &oo, &err);
	if (!mon->empty)
		return -(err ?: ENOENT);
	for (size_t i = 0; i < mon->nlinks; i++) {
		char name[64];
		struct bpf_program *p;

		snprintf(name, sizeof(name), "empty_%s", bpf_program__name(mon->linked[i]));
		p = bpf_object__find_program_by_name(mon->empty->obj, name);
		if (!p || bpf_program__fd(p) < 0)
			continue;
		mon->empty_links[i] = bpf_program__attach(p);
		if (mon->empty_links[i])
			mon->empty_of[i] = p;
	}
	return 0;
}

struct bpf_program *vqmon_baseline_of(const struct vqmon *mon, const struct bpf_program *prog)
{
	for (size_t i = 0; i < mon->nlinks; i++)
		if (mon->linked[i] == prog)
			return mon->empty_of[i];
	return NULL;
}

void vqmon_close(struct vqmon *mon)
{
	if (!mon)
		return;
	for (size_t i = 0; i < MAX_LINKS; i++)
		bpf_link__destroy(mon->empty_links[i]);
	vqmon_empty_bpf__destroy(mon->empty);
	while (mon->nlinks)
		bpf_link__destroy(mon->links[--mon->nlinks]);
	vqmon_fentry_bpf__destroy(mon->fentry);
	vqmon_bpf__destroy(mon->core);
	free(mon);
}

size_t vqmon_hooks(const struct vqmon *mon, const struct hook_status **hooks)
{
	*hooks = mon->hooks;
	return hook_ngroups < MAX_GROUPS ? hook_ngroups : MAX_GROUPS;
}

void vqmon_hooks_line(const struct vqmon *mon, char *buf, size_t len)
{
	const struct hook_status *h;
	size_t n = vqmon_hooks(mon, &h);

	report_hooks_line(h, n, buf, len);
}

void vqmon_maps(const struct vqmon *mon, struct vqmon_maps *m)
{
	m->stats = bpf_map__fd(mon->core->maps.vq_stats);
	m->names = bpf_map__fd(mon->core->maps.vq_names);
	m->ids = bpf_map__fd(mon->core->maps.vq_ids);
	m->ptrs = bpf_map__fd(mon->core->maps.vq_ptrs);
	m->free = bpf_map__fd(mon->core->maps.vq_free);
	m->ctxs = bpf_map__fd(mon->core->maps.vq_ctxs);
	m->state = bpf_map__fd(mon->core->maps.vqmon_state);
}

int vqmon_wakeups_fd(const struct vqmon *mon)
{
	return bpf_map__fd(mon->core->maps.wakeups);
}

size_t vqmon_programs(const struct vqmon *mon, struct bpf_program **progs, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < mon->nlinks && n < max; i++)
		progs[n++] = mon->linked[i];
	return n;
}

size_t vqmon_links(const struct vqmon *mon, struct bpf_link **links, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < mon->nlinks && n < max; i++) {
		links[n] = mon->links[i];
		names[n++] = bpf_program__name(mon->linked[i]);
	}
	return n;
}

/* The fentry object reuses these maps, so the core object's are all of them. */
size_t vqmon_pinnable_maps(const struct vqmon *mon, struct bpf_map **maps, size_t max)
{
	struct bpf_map *m;
	size_t n = 0;

	bpf_object__for_each_map(m, mon->core->obj) if (!bpf_map__is_internal(m) && n < max) maps[n++] = m;
	return n;
}

static bool listed(const char *const *progs, size_t nprogs, const char *prog)
{
	for (size_t i = 0; i < nprogs; i++)
		if (strcmp(progs[i], prog) == 0)
			return true;
	return false;
}

size_t vqmon_hooks_of(const char *const *progs, size_t nprogs, struct hook_status *out, size_t max)
{
	size_t g;

	for (g = 0; g < hook_ngroups && g < max; g++) {
		const struct hook_group *grp = &hook_groups[g];

		memset(&out[g], 0, sizeof(out[g]));
		out[g].group = grp->name;
		out[g].wanted = true;
		for (int a = 0; a < HOOK_ALTS && grp->alts[a].how && !out[g].active; a++) {
			const char *const *p = grp->alts[a].progs;
			bool all = true;

			for (int i = 0; i < HOOK_PROGS && p[i]; i++)
				all = all && listed(progs, nprogs, p[i]);
			if (all)
				out[g].active = grp->alts[a].how;
		}
		if (!out[g].active)
			snprintf(out[g].why, sizeof(out[g].why), "not attached in the pin");
	}
	return g;
}
