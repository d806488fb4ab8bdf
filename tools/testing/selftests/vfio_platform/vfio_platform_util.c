// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the vfio_platform selftests; see vfio_platform_util.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "vfio_platform_util.h"

/* Say what failed, as a TAP comment, and pass the error on. */
static int fail(int err, const char *what, const char *arg)
{
	fprintf(stderr, "# %s %s: %s\n", what, arg ? arg : "", strerror(err));
	return -err;
}

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
		return fail(EINVAL, "format for", path);

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open", path);
	n = write(fd, buf, len);
	if (n < 0) {
		int err = errno;

		close(fd);
		return fail(err, "write to", path);
	}
	close(fd);
	return 0;
}

int vp_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open", path);
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int err = errno;

		close(fd);
		return fail(err, "read", path);
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
		return fail(errno, "opendir", path);
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
		return fail(EINVAL, "number in", path);
	return 0;
}

int vp_save_and_set(struct vp_saved *saved, const char *path,
		    const char *value)
{
	int ret;

	if ((size_t)snprintf(saved->path, sizeof(saved->path), "%s", path) >=
	    sizeof(saved->path)) {
		saved->path[0] = '\0';
		return fail(ENAMETOOLONG, "save", path);
	}
	ret = vp_read(path, saved->value, sizeof(saved->value));
	if (ret < 0) {
		saved->path[0] = '\0';
		return ret;
	}
	return vp_write(path, "%s\n", value);
}

int vp_restore(struct vp_saved *saved)
{
	int ret;

	if (!saved->path[0])
		return 0;
	ret = vp_write(saved->path, "%s\n", saved->value);
	saved->path[0] = '\0';
	return ret;
}

int vp_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return fail(errno, "open", "/dev/kmsg");
	lseek(fd, 0, SEEK_END);
	return fd;
}

bool vp_kmsg_find(int fd, const char *a, const char *b)
{
	char rec[1024], *msg, *end;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: read on */
			continue;
		if (n <= 0)
			return false;
		rec[n] = '\0';
		/* "prio,seq,time,flags;message\n" */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		end = strchr(++msg, '\n');
		if (end)
			*end = '\0';
		if (strstr(msg, a) && strstr(msg, b))
			return true;
	}
}

void sim_config_init(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->num_regions = 1;
	cfg->regions[0].size = PAGE;
}

static int sim_attr(struct sim_dev *d, const char *sub, const char *attr,
		    const char *fmt, unsigned long long val)
{
	char path[256], value[64];

	snprintf(path, sizeof(path), "%s/%s%s%s", d->dir, sub, *sub ? "/" : "",
		 attr);
	snprintf(value, sizeof(value), fmt, val);
	return vp_write(path, "%s", value);
}

static int sim_attr_str(struct sim_dev *d, const char *attr, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", d->dir, attr);
	return vp_write(path, "%s\n", val);
}

int sim_set_live(struct sim_dev *d, bool live)
{
	char path[256];
	int ret;

	ret = sim_attr(d, "", "live", "%llu", live);
	if (ret)
		return ret;
	if (!live) {
		d->name[0] = '\0';
		return 0;
	}
	snprintf(path, sizeof(path), "%s/dev_name", d->dir);
	ret = vp_read(path, d->name, sizeof(d->name));
	return ret < 0 ? ret : 0;
}

