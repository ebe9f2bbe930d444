// SPDX-License-Identifier: GPL-2.0
/* Loading vqmon's BPF objects with the best hooks this kernel allows. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/errors.h"
#include "loader.h"
#include "vqmon.skel.h"
#include "vqmon_fentry.skel.h"

#define ALTS	  4
#define ALT_PROGS 3
#define MAX_LINKS 32

/* Each group counts one kind of event; its alternatives, best first. */
static const struct hook_group {
	const char *name;
	struct {
		const char *how;
		const char *progs[ALT_PROGS];
	} alts[ALTS];
} groups[] = {
    {"notify",
     {{"fentry vring_interrupt", {"vring_entry_fentry", "vring_exit_fexit"}},
      {"kprobe vring_interrupt", {"vring_entry_kprobe", "vring_exit_kretprobe"}},
      {"tp_btf irq_handler_entry/exit", {"irq_entry_btf", "irq_exit_btf"}},
      {"raw_tp irq_handler_entry/exit", {"irq_entry_raw", "irq_exit_raw"}}}},
    {"kick", {{"fentry virtqueue_notify", {"kick_fentry"}}, {"kprobe virtqueue_notify", {"kick_kprobe"}}}},
    {"napi", {{"tp_btf napi_poll", {"napi_poll_btf"}}, {"raw_tp napi_poll", {"napi_poll_raw"}}}},
    {"net-rx", {{"tp_btf napi_gro_receive_entry", {"net_rx_btf"}}, {"raw_tp napi_gro_receive_entry", {"net_rx_raw"}}}},
    {"net-tx", {{"tp_btf net_dev_start_xmit", {"net_tx_btf"}}, {"raw_tp net_dev_start_xmit", {"net_tx_raw"}}}},
    {"vhost", {{"fentry vhost_signal", {"vhost_signal_fentry"}}, {"kprobe vhost_signal", {"vhost_signal_kprobe"}}}},
    {"vhost-vdpa",
     {{"fentry vhost_vdpa_virtqueue_cb", {"vhost_vdpa_cb_fentry"}},
      {"kprobe vhost_vdpa_virtqueue_cb", {"vhost_vdpa_cb_kprobe"}}}},
    {"vqsim", {{"raw_tp vqsim_notify/used/kick", {"vqsim_notify_raw", "vqsim_used_raw", "vqsim_kick_raw"}}}},
};

#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

struct vqmon {
	struct vqmon_bpf *core;
	struct vqmon_fentry_bpf *fentry; /* NULL where no fentry program loads */
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *linked[MAX_LINKS];
	size_t nlinks;
	struct hook_status hooks[NGROUPS];
	const char *kinds; /* allowed attach types; NULL: all */
	__u32 wake_every;
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

static bool serves(const char *const progs[ALT_PROGS], const char *prog)
{
	for (int i = 0; i < ALT_PROGS && progs[i]; i++)
		if (!strcmp(progs[i], prog))
			return true;
	return false;
}

/* A comma-separated list whose every item passes known(). */
int vqmon_list_parse(const char *list, bool (*known)(const char *))
{
	char buf[256], *save, *tok;

	if (!*list || strlen(list) >= sizeof(buf) || list[0] == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,"))
		return -1;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!known(tok))
			return -1;
	return 0;
}

/* Attach types, best first: the order in which each group's alternatives are tried. */
static const char *const attach_types[] = {"fentry", "kprobe", "tp_btf", "raw_tp"};

#define NKINDS (sizeof(attach_types) / sizeof(attach_types[0]))

bool vqmon_kind_known(const char *name)
{
	for (size_t k = 0; k < NKINDS; k++)
		if (!strcmp(attach_types[k], name))
			return true;
	return false;
}

/* "a, b, c" of n names, built once into buf. */
static const char *joined(char *buf, size_t len, const char *(*name)(size_t), size_t n)
{
	size_t used = 0;

	if (buf[0])
		return buf;
	for (size_t i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "", name(i));
	return buf;
}

static const char *kind_name(size_t i)
{
	return attach_types[i];
}

const char *vqmon_kind_names(void)
{
	static char buf[64];

	return joined(buf, sizeof(buf), kind_name, NKINDS);
}

bool vqmon_group_known(const char *name)
{
	for (size_t g = 0; g < NGROUPS; g++)
		if (strcmp(groups[g].name, name) == 0)
			return true;
	return false;
}

static const char *group_name(size_t i)
{
	return groups[i].name;
}

const char *vqmon_group_names(void)
{
	static char buf[128];

	return joined(buf, sizeof(buf), group_name, NGROUPS);
}

/* The alternative's attach type ("kprobe" of "kprobe vring_interrupt") is allowed. */
static bool kind_allowed(const char *kinds, const char *how)
{
	size_t n = strcspn(how, " ");
	char kind[16];

	if (n >= sizeof(kind))
		return false;
	memcpy(kind, how, n);
	kind[n] = 0;
	if (!strcmp(kind, "kretprobe"))
		strcpy(kind, "kprobe");
	return list_has(kinds, kind);
}

/* Whether a program serves an alternative that is wanted and allowed. */
static bool prog_wanted(const struct vqmon *mon, const char *prog)
{
	for (size_t g = 0; g < NGROUPS; g++)
		for (int a = 0; a < ALTS; a++)
			if (serves(groups[g].alts[a].progs, prog))
				return mon->hooks[g].wanted && kind_allowed(mon->kinds, groups[g].alts[a].how);
	return false;
}

/* Which of obj's programs load on this kernel, each loaded alone. */
typedef struct bpf_object *(*open_fn)(const struct bpf_object_open_opts *opts, void **skel);
typedef int (*prep_fn)(void *skel, struct vqmon *mon);
typedef void (*destroy_fn)(void *skel);

struct objtype {
	open_fn open;
	prep_fn prep; /* before load: map reuse */
	destroy_fn destroy;
};

static struct bpf_object *core_open(const struct bpf_object_open_opts *opts, void **skel)
{
	struct vqmon_bpf *s = vqmon_bpf__open_opts(opts);

