// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: the simulated devices.
 *
 * A device is a platform device named "vfio-platform-sim" whose MMIO regions
 * are carved out of the MMIO window and whose interrupts come from an IRQ
 * domain of its own. Its registers (vfio_platform_sim_regs.h) are plain
 * memory at the start of region 0 that a work item polls, so the device
 * reacts the same to writes through a mapping and through write(). A device
 * made without them is plain memory in every region, but for the bits its
 * configuration says change by themselves (bits.c), so that a reset module
 * written for real hardware can run on it and its writes be seen. A
 * trivial host driver binds to it by default, so that tests take it through
 * the real unbind, driver_override and rebind flow; vfio-platform resets it
 * through a handler registered for its compatible string, through its line
 * of the simulated reset controller (of.c), or both.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vfio_platform.h>

#include "vfio_platform_sim.h"

/* Poll every tick while the device is busy, and this much slower once idle. */
#define VFIO_PSIM_IDLE_POLLS	HZ
#define VFIO_PSIM_SLOW_POLL	msecs_to_jiffies(20)

/* Largest region: big enough for any test, small enough for the window. */
#define VFIO_PSIM_MAX_REGION	SZ_1G

static DEFINE_IDA(vfio_psim_ida);
static struct dentry *vfio_psim_devices_dir;

struct vfio_psim_pdata {
	struct vfio_psim_dev *sdev;
};

/**
 * vfio_psim_dev_from_device() - the simulated device behind a struct device
 * @dev: any device
 *
 * Return: the simulated device, or NULL if @dev is not one.
 */
struct vfio_psim_dev *vfio_psim_dev_from_device(struct device *dev)
{
	const struct vfio_psim_pdata *pdata;

	if (!dev_is_platform(dev) ||
	    strcmp(to_platform_device(dev)->name, VFIO_PSIM_NAME))
		return NULL;
	pdata = dev_get_platdata(dev);
	return pdata ? pdata->sdev : NULL;
}

/* Rewrite the read-only registers from the device's state. */
static void vfio_psim_regs_sync(struct vfio_psim_dev *sdev)
{
	void __iomem *regs = sdev->regs;
	u32 caps;

	lockdep_assert_held(&sdev->lock);

	caps = sdev->irqs.num | sdev->num_regions << 8;
	if (sdev->reset_sources)
		caps |= VFIO_PSIM_CAPS_RESET;

	writel(VFIO_PSIM_ID, regs + VFIO_PSIM_REG_ID);
	writel(VFIO_PSIM_VERSION, regs + VFIO_PSIM_REG_VERSION);
	writel(caps, regs + VFIO_PSIM_REG_CAPS);
	writel(sdev->irqs.level, regs + VFIO_PSIM_REG_IRQ_LEVEL);
	writel(vfio_psim_irq_status(&sdev->irqs), regs + VFIO_PSIM_REG_IRQ_STATUS);
	writel(atomic_read(&sdev->irqs.delivered), regs + VFIO_PSIM_REG_IRQ_COUNT);
	writel(sdev->dma_status, regs + VFIO_PSIM_REG_DMA_STATUS);
	writel(sdev->dma_count, regs + VFIO_PSIM_REG_DMA_COUNT);
	writel(sdev->fault_status, regs + VFIO_PSIM_REG_FAULT_STATUS);
	lo_hi_writeq(sdev->fault_iova, regs + VFIO_PSIM_REG_FAULT_IOVA);
	/* Last: software that sees the sequence move finds the outcome in place. */
	writel(sdev->dma_seq, regs + VFIO_PSIM_REG_DMA_SEQ);
}

