// SPDX-License-Identifier: GPL-2.0
/* Pinning the monitor in bpffs, removing a pin, and opening one for top --from-pinned. */
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/errors.h"
#include "hooks.h"
#include "pin.h"

#define BPF_FS_MAGIC 0xcafe4a11
#define PIN_MAX_OBJS 64

static const char *const subdirs[] = {"links", "maps"};

static int on_bpffs(const char *path)
{
	struct statfs fs;

	if (statfs(path, &fs))
		return -errno;
	return fs.f_type == BPF_FS_MAGIC ? 0 : -EXDEV;
}

int pin_check_dir(const char *dir, char *err, size_t errlen)
{
	char parent[4096];
	const char *base = strrchr(dir, '/');
	int rc;

	if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent)) {
		snprintf(err, errlen, "path too long: %s", dir);
		return EXIT_USAGE;
	}
	/* bpffs refuses names with dots */
	if (strchr(base ? base + 1 : dir, '.')) {
		snprintf(err, errlen, "%s: bpffs names cannot contain '.'", dir);
		return EXIT_USAGE;
	}
	if (base)
		parent[base == dir ? 1 : base - dir] = 0;
	else
		strcpy(parent, ".");
	rc = on_bpffs(parent);
	if (rc) {
		snprintf(err, errlen, "%s is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)%s%s", dir,
			 rc == -EXDEV ? "" : ": ", rc == -EXDEV ? "" : strerror(-rc));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int pin_one(const char *dir, const char *sub, const char *name, int (*pin)(void *, const char *), void *obj,
		   char *err, size_t errlen)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	rc = pin(obj, path);
	/* bpffs already creates 0600; make sure whatever the umask */
	if (!rc && chmod(path, 0600))
		rc = -errno;
	if (rc)
		snprintf(err, errlen, "cannot pin %s: %s", path, strerror(-rc));
	return rc;
}

static int pin_map(void *m, const char *path)
{
	return bpf_map__pin(m, path);
}

static int pin_link(void *l, const char *path)
{
	int rc = bpf_link__pin(l, path);

	if (!rc) /* the pin keeps it attached when vqmod closes its fd */
		bpf_link__disconnect(l);
	return rc;
}

