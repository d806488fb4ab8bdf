// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: register bits a device changes by itself.
 *
 * A device made without the simulator's register file is plain memory, which
 * is enough to watch what a driver writes but not for a driver that waits on
 * the hardware: a reset bit that clears itself when the reset is done, a
 * "done" status bit that follows the command bit. The device's poller
 * (dev.c) plays that part for the bits its configuration lists:
 *
 *   autoclear	"region:offset:mask" - the bits clear themselves shortly after
 *		they are set;
 *   follow	"region:offset:mask:src_offset:src_mask" - the bits are set
 *		while every bit of src_mask at src_offset is, clear otherwise.
 *
 * Numbers are C-style (0x for hex); entries are apart by spaces or newlines.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vfio_platform_sim.h"

static int vfio_psim_bits_parse_one(char *entry, bool follow,
				    struct vfio_psim_bits *b)
{
	u32 *fields[] = { &b->region, &b->offset, &b->mask, &b->src_offset,
			  &b->src_mask };
	unsigned int i, n = follow ? 5 : 3;
	char *field;

	memset(b, 0, sizeof(*b));
	b->follow = follow;
	for (i = 0; i < n; i++) {
		field = strsep(&entry, ":");
		if (!field || kstrtou32(field, 0, fields[i]))
			return -EINVAL;
	}
	if (entry || !b->mask || b->offset % 4 || (follow && b->src_offset % 4))
		return -EINVAL;
	if (follow && !b->src_mask)
		return -EINVAL;
	return 0;
}

/**
 * vfio_psim_bits_parse() - read the entries of an autoclear or follow attribute
 * @page: what was written to the attribute
 * @count: bytes of @page
 * @follow: @page holds follow entries, not autoclear ones
 * @bits: room for VFIO_PSIM_MAX_BITS entries
 *
 * Only the syntax is checked here: whether the registers exist depends on
 * the regions, checked by vfio_psim_bits_check() when the device is made.
 *
 * Return: the number of entries (0 for an empty @page), -EINVAL for an
 * entry that does not parse, a zero mask or an unaligned offset, -E2BIG for
 * too many entries, -ENOMEM.
 */
int vfio_psim_bits_parse(const char *page, size_t count, bool follow,
			 struct vfio_psim_bits *bits)
{
	char *buf, *cur, *entry;
	int n = 0, ret = 0;

	buf = kstrndup(page, count, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cur = buf;
	while ((entry = strsep(&cur, " \t\n"))) {
		if (!*entry)
			continue;
		if (n == VFIO_PSIM_MAX_BITS) {
			ret = -E2BIG;
			break;
		}
		ret = vfio_psim_bits_parse_one(entry, follow, &bits[n]);
		if (ret)
			break;
		n++;
	}
	kfree(buf);
	return ret ?: n;
}

/**
 * vfio_psim_bits_emit() - show the entries of an autoclear or follow attribute
 * @page: the attribute's page
 * @bits: the entries, all of one kind
 * @num: entries in @bits
 *
 * Return: bytes written to @page: the entries in the form they are written
 * in, one a line; a lone newline when there is none.
 */
ssize_t vfio_psim_bits_emit(char *page, const struct vfio_psim_bits *bits,
			    unsigned int num)
{
	const struct vfio_psim_bits *b;
	ssize_t len = 0;
	unsigned int i;

	for (i = 0; i < num; i++) {
		b = &bits[i];
		len += sysfs_emit_at(page, len, "%u:%#x:%#x", b->region,
				     b->offset, b->mask);
		if (b->follow)
			len += sysfs_emit_at(page, len, ":%#x:%#x",
					     b->src_offset, b->src_mask);
		len += sysfs_emit_at(page, len, "\n");
	}
	return len ?: sysfs_emit(page, "\n");
}

static bool vfio_psim_bits_in(const struct vfio_psim_region_config *r,
			      u32 offset)
{
	return (u64)offset + sizeof(u32) <= r->size;
}

/**
 * vfio_psim_bits_check() - check the registers of the entries exist
 * @name: the device's name in configfs, for the message
 * @bits: the entries
 * @num: entries in @bits
 * @regions: the device's regions
 * @num_regions: entries in @regions
 *
 * Return: 0, or -EINVAL with a message in the kernel log.
 */
int vfio_psim_bits_check(const char *name, const struct vfio_psim_bits *bits,
			 unsigned int num, const struct vfio_psim_region_config *regions,
			 unsigned int num_regions)
{
	const struct vfio_psim_bits *b;
	unsigned int i;

	for (i = 0; i < num; i++) {
		b = &bits[i];
		if (b->region >= num_regions ||
		    !vfio_psim_bits_in(&regions[b->region], b->offset) ||
		    (b->follow &&
		     !vfio_psim_bits_in(&regions[b->region], b->src_offset))) {
			pr_err("%s: %s entry %u:%#x: no such register\n", name,
			       b->follow ? "follow" : "autoclear", b->region,
			       b->offset);
			return -EINVAL;
		}
	}
	return 0;
}

static void __iomem *vfio_psim_bits_reg(struct vfio_psim_dev *sdev, u32 region,
					u32 offset)
{
	return vfio_psim_mmio_va(sdev->regions[region].start) + offset;
}

/**
 * vfio_psim_bits_poll() - let the device change its bits, once
 * @sdev: the device, its lock held
 *
 * A driver writing the same register in between may see its write undone:
 * as on hardware, software is expected to leave a self-clearing bit alone
 * until it has cleared.
 *
 * Return: whether a bit changed, so that the poller stays quick while the
 * device is being driven.
 */
bool vfio_psim_bits_poll(struct vfio_psim_dev *sdev)
{
	const struct vfio_psim_bits *b;
	void __iomem *reg;
	bool changed = false;
	unsigned int i;
	u32 v, want, src;

	lockdep_assert_held(&sdev->lock);

	/* debugfs sets it without the lock: a poll or two late is fine. */
	if (READ_ONCE(sdev->bits_stuck))
		return false;
	for (i = 0; i < sdev->num_bits; i++) {
		b = &sdev->bits[i];
		reg = vfio_psim_bits_reg(sdev, b->region, b->offset);
		v = readl(reg);
		want = v & ~b->mask;
		if (b->follow) {
			src = readl(vfio_psim_bits_reg(sdev, b->region,
						       b->src_offset));
			if ((src & b->src_mask) == b->src_mask)
				want |= b->mask;
		}
		if (want != v) {
			writel(want, reg);
			changed = true;
		}
	}
	return changed;
}