static void vfio_psim_regs_power_on(struct vfio_psim_dev *sdev)
{
	unsigned int fault_line = sdev->irqs.num > 1 ? 1 : 0;

	lockdep_assert_held(&sdev->lock);

	sdev->dma_status = VFIO_PSIM_DMA_IDLE;
	sdev->dma_count = 0;
	sdev->dma_seq = 0;
	sdev->fault_status = 0;
	sdev->fault_iova = 0;
	/* Plain memory keeps what was written to it, as a driver left it. */
	if (!sdev->regs)
		return;
	memset_io(sdev->regs, 0, VFIO_PSIM_REGS_SIZE);
	writel(VFIO_PSIM_DMA_IRQ(0, fault_line), sdev->regs + VFIO_PSIM_REG_DMA_IRQ);
	vfio_psim_regs_sync(sdev);
}

/* The device raises @lines: called with sdev->lock held. */
static void vfio_psim_dev_raise(struct vfio_psim_dev *sdev, u32 lines)
{
	lockdep_assert_held(&sdev->lock);

	lines &= sdev->irqs.num ? (u32)GENMASK(sdev->irqs.num - 1, 0) : 0;
	if (!lines)
		return;
	/* Software the interrupt wakes up finds the registers up to date. */
	if (sdev->regs)
		writel(vfio_psim_irq_status(&sdev->irqs) | lines,
		       sdev->regs + VFIO_PSIM_REG_IRQ_STATUS);
	vfio_psim_irq_raise(&sdev->irqs, lines);
}

/* Act on the doorbells of the register file; returns whether one was rung. */
static bool vfio_psim_regs_poll(struct vfio_psim_dev *sdev)
{
	void __iomem *regs = sdev->regs;
	bool busy = false;
	u32 v, raise = 0;

	lockdep_assert_held(&sdev->lock);

	v = readl(regs + VFIO_PSIM_REG_IRQ_ACK);
	if (v) {
		writel(0, regs + VFIO_PSIM_REG_IRQ_ACK);
		vfio_psim_irq_ack(&sdev->irqs, v);
		busy = true;
	}
	v = readl(regs + VFIO_PSIM_REG_IRQ_RAISE);
	if (v) {
		writel(0, regs + VFIO_PSIM_REG_IRQ_RAISE);
		raise |= v;
		busy = true;
	}
	v = readl(regs + VFIO_PSIM_REG_DMA_CMD);
	if (v) {
		writel(0, regs + VFIO_PSIM_REG_DMA_CMD);
		raise |= vfio_psim_dma_run(sdev, v);
		busy = true;
	}
	vfio_psim_regs_sync(sdev);
	vfio_psim_dev_raise(sdev, raise);
	return busy;
}

static void vfio_psim_dev_poll(struct work_struct *work)
{
	struct vfio_psim_dev *sdev = container_of(to_delayed_work(work),
						  struct vfio_psim_dev, poll);
	bool busy = false;

	mutex_lock(&sdev->lock);
	if (sdev->regs)
		busy = vfio_psim_regs_poll(sdev);
	if (vfio_psim_bits_poll(sdev))
		busy = true;
	mutex_unlock(&sdev->lock);

	if (busy)
		sdev->idle_polls = 0;
	else if (sdev->idle_polls < VFIO_PSIM_IDLE_POLLS)
		sdev->idle_polls++;
	queue_delayed_work(system_unbound_wq, &sdev->poll,
			   sdev->idle_polls < VFIO_PSIM_IDLE_POLLS ?
			   1 : VFIO_PSIM_SLOW_POLL);
}

/**
 * vfio_psim_dev_reset() - reset a simulated device
 * @sdev: the device
 *
 * Puts the registers in their power-on state, stops the DMA engine and
 * deasserts the interrupt lines, whoever asks: the vendor handler, the reset
 * controller or debugfs.
 */
void vfio_psim_dev_reset(struct vfio_psim_dev *sdev)
{
	/* The DMA engine gives up the lock between chunks when it sees this. */
	atomic_inc(&sdev->abort);
	mutex_lock(&sdev->lock);
	atomic_dec(&sdev->abort);
	vfio_psim_irq_reset(&sdev->irqs);
	vfio_psim_regs_power_on(sdev);
	sdev->resets++;
	mutex_unlock(&sdev->lock);
}