int sim_create(struct sim_dev *d, const struct sim_config *cfg)
{
	static unsigned int seq;
	char sub[32];
	unsigned int i;
	int ret;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "%s/t%d-%u", SIM_CONFIGFS, getpid(), seq++);
	if (mkdir(d->dir, 0755))
		return fail(errno, "mkdir", d->dir);

	for (i = 0; i < cfg->num_regions; i++) {
		const struct sim_region *r = &cfg->regions[i];
		char path[256];

		snprintf(sub, sizeof(sub), "region%u", i);
		snprintf(path, sizeof(path), "%s/%s", d->dir, sub);
		if (mkdir(path, 0755)) {
			ret = fail(errno, "mkdir", path);
			goto err;
		}
		ret = sim_attr(d, sub, "size", "%#llx", r->size);
		if (!ret)
			ret = sim_attr(d, sub, "offset", "%#llx", r->offset);
		if (!ret)
			ret = sim_attr(d, sub, "readonly", "%llu", r->readonly);
		if (ret)
			goto err;
	}
	for (i = 0; i < cfg->num_irqs; i++) {
		char path[256];

		snprintf(sub, sizeof(sub), "irq%u", i);
		snprintf(path, sizeof(path), "%s/%s", d->dir, sub);
		if (mkdir(path, 0755)) {
			ret = fail(errno, "mkdir", path);
			goto err;
		}
		ret = vp_write(strcat(path, "/trigger"), "%s",
			       cfg->untyped[i] ? "none" :
			       cfg->level[i] ? "level" : "edge");
		if (ret)
			goto err;
	}
	ret = sim_attr_str(d, "group", cfg->group ? cfg->group : "");
	if (!ret && cfg->compatible)
		ret = sim_attr_str(d, "compatible", cfg->compatible);
	if (!ret)
		ret = sim_attr_str(d, "reset", cfg->reset ? cfg->reset :
				   cfg->no_reset ? "none" : "handler");
	if (!ret && cfg->reset_line)
		ret = sim_attr_str(d, "reset_line", cfg->reset_line);
	if (!ret)
		ret = sim_set_live(d, true);
	if (ret)
		goto err;
	return 0;

err:
	sim_destroy(d);
	return ret;
}

int sim_destroy(struct sim_dev *d)
{
	char path[256];
	unsigned int i;
	int ret = 0;

	if (!d->dir[0])
		return 0;
	if (d->name[0])
		ret = sim_set_live(d, false);
	for (i = 0; i < VFIO_PSIM_MAX_REGIONS; i++) {
		snprintf(path, sizeof(path), "%s/region%u", d->dir, i);
		if (rmdir(path) && errno != ENOENT && !ret)
			ret = fail(errno, "rmdir", path);
	}
	for (i = 0; i < VFIO_PSIM_MAX_IRQS; i++) {
		snprintf(path, sizeof(path), "%s/irq%u", d->dir, i);
		if (rmdir(path) && errno != ENOENT && !ret)
			ret = fail(errno, "rmdir", path);
	}
	if (rmdir(d->dir) && !ret)
		ret = fail(errno, "rmdir", d->dir);
	d->dir[0] = '\0';
	return ret;
}

int sim_driver(const char *dev, char *buf, size_t size)
{
	char path[256], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			return fail(errno, "readlink", path);
		buf[0] = '\0';
		return 0;
	}
	link[n] = '\0';
	snprintf(buf, size, "%s", basename(link));
	return 0;
}

int sim_unbind(const char *dev)
{
	char drv[64], path[256];
	int ret;

	ret = sim_driver(dev, drv, sizeof(drv));
	if (ret || !drv[0])
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/platform/drivers/%s/unbind", drv);
	return vp_write(path, "%s", dev);
}

static int sim_probe_with(const char *dev, const char *override,
			  const char *want)
{
	char path[256], drv[64];
	int ret;

	ret = sim_unbind(dev);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override",
		 dev);
	ret = vp_write(path, "%s\n", override);
	if (ret)
		return ret;
	/* A probe that fails does not fail the write: look at the result. */
	vp_write("/sys/bus/platform/drivers_probe", "%s", dev);
	ret = sim_driver(dev, drv, sizeof(drv));
	if (ret)
		return ret;
	if (strcmp(drv, want)) {
		fprintf(stderr, "# %s: bound to \"%s\", not %s\n", dev, drv, want);
		return -ENODEV;
	}
	return 0;
}

int sim_bind(const char *dev, const char *driver)
{
	return sim_probe_with(dev, driver, driver);
}

int sim_bind_host(const char *dev)
{
	return sim_probe_with(dev, "", SIM_HOST_DRIVER);
}

