/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vfio-platform-sim: what the parts of the simulator share.
 *
 * core.c owns the module, the MMIO window and the debugfs root; iommu.c the
 * software IOMMU; irq.c the interrupt controller of one device; dev.c the
 * simulated devices, their registers, reset and host driver; dma.c their DMA
 * engine; bits.c the register bits they change by themselves; of.c their
 * device-tree nodes and the reset controller; configfs.c the configfs tree
 * that creates them.
 */
#ifndef VFIO_PLATFORM_SIM_H
#define VFIO_PLATFORM_SIM_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio_platform_sim_regs.h>
#include <linux/workqueue.h>

struct dentry;
struct device;
struct device_node;
struct iommu_domain;
struct irq_domain;
struct of_changeset;
struct fwnode_handle;
struct platform_device;
struct seq_file;
struct vfio_psim_iommu_group;
struct vfio_psim_reset;

/* Name of the simulated platform devices, and of the configfs and debugfs roots. */
#define VFIO_PSIM_NAME		"vfio-platform-sim"

/* core.c */
extern struct dentry *vfio_psim_debugfs;

int vfio_psim_mmio_alloc(resource_size_t size, phys_addr_t *base);
void vfio_psim_mmio_free(phys_addr_t base, resource_size_t size);
void __iomem *vfio_psim_mmio_va(phys_addr_t pa);
int vfio_psim_phys_rw(phys_addr_t pa, void *buf, size_t len, bool write);

/* iommu.c */

/**
 * struct vfio_psim_iommu_dev - the IOMMU's view of one device it translates for
 * @dev: the device
 * @group: the named group the device shares, or NULL for a group of its own
 * @dentry: its file in the IOMMU's debugfs devices/ directory
 * @allocated: the IOMMU allocated this structure (a claimed real device);
 *	a simulated device embeds it instead
 * @lock: see beside it
 * @domain: the domain the device translates through, NULL before the first
 *	attach and after release
 * @domain_id: what @domain is called in debugfs and the attach history
 */
struct vfio_psim_iommu_dev {
	struct device *dev;
	struct vfio_psim_iommu_group *group;
	struct dentry *dentry;
	bool allocated;
	/*
	 * Protects @domain and @domain_id: the DMA engine translates a whole
	 * access through one domain, attach_dev() switches between accesses.
	 */
	spinlock_t lock;
	struct iommu_domain *domain;
	unsigned int domain_id;
};

int vfio_psim_iommu_init(void);
void vfio_psim_iommu_exit(void);
int vfio_psim_iommu_rw(struct vfio_psim_iommu_dev *mdev, u64 iova, void *buf,
		       size_t len, unsigned int access, size_t *done,
		       u64 *fault_iova);
void vfio_psim_iommu_show_domain(struct seq_file *s,
				 struct vfio_psim_iommu_dev *mdev);

/* irq.c */

/**
 * struct vfio_psim_irqs - the interrupt lines of one simulated device
 * @domain: the IRQ domain translating line numbers to Linux interrupts
 * @fwnode: the name of @domain
 * @virq: the Linux interrupt of each line
 * @num: number of lines
 * @level: bit n set: line n is level-triggered, else edge-triggered
 * @untyped: bit n set: line n, edge-triggered, has no trigger type in Linux
 * @work: delivers interrupts to the CPU in hard interrupt context
 * @lock: see beside it
 * @asserted: lines the device asserts (IRQ_STATUS)
 * @masked: lines masked at the interrupt controller
 * @pending: lines @work must look at
 * @edges: edge lines raised while unmasked and not yet delivered
 * @dead: set at teardown: nothing is queued any more
 * @delivered: interrupts delivered to the CPU (IRQ_COUNT)
 */
struct vfio_psim_irqs {
	struct irq_domain *domain;
	struct fwnode_handle *fwnode;
	unsigned int virq[VFIO_PSIM_MAX_IRQS];
	unsigned int num;
	u32 level;
	u32 untyped;
	struct irq_work work;
	/*
	 * Protects the bitmaps below and @dead. Raw: the irq_chip callbacks
	 * take it under the interrupt descriptor's lock.
	 */
	raw_spinlock_t lock;
	u32 asserted;
	u32 masked;
	u32 pending;
	u32 edges;
	bool dead;
	atomic_t delivered;
};

int vfio_psim_irq_init(struct vfio_psim_irqs *irqs, const char *name,
		       unsigned int num, u32 level, u32 untyped);
void vfio_psim_irq_fini(struct vfio_psim_irqs *irqs);
void vfio_psim_irq_raise(struct vfio_psim_irqs *irqs, u32 lines);
void vfio_psim_irq_ack(struct vfio_psim_irqs *irqs, u32 lines);
u32 vfio_psim_irq_status(struct vfio_psim_irqs *irqs);
void vfio_psim_irq_reset(struct vfio_psim_irqs *irqs);
void vfio_psim_irq_show(struct seq_file *s, struct vfio_psim_irqs *irqs);

