// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: the configfs tree simulated devices are made with.
 *
 *   vfio-platform-sim/<name>/		a device (mkdir)
 *	live, dev_name, group, compatible, reset, reset_line,
 *	registers, autoclear, follow
 *	region<N>/			its MMIO region N (mkdir)
 *		size, offset, readonly
 *	irq<N>/				its interrupt line N (mkdir)
 *		trigger
 *
 * Writing 1 to live makes the device from the configuration; writing 0
 * removes it. While the device is live its configuration cannot change and
 * its region and irq directories cannot be removed.
 *
 * Removing a device waits for its driver to let it go, and vfio-platform
 * waits for user space to close it: that may take as long as user space
 * likes. The removal therefore runs without the device's lock, so that the
 * attributes stay readable; until it is over the device counts as live,
 * and every change, including another write to live, fails with EBUSY.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "vfio_platform_sim.h"

#define VFIO_PSIM_DEFAULT_COMPATIBLE	"linux,vfio-platform-sim"

struct vfio_psim_cfg_region;
struct vfio_psim_cfg_irq;

/**
 * struct vfio_psim_cfg_dev - a device directory
 * @group: the configfs directory
 * @lock: see beside it
 * @iommu_group: see &struct vfio_psim_dev_config, or NULL
 * @compatible: see &struct vfio_psim_dev_config
 * @reset: see &struct vfio_psim_dev_config
 * @reset_line: see &struct vfio_psim_dev_config
 * @regions: the region directories, by index
 * @irqs: the irq directories, by index
 * @sdev: the live device, or NULL
 * @registers: see &struct vfio_psim_dev_config
 * @num_autoclear: entries used in @autoclear
 * @autoclear: the bits that clear themselves
 * @num_follow: entries used in @follow
 * @follow: the bits that follow others
 * @leaving: @sdev is being removed without the lock held
 * @dev_name: the name of @sdev, which its attribute shows while @sdev is
 *	being freed
 */
struct vfio_psim_cfg_dev {
	struct config_group group;
	/* Protects the configuration, @regions, @irqs and @sdev. */
	struct mutex lock;
	char *iommu_group;
	char *compatible;
	unsigned int reset;
	int reset_line;
	struct vfio_psim_cfg_region *regions[VFIO_PSIM_MAX_REGIONS];
	struct vfio_psim_cfg_irq *irqs[VFIO_PSIM_MAX_IRQS];
	struct vfio_psim_dev *sdev;
	bool registers;
	unsigned int num_autoclear;
	struct vfio_psim_bits autoclear[VFIO_PSIM_MAX_BITS];
	unsigned int num_follow;
	struct vfio_psim_bits follow[VFIO_PSIM_MAX_BITS];
	bool leaving;
	char dev_name[sizeof_field(struct vfio_psim_dev, dev_name)];
};

struct vfio_psim_cfg_region {
	struct config_item item;
	struct vfio_psim_cfg_dev *parent;
	unsigned int index;
	struct vfio_psim_region_config cfg;
};

/* The trigger attribute's words, and what they are in a vfio_psim_cfg_irq. */
enum vfio_psim_cfg_trigger {
	VFIO_PSIM_CFG_EDGE,
	VFIO_PSIM_CFG_LEVEL,
	VFIO_PSIM_CFG_NONE,
};

static const char * const vfio_psim_triggers[] = {
	[VFIO_PSIM_CFG_EDGE] = "edge",
	[VFIO_PSIM_CFG_LEVEL] = "level",
	[VFIO_PSIM_CFG_NONE] = "none",
};

struct vfio_psim_cfg_irq {
	struct config_item item;
	struct vfio_psim_cfg_dev *parent;
	unsigned int index;
	enum vfio_psim_cfg_trigger trigger;
};

static struct vfio_psim_cfg_dev *to_vfio_psim_cfg_dev(struct config_item *item)
{
	return container_of(to_config_group(item), struct vfio_psim_cfg_dev, group);
}

static struct vfio_psim_cfg_region *to_vfio_psim_cfg_region(struct config_item *item)
{
	return container_of(item, struct vfio_psim_cfg_region, item);
}