int sim_iommu_group(const char *dev)
{
	char path[256], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/iommu_group", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return fail(errno, "readlink", path);
	link[n] = '\0';
	return atoi(basename(link));
}

int sim_domain(const char *dev, char *buf, size_t size)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/iommu/devices/%s", SIM_DEBUGFS, dev);
	ret = vp_read(path, buf, size);
	return ret < 0 ? ret : 0;
}

long sim_domain_id(const char *dev)
{
	char buf[32];

	if (sim_domain(dev, buf, sizeof(buf)))
		return SIM_DOMAIN_ERROR;
	if (!strcmp(buf, "none"))
		return SIM_DOMAIN_NONE;
	if (!strcmp(buf, "identity"))
		return SIM_DOMAIN_IDENTITY;
	if (!strcmp(buf, "blocked"))
		return SIM_DOMAIN_BLOCKED;
	return strtol(buf, NULL, 10);
}

bool sim_domain_exists(long id)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/iommu/domains/%ld", SIM_DEBUGFS, id);
	return vp_exists(path);
}

int sim_mapping(long domain, __u64 iova, __u64 *start, __u64 *size,
		__u64 *phys, unsigned int *prot)
{
	unsigned long long s, n, p;
	char path[256], line[256];
	unsigned int pr;
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "%s/iommu/domains/%ld", SIM_DEBUGFS, domain);
	f = fopen(path, "re");
	if (!f)
		return fail(errno, "open", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "iova=%llx size=%llx phys=%llx prot=%x",
			   &s, &n, &p, &pr) != 4)
			continue;
		if (iova >= s && iova - s < n) {
			*start = s;
			*size = n;
			*phys = p;
			*prot = pr;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int sim_region(const char *dev, unsigned int index, unsigned long long *start,
	       unsigned long long *size)
{
	char path[256], line[256];
	unsigned int n;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices/%s/regions", SIM_DEBUGFS, dev);
	f = fopen(path, "re");
	if (!f)
		return fail(errno, "open", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u start=%llx size=%llx", &n, start, size) == 3 &&
		    n == index) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	if (ret)
		fprintf(stderr, "# %s: no region %u\n", path, index);
	return ret;
}

int sim_irq_type(const char *dev, unsigned int line, unsigned int *type)
{
	char path[256], buf[256], *p;
	unsigned int n;
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices/%s/irqs", SIM_DEBUGFS, dev);
	f = fopen(path, "re");
	if (!f)
		return fail(errno, "open", path);
	while (fgets(buf, sizeof(buf), f)) {
		p = strstr(buf, " type=");
		if (sscanf(buf, "%u ", &n) == 1 && n == line && p &&
		    sscanf(p, " type=%x", type) == 1) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	if (ret)
		fprintf(stderr, "# %s: no type for line %u\n", path, line);
	return ret;
}

int sim_counter(const char *dev, const char *name, unsigned long long *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/devices/%s/%s", SIM_DEBUGFS, dev, name);
	return vp_read_ull(path, val);
}

static int sim_dev_file(const char *dev, const char *file, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/devices/%s/%s", SIM_DEBUGFS, dev, file);
	return vp_read(path, buf, size);
}

int sim_resets(const char *dev, unsigned long long *n)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/devices/%s/resets", SIM_DEBUGFS, dev);
	return vp_read_ull(path, n);
}

int sim_fault(const char *dev, unsigned int *code, unsigned int *access,
	      unsigned long long *iova)
{
	char buf[128];
	int ret;

	ret = sim_dev_file(dev, "fault", buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (sscanf(buf, "code=%u access=%u iova=%llx", code, access, iova) != 3)
		return fail(EINVAL, "parse fault of", dev);
	return 0;
}

/* Events of the history whose text (after the sequence number) @match accepts. */
static int sim_history_match(const char *text, bool prefix)
{
	char path[256], line[256];
	char *ev, *nl;
	int count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/iommu/history", SIM_DEBUGFS);
	f = fopen(path, "re");
	if (!f)
		return fail(errno, "open", path);
	while (fgets(line, sizeof(line), f)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		ev = strchr(line, ' ');
		if (!ev)
			continue;
		ev++;
		if (prefix ? !strncmp(ev, text, strlen(text)) : !strcmp(ev, text))
			count++;
	}
	fclose(f);
	return count;
}

int sim_history_count(const char *event)
{
	return sim_history_match(event, false);
}

int sim_history_count_prefix(const char *prefix)
{
	return sim_history_match(prefix, true);
}

int sim_history_clear(void)
{
	return vp_write(SIM_DEBUGFS "/iommu/history", "clear\n");
}

int sim_knob(const char *knob, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/iommu/%s", SIM_DEBUGFS, knob);
	return vp_write(path, "%s\n", value);
}

int sim_regs_map(int device, struct sim_regs *regs)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = 0 };
	void *p;

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info))
		return fail(errno, "VFIO_DEVICE_GET_REGION_INFO", "0");
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, device,
		 info.offset);
	if (p == MAP_FAILED)
		return fail(errno, "mmap", "region 0");
	regs->base = p;
	regs->size = info.size;
	return 0;
}

