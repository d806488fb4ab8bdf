// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the IOMMU core's MSI rule: whether a group without MSI
 * isolation may be given to a user, and on which condition.
 */

#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/pci.h>
#include <linux/platform_device.h>

#include "iommu-priv.h"

/* How a test device is put together */
enum iommu_msi_test_bus {
	TEST_BUS_NONE,
	TEST_BUS_PLATFORM,
	TEST_BUS_PCI,
};

static const char * const iommu_msi_test_bus_names[] = {
	[TEST_BUS_NONE] = "no bus",
	[TEST_BUS_PLATFORM] = "platform",
	[TEST_BUS_PCI] = "pci",
};

static struct device *iommu_msi_test_device(struct kunit *test,
					    enum iommu_msi_test_bus bus,
					    bool msi_domain)
{
	struct device *dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);

	switch (bus) {
	case TEST_BUS_NONE:
		break;
	case TEST_BUS_PLATFORM:
		dev->bus = &platform_bus_type;
		break;
	case TEST_BUS_PCI:
#ifdef CONFIG_PCI
		dev->bus = &pci_bus_type;
#else
		kunit_skip(test, "needs CONFIG_PCI");
#endif
		break;
	}

	if (msi_domain) {
		/* Only its presence matters, nothing looks inside */
		struct irq_domain *domain;

		if (!IS_ENABLED(CONFIG_GENERIC_MSI_IRQ))
			kunit_skip(test, "needs CONFIG_GENERIC_MSI_IRQ");
		domain = kunit_kzalloc(test, sizeof(*domain), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, domain);
		dev_set_msi_domain(dev, domain);
	}

	return dev;
}

/* Reserved regions of a test group: bit N of @types adds a region of type N */
static struct list_head *iommu_msi_test_resv(struct kunit *test,
					     unsigned long types)
{
	struct list_head *regions;
	unsigned int type;

	regions = kunit_kzalloc(test, sizeof(*regions), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, regions);
	INIT_LIST_HEAD(regions);

	for_each_set_bit(type, &types, BITS_PER_LONG) {
		struct iommu_resv_region *region;

		region = kunit_kzalloc(test, sizeof(*region), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, region);
		region->start = 0x8000000 + type * SZ_1M;
		region->length = SZ_1M;
		region->type = type;
		list_add_tail(&region->list, regions);
	}

	return regions;
}

#define RESV_NONE	0
#define RESV_SW_MSI	BIT(IOMMU_RESV_SW_MSI)
#define RESV_HW_MSI	BIT(IOMMU_RESV_MSI)
#define RESV_DIRECT	BIT(IOMMU_RESV_DIRECT)
#define RESV_RESERVED	BIT(IOMMU_RESV_RESERVED)

struct iommu_msi_test_group {
	const char *desc;
	enum iommu_msi_test_bus bus;
	bool msi_domain;
	unsigned long resv;
	bool allow_unsafe;
	bool isolated;
	enum iommu_msi_verdict verdict;
};

static const struct iommu_msi_test_group iommu_msi_test_groups[] = {
	/* Isolation is enough, whatever the device and the window */
	{ "isolated pci, hw window", TEST_BUS_PCI, true, RESV_HW_MSI,
	  false, true, IOMMU_MSI_ISOLATED },
	{ "isolated platform+domain, sw window", TEST_BUS_PLATFORM, true,
	  RESV_SW_MSI, false, true, IOMMU_MSI_ISOLATED },
	{ "isolated wired platform, no window", TEST_BUS_PLATFORM, false,
	  RESV_NONE, true, true, IOMMU_MSI_ISOLATED },

	/* Devices that cannot issue MSIs behind a translated window or none */
	{ "wired platform, sw window", TEST_BUS_PLATFORM, false, RESV_SW_MSI,
	  false, false, IOMMU_MSI_NO_DOORBELL },
	{ "wired platform, no window", TEST_BUS_PLATFORM, false, RESV_NONE,
	  false, false, IOMMU_MSI_NO_DOORBELL },
	{ "wired platform, direct+reserved", TEST_BUS_PLATFORM, false,
	  RESV_DIRECT | RESV_RESERVED, false, false,
	  IOMMU_MSI_NO_DOORBELL },
	{ "no bus, no domain, sw window", TEST_BUS_NONE, false, RESV_SW_MSI,
	  false, false, IOMMU_MSI_NO_DOORBELL },

	/* The parameter lets them in as before, with a cookie for later MSIs */
	{ "wired platform, sw window, unsafe", TEST_BUS_PLATFORM, false,
	  RESV_SW_MSI, true, false, IOMMU_MSI_ALLOW_UNSAFE },
	{ "wired platform, no window, unsafe", TEST_BUS_PLATFORM, false,
	  RESV_NONE, true, false, IOMMU_MSI_ALLOW_UNSAFE },

	/* A hardware window keeps the old rule */
	{ "wired platform, hw window", TEST_BUS_PLATFORM, false, RESV_HW_MSI,
	  false, false, IOMMU_MSI_DENY_HW_WINDOW },
	{ "wired platform, hw+sw window", TEST_BUS_PLATFORM, false,
	  RESV_HW_MSI | RESV_SW_MSI, false, false,
	  IOMMU_MSI_DENY_HW_WINDOW },
	{ "wired platform, hw window, unsafe", TEST_BUS_PLATFORM, false,
	  RESV_HW_MSI, true, false, IOMMU_MSI_ALLOW_UNSAFE },

	/* So does a device that can issue MSIs */
	{ "platform+domain, sw window", TEST_BUS_PLATFORM, true, RESV_SW_MSI,
	  false, false, IOMMU_MSI_DENY_MSI_DEVICE },
	{ "platform+domain, no window", TEST_BUS_PLATFORM, true, RESV_NONE,
	  false, false, IOMMU_MSI_DENY_MSI_DEVICE },
	{ "platform+domain, sw window, unsafe", TEST_BUS_PLATFORM, true,
	  RESV_SW_MSI, true, false, IOMMU_MSI_ALLOW_UNSAFE },
	{ "pci, sw window", TEST_BUS_PCI, false, RESV_SW_MSI,
	  false, false, IOMMU_MSI_DENY_MSI_DEVICE },
	{ "pci, no window", TEST_BUS_PCI, false, RESV_NONE,
	  false, false, IOMMU_MSI_DENY_MSI_DEVICE },
	{ "pci, hw window", TEST_BUS_PCI, false, RESV_HW_MSI,
	  false, false, IOMMU_MSI_DENY_MSI_DEVICE },
	{ "pci+domain, hw window, unsafe", TEST_BUS_PCI, true, RESV_HW_MSI,
	  true, false, IOMMU_MSI_ALLOW_UNSAFE },
	{ "no bus+domain, sw window", TEST_BUS_NONE, true, RESV_SW_MSI,
	  false, false, IOMMU_MSI_DENY_MSI_DEVICE },
};