static struct vfio_psim_cfg_irq *to_vfio_psim_cfg_irq(struct config_item *item)
{
	return container_of(item, struct vfio_psim_cfg_irq, item);
}

/* A copy of @page without the trailing newline echo adds. */
static char *vfio_psim_cfg_strdup(const char *page, size_t count)
{
	return kstrndup(page, min(strcspn(page, "\n"), count), GFP_KERNEL);
}

/* Whether @name is @prefix followed by an index below @max, in canonical form. */
static bool vfio_psim_cfg_index(const char *name, const char *prefix,
				unsigned int max, unsigned int *index)
{
	char canon[16];

	if (!str_has_prefix(name, prefix) ||
	    kstrtouint(name + strlen(prefix), 10, index) || *index >= max)
		return false;
	snprintf(canon, sizeof(canon), "%s%u", prefix, *index);
	return !strcmp(name, canon);
}

/*
 * Every attribute but live is configuration a live device was made from, so
 * it changes only while the device is down. Swaps @size bytes of @val, the
 * size of both, into @field under the device's lock, leaving the old value
 * in @val (a string attribute frees it); a live device refuses with -EBUSY
 * and @val untouched.
 */
static int vfio_psim_cfg_set(struct vfio_psim_cfg_dev *cdev, void *field,
			     void *val, size_t size)
{
	u8 *f = field, *v = val;
	size_t i;

	mutex_lock(&cdev->lock);
	if (cdev->sdev) {
		mutex_unlock(&cdev->lock);
		return -EBUSY;
	}
	for (i = 0; i < size; i++)
		swap(f[i], v[i]);
	mutex_unlock(&cdev->lock);
	return 0;
}

/* Copies @size bytes of @field to @val under the device's lock. */
static void vfio_psim_cfg_get(struct vfio_psim_cfg_dev *cdev,
			      const void *field, void *val, size_t size)
{
	mutex_lock(&cdev->lock);
	memcpy(val, field, size);
	mutex_unlock(&cdev->lock);
}

static ssize_t vfio_psim_cfg_region_size_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_region *r = to_vfio_psim_cfg_region(item);
	u64 size;

	vfio_psim_cfg_get(r->parent, &r->cfg.size, &size, sizeof(size));
	return sysfs_emit(page, "%#llx\n", size);
}

static ssize_t vfio_psim_cfg_region_size_store(struct config_item *item,
					       const char *page, size_t count)
{
	struct vfio_psim_cfg_region *r = to_vfio_psim_cfg_region(item);
	u64 size;
	int ret;

	ret = kstrtou64(page, 0, &size);
	if (ret)
		return ret;
	if (!size)
		return -EINVAL;
	return vfio_psim_cfg_set(r->parent, &r->cfg.size, &size,
				 sizeof(size)) ?: count;
}

static ssize_t vfio_psim_cfg_region_offset_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_region *r = to_vfio_psim_cfg_region(item);
	u32 offset;

	vfio_psim_cfg_get(r->parent, &r->cfg.offset, &offset, sizeof(offset));
	return sysfs_emit(page, "%#x\n", offset);
}

static ssize_t vfio_psim_cfg_region_offset_store(struct config_item *item,
						 const char *page, size_t count)
{
	struct vfio_psim_cfg_region *r = to_vfio_psim_cfg_region(item);
	u32 offset;
	int ret;

	ret = kstrtou32(page, 0, &offset);
	if (ret)
		return ret;
	if (offset >= PAGE_SIZE)
		return -EINVAL;
	return vfio_psim_cfg_set(r->parent, &r->cfg.offset, &offset,
				 sizeof(offset)) ?: count;
}

static ssize_t vfio_psim_cfg_region_readonly_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_region *r = to_vfio_psim_cfg_region(item);
	bool readonly;

	vfio_psim_cfg_get(r->parent, &r->cfg.readonly, &readonly,
			  sizeof(readonly));
	return sysfs_emit(page, "%d\n", readonly);
}