void sim_regs_unmap(struct sim_regs *regs)
{
	if (regs->base)
		munmap(regs->base, regs->size);
	regs->base = NULL;
}

__u8 mmio_read8(const void *addr)
{
	return __atomic_load_n((const __u8 *)addr, __ATOMIC_RELAXED);
}

void mmio_write8(void *addr, __u8 val)
{
	__atomic_store_n((__u8 *)addr, val, __ATOMIC_RELAXED);
}

__u32 mmio_read32(const void *addr)
{
	return __atomic_load_n((const __u32 *)addr, __ATOMIC_RELAXED);
}

void mmio_write32(void *addr, __u32 val)
{
	__atomic_store_n((__u32 *)addr, val, __ATOMIC_RELAXED);
}

__u32 sim_reg_read(struct sim_regs *regs, unsigned int off)
{
	return mmio_read32(regs->base + off);
}

__u64 sim_reg_read64(struct sim_regs *regs, unsigned int off)
{
	return sim_reg_read(regs, off) |
	       (__u64)sim_reg_read(regs, off + 4) << 32;
}

void sim_reg_write(struct sim_regs *regs, unsigned int off, __u32 val)
{
	mmio_write32(regs->base + off, val);
}

void sim_reg_write64(struct sim_regs *regs, unsigned int off, __u64 val)
{
	sim_reg_write(regs, off, (__u32)val);
	sim_reg_write(regs, off + 4, val >> 32);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_nsec = ms * 1000000L };

	nanosleep(&ts, NULL);
}

int sim_wait_reg(struct sim_regs *regs, unsigned int off, __u32 mask,
		 __u32 val)
{
	unsigned int ms;

	for (ms = 0; ms < SIM_TIMEOUT_MS; ms++) {
		if ((sim_reg_read(regs, off) & mask) == val)
			return 0;
		sleep_ms(1);
	}
	fprintf(stderr, "# register %#x: %#x & %#x never became %#x\n", off,
		sim_reg_read(regs, off), mask, val);
	return -ETIMEDOUT;
}

int sim_ring(struct sim_regs *regs, unsigned int doorbell, __u32 val)
{
	int ret;

	/* The device consumes a doorbell when it polls: never lose a write. */
	ret = sim_wait_reg(regs, doorbell, ~0U, 0);
	if (ret)
		return ret;
	sim_reg_write(regs, doorbell, val);
	return sim_wait_reg(regs, doorbell, ~0U, 0);
}

