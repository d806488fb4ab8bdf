/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared by the files of the VFIO platform core and its bus drivers.
 */
#ifndef VFIO_PLATFORM_PRIV_H
#define VFIO_PLATFORM_PRIV_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>

struct device;
struct eventfd_ctx;
struct of_phandle_args;
struct reset_control;
struct resource;
struct vfio_platform_reset_handler;
struct virqfd;

/*
 * The device fd reaches region N at file offset N << 40: a terabyte per region is
 * far more than any platform device decodes, and leaves 24 bits of region index.
 */
#define VFIO_PLATFORM_OFFSET_SHIFT	40
#define VFIO_PLATFORM_OFFSET_MASK	(BIT_ULL(VFIO_PLATFORM_OFFSET_SHIFT) - 1)

static inline u64 vfio_platform_index_to_offset(u32 index)
{
	return (u64)index << VFIO_PLATFORM_OFFSET_SHIFT;
}

static inline u32 vfio_platform_offset_to_index(u64 off)
{
	return off >> VFIO_PLATFORM_OFFSET_SHIFT;
}

static inline u64 vfio_platform_offset_in_region(u64 off)
{
	return off & VFIO_PLATFORM_OFFSET_MASK;
}

/**
 * struct vfio_platform_bus - how the core reaches the devices of one bus
 * @flags: VFIO_DEVICE_FLAGS_PLATFORM or VFIO_DEVICE_FLAGS_AMBA
 * @get_resource: the @index'th MMIO or port resource of @dev, NULL past the last
 * @get_irq: the Linux IRQ number of the @index'th interrupt of @dev, -ENXIO past
 *	the last one, or another negative errno (-EPROBE_DEFER...) to fail the probe
 */
struct vfio_platform_bus {
	u32 flags;
	struct resource *(*get_resource)(struct device *dev, unsigned int index);
	int (*get_irq)(struct device *dev, unsigned int index);
};

/**
 * struct vfio_platform_region - one MMIO or port resource of the device
 * @start: physical address or port number of the first byte
 * @size: length in bytes
 * @flags: VFIO_REGION_INFO_FLAG_* as reported to userspace
 * @pio: a port I/O region, reached through the port accessors
 * @bulk_width: the widest access a transfer other than a single naturally
 *	aligned 1, 2, 4 or 8 byte access may make
 * @mmio: kernel mapping of an MMIO region, present while the device is open
 * @claim: the region claimed in the resource tree while the device is open
 */
struct vfio_platform_region {
	resource_size_t start;
	resource_size_t size;
	u32 flags;
	bool pio;
	u8 bulk_width;
	void __iomem *mmio;
	struct resource *claim;
};

/**
 * struct vfio_platform_irqfd - the mask or unmask eventfd of an interrupt
 * @virqfd: two slots for its virqfd, which keeps the address of the slot it
 *	is enabled in and clears the slot itself when the eventfd is closed. A
 *	new eventfd is enabled in the slot not in use, so that a failure leaves
 *	the one in use as it was, and only then is the one in use stopped.
 * @cur: index of the slot in use in @virqfd; the other slot is NULL. Changed
 *	under the interrupt's lock.
 * @ctx: the context of the eventfd as SET_IRQS looked it up, referenced while
 *	it is set, for a trigger set later to be compared with
 */
struct vfio_platform_irqfd {
	struct virqfd *virqfd[2];
	unsigned int cur;
	struct eventfd_ctx *ctx;
};

/**
 * struct vfio_platform_irq - one interrupt of the device, one VFIO IRQ index
 * @hwirq: Linux IRQ number
 * @flags: VFIO_IRQ_INFO_* as reported to userspace
 * @name: the name the IRQ is requested under, for /proc/interrupts
 * @masked: the mask state userspace sees; it survives clearing the trigger and
 *	is reset to unmasked when the device is closed
 * @requested: the Linux IRQ is requested (a trigger is set). Written under
 *	both locks, so holding either is enough to read it.
 * @set_unlazy: IRQ_DISABLE_UNLAZY was set by us while requested, and is
 *	cleared when the IRQ is freed
 * @trigger: eventfd signalled on each interrupt; read locklessly by the handler
 * @mask_fd: eventfd that masks the interrupt when signalled
 * @unmask_fd: eventfd that unmasks the interrupt when signalled
 */