static ssize_t vfio_psim_cfg_region_readonly_store(struct config_item *item,
						   const char *page, size_t count)
{
	struct vfio_psim_cfg_region *r = to_vfio_psim_cfg_region(item);
	bool readonly;
	int ret;

	ret = kstrtobool(page, &readonly);
	if (ret)
		return ret;
	return vfio_psim_cfg_set(r->parent, &r->cfg.readonly, &readonly,
				 sizeof(readonly)) ?: count;
}

CONFIGFS_ATTR(vfio_psim_cfg_region_, size);
CONFIGFS_ATTR(vfio_psim_cfg_region_, offset);
CONFIGFS_ATTR(vfio_psim_cfg_region_, readonly);

static struct configfs_attribute *vfio_psim_cfg_region_attrs[] = {
	&vfio_psim_cfg_region_attr_size,
	&vfio_psim_cfg_region_attr_offset,
	&vfio_psim_cfg_region_attr_readonly,
	NULL
};

static void vfio_psim_cfg_region_release(struct config_item *item)
{
	kfree(to_vfio_psim_cfg_region(item));
}

static struct configfs_item_operations vfio_psim_cfg_region_item_ops = {
	.release = vfio_psim_cfg_region_release,
};

static const struct config_item_type vfio_psim_cfg_region_type = {
	.ct_item_ops = &vfio_psim_cfg_region_item_ops,
	.ct_attrs = vfio_psim_cfg_region_attrs,
	.ct_owner = THIS_MODULE,
};

static ssize_t vfio_psim_cfg_irq_trigger_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_irq *irq = to_vfio_psim_cfg_irq(item);
	enum vfio_psim_cfg_trigger trigger;

	vfio_psim_cfg_get(irq->parent, &irq->trigger, &trigger,
			  sizeof(trigger));
	return sysfs_emit(page, "%s\n", vfio_psim_triggers[trigger]);
}

static ssize_t vfio_psim_cfg_irq_trigger_store(struct config_item *item,
					       const char *page, size_t count)
{
	struct vfio_psim_cfg_irq *irq = to_vfio_psim_cfg_irq(item);
	enum vfio_psim_cfg_trigger trigger;
	int ret;

	ret = sysfs_match_string(vfio_psim_triggers, page);
	if (ret < 0)
		return ret;
	trigger = ret;
	return vfio_psim_cfg_set(irq->parent, &irq->trigger, &trigger,
				 sizeof(trigger)) ?: count;
}

CONFIGFS_ATTR(vfio_psim_cfg_irq_, trigger);

static struct configfs_attribute *vfio_psim_cfg_irq_attrs[] = {
	&vfio_psim_cfg_irq_attr_trigger,
	NULL
};

static void vfio_psim_cfg_irq_release(struct config_item *item)
{
	kfree(to_vfio_psim_cfg_irq(item));
}

static struct configfs_item_operations vfio_psim_cfg_irq_item_ops = {
	.release = vfio_psim_cfg_irq_release,
};

static const struct config_item_type vfio_psim_cfg_irq_type = {
	.ct_item_ops = &vfio_psim_cfg_irq_item_ops,
	.ct_attrs = vfio_psim_cfg_irq_attrs,
	.ct_owner = THIS_MODULE,
};

/* The region and irq directories a live device is made of, in a fixed order. */
static unsigned int vfio_psim_cfg_children(struct vfio_psim_cfg_dev *cdev,
					   struct config_item **items)
{
	unsigned int i, n = 0;

	for (i = 0; i < VFIO_PSIM_MAX_REGIONS; i++)
		if (cdev->regions[i])
			items[n++] = &cdev->regions[i]->item;
	for (i = 0; i < VFIO_PSIM_MAX_IRQS; i++)
		if (cdev->irqs[i])
			items[n++] = &cdev->irqs[i]->item;
	return n;
}

/* Fills @cfg; the indexes of each kind must run from 0 without a gap. */
static int vfio_psim_cfg_build(struct vfio_psim_cfg_dev *cdev,
			       struct vfio_psim_dev_config *cfg)
{
	const char *name = config_item_name(&cdev->group.cg_item);
	unsigned int i;