int sim_dma(struct sim_regs *regs, __u32 cmd, __u64 src, __u64 dst,
	    __u32 len)
{
	__u32 seq = sim_reg_read(regs, VFIO_PSIM_REG_DMA_SEQ);
	unsigned int ms;
	int ret;

	sim_reg_write64(regs, VFIO_PSIM_REG_DMA_SRC, src);
	sim_reg_write64(regs, VFIO_PSIM_REG_DMA_DST, dst);
	sim_reg_write(regs, VFIO_PSIM_REG_DMA_LEN, len);
	ret = sim_ring(regs, VFIO_PSIM_REG_DMA_CMD, cmd);
	if (ret)
		return ret;
	for (ms = 0; ms < SIM_TIMEOUT_MS; ms++) {
		if (sim_reg_read(regs, VFIO_PSIM_REG_DMA_SEQ) != seq)
			return sim_reg_read(regs, VFIO_PSIM_REG_DMA_STATUS);
		sleep_ms(1);
	}
	fprintf(stderr, "# DMA command %u never finished\n", cmd);
	return -ETIMEDOUT;
}

int vfio_group_open(int group)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open", path);
	return fd;
}

int vfio_group_viable(int group_fd)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	if (ioctl(group_fd, VFIO_GROUP_GET_STATUS, &status))
		return fail(errno, "VFIO_GROUP_GET_STATUS", NULL);
	return !!(status.flags & VFIO_GROUP_FLAGS_VIABLE);
}

int vfio_container_attach(int group_fd, unsigned long type)
{
	int container, err;

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		return fail(errno, "open", "/dev/vfio/vfio");
	if (ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container)) {
		err = errno;
		close(container);
		return fail(err, "VFIO_GROUP_SET_CONTAINER", NULL);
	}
	if (ioctl(container, VFIO_SET_IOMMU, type)) {
		err = errno;
		close(container);
		return fail(err, "VFIO_SET_IOMMU", NULL);
	}
	return container;
}

int vfio_container_open(void)
{
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);

	return container < 0 ? fail(errno, "open", "/dev/vfio/vfio") : container;
}

int vfio_group_set_container(int group_fd, int container)
{
	if (ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container))
		return fail(errno, "VFIO_GROUP_SET_CONTAINER", NULL);
	return 0;
}

int vfio_set_iommu(int container, unsigned long type)
{
	if (ioctl(container, VFIO_SET_IOMMU, type))
		return fail(errno, "VFIO_SET_IOMMU", NULL);
	return 0;
}

int vfio_device_get(int group_fd, const char *name)
{
	int fd;

	fd = ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, name);
	if (fd < 0)
		return fail(errno, "VFIO_GROUP_GET_DEVICE_FD", name);
	return fd;
}

int vfio_dma_map(int container, void *vaddr, __u64 iova, __u64 size,
		 __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (__u64)(unsigned long)vaddr,
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		return fail(errno, "VFIO_IOMMU_MAP_DMA", NULL);
	return 0;
}

int vfio_dma_unmap(int container, __u64 iova, __u64 size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return fail(errno, "VFIO_IOMMU_UNMAP_DMA", NULL);
	return 0;
}

int vfio_cdev_open(const char *dev)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	int fd = -ENOENT;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/vfio-dev", dev);
	dir = opendir(path);
	if (!dir)
		return fail(errno, "opendir", path);
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = fail(errno, "open", path);
		break;
	}
	closedir(dir);
	if (fd == -ENOENT)
		fprintf(stderr, "# %s has no vfio device cdev\n", dev);
	return fd;
}

int vfio_cdev_bind(int device, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return fail(errno, "VFIO_DEVICE_BIND_IOMMUFD", NULL);
	return 0;
}

int vfio_cdev_attach(int device, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	if (ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return fail(errno, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", NULL);
	return 0;
}

int vfio_cdev_detach(int device)
{
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };

	if (ioctl(device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach))
		return fail(errno, "VFIO_DEVICE_DETACH_IOMMUFD_PT", NULL);
	return 0;
}

int iommufd_ioas_alloc(int iommufd, __u32 *id)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return fail(errno, "IOMMU_IOAS_ALLOC", NULL);
	*id = alloc.out_ioas_id;
	return 0;
}

int iommufd_ioas_map(int iommufd, __u32 ioas, void *vaddr, __u64 iova,
		     __u64 size)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (__u64)(unsigned long)vaddr,
		.length = size,
		.iova = iova,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP, &map))
		return fail(errno, "IOMMU_IOAS_MAP", NULL);
	return 0;
}