	*skel = s;
	return s ? s->obj : NULL;
}

static int core_prep(void *skel, struct vqmon *mon)
{
	((struct vqmon_bpf *)skel)->rodata->wake_every = mon->wake_every;
	return 0;
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

/* The fentry object counts into the core object's maps. */
static int fentry_prep(void *skel, struct vqmon *mon)
{
	struct vqmon_fentry_bpf *s = skel;
	int err = bpf_map__reuse_fd(s->maps.vq_stats, bpf_map__fd(mon->core->maps.vq_stats));

	err = err ?: bpf_map__reuse_fd(s->maps.vq_names, bpf_map__fd(mon->core->maps.vq_names));
	err = err ?: bpf_map__reuse_fd(s->maps.hook_hits, bpf_map__fd(mon->core->maps.hook_hits));
	err = err ?: bpf_map__reuse_fd(s->maps.notify_stacks, bpf_map__fd(mon->core->maps.notify_stacks));
	err = err ?: bpf_map__reuse_fd(s->maps.wakeups, bpf_map__fd(mon->core->maps.wakeups));
	s->rodata->wake_every = mon->wake_every;
	return err;
}

static void fentry_destroy(void *skel)
{
	vqmon_fentry_bpf__destroy(skel);
}

static const struct objtype core_type = {core_open, core_prep, core_destroy};
static const struct objtype fentry_type = {fentry_open, fentry_prep, fentry_destroy};

/* Records why a program could not load, in its groups' reports. */
static void note_failure(struct vqmon *mon, const char *prog, const char *what, int err)
{
	for (size_t g = 0; g < NGROUPS; g++) {
		for (int a = 0; a < ALTS; a++) {
			const char *how = groups[g].alts[a].how;
			char *why = mon->hooks[g].why;
			size_t used = strlen(why);

			if (!how || !serves(groups[g].alts[a].progs, prog))
				continue;
			snprintf(why + used, sizeof(mon->hooks[g].why) - used, "%s%s: %s %s", used ? "; " : "", how,
				 what, strerror(err));
		}
	}
}

/*
 * Opens and loads one object with the wanted programs. If the whole load
 * fails, each program is tried alone and only those that load are kept.
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
		bpf_program__set_autoload(prog, prog_wanted(mon, bpf_program__name(prog)));
	err = t->prep ? t->prep(skel, mon) : 0;
	if (!err && !bpf_object__load(obj))
		return skel;
	t->destroy(skel);

	/* find the programs that load alone */
	for (i = 0;; i++) {
		struct bpf_object *pobj = t->open(opts, &probe);
		struct bpf_program *p, *target = NULL;
		int k = 0;

		if (!pobj) {
			*errp = errno;
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
		if (prog_wanted(mon, bpf_program__name(target))) {
			bpf_program__set_autoload(target, true);
			err = t->prep ? t->prep(probe, mon) : 0;
			err = err ?: bpf_object__load(pobj);
			if (err)
				note_failure(mon, bpf_program__name(target), "load:", -err);
			keep[i] = !err;
			n += !err;
		}
		t->destroy(probe);
	}
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
	err = t->prep ? t->prep(skel, mon) : 0;
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

/* Attaches the first alternative of group g whose programs all attach. */
static void attach_group(struct vqmon *mon, size_t g)
{
	struct hook_status *h = &mon->hooks[g];

	for (int a = 0; a < ALTS && groups[g].alts[a].how; a++) {
		size_t first = mon->nlinks;
		int i, err = 0;

		if (!kind_allowed(mon->kinds, groups[g].alts[a].how))
			continue;
		for (i = 0; i < ALT_PROGS && groups[g].alts[a].progs[i]; i++) {
			struct bpf_program *p = find_prog(mon, groups[g].alts[a].progs[i]);
			struct bpf_link *l;

			if (!p || mon->nlinks == MAX_LINKS) {
				err = -1;
				break;
			}
			l = bpf_program__attach(p);
			if (!l) {
				err = errno;
				note_failure(mon, groups[g].alts[a].progs[0], "attach:", err);
				break;
			}
			mon->linked[mon->nlinks] = p;
			mon->links[mon->nlinks++] = l;
		}
		if (!err) {
			h->active = groups[g].alts[a].how;
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
	for (g = 0; g < NGROUPS; g++) {
		mon->hooks[g].group = groups[g].name;
		mon->hooks[g].wanted = list_has(opts->hooks, groups[g].name);
	}

	mon->core = load_object(mon, &core_type, &oo, &err);
	if (!mon->core) {
		snprintf(errbuf, errlen, "cannot load the BPF monitor: %s", err ? strerror(err) : "no program loads");
		vqmon_close(mon);
		return err == EPERM ? EXIT_NOPERM : EXIT_NOFEATURE;
	}
	mon->fentry = load_object(mon, &fentry_type, &oo, &err); /* optional */

	for (g = 0; g < NGROUPS; g++) {
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

void vqmon_close(struct vqmon *mon)
{
	if (!mon)
		return;
	while (mon->nlinks)
		bpf_link__destroy(mon->links[--mon->nlinks]);
	vqmon_fentry_bpf__destroy(mon->fentry);
	vqmon_bpf__destroy(mon->core);
	free(mon);
}

size_t vqmon_hooks(const struct vqmon *mon, const struct hook_status **hooks)
{
	*hooks = mon->hooks;
	return NGROUPS;
}

void vqmon_hooks_line(const struct vqmon *mon, char *buf, size_t len)
{
	report_hooks_line(mon->hooks, NGROUPS, buf, len);
}

int vqmon_stats_fd(const struct vqmon *mon)
{
	return bpf_map__fd(mon->core->maps.vq_stats);
}

int vqmon_wakeups_fd(const struct vqmon *mon)
{
	return bpf_map__fd(mon->core->maps.wakeups);
}

int vqmon_names_fd(const struct vqmon *mon)
{
	return bpf_map__fd(mon->core->maps.vq_names);
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
size_t vqmon_maps(const struct vqmon *mon, struct bpf_map **maps, size_t max)
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

	for (g = 0; g < NGROUPS && g < max; g++) {
		memset(&out[g], 0, sizeof(out[g]));
		out[g].group = groups[g].name;
		out[g].wanted = true;
		for (int a = 0; a < ALTS && groups[g].alts[a].how && !out[g].active; a++) {
			const char *const *p = groups[g].alts[a].progs;

			if (listed(progs, nprogs, p[0]) && (!p[1] || listed(progs, nprogs, p[1])))
				out[g].active = groups[g].alts[a].how;
		}
		if (!out[g].active)
			snprintf(out[g].why, sizeof(out[g].why), "not attached in the pin");
	}
	return g;
}