	cfg->name = name;
	cfg->group = cdev->iommu_group;
	cfg->compatible = cdev->compatible;
	cfg->reset = cdev->reset;
	cfg->registers = cdev->registers;
	memcpy(cfg->bits, cdev->autoclear,
	       cdev->num_autoclear * sizeof(*cfg->bits));
	memcpy(cfg->bits + cdev->num_autoclear, cdev->follow,
	       cdev->num_follow * sizeof(*cfg->bits));
	cfg->num_bits = cdev->num_autoclear + cdev->num_follow;
	cfg->reset_line = cdev->reset_line;

	for (i = 0; i < VFIO_PSIM_MAX_REGIONS && cdev->regions[i]; i++)
		cfg->regions[i] = cdev->regions[i]->cfg;
	cfg->num_regions = i;
	for (; i < VFIO_PSIM_MAX_REGIONS; i++) {
		if (cdev->regions[i]) {
			pr_err("%s: region%u exists but region%u does not\n",
			       name, i, cfg->num_regions);
			return -EINVAL;
		}
	}

	for (i = 0; i < VFIO_PSIM_MAX_IRQS && cdev->irqs[i]; i++) {
		if (cdev->irqs[i]->trigger == VFIO_PSIM_CFG_LEVEL)
			cfg->irq_level |= BIT(i);
		else if (cdev->irqs[i]->trigger == VFIO_PSIM_CFG_NONE)
			cfg->irq_untyped |= BIT(i);
	}
	cfg->num_irqs = i;
	for (; i < VFIO_PSIM_MAX_IRQS; i++) {
		if (cdev->irqs[i]) {
			pr_err("%s: irq%u exists but irq%u does not\n",
			       name, i, cfg->num_irqs);
			return -EINVAL;
		}
	}
	return 0;
}

static int vfio_psim_cfg_activate(struct vfio_psim_cfg_dev *cdev)
{
	struct config_item *items[VFIO_PSIM_MAX_REGIONS + VFIO_PSIM_MAX_IRQS];
	struct configfs_subsystem *subsys = cdev->group.cg_subsys;
	struct vfio_psim_dev_config *cfg;
	struct vfio_psim_dev *sdev;
	unsigned int i, n;
	int ret;

	lockdep_assert_held(&cdev->lock);

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	ret = vfio_psim_cfg_build(cdev, cfg);
	if (ret)
		goto out_free;

	/* Pin the directories the device is made of. */
	n = vfio_psim_cfg_children(cdev, items);
	for (i = 0; i < n; i++) {
		ret = configfs_depend_item_unlocked(subsys, items[i]);
		if (ret)
			goto err_undepend;
	}

	sdev = vfio_psim_dev_create(cfg);
	if (IS_ERR(sdev)) {
		ret = PTR_ERR(sdev);
		goto err_undepend;
	}
	cdev->sdev = sdev;
	strscpy(cdev->dev_name, sdev->dev_name);
	goto out_free;

err_undepend:
	while (i--)
		configfs_undepend_item(items[i]);
out_free:
	kfree(cfg);
	return ret;
}

/*
 * Called with the lock held, which it drops while the device goes away and
 * takes again. @leaving keeps the configuration, and so the pinned
 * directories, as they are meanwhile.
 */
static void vfio_psim_cfg_deactivate(struct vfio_psim_cfg_dev *cdev)
	__must_hold(&cdev->lock)
{
	struct config_item *items[VFIO_PSIM_MAX_REGIONS + VFIO_PSIM_MAX_IRQS];
	struct vfio_psim_dev *sdev = cdev->sdev;
	unsigned int i, n;

	lockdep_assert_held(&cdev->lock);

	cdev->leaving = true;
	mutex_unlock(&cdev->lock);
	vfio_psim_dev_destroy(sdev);
	mutex_lock(&cdev->lock);
	cdev->leaving = false;
	cdev->sdev = NULL;

	n = vfio_psim_cfg_children(cdev, items);
	for (i = 0; i < n; i++)
		configfs_undepend_item(items[i]);
}

