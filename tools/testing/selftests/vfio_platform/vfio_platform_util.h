/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the vfio_platform selftests: simulated devices made through the
 * vfio-platform-sim configfs tree, the simulator's debugfs state, knobs a
 * test changes and restores, and the device most tests start from. Binding,
 * VFIO and iommufd calls and the device's registers come from
 * libvfio_platform (tools/lib/vfio_platform), shared with the tools.
 *
 * Helpers return 0 (or a count) on success and a negative errno on failure,
 * after a "# " line on stderr saying what failed, so that a test asserting on
 * them reports why in its TAP output.
 */
#ifndef VFIO_PLATFORM_UTIL_H
#define VFIO_PLATFORM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libvfio_platform.h"

#define SIM_CONFIGFS		"/sys/kernel/config/vfio-platform-sim"
#define SIM_DEBUGFS		"/sys/kernel/debug/vfio-platform-sim"
#define SIM_HOST_DRIVER		"vfio-platform-sim-host"
#define VFIO_PLATFORM_DRIVER	"vfio-platform"

/* The simulated IOMMU's smallest page, and the page size the tests assume. */
#define PAGE			4096UL

/*
 * A parameter or knob a test changes, and its value before: vp_restore() puts
 * it back, once, and does nothing for one that was never changed.
 */
struct vp_saved {
	char path[256];
	char value[64];
};

/* type1's switch for groups without MSI isolation. */
#define TYPE1_UNSAFE_IRQS \
	"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
/* iommufd's. */
#define IOMMUFD_UNSAFE_IRQS \
	"/sys/module/iommufd/parameters/allow_unsafe_interrupts"
/* A knob of the simulated IOMMU, see debugfs-vfio-platform-sim. */
#define SIM_KNOB(name)		SIM_DEBUGFS "/iommu/" name

int vp_save_and_set(struct vp_saved *saved, const char *path,
		    const char *value);
int vp_restore(struct vp_saved *saved);

/* The kernel log: a cursor at its end, then whether a later message has a and b. */
int vp_kmsg_open(void);
bool vp_kmsg_find(int fd, const char *a, const char *b);
/* The same, with the first such message into @buf. */
bool vp_kmsg_line(int fd, const char *a, const char *b, char *buf, size_t size);
/* Whether a message since the cursor starts a splat report; the first into @buf. */
bool vp_kmsg_splat(int fd, char *buf, size_t size);

/* A simulated device, as its configfs directory describes it. */
struct sim_region {
	unsigned long long size;
	unsigned int offset;
	bool readonly;
};

struct sim_config {
	unsigned int num_regions;
	struct sim_region regions[VFIO_PSIM_MAX_REGIONS];
	unsigned int num_irqs;
	bool level[VFIO_PSIM_MAX_IRQS];
	const char *group;	/* NULL: a group of its own */
	/* NULL: the simulator's default; else strings apart by spaces */
	const char *compatible;
	bool no_reset;
	bool untyped[VFIO_PSIM_MAX_IRQS];	/* trigger "none"; wins over level */
	const char *reset;	/* the reset attribute; NULL: from no_reset */
	const char *reset_line;	/* "auto" or a line number; NULL: auto */
	bool no_registers;	/* plain memory: no register file, no poller */
};

struct sim_dev {
	char dir[128];		/* its configfs directory */
	char name[64];		/* its platform device's name */
};

/* One region of a page, no interrupt, a group of its own, resettable. */
void sim_config_init(struct sim_config *cfg);
int sim_create(struct sim_dev *d, const struct sim_config *cfg);
int sim_destroy(struct sim_dev *d);
int sim_set_live(struct sim_dev *d, bool live);
/* Give the device back to the simulator's host driver. */
int sim_bind_host(const char *dev);

/* The simulator's debugfs. */
int sim_domain(const char *dev, char *buf, size_t size);
/* What sim_domain_id() returns besides a paging domain's number. */
#define SIM_DOMAIN_NONE		0
#define SIM_DOMAIN_IDENTITY	(-1)
#define SIM_DOMAIN_BLOCKED	(-2)
#define SIM_DOMAIN_ERROR	(-3)

long sim_domain_id(const char *dev);
bool sim_domain_exists(long id);
int sim_mapping(long domain, __u64 iova, __u64 *start, __u64 *size,
		__u64 *phys, unsigned int *prot);
int sim_resets(const char *dev, unsigned long long *n);
int sim_fault(const char *dev, unsigned int *code, unsigned int *access,
	      unsigned long long *iova);
/* Region @index of a live device as the simulator placed it. */
int sim_region(const char *dev, unsigned int index, unsigned long long *start,
	       unsigned long long *size);
/* The trigger type Linux has for interrupt line @line (IRQ_TYPE_*). */
int sim_irq_type(const char *dev, unsigned int line, unsigned int *type);
/* A counter of the device's debugfs directory, e.g. "controller_resets". */
int sim_counter(const char *dev, const char *name, unsigned long long *val);
/*
 * Raise or ack @lines at once through debugfs file @file, "irq_raise" or
 * "irq_ack", rather than at the device's next poll.
 */
int sim_irq_now(const char *dev, const char *file, __u32 lines);
int sim_history_count(const char *event);
int sim_history_count_prefix(const char *prefix);
int sim_history_clear(void);
int sim_knob(const char *knob, const char *value);

/*
 * A simulated device bound to vfio-platform and opened through a type1
 * container: what most tests start from.
 */
struct vp_dev {
	struct sim_dev sim;
	int group;
	int container;
	int device;
	struct sim_regs regs;
};

void vp_init(struct vp_dev *vd);
int vp_open(struct vp_dev *vd, const struct sim_config *cfg, unsigned long type);
/* vp_open() in steps: the group alone, then the device once a container is set. */
int vp_open_group(struct vp_dev *vd, const struct sim_config *cfg);
int vp_open_device(struct vp_dev *vd);
void vp_close(struct vp_dev *vd);

/*
 * Why the tests cannot run here (the simulator or vfio-platform is not
 * loaded), or NULL.
 */
const char *sim_missing(void);

/*
 * Points the containers vp_open() and vfio_container_open() make at type1
 * (@compat false) or at iommufd's compat container: /dev/vfio/vfio on a
 * kernel built with IOMMUFD_VFIO_CONTAINER, else /dev/iommu, whose file
 * serves the same ioctls with the same code. Why the one asked for is
 * missing from this kernel, or NULL.
 */
const char *vp_use_container(bool compat);
/*
 * Why the device cdev and iommufd cannot be used, or NULL: Debian's amd64 kernel,
 * for one, has no iommufd.
 */
const char *iommufd_missing(void);
/* sim_missing(), then iommufd_missing(): for tests of the cdev path. */
const char *sim_iommufd_missing(void);

#endif /* VFIO_PLATFORM_UTIL_H */
