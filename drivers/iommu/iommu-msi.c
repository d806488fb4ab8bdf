// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MSI rule of user-owned groups: whether VFIO and iommufd may give a
 * user the DMA of a group whose MSIs the platform does not isolate.
 *
 * Only exported interfaces of the IOMMU core are used here: the rule can be
 * built into a module as well, which is how a vfio_iommu_type1 built for a
 * kernel without it applies the same rule.
 */

#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/iommu.h>
#include <linux/msi.h>
#include <linux/pci.h>

#include "iommu-priv.h"

/*
 * A PCI device can issue MSIs whatever its driver does, and so can a device
 * an MSI domain serves.
 */
VISIBLE_IF_KUNIT bool iommu_dev_can_msi(struct device *dev)
{
	return dev_is_pci(dev) || dev_get_msi_domain(dev);
}
EXPORT_SYMBOL_IF_KUNIT(iommu_dev_can_msi);

/* Whether @regions have an MSI window the IOMMU does not translate */
VISIBLE_IF_KUNIT bool iommu_resv_regions_have_hw_msi(struct list_head *regions)
{
	struct iommu_resv_region *region;

	list_for_each_entry(region, regions, list) {
		if (region->type == IOMMU_RESV_MSI)
			return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_resv_regions_have_hw_msi);

/**
 * iommu_msi_verdict() - The MSI rule, on what is known of a group
 * @msi_device: A device of the group can issue MSIs
 * @hw_window: The group has an MSI window the IOMMU does not translate
 * @isolated_msi: The platform isolates the group's MSIs
 * @allow_unsafe: The caller's allow_unsafe_interrupts
 *
 * Return: see iommu_group_msi_verdict().
 */
VISIBLE_IF_KUNIT enum iommu_msi_verdict
iommu_msi_verdict(bool msi_device, bool hw_window, bool isolated_msi,
		  bool allow_unsafe)
{
	if (isolated_msi)
		return IOMMU_MSI_ISOLATED;
	if (allow_unsafe)
		return IOMMU_MSI_ALLOW_UNSAFE;
	if (msi_device)
		return IOMMU_MSI_DENY_MSI_DEVICE;
	if (hw_window)
		return IOMMU_MSI_DENY_HW_WINDOW;
	return IOMMU_MSI_NO_DOORBELL;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_msi_verdict);

struct iommu_msi_facts {
	bool msi_device;
	bool hw_window;
	bool isolated;
};

static int iommu_msi_gather(struct device *dev, void *data)
{
	struct iommu_msi_facts *facts = data;
	LIST_HEAD(regions);

	facts->isolated &= msi_device_has_isolated_msi(dev);
	facts->msi_device |= iommu_dev_can_msi(dev);
	/* A device on its way out of the group has no IOMMU to ask. */
	if (!dev->iommu || !dev->iommu->iommu_dev)
		return 0;
	iommu_get_resv_regions(dev, &regions);
	facts->hw_window |= iommu_resv_regions_have_hw_msi(&regions);
	iommu_put_resv_regions(dev, &regions);
	return 0;
}

/**
 * iommu_group_msi_verdict() - Whether MSIs let a user own a group's DMA
 * @group: Group to judge
 * @allow_unsafe: The caller's allow_unsafe_interrupts
 *
 * Without MSI isolation, a device whose DMA a user controls could write to an
 * MSI doorbell and raise interrupts the user does not own, so VFIO and iommufd
 * let such a group in only if the administrator allows unsafe interrupts.
 * DMA reaches a doorbell only through the IOMMU, though.  Where the IOMMU
 * translates the MSI window (IOMMU_RESV_SW_MSI), the MSI layer maps a doorbell
 * into a domain only for a device in it that is given MSIs, and only if the
 * domain has an MSI cookie; an IOMMU without an MSI window maps none at all.
 * A group none of whose devices can issue MSIs (no PCI device, no MSI domain)
 * is therefore safe without the parameter, on condition that its domain never
 * gets a cookie: a device can join the group after the verdict (hotplug, a
 * device tree overlay) and be attached to the group's domain.  Writes to a
 * hardware MSI window (IOMMU_RESV_MSI) bypass translation, so behind one any
 * DMA can ring a doorbell and the parameter stays needed.
 *
 * The facts are gathered under the group's mutex, so a device joining
 * meanwhile is either judged here or attached after the verdict; the verdict
 * holds for the group as it is now, and callers judge it again at each attach.
 *
 * Return: the reason the group may be given to a user, which
 * iommu_msi_verdict_allows(), or the condition refusing it.
 */
enum iommu_msi_verdict iommu_group_msi_verdict(struct iommu_group *group,
					       bool allow_unsafe)
{
	struct iommu_msi_facts facts = { .isolated = true };

	iommu_group_for_each_dev(group, &facts, iommu_msi_gather);
	return iommu_msi_verdict(facts.msi_device, facts.hw_window,
				 facts.isolated, allow_unsafe);
}
EXPORT_SYMBOL_GPL(iommu_group_msi_verdict);