static ssize_t vfio_psim_cfg_live_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	ssize_t ret;

	mutex_lock(&cdev->lock);
	ret = sysfs_emit(page, "%d\n", !!cdev->sdev);
	mutex_unlock(&cdev->lock);
	return ret;
}

/*
 * Writing the state the device is in already does nothing; writing anything
 * while it goes away fails.
 */
static ssize_t vfio_psim_cfg_live_store(struct config_item *item,
					const char *page, size_t count)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	bool live;
	int ret;

	ret = kstrtobool(page, &live);
	if (ret)
		return ret;

	mutex_lock(&cdev->lock);
	if (cdev->leaving)
		ret = -EBUSY;
	else if (live && !cdev->sdev)
		ret = vfio_psim_cfg_activate(cdev);
	else if (!live && cdev->sdev)
		vfio_psim_cfg_deactivate(cdev);
	mutex_unlock(&cdev->lock);
	return ret ?: count;
}

static ssize_t vfio_psim_cfg_dev_name_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	ssize_t ret;

	mutex_lock(&cdev->lock);
	ret = sysfs_emit(page, "%s\n", cdev->sdev ? cdev->dev_name : "none");
	mutex_unlock(&cdev->lock);
	return ret;
}

static ssize_t vfio_psim_cfg_group_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	ssize_t ret;

	mutex_lock(&cdev->lock);
	ret = sysfs_emit(page, "%s\n", cdev->iommu_group ?: "");
	mutex_unlock(&cdev->lock);
	return ret;
}

/* An empty name gives the device a group of its own. */
static ssize_t vfio_psim_cfg_group_store(struct config_item *item,
					 const char *page, size_t count)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	char *s;
	int ret;

	s = vfio_psim_cfg_strdup(page, count);
	if (!s)
		return -ENOMEM;
	if (!*s) {
		kfree(s);
		s = NULL;
	}

	/* Frees the old name, or the new one when the device is live. */
	ret = vfio_psim_cfg_set(cdev, &cdev->iommu_group, &s, sizeof(s));
	kfree(s);
	return ret ?: count;
}

static ssize_t vfio_psim_cfg_compatible_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	ssize_t ret;

	mutex_lock(&cdev->lock);
	ret = sysfs_emit(page, "%s\n", cdev->compatible);
	mutex_unlock(&cdev->lock);
	return ret;
}

/*
 * Compatible strings apart by spaces, most specific first, kept apart by
 * single spaces. None, or more than the simulator keeps, is EINVAL.
 */
static ssize_t vfio_psim_cfg_compatible_store(struct config_item *item,
					      const char *page, size_t count)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	char *buf, *cur, *word, *list;
	unsigned int n = 0;
	size_t len = 0;
	int ret;

	buf = vfio_psim_cfg_strdup(page, count);
	if (!buf)
		return -ENOMEM;
	list = kzalloc(strlen(buf) + 1, GFP_KERNEL);
	if (!list) {
		ret = -ENOMEM;
		goto out_free;
	}

	ret = -EINVAL;
	cur = buf;
	while ((word = strsep(&cur, " \t"))) {
		if (!*word)
			continue;
		if (++n > VFIO_PSIM_MAX_COMPATIBLE)
			goto out_free;
		if (len)
			list[len++] = ' ';
		/* @list is as long as @buf and zeroed: it stays terminated. */
		memcpy(list + len, word, strlen(word));
		len += strlen(word);
	}
	if (!n)
		goto out_free;

	/* Frees the old list, or the new one when the device is live. */
	ret = vfio_psim_cfg_set(cdev, &cdev->compatible, &list, sizeof(list));
out_free:
	kfree(list);
	kfree(buf);
	return ret ?: count;
}

/* The words of the reset attribute, by VFIO_PSIM_RESET_* bit. */
static const char * const vfio_psim_reset_words[] = {
	[ilog2(VFIO_PSIM_RESET_HANDLER)] = "handler",
	[ilog2(VFIO_PSIM_RESET_CONTROLLER)] = "controller",
};