struct vfio_platform_irq {
	unsigned int hwirq;
	u32 flags;
	char *name;
	/**
	 * @lock: serialises changes of configuration: @trigger, @requested and
	 * the mask and unmask eventfds. Taken by SET_IRQS and by the last close.
	 */
	struct mutex lock;
	/**
	 * @mask_lock: protects @masked and, while @requested, the disable depth
	 * of the Linux IRQ, which is 1 when @masked and 0 otherwise. Taken from
	 * the IRQ handler and from eventfd wake-ups, so always irqsave.
	 */
	spinlock_t mask_lock;
	bool masked;
	bool requested;
	bool set_unlazy;
	struct eventfd_ctx *trigger;
	struct vfio_platform_irqfd mask_fd;
	struct vfio_platform_irqfd unmask_fd;
};

/**
 * enum vfio_platform_reset_source - where the reset of a device comes from
 * @VFIO_PLATFORM_RESET_NONE: the device cannot be reset
 * @VFIO_PLATFORM_RESET_VENDOR: a handler registered for its compatible string
 * @VFIO_PLATFORM_RESET_CONTROLLER: the reset controller framework
 * @VFIO_PLATFORM_RESET_ACPI: the ACPI _RST method of its companion
 */
enum vfio_platform_reset_source {
	VFIO_PLATFORM_RESET_NONE,
	VFIO_PLATFORM_RESET_VENDOR,
	VFIO_PLATFORM_RESET_CONTROLLER,
	VFIO_PLATFORM_RESET_ACPI,
};

/**
 * struct vfio_platform_device - a platform or AMBA device owned through VFIO
 * @vdev: the VFIO core's device; vdev.dev is the bus device
 * @bus: the bus the device sits on
 * @regions: one entry per MMIO or port resource, in resource order
 * @num_regions: number of entries in @regions
 * @claim_name: the name the regions are claimed under, for /proc/iomem
 * @irqs: one entry per interrupt, in the bus's order
 * @num_irqs: number of entries in @irqs
 * @reset_source: the source chosen at probe
 * @reset_handler: the vendor handler, whose module is pinned while bound;
 *	NULL once the handler is withdrawn. Read under SRCU by a reset.
 * @reset_node: entry in the list of devices bound with a vendor handler
 * @reset_control: the reset controller's handle of the device
 * @reset_lines: the reset controller lines the firmware lists for the device
 * @num_reset_lines: the number of entries in @reset_lines; 0 when the device
 *	is not reset through lines it could share
 * @line_node: entry in the list of devices reset through their lines
 * @line_open: the device is open (vfio_platform_reset_line.c)
 * @line_dirty: the device may hold state of an owner, or of its previous
 *	driver, that no reset has cleared since
 *
 * The region and IRQ tables and the reset source are built at probe and stay
 * unchanged until the device is released.
 */
struct vfio_platform_device {
	struct vfio_device vdev;
	const struct vfio_platform_bus *bus;
	struct vfio_platform_region *regions;
	unsigned int num_regions;
	char *claim_name;
	struct vfio_platform_irq *irqs;
	unsigned int num_irqs;
	enum vfio_platform_reset_source reset_source;
	struct vfio_platform_reset_handler __rcu *reset_handler;
	struct list_head reset_node;
	struct reset_control *reset_control;
	struct of_phandle_args *reset_lines;
	unsigned int num_reset_lines;
	struct list_head line_node;
	bool line_open;
	bool line_dirty;
	/** @reset_lock: serialises resets: at open, at close, on VFIO_DEVICE_RESET */
	struct mutex reset_lock;
	/** @request_lock: guards @request_trigger */
	struct mutex request_lock;
	/** @request_trigger: signalled when the device is wanted back, or NULL */
	struct eventfd_ctx *request_trigger;
	/** @group: the IOMMU group keying the device set, held until release */
	struct iommu_group *group;
};

/* vfio_platform_core.c: the bus drivers' entry points */
int vfio_platform_register_device(struct device *dev,
				  const struct vfio_platform_bus *bus,
				  bool reset_required);
void vfio_platform_unregister_device(struct device *dev);
int vfio_platform_get_fresh_irq(struct device *dev, unsigned int index, int irq);

