// SPDX-License-Identifier: GPL-2.0
/* The atomic file write: a reader sees the old file or the new one, never a temporary. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "core/atomic_file.h"

static void replaced_whole(void)
{
	char dir[] = "/tmp/vqmod-prom.XXXXXX", path[64], tmp[80], buf[32] = {};
	struct stat st;
	FILE *f;

	if (!ASSERT_TRUE(mkdtemp(dir) != NULL))
		return;
	snprintf(path, sizeof(path), "%s/vqmod.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ASSERT_EQ(atomic_file_write(path, "a 1\n", 4, 0644, 0), 0);
	ASSERT_EQ(atomic_file_write(path, "b 2\n", 4, 0644, ATOMIC_FILE_SYNC), 0);
	f = fopen(path, "r");
	if (ASSERT_TRUE(f != NULL)) {
		ASSERT_EQ(fread(buf, 1, sizeof(buf) - 1, f), 4);
		ASSERT_STREQ(buf, "b 2\n");
		fclose(f);
	}
	ASSERT_TRUE(stat(tmp, &st) != 0); /* renamed away */
	ASSERT_EQ(-atomic_file_write("/nonexistent/dir/x.prom", "", 0, 0644, 0), 2 /* ENOENT */);
	unlink(path);
	rmdir(dir);
}

/* ATOMIC_FILE_MKDIR makes the missing parent, as /run/vqmod on first use. */
static void parent_made(void)
{
	char dir[] = "/tmp/vqmod-atomic.XXXXXX", path[80], sub[64];
	struct stat st;

	if (!ASSERT_TRUE(mkdtemp(dir) != NULL))
		return;
	snprintf(sub, sizeof(sub), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/restore", sub);
	ASSERT_EQ(-atomic_file_write(path, "x\n", 2, 0600, 0), 2 /* ENOENT without the flag */);
	ASSERT_EQ(atomic_file_write(path, "x\n", 2, 0600, ATOMIC_FILE_MKDIR), 0);
	if (ASSERT_EQ(stat(sub, &st), 0))
		ASSERT_EQ(st.st_mode & 0777, 0700);
	if (ASSERT_EQ(stat(path, &st), 0))
		ASSERT_EQ(st.st_mode & 0777, 0600);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	RUN("atomic_file", replaced_whole);
	RUN("atomic_file", parent_made);
	return 0;
}