static ssize_t vfio_psim_cfg_reset_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	unsigned int i;
	ssize_t len = 0;

	mutex_lock(&cdev->lock);
	for (i = 0; i < ARRAY_SIZE(vfio_psim_reset_words); i++)
		if (cdev->reset & BIT(i))
			len += sysfs_emit_at(page, len, "%s%s", len ? " " : "",
					     vfio_psim_reset_words[i]);
	if (!len)
		len = sysfs_emit(page, "none");
	len += sysfs_emit_at(page, len, "\n");
	mutex_unlock(&cdev->lock);
	return len;
}

/* "none", or words of vfio_psim_reset_words apart by spaces or commas. */
static int vfio_psim_cfg_parse_reset(const char *page, size_t count,
				     unsigned int *reset)
{
	char *buf, *cur, *word;
	int i, ret = 0;

	buf = vfio_psim_cfg_strdup(page, count);
	if (!buf)
		return -ENOMEM;

	*reset = 0;
	if (!strcmp(buf, "none"))
		goto out_free;

	cur = buf;
	while ((word = strsep(&cur, " ,"))) {
		if (!*word)
			continue;
		i = match_string(vfio_psim_reset_words,
				 ARRAY_SIZE(vfio_psim_reset_words), word);
		if (i < 0) {
			ret = -EINVAL;
			goto out_free;
		}
		*reset |= BIT(i);
	}
	if (!*reset)
		ret = -EINVAL;
out_free:
	kfree(buf);
	return ret;
}

static ssize_t vfio_psim_cfg_reset_store(struct config_item *item,
					 const char *page, size_t count)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	unsigned int reset;
	int ret;

	ret = vfio_psim_cfg_parse_reset(page, count, &reset);
	if (ret)
		return ret;
	return vfio_psim_cfg_set(cdev, &cdev->reset, &reset,
				 sizeof(reset)) ?: count;
}

static ssize_t vfio_psim_cfg_registers_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	bool registers;

	vfio_psim_cfg_get(cdev, &cdev->registers, &registers, sizeof(registers));
	return sysfs_emit(page, "%d\n", registers);
}

static ssize_t vfio_psim_cfg_registers_store(struct config_item *item,
					     const char *page, size_t count)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	bool registers;
	int ret;

	ret = kstrtobool(page, &registers);
	if (ret)
		return ret;
	return vfio_psim_cfg_set(cdev, &cdev->registers, &registers,
				 sizeof(registers)) ?: count;
}

static ssize_t vfio_psim_cfg_bits_show(struct vfio_psim_cfg_dev *cdev,
				       const struct vfio_psim_bits *bits,
				       const unsigned int *num, char *page)
{
	ssize_t ret;

	mutex_lock(&cdev->lock);
	ret = vfio_psim_bits_emit(page, bits, *num);
	mutex_unlock(&cdev->lock);
	return ret;
}

/* Replaces every entry of the attribute; writing a newline clears it. */
static ssize_t vfio_psim_cfg_bits_store(struct vfio_psim_cfg_dev *cdev,
					struct vfio_psim_bits *bits,
					unsigned int *num, bool follow,
					const char *page, size_t count)
{
	struct vfio_psim_bits *parsed;
	int n;

	parsed = kcalloc(VFIO_PSIM_MAX_BITS, sizeof(*parsed), GFP_KERNEL);
	if (!parsed)
		return -ENOMEM;
	n = vfio_psim_bits_parse(page, count, follow, parsed);
	if (n < 0)
		goto out_free;

	mutex_lock(&cdev->lock);
	if (cdev->sdev) {
		n = -EBUSY;
	} else {
		memcpy(bits, parsed, n * sizeof(*bits));
		*num = n;
	}
	mutex_unlock(&cdev->lock);
out_free:
	kfree(parsed);
	return n < 0 ? n : count;
}

static ssize_t vfio_psim_cfg_autoclear_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);

	return vfio_psim_cfg_bits_show(cdev, cdev->autoclear,
				       &cdev->num_autoclear, page);
}

static ssize_t vfio_psim_cfg_autoclear_store(struct config_item *item,
					     const char *page, size_t count)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);

	return vfio_psim_cfg_bits_store(cdev, cdev->autoclear,
					&cdev->num_autoclear, false, page, count);
}