KUNIT_ARRAY_PARAM_DESC(iommu_msi_test_groups, iommu_msi_test_groups, desc);

static enum iommu_msi_verdict
iommu_msi_test_verdict(struct kunit *test, enum iommu_msi_test_bus bus,
		       bool msi_domain, unsigned long resv, bool allow_unsafe,
		       bool isolated)
{
	struct device *dev = iommu_msi_test_device(test, bus, msi_domain);
	struct list_head *regions = iommu_msi_test_resv(test, resv);

	return iommu_msi_verdict(iommu_dev_can_msi(dev),
				 iommu_resv_regions_have_hw_msi(regions),
				 isolated, allow_unsafe);
}

static void iommu_msi_test_table(struct kunit *test)
{
	const struct iommu_msi_test_group *m = test->param_value;

	KUNIT_EXPECT_EQ(test, m->verdict,
			iommu_msi_test_verdict(test, m->bus, m->msi_domain,
					       m->resv, m->allow_unsafe,
					       m->isolated));
}

static void iommu_msi_test_bound(struct kunit *test,
				 enum iommu_msi_test_bus bus,
				 bool msi_domain, unsigned long resv,
				 bool allow_unsafe, bool isolated)
{
	bool msi_device = bus == TEST_BUS_PCI || msi_domain;
	bool hw_window = resv & RESV_HW_MSI;
	bool allowed_before = isolated || allow_unsafe;
	enum iommu_msi_verdict verdict;

	verdict = iommu_msi_test_verdict(test, bus, msi_domain, resv,
					 allow_unsafe, isolated);

	/* Let in exactly what was let in before, or can reach no doorbell */
	KUNIT_EXPECT_EQ_MSG(test, iommu_msi_verdict_allows(verdict),
			    allowed_before || !(msi_device || hw_window),
			    "%s domain=%d resv=%#lx unsafe=%d isolated=%d: verdict %d",
			    iommu_msi_test_bus_names[bus], msi_domain, resv,
			    allow_unsafe, isolated, verdict);

	/* No MSI cookie for the domain only for what was not let in before */
	KUNIT_EXPECT_EQ_MSG(test, verdict == IOMMU_MSI_NO_DOORBELL,
			    !allowed_before && !msi_device && !hw_window,
			    "%s domain=%d resv=%#lx unsafe=%d isolated=%d: verdict %d",
			    iommu_msi_test_bus_names[bus], msi_domain, resv,
			    allow_unsafe, isolated, verdict);
}

/*
 * Over every combination: the rule never refuses what isolation or
 * allow_unsafe_interrupts allowed before, never lets in, without them, a
 * group with an MSI-capable device or behind a hardware MSI window, and lets
 * in every other group. A group is denied an MSI cookie
 * (IOMMU_MSI_NO_DOORBELL) exactly when neither isolation nor the
 * parameter let it in, as they did before with a cookie. Combinations that
 * need what the kernel lacks (PCI, MSI domains) are left out, not the rest.
 */
static void iommu_msi_test_bounds(struct kunit *test)
{
	static const unsigned long resvs[] = {
		RESV_NONE, RESV_SW_MSI, RESV_HW_MSI, RESV_HW_MSI | RESV_SW_MSI,
	};
	enum iommu_msi_test_bus bus;
	unsigned int i, bits, n = 0;

	for (bus = TEST_BUS_NONE; bus <= TEST_BUS_PCI; bus++) {
		if (bus == TEST_BUS_PCI && !IS_ENABLED(CONFIG_PCI))
			continue;
		for (i = 0; i < ARRAY_SIZE(resvs); i++) {
			for (bits = 0; bits < 8; bits++) {
				if ((bits & 1) &&
				    !IS_ENABLED(CONFIG_GENERIC_MSI_IRQ))
					continue;
				iommu_msi_test_bound(test, bus, bits & 1,
						     resvs[i], bits & 2,
						     bits & 4);
				n++;
			}
		}
	}
	kunit_info(test, "%u combinations checked\n", n);
}

static struct kunit_case iommu_msi_test_cases[] = {
	KUNIT_CASE_PARAM(iommu_msi_test_table,
			 iommu_msi_test_groups_gen_params),
	KUNIT_CASE(iommu_msi_test_bounds),
	{}
};

static struct kunit_suite iommu_msi_test_suite = {
	.name = "iommu_msi",
	.test_cases = iommu_msi_test_cases,
};

kunit_test_suite(iommu_msi_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for the IOMMU core's MSI rule");
MODULE_LICENSE("GPL");