/*
 * vfio-platform finds a reset handler by compatible string, so devices that
 * share one must agree on whether they are reset by a handler. Each live
 * compatible has an entry counting its devices; the handler is registered
 * while a device reset by a handler uses it. Only a device's last, most
 * generic, compatible string gets a handler: vfio-platform tries the more
 * specific ones first, so a test can put any other handler in front.
 */
struct vfio_psim_reset {
	struct list_head node;
	struct vfio_platform_reset_handler handler;
	unsigned int resettable;
	unsigned int fixed;
	char compat[];
};

/* Protects vfio_psim_resets and the counts of its entries. */
static DEFINE_MUTEX(vfio_psim_resets_lock);
static LIST_HEAD(vfio_psim_resets);

static int vfio_psim_reset_handler(struct device *dev)
{
	struct vfio_psim_dev *sdev = vfio_psim_dev_from_device(dev);

	if (!sdev || !(sdev->reset_sources & VFIO_PSIM_RESET_HANDLER))
		return -ENODEV;
	vfio_psim_dev_reset(sdev);
	return 0;
}

static int vfio_psim_reset_get(struct vfio_psim_dev *sdev)
{
	bool handler = sdev->reset_sources & VFIO_PSIM_RESET_HANDLER;
	const char *compat = sdev->compat[sdev->num_compat - 1];
	size_t len = strlen(compat) + 1;
	struct vfio_psim_reset *r;
	int ret = 0;

	mutex_lock(&vfio_psim_resets_lock);
	list_for_each_entry(r, &vfio_psim_resets, node) {
		if (!strcmp(r->compat, compat))
			goto found;
	}

	r = kzalloc(struct_size(r, compat, len), GFP_KERNEL);
	if (!r) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	memcpy(r->compat, compat, len);
	r->handler.compat = r->compat;
	r->handler.reset = vfio_psim_reset_handler;
	list_add_tail(&r->node, &vfio_psim_resets);

found:
	if (handler ? r->fixed : r->resettable) {
		pr_err("compatible \"%s\" is used by a live device %s reset handler: devices sharing a compatible must agree\n",
		       r->compat, r->fixed ? "without a" : "with a");
		ret = -EINVAL;
		goto out_unlock;
	}
	if (handler && !r->resettable) {
		ret = vfio_platform_register_reset_handler(&r->handler);
		if (ret) {
			pr_err("cannot register a vfio-platform reset for \"%s\": %d\n",
			       r->compat, ret);
			goto err_free;
		}
	}
	if (handler)
		r->resettable++;
	else
		r->fixed++;
	sdev->reset = r;
	goto out_unlock;

err_free:
	if (!r->resettable && !r->fixed) {
		list_del(&r->node);
		kfree(r);
	}
out_unlock:
	mutex_unlock(&vfio_psim_resets_lock);
	return ret;
}

static void vfio_psim_reset_put(struct vfio_psim_dev *sdev)
{
	struct vfio_psim_reset *r = sdev->reset;

	mutex_lock(&vfio_psim_resets_lock);
	if (sdev->reset_sources & VFIO_PSIM_RESET_HANDLER) {
		if (!--r->resettable)
			vfio_platform_unregister_reset_handler(&r->handler);
	} else {
		r->fixed--;
	}
	if (!r->resettable && !r->fixed) {
		list_del(&r->node);
		kfree(r);
	}
	mutex_unlock(&vfio_psim_resets_lock);
	sdev->reset = NULL;
}