static ssize_t vfio_psim_cfg_follow_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);

	return vfio_psim_cfg_bits_show(cdev, cdev->follow, &cdev->num_follow,
				       page);
}

static ssize_t vfio_psim_cfg_follow_store(struct config_item *item,
					  const char *page, size_t count)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);

	return vfio_psim_cfg_bits_store(cdev, cdev->follow, &cdev->num_follow,
					true, page, count);
}

static ssize_t vfio_psim_cfg_reset_line_show(struct config_item *item, char *page)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	int line;

	vfio_psim_cfg_get(cdev, &cdev->reset_line, &line, sizeof(line));
	if (line < 0)
		return sysfs_emit(page, "auto\n");
	return sysfs_emit(page, "%d\n", line);
}

/* "auto" for a line of the device's own, or the number of a shared line. */
static ssize_t vfio_psim_cfg_reset_line_store(struct config_item *item,
					      const char *page, size_t count)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);
	unsigned int n;
	int line;

	if (sysfs_streq(page, "auto"))
		line = -1;
	else if (!kstrtouint(page, 0, &n) && n < VFIO_PSIM_RESET_LINES)
		line = n;
	else
		return -EINVAL;
	return vfio_psim_cfg_set(cdev, &cdev->reset_line, &line,
				 sizeof(line)) ?: count;
}

CONFIGFS_ATTR(vfio_psim_cfg_, live);
CONFIGFS_ATTR_RO(vfio_psim_cfg_, dev_name);
CONFIGFS_ATTR(vfio_psim_cfg_, group);
CONFIGFS_ATTR(vfio_psim_cfg_, compatible);
CONFIGFS_ATTR(vfio_psim_cfg_, reset);
CONFIGFS_ATTR(vfio_psim_cfg_, registers);
CONFIGFS_ATTR(vfio_psim_cfg_, autoclear);
CONFIGFS_ATTR(vfio_psim_cfg_, follow);
CONFIGFS_ATTR(vfio_psim_cfg_, reset_line);

static struct configfs_attribute *vfio_psim_cfg_dev_attrs[] = {
	&vfio_psim_cfg_attr_live,
	&vfio_psim_cfg_attr_dev_name,
	&vfio_psim_cfg_attr_group,
	&vfio_psim_cfg_attr_compatible,
	&vfio_psim_cfg_attr_reset,
	&vfio_psim_cfg_attr_registers,
	&vfio_psim_cfg_attr_autoclear,
	&vfio_psim_cfg_attr_follow,
	&vfio_psim_cfg_attr_reset_line,
	NULL
};

static struct config_item *vfio_psim_cfg_make_child(struct config_group *group,
						    const char *name)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(&group->cg_item);
	struct vfio_psim_cfg_region *region;
	struct vfio_psim_cfg_irq *irq;
	struct config_item *item;
	unsigned int index;

	mutex_lock(&cdev->lock);
	if (cdev->sdev) {
		item = ERR_PTR(-EBUSY);
	} else if (vfio_psim_cfg_index(name, "region", VFIO_PSIM_MAX_REGIONS,
				       &index)) {
		region = kzalloc(sizeof(*region), GFP_KERNEL);
		if (!region) {
			item = ERR_PTR(-ENOMEM);
			goto out_unlock;
		}
		region->parent = cdev;
		region->index = index;
		region->cfg.size = PAGE_SIZE;
		config_item_init_type_name(&region->item, name,
					   &vfio_psim_cfg_region_type);
		cdev->regions[index] = region;
		item = &region->item;
	} else if (vfio_psim_cfg_index(name, "irq", VFIO_PSIM_MAX_IRQS, &index)) {
		irq = kzalloc(sizeof(*irq), GFP_KERNEL);
		if (!irq) {
			item = ERR_PTR(-ENOMEM);
			goto out_unlock;
		}
		irq->parent = cdev;
		irq->index = index;
		irq->trigger = VFIO_PSIM_CFG_LEVEL;
		config_item_init_type_name(&irq->item, name,
					   &vfio_psim_cfg_irq_type);
		cdev->irqs[index] = irq;
		item = &irq->item;
	} else {
		pr_err("%s/%s: name a region region0 to region%u or an interrupt irq0 to irq%u\n",
		       config_item_name(&group->cg_item), name,
		       VFIO_PSIM_MAX_REGIONS - 1, VFIO_PSIM_MAX_IRQS - 1);
		item = ERR_PTR(-EINVAL);
	}