int pin_monitor(struct vqmon *mon, const char *dir, char *err, size_t errlen)
{
	struct bpf_link *links[PIN_MAX_OBJS];
	struct bpf_map *maps[PIN_MAX_OBJS];
	const char *names[PIN_MAX_OBJS];
	size_t nlinks, nmaps, i;
	char path[4096];
	int rc = pin_check_dir(dir, err, errlen);

	if (rc)
		return rc;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		if (mkdir(path, 0700)) {
			snprintf(err, errlen,
				 errno == EEXIST ? "%s already holds a pin: vqmod unpin it first"
						 : "cannot create %s: %s",
				 errno == EEXIST ? dir : path, strerror(errno));
			return EXIT_RUNTIME;
		}
	}
	nmaps = vqmon_pinnable_maps(mon, maps, PIN_MAX_OBJS);
	nlinks = vqmon_links(mon, links, names, PIN_MAX_OBJS);
	for (i = 0; i < nmaps && !rc; i++)
		rc = pin_one(dir, "maps", bpf_map__name(maps[i]), pin_map, maps[i], err, errlen);
	for (i = 0; i < nlinks && !rc; i++)
		rc = pin_one(dir, "links", names[i], pin_link, links[i], err, errlen);
	if (rc) {
		char ignored[256];

		pin_remove(dir, ignored, sizeof(ignored));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* The pins in dir named after one of vqmon's programs: links, or programs bpftool could not attach. */
static int remove_program_pins(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	int rc = 0;

	while (d && !rc && (e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || !hook_prog_known(e->d_name) || lstat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (unlink(path)) {
			snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
			rc = -1;
		}
	}
	if (d)
		closedir(d);
	return rc;
}

int pin_remove(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	int rc = on_bpffs(dir);

	if (rc) {
		snprintf(err, errlen, "%s: %s", dir, rc == -EXDEV ? "not on a BPF filesystem" : strerror(-rc));
		return rc == -ENOENT || rc == -EXDEV ? EXIT_USAGE : EXIT_RUNTIME;
	}
	for (size_t i = 0; i < 2; i++) {
		struct dirent *e;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		d = opendir(path);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", dir, subdirs[i], e->d_name);
			if (unlink(path)) {
				snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
				closedir(d);
				return EXIT_RUNTIME;
			}
		}
		closedir(d);
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		rmdir(path);
	}
	/* bpftool prog loadall DIR autoattach pins a link per program in DIR itself */
	if (remove_program_pins(dir, err, errlen))
		return EXIT_RUNTIME;
	/* anything else in dir is not ours: leave it, and say so */
	if (rmdir(dir)) {
		snprintf(err, errlen, "cannot remove %s: %s", dir, strerror(errno));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int open_map(const char *dir, const char *name, int *fd, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/maps/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd >= 0)
		return EXIT_OK;
	snprintf(err, errlen,
		 errno == ENOENT ? "no vqmod pin at %s (%s is missing): see vqmod pin"
				 : "cannot open the pinned map %s: %s",
		 errno == ENOENT ? dir : path, errno == ENOENT ? path : strerror(errno));
	return errno == EPERM || errno == EACCES ? EXIT_NOPERM : EXIT_RUNTIME;
}

/* The maps the collector reads, by the names bpftool and vqmod pin them under. */
static const struct {
	const char *name;
	size_t offset;
} pinned_maps[] = {
    {"vq_stats", offsetof(struct vqmon_maps, stats)},	 {"vq_names", offsetof(struct vqmon_maps, names)},
    {"vq_ids", offsetof(struct vqmon_maps, ids)},	 {"vq_ptrs", offsetof(struct vqmon_maps, ptrs)},
    {"vq_free", offsetof(struct vqmon_maps, free)},	 {"vq_ctxs", offsetof(struct vqmon_maps, ctxs)},
    {"vqmon_state", offsetof(struct vqmon_maps, state)},
};

#define NPINNED (sizeof(pinned_maps) / sizeof(pinned_maps[0]))

static int *map_fd(struct vqmon_maps *m, size_t i)
{
	return (int *)((char *)m + pinned_maps[i].offset);
}

void pin_init(struct pinned *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < NPINNED; i++)
		*map_fd(&p->maps, i) = -1;
}

/* Whether path pins a BPF link, which keeps its program attached. */
static bool pinned_link(const char *path)
{
	char fdpath[64], target[64];
	int fd = bpf_obj_get(path);
	ssize_t n;

	if (fd < 0)
		return false;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	n = readlink(fdpath, target, sizeof(target) - 1);
	close(fd);
	if (n < 0)
		return false;
	target[n] = 0;
	return !strcmp(target, "anon_inode:bpf-link");
}

int pin_open(struct pinned *p, const char *dir, char *err, size_t errlen)
{
	const char *names[PIN_MAX_OBJS];
	char path[4096], store[PIN_MAX_OBJS][256];
	size_t n = 0, i;
	struct dirent *e;
	DIR *d;
	int rc = EXIT_OK;

	pin_init(p);
	for (i = 0; i < NPINNED && !rc; i++)
		rc = open_map(dir, pinned_maps[i].name, map_fd(&p->maps, i), err, errlen);
	if (rc) {
		pin_close(p);
		return rc;
	}
	/*
	 * The links are named after their programs: that tells the hooks. vqmod
	 * pin puts them in DIR/links; bpftool prog loadall DIR autoattach in DIR.
	 */
	snprintf(path, sizeof(path), "%s/links", dir);
	d = opendir(path);
	if (!d && errno == ENOENT) {
		snprintf(path, sizeof(path), "%s", dir);
		d = opendir(path);
	}
	while (d && (e = readdir(d)) && n < PIN_MAX_OBJS) {
		char pinned[4096];

		if (e->d_name[0] == '.' ||
		    snprintf(pinned, sizeof(pinned), "%s/%s", path, e->d_name) >= (int)sizeof(pinned))
			continue;
		/* not maps/, and not a program that bpftool pinned because it could not attach it */
		if (!pinned_link(pinned))
			continue;
		snprintf(store[n], sizeof(store[n]), "%s", e->d_name);
		names[n] = store[n];
		n++;
	}
	if (d)
		closedir(d);
	p->nhooks = vqmon_hooks_of(names, n, p->hooks, PIN_MAX_HOOKS);
	return EXIT_OK;
}

void pin_close(struct pinned *p)
{
	for (size_t i = 0; i < NPINNED; i++) {
		int *fd = map_fd(&p->maps, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}
