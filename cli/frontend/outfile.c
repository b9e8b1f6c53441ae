// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* outfile.c - see outfile.h: output files that appear whole or not at all. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "frontend/outfile.h"

int dmas_outfile_open(struct dmas_outfile *o, const char *path, char *err,
		      size_t errlen)
{
	size_t len = strlen(path);
	mode_t um;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->fd = -1;
	if (!strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	if (!stat(path, &o->st0)) {
		o->existed = true;
		if (!S_ISREG(o->st0.st_mode)) {
			/* a device or a FIFO is the destination itself */
			o->fd = open(path, O_WRONLY | O_CLOEXEC);
			if (o->fd < 0) {
				snprintf(err, errlen, "cannot write %s: %s",
					 path, strerror(errno));
				return -1;
			}
			return 0;
		}
	}
	o->tmp = malloc(len + sizeof(".XXXXXX.part"));
	if (!o->tmp) {
		snprintf(err, errlen, "cannot write %s: out of memory", path);
		return -1;
	}
	memcpy(o->tmp, path, len);
	memcpy(o->tmp + len, ".XXXXXX.part", sizeof(".XXXXXX.part"));
	o->fd = mkostemps(o->tmp, 5, O_CLOEXEC);
	if (o->fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	/* ours while we run: dmas_outfile_stale leaves it alone */
	flock(o->fd, LOCK_EX | LOCK_NB);
	/* the mode a plain open would have given, not mkstemp's 0600 */
	um = umask(0);
	umask(um);
	fchmod(o->fd, 0666 & ~um);
	return 0;
}

/*
 * stdio forgets why a write failed (errno is long overwritten when ferror()
 * is asked): the stream writes through here and keeps the first reason.
 */
static ssize_t cookie_write(void *c, const char *buf, size_t n)
{
	struct dmas_outfile *o = c;
	size_t done = 0;

	while (done < n) {
		ssize_t k = write(o->fd, buf + done, n - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (!o->werr)
				o->werr = k < 0 ? errno : EIO;
			return done ? (ssize_t)done : -1;
		}
		done += (size_t)k;
	}
	return (ssize_t)done;
}

FILE *dmas_outfile_stream(struct dmas_outfile *o)
{
	static const cookie_io_functions_t io = {.write = cookie_write};

	if (!o->f)
		o->f = fopencookie(o, "w", io);
	return o->f;
}

/* Close the stream or descriptor; errno of the first failure, or 0. */
static int outfile_close(struct dmas_outfile *o)
{
	int e = 0;

	if (o->f) {
		errno = 0;
		if (fflush(o->f) || ferror(o->f))
			e = o->werr ? o->werr : errno ? errno : EIO;
		fclose(o->f); /* the cookie's: the descriptor stays open */
	}
	if (o->fd >= 0 && o->fd != STDOUT_FILENO && close(o->fd) && !e)
		e = errno;
	o->f = NULL;
	o->fd = -1;
	return e;
}

/* Did someone else create, replace or write the target since we began? */
static bool target_changed(const struct dmas_outfile *o)
{
	struct stat st;

	if (stat(o->path, &st))
		return o->existed;
	if (!o->existed)
		return true;
	return st.st_dev != o->st0.st_dev || st.st_ino != o->st0.st_ino ||
	       st.st_size != o->st0.st_size ||
	       st.st_mtim.tv_sec != o->st0.st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != o->st0.st_mtim.tv_nsec;
}

int dmas_outfile_commit(struct dmas_outfile *o, char *err, size_t errlen)
{
	int e = outfile_close(o);

	if (e) {
		snprintf(err, errlen, "writing %s failed: %s",
			 strcmp(o->path, "-") ? o->path : "standard output",
			 strerror(e));
		dmas_outfile_abort(o);
		return -1;
	}
	if (!o->tmp)
		return 0;
	if (target_changed(o)) {
		snprintf(
			err, errlen,
			"%s was written by another process meanwhile (two runs with the same output?): it is left as it is, and this output is kept as %s",
			o->path, o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	/* a target made in the last instant is still not overwritten */
	if (!o->existed ? renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path,
				    RENAME_NOREPLACE)
			: rename(o->tmp, o->path)) {
		e = errno;
		if (e == EEXIST) {
			snprintf(
				err, errlen,
				"%s was written by another process meanwhile (two runs with the same output?): it is left as it is, and this output is kept as %s",
				o->path, o->tmp);
			free(o->tmp);
			o->tmp = NULL;
			return -1;
		}
		if (e == EINVAL || e == ENOSYS) {
			/* a file system without RENAME_NOREPLACE */
			if (!rename(o->tmp, o->path))
				goto done;
			e = errno;
		}
		snprintf(err, errlen, "cannot rename %s to %s: %s", o->tmp,
			 o->path, strerror(e));
		dmas_outfile_abort(o);
		return -1;
	}
done:
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

void dmas_outfile_abort(struct dmas_outfile *o)
{
	outfile_close(o);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
}

/* "BASE.XXXXXX.part", the name dmas_outfile_open gives base's temporary */
static bool is_part_of(const char *name, const char *base, size_t blen)
{
	size_t n = strlen(name);

	return n == blen + sizeof(".XXXXXX.part") - 1 &&
	       !strncmp(name, base, blen) && name[blen] == '.' &&
	       !strcmp(name + blen + 7, ".part");
}

int dmas_outfile_stale(const char *path, bool remove, dmas_stale_fn found,
		       void *ctx)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t blen = strlen(base);
	char dir[4096], part[4096 + 256];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (!blen || dlen >= sizeof(dir))
		return 0;
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	d = opendir(dlen ? dir : ".");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct stat st;
		int fd, e = 0;

		if (!is_part_of(de->d_name, base, blen))
			continue;
		snprintf(part, sizeof(part), "%s%s", dir, de->d_name);
		fd = open(part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		/* a running writer holds its lock: not stale */
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
		    flock(fd, LOCK_EX | LOCK_NB)) {
			close(fd);
			continue;
		}
		if (remove && unlink(part))
			e = errno;
		close(fd);
		n++;
		found(ctx, part, (long long)st.st_size, e);
	}
	closedir(d);
	return n;
}