/* dev.c */

/* Lines of the simulated reset controller (of.c). */
#define VFIO_PSIM_RESET_LINES		64

/* Compatible strings of one device, at most. */
#define VFIO_PSIM_MAX_COMPATIBLE	8

/* Where vfio-platform can take a simulated device's reset from. */
#define VFIO_PSIM_RESET_HANDLER		BIT(0)	/* a handler for its compatible */
#define VFIO_PSIM_RESET_CONTROLLER	BIT(1)	/* a line of the reset controller */

/* Entries of each of the autoclear and follow attributes. */
#define VFIO_PSIM_MAX_BITS		16

/**
 * struct vfio_psim_bits - bits of a register the device changes by itself
 * @region: the region holding the register
 * @offset: the register's offset in @region, a multiple of 4
 * @mask: the bits
 * @follow: the bits follow others (below); otherwise they clear themselves
 *	shortly after being set
 * @src_offset: with @follow, offset in @region of the register they follow
 * @src_mask: with @follow, @mask is set while all these bits are set, clear
 *	otherwise
 *
 * What self-clearing reset bits and the status bits that acknowledge a
 * command look like to a driver, on devices that have no register file of
 * the simulator's own (see &struct vfio_psim_dev_config.registers).
 */
struct vfio_psim_bits {
	u32 region;
	u32 offset;
	u32 mask;
	bool follow;
	u32 src_offset;
	u32 src_mask;
};

/**
 * struct vfio_psim_region_config - how one MMIO region is made
 * @size: bytes of the region
 * @offset: where the region starts inside its first page; not 0 makes an
 *	unaligned region
 * @readonly: the resource is IORESOURCE_READONLY
 */
struct vfio_psim_region_config {
	u64 size;
	u32 offset;
	bool readonly;
};

/**
 * struct vfio_psim_dev_config - how a simulated device is made
 * @name: its name in configfs
 * @group: name of the IOMMU group it shares with devices of the same group
 *	name; NULL or empty for a group of its own
 * @compatible: its compatible strings apart by single spaces, most specific
 *	first, at most VFIO_PSIM_MAX_COMPATIBLE
 * @reset: VFIO_PSIM_RESET_* sources vfio-platform can reset it through
 * @reset_line: the line of the reset controller it asks for, shared with
 *	every device asking for the same; -1 for a free line of its own
 * @num_regions: entries used in @regions
 * @regions: its MMIO regions, in resource order
 * @num_irqs: number of interrupt lines
 * @irq_level: bit n set: line n is level-triggered
 * @registers: region 0 starts with the simulator's register file; without
 *	it every region is plain memory, for a driver's own register layout
 * @num_bits: entries used in @bits
 * @bits: register bits the device changes by itself
 * @irq_untyped: bit n set: line n carries no trigger type and is delivered
 *	as an edge
 */
struct vfio_psim_dev_config {
	const char *name;
	const char *group;
	const char *compatible;
	unsigned int reset;
	int reset_line;
	unsigned int num_regions;
	struct vfio_psim_region_config regions[VFIO_PSIM_MAX_REGIONS];
	unsigned int num_irqs;
	u32 irq_level;
	bool registers;
	unsigned int num_bits;
	struct vfio_psim_bits bits[2 * VFIO_PSIM_MAX_BITS];
	u32 irq_untyped;
};

/**
 * struct vfio_psim_region - one MMIO region of a live device
 * @base: first byte of the pages carved out of the MMIO window for it
 * @span: bytes of those pages
 * @start: first byte of the region
 * @size: bytes of the region
 * @readonly: the resource is IORESOURCE_READONLY
 */
struct vfio_psim_region {
	phys_addr_t base;
	resource_size_t span;
	phys_addr_t start;
	u64 size;
	bool readonly;
};

