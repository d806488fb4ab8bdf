// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs for libvfio_platform: attribute files, and platform devices bound
 * through driver_override, the only way vfio-platform takes a device.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libvfio_platform.h"

#define PLATFORM_BUS	"/sys/bus/platform"

int vp_write(const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	ssize_t n;
	int fd, len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return vp_fail(EINVAL, "format for", path);

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vp_fail(errno, "open", path);
	n = write(fd, buf, len);
	if (n < 0) {
		int err = errno;

		close(fd);
		return vp_fail(err, "write to", path);
	}
	close(fd);
	return 0;
}

int vp_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if (!size)
		return vp_fail(EINVAL, "read into no room", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vp_fail(errno, "open", path);
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int err = errno;

		close(fd);
		return vp_fail(err, "read", path);
	}
	close(fd);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

bool vp_exists(const char *path)
{
	return !access(path, F_OK);
}

int vp_count_dir(const char *path)
{
	struct dirent *e;
	int n = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return vp_fail(errno, "opendir", path);
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dir);
	return n;
}

int vp_read_ull(const char *path, unsigned long long *val)
{
	char buf[64], *end;
	int ret;

	ret = vp_read(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf)
		return vp_fail(EINVAL, "number in", path);
	return 0;
}

/* The last component of the link @dev/@attr points to, into @buf. */
static int device_link(const char *dev, const char *attr, char *buf,
		       size_t size)
{
	char path[256], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), PLATFORM_BUS "/devices/%s/%s", dev, attr);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	snprintf(buf, size, "%s", basename(link));
	return 0;
}

int vp_driver(const char *dev, char *buf, size_t size)
{
	int ret;

	ret = device_link(dev, "driver", buf, size);
	if (ret == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return ret ? vp_fail(-ret, "driver of", dev) : 0;
}

int vp_unbind(const char *dev)
{
	char drv[64], path[256];
	int ret;

	ret = vp_driver(dev, drv, sizeof(drv));
	if (ret || !drv[0])
		return ret;
	snprintf(path, sizeof(path), PLATFORM_BUS "/drivers/%s/unbind", drv);
	return vp_write(path, "%s", dev);
}

int vp_bind_override(const char *dev, const char *override, const char *want)
{
	char path[256], drv[64];
	int ret;

	ret = vp_unbind(dev);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), PLATFORM_BUS "/devices/%s/driver_override",
		 dev);
	ret = vp_write(path, "%s\n", override);
	if (ret)
		return ret;
	/* A probe that fails does not fail the write: look at the result. */
	vp_write(PLATFORM_BUS "/drivers_probe", "%s", dev);
	ret = vp_driver(dev, drv, sizeof(drv));
	if (ret)
		return ret;
	if (strcmp(drv, want)) {
		vp_log("%s: bound to \"%s\", not %s", dev, drv, want);
		return -ENODEV;
	}
	return 0;
}

int vp_bind(const char *dev, const char *driver)
{
	return vp_bind_override(dev, driver, driver);
}

int vp_iommu_group(const char *dev)
{
	char group[32];
	int ret;

	ret = device_link(dev, "iommu_group", group, sizeof(group));
	if (ret)
		return vp_fail(-ret, "IOMMU group of", dev);
	return atoi(group);
}