static int vfio_irq_set(int device, unsigned int index, __u32 flags,
			unsigned int count, const void *data, size_t size)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(__s32)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	set->argsz = sizeof(*set) + size;
	set->flags = flags;
	set->index = index;
	set->start = 0;
	set->count = count;
	memcpy(set->data, data, size);
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set))
		return -errno;
	return 0;
}

int vfio_irq_eventfd(int device, unsigned int index, unsigned int action,
		     int efd)
{
	__s32 fd = efd;

	return vfio_irq_set(device, index, VFIO_IRQ_SET_DATA_EVENTFD | action, 1,
			    &fd, sizeof(fd));
}

int vfio_irq_none(int device, unsigned int index, unsigned int action,
		  unsigned int count)
{
	return vfio_irq_set(device, index, VFIO_IRQ_SET_DATA_NONE | action,
			    count, NULL, 0);
}

int vfio_irq_bool(int device, unsigned int index, unsigned int action,
		  __u8 val)
{
	return vfio_irq_set(device, index, VFIO_IRQ_SET_DATA_BOOL | action, 1,
			    &val, sizeof(val));
}

int efd_wait(int efd, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	__u64 count;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return fail(errno, "poll", "eventfd");
	if (!ret)
		return 0;
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return fail(errno, "read", "eventfd");
	return count;
}

const char *sim_missing(void)
{
	if (!vp_exists(SIM_CONFIGFS))
		return "no " SIM_CONFIGFS ": vfio-platform-sim is not loaded";
	if (!vp_exists(SIM_DEBUGFS))
		return "no " SIM_DEBUGFS ": debugfs is not mounted";
	if (!vp_exists("/sys/bus/platform/drivers/" VFIO_PLATFORM_DRIVER))
		return "vfio-platform is not loaded";
	return NULL;
}

void vp_init(struct vp_dev *vd)
{
	memset(vd, 0, sizeof(*vd));
	vd->group = -1;
	vd->container = -1;
	vd->device = -1;
}

int vp_open_group(struct vp_dev *vd, const struct sim_config *cfg)
{
	int ret, group;

	vp_init(vd);

	ret = sim_create(&vd->sim, cfg);
	if (ret)
		return ret;
	ret = sim_bind(vd->sim.name, VFIO_PLATFORM_DRIVER);
	if (ret)
		goto err;
	group = sim_iommu_group(vd->sim.name);
	if (group < 0) {
		ret = group;
		goto err;
	}
	vd->group = vfio_group_open(group);
	if (vd->group < 0) {
		ret = vd->group;
		goto err;
	}
	return 0;

err:
	vp_close(vd);
	return ret;
}

int vp_open_device(struct vp_dev *vd)
{
	vd->device = vfio_device_get(vd->group, vd->sim.name);
	if (vd->device < 0)
		return vd->device;
	return sim_regs_map(vd->device, &vd->regs);
}

int vp_open(struct vp_dev *vd, const struct sim_config *cfg, unsigned long type)
{
	int ret;

	ret = vp_open_group(vd, cfg);
	if (ret)
		return ret;
	vd->container = vfio_container_attach(vd->group, type);
	if (vd->container < 0) {
		ret = vd->container;
		goto err;
	}
	ret = vp_open_device(vd);
	if (ret)
		goto err;
	return 0;

err:
	vp_close(vd);
	return ret;
}

void vp_close(struct vp_dev *vd)
{
	sim_regs_unmap(&vd->regs);
	if (vd->device >= 0)
		close(vd->device);
	if (vd->container >= 0)
		close(vd->container);
	if (vd->group >= 0)
		close(vd->group);
	vd->device = -1;
	vd->container = -1;
	vd->group = -1;
	sim_destroy(&vd->sim);
}

void *dma_buffer(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void dma_buffer_free(void *buf, size_t size)
{
	if (buf)
		munmap(buf, size);
}
