// SPDX-License-Identifier: GPL-2.0
/* Claims on devices and restore records, as flocks (claim.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "claim.h"
#include "core/array.h"

void claims_init(struct claims *c)
{
	memset(c, 0, sizeof(*c));
}

/* mkdir -p of path's directory. */
static void make_dirs(const char *path)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		mkdir(dir, 0755); /* an existing one is fine; a real failure shows at open */
		*s = '/';
	}
}

static pid_t holder_of(int fd)
{
	char buf[24] = "";
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	return n > 0 ? (pid_t)strtol(buf, NULL, 10) : 0;
}

int claim_path(struct claims *c, const char *path, pid_t *holder)
{
	int *fds = array_grow(c->fd, &c->cap, c->n + 1, sizeof(*fds)), fd, err;
	struct stat st, held;
	char pid[24];

	*holder = 0;
	if (!fds)
		return -ENOMEM;
	c->fd = fds;
	make_dirs(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	/* flock is per open file: a second open of a file we hold would not see our lock */
	if (!fstat(fd, &st))
		for (size_t i = 0; i < c->n; i++)
			if (!fstat(c->fd[i], &held) && held.st_dev == st.st_dev && held.st_ino == st.st_ino) {
				close(fd);
				return 0;
			}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY)
			*holder = holder_of(fd);
		close(fd);
		return err;
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, strlen(pid), 0) < 0) {
		/* the lock holds without the pid: only the message loses it */
	}
	c->fd[c->n++] = fd;
	return 0;
}

int claim_device(struct claims *c, const char *act, const char *dev, pid_t *holder)
{
	char path[PATH_MAX];

	/* device names cannot hold '/', but a name is never a path */
	if (strchr(dev, '/') || !strcmp(dev, ".") || !strcmp(dev, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s.%s", CLAIM_DIR, act, dev);
	return claim_path(c, path, holder);
}

void claims_free(struct claims *c)
{
	/* the files stay: unlinking a lock file races with its next taker */
	for (size_t i = 0; i < c->n; i++)
		close(c->fd[i]);
	free(c->fd);
	claims_init(c);
}