/**
 * struct vfio_psim_dev - a simulated device
 * @pdev: its platform device
 * @id: the platform device id
 * @dev_name: name of @pdev, kept for after @pdev is gone
 * @group: see &struct vfio_psim_dev_config
 * @compatible: the buffer @compat points into
 * @compat: its compatible strings, most specific first
 * @num_compat: entries used in @compat
 * @reset_sources: @reset of &struct vfio_psim_dev_config
 * @num_regions: entries used in @regions
 * @regions: its MMIO regions
 * @regs: the registers, at the start of region 0; NULL for a device made
 *	without them
 * @num_bits: entries used in @bits
 * @bits: see &struct vfio_psim_dev_config
 * @bits_stuck: set from debugfs: @bits stay as they are, as on hardware
 *	that hangs
 * @iommu: what the IOMMU knows of it
 * @irqs: its interrupt lines
 * @reset: the vendor reset handler registration it uses, or NULL
 * @of_node: its device-tree node, or NULL (see of.c and of_firmware.c)
 * @of_changeset: what added @of_node to the live tree
 * @reset_line: its line of the reset controller, or -1
 * @line_node: its entry in the list of devices on @reset_line
 * @debugfs: its debugfs directory
 * @bounce: the DMA engine's buffer, one page
 * @poll: polls the registers for doorbells
 * @idle_polls: polls in a row that found nothing to do
 * @abort: a reset asks the DMA engine to stop
 * @lock: see beside it
 * @dma_status: DMA_STATUS
 * @dma_count: DMA_COUNT
 * @dma_seq: DMA_SEQ
 * @fault_status: FAULT_STATUS
 * @fault_iova: FAULT_IOVA
 * @resets: resets since the device was created
 * @line_asserts: assert operations on @reset_line, for whichever device on
 *	it they were asked
 * @line_deasserts: deassert operations on @reset_line, likewise
 * @line_resets: reset (pulse) operations on @reset_line, likewise
 */
struct vfio_psim_dev {
	struct platform_device *pdev;
	int id;
	char dev_name[32];
	char *group;
	char *compatible;
	const char *compat[VFIO_PSIM_MAX_COMPATIBLE];
	unsigned int num_compat;
	unsigned int reset_sources;
	unsigned int num_regions;
	struct vfio_psim_region regions[VFIO_PSIM_MAX_REGIONS];
	void __iomem *regs;
	unsigned int num_bits;
	struct vfio_psim_bits bits[2 * VFIO_PSIM_MAX_BITS];
	bool bits_stuck;
	struct vfio_psim_iommu_dev iommu;
	struct vfio_psim_irqs irqs;
	struct vfio_psim_reset *reset;
	struct device_node *of_node;
	struct of_changeset *of_changeset;
	int reset_line;
	struct list_head line_node;
	struct dentry *debugfs;
	void *bounce;
	struct delayed_work poll;
	unsigned int idle_polls;
	atomic_t abort;

	/*
	 * Serialises the device's behaviour: register polling, DMA and reset.
	 * Protects the fields below.
	 */
	struct mutex lock;
	u32 dma_status;
	u32 dma_count;
	u32 dma_seq;
	u32 fault_status;
	u64 fault_iova;
	u64 resets;
	u64 line_asserts;
	u64 line_deasserts;
	u64 line_resets;
};

struct vfio_psim_dev *vfio_psim_dev_create(const struct vfio_psim_dev_config *cfg);
void vfio_psim_dev_destroy(struct vfio_psim_dev *sdev);
struct vfio_psim_dev *vfio_psim_dev_from_device(struct device *dev);
void vfio_psim_dev_reset(struct vfio_psim_dev *sdev);
int vfio_psim_dev_init(void);
void vfio_psim_dev_exit(void);

/* bits.c */
int vfio_psim_bits_parse(const char *page, size_t count, bool follow,
			 struct vfio_psim_bits *bits);
ssize_t vfio_psim_bits_emit(char *page, const struct vfio_psim_bits *bits,
			    unsigned int num);
int vfio_psim_bits_check(const char *name, const struct vfio_psim_bits *bits,
			 unsigned int num, const struct vfio_psim_region_config *regions,
			 unsigned int num_regions);
bool vfio_psim_bits_poll(struct vfio_psim_dev *sdev);

/*
 * of.c (CONFIG_VFIO_PLATFORM_SIM_OF) adds the devices' nodes to the live tree,
 * of_firmware.c (CONFIG_VFIO_PLATFORM_SIM_OF_FIRMWARE) lends them nodes of the
 * firmware's tree. Callers test vfio_psim_has_of() first, so that with
 * neither the calls are compiled out rather than stubbed.
 */
static inline bool vfio_psim_has_of(void)
{
	return IS_ENABLED(CONFIG_VFIO_PLATFORM_SIM_OF) ||
	       IS_ENABLED(CONFIG_VFIO_PLATFORM_SIM_OF_FIRMWARE);
}

int vfio_psim_of_init(void);
void vfio_psim_of_exit(void);
int vfio_psim_of_add(struct vfio_psim_dev *sdev);
void vfio_psim_of_remove(struct vfio_psim_dev *sdev);

/* dma.c */
u32 vfio_psim_dma_run(struct vfio_psim_dev *sdev, u32 cmd);

/* configfs.c */
int vfio_psim_configfs_init(void);
void vfio_psim_configfs_exit(void);

#endif /* VFIO_PLATFORM_SIM_H */