out_unlock:
	mutex_unlock(&cdev->lock);
	return item;
}

static void vfio_psim_cfg_drop_child(struct config_group *group,
				     struct config_item *item)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(&group->cg_item);

	mutex_lock(&cdev->lock);
	if (item->ci_type == &vfio_psim_cfg_region_type)
		cdev->regions[to_vfio_psim_cfg_region(item)->index] = NULL;
	else
		cdev->irqs[to_vfio_psim_cfg_irq(item)->index] = NULL;
	mutex_unlock(&cdev->lock);
	config_item_put(item);
}

/* Its children are gone, so it is not live: they are pinned while it is. */
static void vfio_psim_cfg_dev_release(struct config_item *item)
{
	struct vfio_psim_cfg_dev *cdev = to_vfio_psim_cfg_dev(item);

	WARN_ON(cdev->sdev);
	kfree(cdev->iommu_group);
	kfree(cdev->compatible);
	mutex_destroy(&cdev->lock);
	kfree(cdev);
}

static struct configfs_item_operations vfio_psim_cfg_dev_item_ops = {
	.release = vfio_psim_cfg_dev_release,
};

static struct configfs_group_operations vfio_psim_cfg_dev_group_ops = {
	.make_item = vfio_psim_cfg_make_child,
	.drop_item = vfio_psim_cfg_drop_child,
};

static const struct config_item_type vfio_psim_cfg_dev_type = {
	.ct_item_ops = &vfio_psim_cfg_dev_item_ops,
	.ct_group_ops = &vfio_psim_cfg_dev_group_ops,
	.ct_attrs = vfio_psim_cfg_dev_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_group *vfio_psim_cfg_make_dev(struct config_group *group,
						   const char *name)
{
	struct vfio_psim_cfg_dev *cdev;

	cdev = kzalloc(sizeof(*cdev), GFP_KERNEL);
	if (!cdev)
		return ERR_PTR(-ENOMEM);
	cdev->compatible = kstrdup(VFIO_PSIM_DEFAULT_COMPATIBLE, GFP_KERNEL);
	if (!cdev->compatible) {
		kfree(cdev);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&cdev->lock);
	cdev->reset = VFIO_PSIM_RESET_HANDLER;
	cdev->registers = true;
	cdev->reset_line = -1;
	config_group_init_type_name(&cdev->group, name, &vfio_psim_cfg_dev_type);
	return &cdev->group;
}

static struct configfs_group_operations vfio_psim_cfg_root_ops = {
	.make_group = vfio_psim_cfg_make_dev,
};

static const struct config_item_type vfio_psim_cfg_root_type = {
	.ct_group_ops = &vfio_psim_cfg_root_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem vfio_psim_cfg_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = VFIO_PSIM_NAME,
			.ci_type = &vfio_psim_cfg_root_type,
		},
	},
	.su_mutex = __MUTEX_INITIALIZER(vfio_psim_cfg_subsys.su_mutex),
};

/**
 * vfio_psim_configfs_init() - offer the configfs tree
 *
 * Return: 0 or a negative errno.
 */
int vfio_psim_configfs_init(void)
{
	config_group_init(&vfio_psim_cfg_subsys.su_group);
	return configfs_register_subsystem(&vfio_psim_cfg_subsys);
}

/**
 * vfio_psim_configfs_exit() - withdraw the configfs tree
 *
 * The module cannot be unloaded while a device directory exists, so no
 * device is left.
 */
void vfio_psim_configfs_exit(void)
{
	configfs_unregister_subsystem(&vfio_psim_cfg_subsys);
}