static int vfio_psim_fault_show(struct seq_file *s, void *unused)
{
	struct vfio_psim_dev *sdev = s->private;

	mutex_lock(&sdev->lock);
	seq_printf(s, "code=%u access=%u iova=%#llx\n",
		   VFIO_PSIM_FAULT_CODE(sdev->fault_status),
		   VFIO_PSIM_FAULT_ACCESS(sdev->fault_status), sdev->fault_iova);
	mutex_unlock(&sdev->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_psim_fault);

static int vfio_psim_domain_show(struct seq_file *s, void *unused)
{
	struct vfio_psim_dev *sdev = s->private;

	vfio_psim_iommu_show_domain(s, &sdev->iommu);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_psim_domain);

static int vfio_psim_irqs_show(struct seq_file *s, void *unused)
{
	struct vfio_psim_dev *sdev = s->private;

	vfio_psim_irq_show(s, &sdev->irqs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_psim_irqs);

static int vfio_psim_regions_show(struct seq_file *s, void *unused)
{
	struct vfio_psim_dev *sdev = s->private;
	struct vfio_psim_region *r;
	unsigned int i;

	for (i = 0; i < sdev->num_regions; i++) {
		r = &sdev->regions[i];
		seq_printf(s, "%u start=%#llx size=%#llx %s\n", i, (u64)r->start,
			   r->size, r->readonly ? "ro" : "rw");
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_psim_regions);

/* Writing anything resets the device, as its reset line would. */
static ssize_t vfio_psim_reset_write(struct file *file, const char __user *buf,
				     size_t count, loff_t *ppos)
{
	vfio_psim_dev_reset(file->private_data);
	return count;
}

static const struct file_operations vfio_psim_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vfio_psim_reset_write,
};

/*
 * irq_raise and irq_ack do at once what the IRQ_RAISE and IRQ_ACK doorbells do
 * at the next poll, a jiffy or more later: a benchmark of the interrupt path
 * must not measure the poller. They take a mask of lines, as the doorbells do.
 */
static ssize_t vfio_psim_irq_write(struct file *file, const char __user *buf,
				   size_t count, loff_t *ppos, bool raise)
{
	struct vfio_psim_dev *sdev = file->private_data;
	u32 lines;
	int ret;

	ret = kstrtou32_from_user(buf, count, 0, &lines);
	if (ret)
		return ret;
	mutex_lock(&sdev->lock);
	if (raise) {
		vfio_psim_dev_raise(sdev, lines);
	} else {
		vfio_psim_irq_ack(&sdev->irqs, lines);
		if (sdev->regs)
			vfio_psim_regs_sync(sdev);
	}
	mutex_unlock(&sdev->lock);
	return count;
}

static ssize_t vfio_psim_irq_raise_write(struct file *file,
					 const char __user *buf, size_t count,
					 loff_t *ppos)
{
	return vfio_psim_irq_write(file, buf, count, ppos, true);
}

static ssize_t vfio_psim_irq_ack_write(struct file *file,
				       const char __user *buf, size_t count,
				       loff_t *ppos)
{
	return vfio_psim_irq_write(file, buf, count, ppos, false);
}

static const struct file_operations vfio_psim_irq_raise_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vfio_psim_irq_raise_write,
};

static const struct file_operations vfio_psim_irq_ack_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = vfio_psim_irq_ack_write,
};

static void vfio_psim_dev_debugfs_init(struct vfio_psim_dev *sdev)
{
	struct dentry *dir;

	dir = debugfs_create_dir(sdev->dev_name, vfio_psim_devices_dir);
	debugfs_create_file("domain", 0444, dir, sdev, &vfio_psim_domain_fops);
	debugfs_create_file("fault", 0444, dir, sdev, &vfio_psim_fault_fops);
	debugfs_create_file("irqs", 0444, dir, sdev, &vfio_psim_irqs_fops);
	debugfs_create_file("irq_raise", 0200, dir, sdev, &vfio_psim_irq_raise_fops);
	debugfs_create_file("irq_ack", 0200, dir, sdev, &vfio_psim_irq_ack_fops);
	debugfs_create_file("regions", 0444, dir, sdev, &vfio_psim_regions_fops);
	debugfs_create_file("reset", 0200, dir, sdev, &vfio_psim_reset_fops);
	debugfs_create_u64("resets", 0444, dir, &sdev->resets);
	debugfs_create_bool("bits_stuck", 0644, dir, &sdev->bits_stuck);
	if (sdev->reset_line >= 0) {
		debugfs_create_u64("controller_asserts", 0444, dir,
				   &sdev->line_asserts);
		debugfs_create_u64("controller_deasserts", 0444, dir,
				   &sdev->line_deasserts);
		debugfs_create_u64("controller_resets", 0444, dir,
				   &sdev->line_resets);
	}
	sdev->debugfs = dir;
}

