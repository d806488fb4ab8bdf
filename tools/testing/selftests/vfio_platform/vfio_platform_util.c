// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the vfio_platform selftests; see vfio_platform_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfio_platform_util.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

int vp_save_and_set(struct vp_saved *saved, const char *path,
		    const char *value)
{
	int ret;

	if ((size_t)snprintf(saved->path, sizeof(saved->path), "%s", path) >=
	    sizeof(saved->path)) {
		saved->path[0] = '\0';
		return vp_fail(ENAMETOOLONG, "save", path);
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
		return vp_fail(errno, "open", "/dev/kmsg");
	lseek(fd, 0, SEEK_END);
	return fd;
}

/* Room for any record of the kernel log, its text and its dictionary. */
#define KMSG_RECORD	8192

/* The text of the next record of the kernel log after the cursor, or NULL. */
static char *kmsg_next(int fd, char *rec, size_t size)
{
	char *msg, *end;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, size - 1);
		/* Overwritten, or longer than @size (and skipped): read on. */
		if (n < 0 && (errno == EPIPE || errno == EINVAL))
			continue;
		if (n <= 0)
			return NULL;
		rec[n] = '\0';
		/* "prio,seq,time,flags;message\n" */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		end = strchr(++msg, '\n');
		if (end)
			*end = '\0';
		return msg;
	}
}

bool vp_kmsg_line(int fd, const char *a, const char *b, char *buf, size_t size)
{
	char rec[KMSG_RECORD], *msg;

	while ((msg = kmsg_next(fd, rec, sizeof(rec))))
		if (strstr(msg, a) && strstr(msg, b)) {
			if (buf)
				snprintf(buf, size, "%s", msg);
			return true;
		}
	return false;
}

bool vp_kmsg_find(int fd, const char *a, const char *b)
{
	return vp_kmsg_line(fd, a, b, NULL, 0);
}

bool vp_kmsg_splat(int fd, char *buf, size_t size)
{
	/*
	 * The first lines of the reports vm-run.sh fails the lane on (its
	 * splat_re, which has a few more: keep the two in step).
	 */
	static const char * const marks[] = {
		"BUG:", "WARNING:", "Oops", "KASAN:", "UBSAN:", "Kernel panic",
		"general protection fault", "Unable to handle kernel",
		"Internal error:", "inconsistent lock state", "INFO: possible",
		"INFO: trying to register", "INFO: task", "INFO: rcu",
		"possible circular locking", "possible recursive locking",
		"suspicious RCU usage", "soft lockup", "hard LOCKUP",
		"ODEBUG:", "Call Trace:", "Call trace:",
		"usage count underflow",
	};
	char rec[KMSG_RECORD], *msg;
	unsigned int i;

	while ((msg = kmsg_next(fd, rec, sizeof(rec))))
		for (i = 0; i < ARRAY_SIZE(marks); i++)
			if (strstr(msg, marks[i])) {
				snprintf(buf, size, "%s", msg);
				return true;
			}
	return false;
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
		return vp_fail(errno, "mkdir", d->dir);

	for (i = 0; i < cfg->num_regions; i++) {
		const struct sim_region *r = &cfg->regions[i];
		char path[256];

		snprintf(sub, sizeof(sub), "region%u", i);
		snprintf(path, sizeof(path), "%s/%s", d->dir, sub);
		if (mkdir(path, 0755)) {
			ret = vp_fail(errno, "mkdir", path);
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
			ret = vp_fail(errno, "mkdir", path);
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
	if (!ret && cfg->no_registers)
		ret = sim_attr_str(d, "registers", "0");
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
			ret = vp_fail(errno, "rmdir", path);
	}
	for (i = 0; i < VFIO_PSIM_MAX_IRQS; i++) {
		snprintf(path, sizeof(path), "%s/irq%u", d->dir, i);
		if (rmdir(path) && errno != ENOENT && !ret)
			ret = vp_fail(errno, "rmdir", path);
	}
	if (rmdir(d->dir) && !ret)
		ret = vp_fail(errno, "rmdir", d->dir);
	d->dir[0] = '\0';
	return ret;
}

int sim_bind_host(const char *dev)
{
	return vp_bind_override(dev, "", SIM_HOST_DRIVER);
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
		return vp_fail(errno, "open", path);
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
		return vp_fail(errno, "open", path);
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
		return vp_fail(errno, "open", path);
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

int sim_irq_now(const char *dev, const char *file, __u32 lines)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/devices/%s/%s", SIM_DEBUGFS, dev, file);
	return vp_write(path, "%#x", lines);
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
		return vp_fail(EINVAL, "parse fault of", dev);
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
		return vp_fail(errno, "open", path);
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

const char *iommufd_missing(void)
{
	if (!vp_exists("/dev/iommu"))
		return "no /dev/iommu: this kernel has no iommufd (CONFIG_IOMMUFD)";
	return NULL;
}

const char *sim_iommufd_missing(void)
{
	return sim_missing() ?: iommufd_missing();
}

const char *vp_use_container(bool compat)
{
	int fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	bool iommufd = fd >= 0 && vfio_container_is_iommufd(fd);

	if (fd >= 0)
		close(fd);
	if (compat) {
		vfio_container_node = iommufd ? "/dev/vfio/vfio" : "/dev/iommu";
		return iommufd ? NULL : iommufd_missing();
	}
	vfio_container_node = "/dev/vfio/vfio";
	return iommufd ? "/dev/vfio/vfio is iommufd's: no type1 (VFIO_CONTAINER=n)" : NULL;
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
	ret = vp_bind(vd->sim.name, VFIO_PLATFORM_DRIVER);
	if (ret)
		goto err;
	group = vp_iommu_group(vd->sim.name);
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