/* vfio_platform_region.c */
int vfio_platform_regions_init(struct vfio_platform_device *vpdev);
void vfio_platform_regions_release(struct vfio_platform_device *vpdev);
int vfio_platform_regions_open(struct vfio_platform_device *vpdev);
void vfio_platform_regions_close(struct vfio_platform_device *vpdev);
int vfio_platform_ioctl_get_region_info(struct vfio_platform_device *vpdev,
					struct vfio_region_info __user *arg);
ssize_t vfio_platform_region_read(struct vfio_device *vdev, char __user *buf,
				  size_t count, loff_t *ppos);
ssize_t vfio_platform_region_write(struct vfio_device *vdev,
				   const char __user *buf, size_t count,
				   loff_t *ppos);
int vfio_platform_region_mmap(struct vfio_device *vdev, struct vm_area_struct *vma);

/* vfio_platform_request.c */
int vfio_platform_device_feature(struct vfio_device *vdev, u32 flags,
				 void __user *arg, size_t argsz);
void vfio_platform_request(struct vfio_device *vdev, unsigned int count);
void vfio_platform_request_close(struct vfio_platform_device *vpdev);

/* vfio_platform_irq.c */
int vfio_platform_irqs_init(struct vfio_platform_device *vpdev);
void vfio_platform_irqs_release(struct vfio_platform_device *vpdev);
void vfio_platform_irqs_close(struct vfio_platform_device *vpdev);
int vfio_platform_ioctl_get_irq_info(struct vfio_platform_device *vpdev,
				     struct vfio_irq_info __user *arg);
int vfio_platform_ioctl_set_irqs(struct vfio_platform_device *vpdev,
				 struct vfio_irq_set __user *arg);

/* vfio_platform_reset.c */
int vfio_platform_reset_init(struct vfio_platform_device *vpdev, bool required);
void vfio_platform_reset_release(struct vfio_platform_device *vpdev);
int vfio_platform_reset(struct vfio_platform_device *vpdev);
bool vfio_platform_can_reset(struct vfio_platform_device *vpdev);

static inline bool vfio_platform_has_reset(struct vfio_platform_device *vpdev)
{
	return vpdev->reset_source != VFIO_PLATFORM_RESET_NONE;
}

/* vfio_platform_reset_line.c */
int vfio_platform_reset_lines_init(struct vfio_platform_device *vpdev);
void vfio_platform_reset_lines_release(struct vfio_platform_device *vpdev);
int vfio_platform_reset_open(struct vfio_platform_device *vpdev);
void vfio_platform_reset_close(struct vfio_platform_device *vpdev);
int vfio_platform_reset_ioctl(struct vfio_platform_device *vpdev);

#if IS_ENABLED(CONFIG_KUNIT)
/* Internals the KUnit tests reach through EXPORT_SYMBOL_IF_KUNIT. */
int vfio_platform_region_from_resource(struct vfio_platform_region *reg,
				       const struct resource *res, bool has_ioport);
unsigned int vfio_platform_bulk_width(struct device *dev);
unsigned int vfio_platform_access_width(u64 addr, size_t count,
					unsigned int max);
void vfio_platform_mmio_read(void __iomem *addr, void *buf, unsigned int width,
			     size_t n);
void vfio_platform_mmio_write(void __iomem *addr, const void *buf,
			      unsigned int width, size_t n);
int vfio_platform_region_info(struct vfio_platform_device *vpdev,
			      struct vfio_region_info *info);

int vfio_platform_irq_info(struct vfio_platform_device *vpdev,
			   struct vfio_irq_info *info);
int vfio_platform_set_irqs_validate(struct vfio_platform_device *vpdev,
				    struct vfio_irq_set *hdr, size_t *data_size);
int vfio_platform_irq_set(struct vfio_platform_irq *irq, u32 flags, u32 count,
			  const void *data);
int vfio_platform_irq_enable(struct vfio_platform_irq *irq,
			     struct eventfd_ctx *trigger);
void vfio_platform_irq_disable(struct vfio_platform_irq *irq);

struct vfio_platform_reset_handler *
vfio_platform_reset_handler_get(const char * const *compat, unsigned int n);
#endif

#endif /* VFIO_PLATFORM_PRIV_H */