static unsigned int vfio_psim_count_words(const char *s)
{
	unsigned int n = 0;

	while (*s) {
		s = skip_spaces(s);
		if (*s)
			n++;
		while (*s && !isspace(*s))
			s++;
	}
	return n;
}

/*
 * Splits @sdev->compatible, a copy of the configuration's, into the strings
 * of @sdev->compat: the property that vfio-platform and user space read is
 * an array.
 */
static void vfio_psim_dev_split_compatible(struct vfio_psim_dev *sdev)
{
	char *s = sdev->compatible;

	sdev->num_compat = 0;
	while (*(s = skip_spaces(s)) &&
	       sdev->num_compat < VFIO_PSIM_MAX_COMPATIBLE) {
		sdev->compat[sdev->num_compat++] = s;
		while (*s && !isspace(*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int vfio_psim_dev_check(const struct vfio_psim_dev_config *cfg)
{
	const struct vfio_psim_region_config *rc;
	unsigned int i;

	if (!cfg->num_regions || cfg->num_regions > VFIO_PSIM_MAX_REGIONS) {
		pr_err("%s: needs 1 to %u regions, has %u\n", cfg->name,
		       VFIO_PSIM_MAX_REGIONS, cfg->num_regions);
		return -EINVAL;
	}
	if (cfg->registers && cfg->regions[0].size < VFIO_PSIM_REGS_SIZE) {
		pr_err("%s: region 0 holds the registers and needs at least %#x bytes\n",
		       cfg->name, VFIO_PSIM_REGS_SIZE);
		return -EINVAL;
	}
	/* Its 64-bit registers must be naturally aligned: arm64 faults otherwise. */
	if (cfg->registers && !IS_ALIGNED(cfg->regions[0].offset, sizeof(u64))) {
		pr_err("%s: region 0 holds the registers: its offset %#x must be a multiple of 8\n",
		       cfg->name, cfg->regions[0].offset);
		return -EINVAL;
	}
	for (i = 0; i < cfg->num_regions; i++) {
		rc = &cfg->regions[i];
		if (!rc->size || rc->size > VFIO_PSIM_MAX_REGION ||
		    rc->offset >= PAGE_SIZE) {
			pr_err("%s: region %u: size %#llx or offset %#x out of range\n",
			       cfg->name, i, rc->size, rc->offset);
			return -EINVAL;
		}
	}
	if (cfg->num_irqs > VFIO_PSIM_MAX_IRQS) {
		pr_err("%s: at most %u interrupts\n", cfg->name, VFIO_PSIM_MAX_IRQS);
		return -EINVAL;
	}
	if (!cfg->compatible || !*cfg->compatible) {
		pr_err("%s: needs a compatible string\n", cfg->name);
		return -EINVAL;
	}
	if (vfio_psim_count_words(cfg->compatible) > VFIO_PSIM_MAX_COMPATIBLE) {
		pr_err("%s: at most %u compatible strings\n", cfg->name,
		       VFIO_PSIM_MAX_COMPATIBLE);
		return -EINVAL;
	}
	if (cfg->reset_line >= VFIO_PSIM_RESET_LINES ||
	    (cfg->reset_line >= 0 && !(cfg->reset & VFIO_PSIM_RESET_CONTROLLER))) {
		pr_err("%s: reset line %d needs reset \"controller\" and a line below %u\n",
		       cfg->name, cfg->reset_line, VFIO_PSIM_RESET_LINES);
		return -EINVAL;
	}
	if ((cfg->reset & VFIO_PSIM_RESET_CONTROLLER) &&
	    !IS_ENABLED(CONFIG_VFIO_PLATFORM_SIM_OF)) {
		pr_err("%s: no reset controller without CONFIG_OF_DYNAMIC and CONFIG_RESET_CONTROLLER\n",
		       cfg->name);
		return -EOPNOTSUPP;
	}
	/* Its handler resets the register file, which such a device lacks. */
	if (!cfg->registers && (cfg->reset & VFIO_PSIM_RESET_HANDLER)) {
		pr_err("%s: a device without registers has no reset handler of the simulator's own: set reset to none or controller\n",
		       cfg->name);
		return -EINVAL;
	}
	return vfio_psim_bits_check(cfg->name, cfg->bits, cfg->num_bits,
				    cfg->regions, cfg->num_regions);
}

static void vfio_psim_dev_free_regions(struct vfio_psim_dev *sdev)
{
	while (sdev->num_regions--)
		vfio_psim_mmio_free(sdev->regions[sdev->num_regions].base,
				    sdev->regions[sdev->num_regions].span);
	sdev->num_regions = 0;
}

static int vfio_psim_dev_alloc_regions(struct vfio_psim_dev *sdev,
				       const struct vfio_psim_dev_config *cfg)
{
	const struct vfio_psim_region_config *rc;
	struct vfio_psim_region *r;
	unsigned int i;
	int ret;

	for (i = 0; i < cfg->num_regions; i++) {
		rc = &cfg->regions[i];
		r = &sdev->regions[i];
		r->span = PAGE_ALIGN(rc->offset + rc->size);
		ret = vfio_psim_mmio_alloc(r->span, &r->base);
		if (ret) {
			vfio_psim_dev_free_regions(sdev);
			return ret;
		}
		sdev->num_regions++;
		r->start = r->base + rc->offset;
		r->size = rc->size;
		r->readonly = rc->readonly;
		/* Whatever a previous device left there is gone at power-on. */
		memset_io(vfio_psim_mmio_va(r->base), 0, r->span);
	}
	if (cfg->registers)
		sdev->regs = vfio_psim_mmio_va(sdev->regions[0].start);
	return 0;
}

static struct platform_device *vfio_psim_dev_register(struct vfio_psim_dev *sdev)
{
	struct property_entry props[] = {
		PROPERTY_ENTRY_STRING_ARRAY_LEN("compatible", sdev->compat,
						sdev->num_compat),
		{ }
	};
	struct vfio_psim_pdata pdata = { .sdev = sdev };
	struct platform_device_info info = {
		.name = VFIO_PSIM_NAME,
		.id = sdev->id,
		.data = &pdata,
		.size_data = sizeof(pdata),
		.fwnode = of_fwnode_handle(sdev->of_node),
		.properties = props,
	};
	struct platform_device *pdev;
	struct resource *res;
	unsigned int i, n = 0;

	res = kcalloc(sdev->num_regions + sdev->irqs.num, sizeof(*res), GFP_KERNEL);
	if (!res)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < sdev->num_regions; i++, n++) {
		res[n].start = sdev->regions[i].start;
		res[n].end = sdev->regions[i].start + sdev->regions[i].size - 1;
		res[n].flags = IORESOURCE_MEM;
		if (sdev->regions[i].readonly)
			res[n].flags |= IORESOURCE_READONLY;
	}
	for (i = 0; i < sdev->irqs.num; i++, n++) {
		res[n].start = sdev->irqs.virq[i];
		res[n].end = sdev->irqs.virq[i];
		res[n].flags = IORESOURCE_IRQ;
		if (sdev->irqs.level & BIT(i))
			res[n].flags |= IORESOURCE_IRQ_HIGHLEVEL;
		else if (!(sdev->irqs.untyped & BIT(i)))
			res[n].flags |= IORESOURCE_IRQ_HIGHEDGE;
	}
	info.res = res;
	info.num_res = n;

	/* The IOMMU probes it, and the host driver binds, before this returns. */
	pdev = platform_device_register_full(&info);
	kfree(res);
	return pdev;
}

/**
 * vfio_psim_dev_create() - make a simulated device
 * @cfg: what it is like
 *
 * Registers the platform device after its regions, interrupts and reset
 * handler are in place, so that the IOMMU and the host driver find it
 * complete.
 *
 * Return: the device, or an ERR_PTR() with a message in the kernel log.
 */
struct vfio_psim_dev *vfio_psim_dev_create(const struct vfio_psim_dev_config *cfg)
{
	struct vfio_psim_dev *sdev;
	struct platform_device *pdev;
	int ret;

	ret = vfio_psim_dev_check(cfg);
	if (ret)
		return ERR_PTR(ret);

	sdev = kzalloc(sizeof(*sdev), GFP_KERNEL);
	if (!sdev)
		return ERR_PTR(-ENOMEM);
	mutex_init(&sdev->lock);
	INIT_DELAYED_WORK(&sdev->poll, vfio_psim_dev_poll);
	sdev->reset_sources = cfg->reset;
	sdev->num_bits = cfg->num_bits;
	memcpy(sdev->bits, cfg->bits, sizeof(sdev->bits));
	/* What vfio_psim_of_add() starts from. */
	sdev->reset_line = cfg->reset_line;

	sdev->id = ida_alloc(&vfio_psim_ida, GFP_KERNEL);
	if (sdev->id < 0) {
		ret = sdev->id;
		goto err_free;
	}
	snprintf(sdev->dev_name, sizeof(sdev->dev_name), "%s.%d",
		 VFIO_PSIM_NAME, sdev->id);

	ret = -ENOMEM;
	sdev->group = kstrdup(cfg->group, GFP_KERNEL);
	sdev->compatible = kstrdup(cfg->compatible, GFP_KERNEL);
	sdev->bounce = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if ((cfg->group && !sdev->group) || !sdev->compatible || !sdev->bounce)
		goto err_strings;
	vfio_psim_dev_split_compatible(sdev);

	ret = vfio_psim_dev_alloc_regions(sdev, cfg);
	if (ret)
		goto err_strings;

	ret = vfio_psim_irq_init(&sdev->irqs, sdev->dev_name, cfg->num_irqs,
				 cfg->irq_level, cfg->irq_untyped);
	if (ret)
		goto err_regions;

	mutex_lock(&sdev->lock);
	vfio_psim_regs_power_on(sdev);
	mutex_unlock(&sdev->lock);

	ret = vfio_psim_reset_get(sdev);
	if (ret)
		goto err_irqs;

	if (vfio_psim_has_of()) {
		ret = vfio_psim_of_add(sdev);
		if (ret)
			goto err_reset;
	}

	pdev = vfio_psim_dev_register(sdev);
	if (IS_ERR(pdev)) {
		ret = PTR_ERR(pdev);
		pr_err("%s: cannot register %s: %d\n", cfg->name, sdev->dev_name, ret);
		goto err_of;
	}
	if (!pdev->dev.iommu_group) {
		dev_err(&pdev->dev, "the simulated IOMMU did not take it (see above)\n");
		ret = -ENODEV;
		goto err_unregister;
	}
	sdev->pdev = pdev;

	vfio_psim_dev_debugfs_init(sdev);
	/* Plain memory that changes nothing by itself needs no poller. */
	if (sdev->regs || sdev->num_bits)
		queue_delayed_work(system_unbound_wq, &sdev->poll, 1);
	return sdev;

err_unregister:
	platform_device_unregister(pdev);
err_of:
	if (vfio_psim_has_of())
		vfio_psim_of_remove(sdev);
err_reset:
	vfio_psim_reset_put(sdev);
err_irqs:
	vfio_psim_irq_fini(&sdev->irqs);
err_regions:
	vfio_psim_dev_free_regions(sdev);
err_strings:
	kfree(sdev->bounce);
	kfree(sdev->compatible);
	kfree(sdev->group);
	ida_free(&vfio_psim_ida, sdev->id);
err_free:
	mutex_destroy(&sdev->lock);
	kfree(sdev);
	return ERR_PTR(ret);
}

/**
 * vfio_psim_dev_destroy() - remove a simulated device
 * @sdev: what vfio_psim_dev_create() returned
 *
 * Waits until the driver bound to the device lets it go: vfio-platform only
 * does when userspace has closed it. The device keeps working until then.
 */
void vfio_psim_dev_destroy(struct vfio_psim_dev *sdev)
{
	/* Unbinds the driver; the IOMMU releases the device at the end. */
	platform_device_del(sdev->pdev);

	cancel_delayed_work_sync(&sdev->poll);
	debugfs_remove_recursive(sdev->debugfs);
	platform_device_put(sdev->pdev);
	/* Its reset line is free: vfio-platform let it go at unbind. */
	if (vfio_psim_has_of())
		vfio_psim_of_remove(sdev);
	vfio_psim_reset_put(sdev);
	vfio_psim_irq_fini(&sdev->irqs);
	vfio_psim_dev_free_regions(sdev);
	kfree(sdev->bounce);
	kfree(sdev->compatible);
	kfree(sdev->group);
	ida_free(&vfio_psim_ida, sdev->id);
	mutex_destroy(&sdev->lock);
	kfree(sdev);
}

/*
 * The host driver: what a kernel driver for the device would do at probe,
 * map the registers and check the device is there, and nothing else.
 */
static int vfio_psim_host_probe(struct platform_device *pdev)
{
	struct vfio_psim_dev *sdev = vfio_psim_dev_from_device(&pdev->dev);
	void __iomem *regs;
	u32 id;

	/*
	 * driver_override can point any device here: touch only ours, and
	 * only those with the registers it drives.
	 */
	if (!sdev || !sdev->regs)
		return -ENODEV;

	regs = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(regs))
		return PTR_ERR(regs);

	id = readl(regs + VFIO_PSIM_REG_ID);
	if (id != VFIO_PSIM_ID)
		return dev_err_probe(&pdev->dev, -ENODEV,
				     "unexpected ID register %#010x\n", id);
	return 0;
}

static const struct platform_device_id vfio_psim_host_ids[] = {
	{ .name = VFIO_PSIM_NAME },
	{ }
};

static struct platform_driver vfio_psim_host_driver = {
	.probe = vfio_psim_host_probe,
	.id_table = vfio_psim_host_ids,
	.driver = {
		.name = "vfio-platform-sim-host",
	},
};

/**
 * vfio_psim_dev_init() - register the host driver and the reset controller
 *
 * Return: 0 or a negative errno.
 */
int vfio_psim_dev_init(void)
{
	int ret;

	vfio_psim_devices_dir = debugfs_create_dir("devices", vfio_psim_debugfs);
	if (vfio_psim_has_of()) {
		ret = vfio_psim_of_init();
		if (ret)
			goto err_debugfs;
	}
	ret = platform_driver_register(&vfio_psim_host_driver);
	if (ret)
		goto err_of;
	return 0;

err_of:
	if (vfio_psim_has_of())
		vfio_psim_of_exit();
err_debugfs:
	debugfs_remove(vfio_psim_devices_dir);
	return ret;
}

/**
 * vfio_psim_dev_exit() - unregister the host driver and the reset controller
 *
 * Every simulated device is gone by now.
 */
void vfio_psim_dev_exit(void)
{
	platform_driver_unregister(&vfio_psim_host_driver);
	if (vfio_psim_has_of())
		vfio_psim_of_exit();
	debugfs_remove(vfio_psim_devices_dir);
	ida_destroy(&vfio_psim_ida);
}
