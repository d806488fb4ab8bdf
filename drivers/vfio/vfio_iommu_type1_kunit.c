// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the VFIO Type1 IOMMU driver: which container types it
 * offers, the IOMMU protection each type gives a DMA mapping, and the rule
 * deciding whether a group without MSI isolation may be attached.
 */

#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/vfio.h>

#include "vfio.h"

#define MAP_R	VFIO_DMA_MAP_FLAG_READ
#define MAP_W	VFIO_DMA_MAP_FLAG_WRITE
#define MAP_V	VFIO_DMA_MAP_FLAG_VADDR
#define MAP_X	VFIO_DMA_MAP_FLAG_EXEC
#define MAP_ALL	(MAP_R | MAP_W | MAP_V | MAP_X)

#define PROT_RW	(IOMMU_READ | IOMMU_WRITE)

/*
 * vfio_dma_map_prot() for every combination of the map flags: in the types
 * that keep every mapping executable, and in VFIO_TYPE1v2_EXEC_IOMMU.
 */
static const struct vfio_type1_test_prot {
	u32 flags;
	int prot;
	int exec_prot;
} vfio_type1_test_prots[] = {
	{ 0,				-EINVAL,	-EINVAL },
	{ MAP_R,			IOMMU_READ,	IOMMU_READ | IOMMU_NOEXEC },
	{ MAP_W,			IOMMU_WRITE,	IOMMU_WRITE | IOMMU_NOEXEC },
	{ MAP_R | MAP_W,		PROT_RW,	PROT_RW | IOMMU_NOEXEC },
	{ MAP_X,			-EINVAL,	-EINVAL },
	{ MAP_X | MAP_R,		IOMMU_READ,	IOMMU_READ },
	{ MAP_X | MAP_W,		IOMMU_WRITE,	IOMMU_WRITE },
	{ MAP_X | MAP_R | MAP_W,	PROT_RW,	PROT_RW },
	/* A vaddr update keeps the protection it finds */
	{ MAP_V,			0,		0 },
	{ MAP_V | MAP_R,		-EINVAL,	-EINVAL },
	{ MAP_V | MAP_W,		-EINVAL,	-EINVAL },
	{ MAP_V | MAP_R | MAP_W,	-EINVAL,	-EINVAL },
	{ MAP_V | MAP_X,		-EINVAL,	-EINVAL },
	{ MAP_V | MAP_X | MAP_R,	-EINVAL,	-EINVAL },
	{ MAP_V | MAP_X | MAP_W,	-EINVAL,	-EINVAL },
	{ MAP_V | MAP_X | MAP_R | MAP_W, -EINVAL,	-EINVAL },
};

struct vfio_type1_test_container {
	const char *name;
	unsigned long type;
	bool enforce_exec;
};

static const struct vfio_type1_test_container vfio_type1_test_containers[] = {
	{ "type1", VFIO_TYPE1_IOMMU, false },
	{ "type1v2", VFIO_TYPE1v2_IOMMU, false },
	{ "nesting", VFIO_TYPE1_NESTING_IOMMU, false },
	{ "type1v2-exec", VFIO_TYPE1v2_EXEC_IOMMU, true },
};

KUNIT_ARRAY_PARAM_DESC(vfio_type1_test_containers, vfio_type1_test_containers,
		       name);

static const struct vfio_iommu_driver_ops *vfio_type1_test_ops =
	&vfio_iommu_driver_ops_type1;

static long vfio_type1_test_check_extension(void *iommu, unsigned long ext)
{
	return vfio_type1_test_ops->ioctl(iommu, VFIO_CHECK_EXTENSION, ext);
}

/* Opens a container of @type, as VFIO_SET_IOMMU does, until the test ends */
static void *vfio_type1_test_open(struct kunit *test, unsigned long type)
{
	void *iommu = vfio_type1_test_ops->open(type);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, iommu);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  vfio_type1_test_ops->release,
						  iommu));
	return iommu;
}

/* Before VFIO_SET_IOMMU, the container offers every Type1 type */
static void vfio_type1_test_types_offered(struct kunit *test)
{
	const struct vfio_type1_test_container *c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vfio_type1_test_containers); i++) {
		c = &vfio_type1_test_containers[i];
		KUNIT_EXPECT_EQ_MSG(test, 1,
				    vfio_type1_test_check_extension(NULL, c->type),
				    "%s", c->name);
	}

	KUNIT_EXPECT_EQ(test, 0,
			vfio_type1_test_check_extension(NULL, VFIO_SPAPR_TCE_IOMMU));
	KUNIT_EXPECT_EQ(test, 0,
			vfio_type1_test_check_extension(NULL, VFIO_NOIOMMU_IOMMU));
}

static void vfio_type1_test_open_unknown(struct kunit *test)
{
	static const unsigned long others[] = {
		VFIO_SPAPR_TCE_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU, VFIO_NOIOMMU_IOMMU,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(others); i++)
		KUNIT_EXPECT_PTR_EQ(test, ERR_PTR(-EINVAL),
				    vfio_type1_test_ops->open(others[i]));
}

/* Once set, a container reports the EXEC type only if it is of that type */
static void vfio_type1_test_extension_after_set(struct kunit *test)
{
	const struct vfio_type1_test_container *c = test->param_value;
	void *iommu = vfio_type1_test_open(test, c->type);

	KUNIT_EXPECT_EQ(test, (long)c->enforce_exec,
			vfio_type1_test_check_extension(iommu,
							VFIO_TYPE1v2_EXEC_IOMMU));
	KUNIT_EXPECT_EQ(test, 1, vfio_type1_test_check_extension(iommu, c->type));
	KUNIT_EXPECT_EQ(test, 1,
			vfio_type1_test_check_extension(iommu, VFIO_TYPE1v2_IOMMU));
}

static void vfio_type1_test_map_prot(struct kunit *test)
{
	const struct vfio_type1_test_container *c = test->param_value;
	void *iommu = vfio_type1_test_open(test, c->type);
	const struct vfio_type1_test_prot *p;
	DECLARE_BITMAP(seen, MAP_ALL + 1) = { };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vfio_type1_test_prots); i++) {
		p = &vfio_type1_test_prots[i];
		KUNIT_EXPECT_EQ_MSG(test, vfio_dma_map_prot(iommu, p->flags),
				    c->enforce_exec ? p->exec_prot : p->prot,
				    "flags %#x", p->flags);
		__set_bit(p->flags, seen);
	}

	/* The table must cover every combination */
	KUNIT_EXPECT_TRUE(test, bitmap_full(seen, MAP_ALL + 1));
}

/* How a test device is put together */
enum vfio_type1_test_bus {
	TEST_BUS_NONE,
	TEST_BUS_PLATFORM,
	TEST_BUS_PCI,
};

static const char * const vfio_type1_test_bus_names[] = {
	[TEST_BUS_NONE] = "no bus",
	[TEST_BUS_PLATFORM] = "platform",
	[TEST_BUS_PCI] = "pci",
};

static struct device *vfio_type1_test_device(struct kunit *test,
					     enum vfio_type1_test_bus bus,
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
static struct list_head *vfio_type1_test_resv(struct kunit *test,
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

struct vfio_type1_test_msi {
	const char *desc;
	enum vfio_type1_test_bus bus;
	bool msi_domain;
	unsigned long resv;
	bool allow_unsafe;
	bool isolated;
	enum vfio_iommu_msi_verdict verdict;
};

static const struct vfio_type1_test_msi vfio_type1_test_msis[] = {
	/* Isolation is enough, whatever the device and the window */
	{ "isolated pci, hw window", TEST_BUS_PCI, true, RESV_HW_MSI,
	  false, true, VFIO_IOMMU_MSI_ISOLATED },
	{ "isolated platform+domain, sw window", TEST_BUS_PLATFORM, true,
	  RESV_SW_MSI, false, true, VFIO_IOMMU_MSI_ISOLATED },
	{ "isolated wired platform, no window", TEST_BUS_PLATFORM, false,
	  RESV_NONE, true, true, VFIO_IOMMU_MSI_ISOLATED },

	/* Devices that cannot issue MSIs behind a translated window or none */
	{ "wired platform, sw window", TEST_BUS_PLATFORM, false, RESV_SW_MSI,
	  false, false, VFIO_IOMMU_MSI_NO_DOORBELL },
	{ "wired platform, no window", TEST_BUS_PLATFORM, false, RESV_NONE,
	  false, false, VFIO_IOMMU_MSI_NO_DOORBELL },
	{ "wired platform, direct+reserved", TEST_BUS_PLATFORM, false,
	  RESV_DIRECT | RESV_RESERVED, false, false,
	  VFIO_IOMMU_MSI_NO_DOORBELL },
	{ "no bus, no domain, sw window", TEST_BUS_NONE, false, RESV_SW_MSI,
	  false, false, VFIO_IOMMU_MSI_NO_DOORBELL },

	/* The parameter lets them in as before, with a cookie for later MSIs */
	{ "wired platform, sw window, unsafe", TEST_BUS_PLATFORM, false,
	  RESV_SW_MSI, true, false, VFIO_IOMMU_MSI_ALLOW_UNSAFE },
	{ "wired platform, no window, unsafe", TEST_BUS_PLATFORM, false,
	  RESV_NONE, true, false, VFIO_IOMMU_MSI_ALLOW_UNSAFE },

	/* A hardware window keeps the old rule */
	{ "wired platform, hw window", TEST_BUS_PLATFORM, false, RESV_HW_MSI,
	  false, false, VFIO_IOMMU_MSI_DENY_HW_WINDOW },
	{ "wired platform, hw+sw window", TEST_BUS_PLATFORM, false,
	  RESV_HW_MSI | RESV_SW_MSI, false, false,
	  VFIO_IOMMU_MSI_DENY_HW_WINDOW },
	{ "wired platform, hw window, unsafe", TEST_BUS_PLATFORM, false,
	  RESV_HW_MSI, true, false, VFIO_IOMMU_MSI_ALLOW_UNSAFE },

	/* So does a device that can issue MSIs */
	{ "platform+domain, sw window", TEST_BUS_PLATFORM, true, RESV_SW_MSI,
	  false, false, VFIO_IOMMU_MSI_DENY_MSI_DEVICE },
	{ "platform+domain, no window", TEST_BUS_PLATFORM, true, RESV_NONE,
	  false, false, VFIO_IOMMU_MSI_DENY_MSI_DEVICE },
	{ "platform+domain, sw window, unsafe", TEST_BUS_PLATFORM, true,
	  RESV_SW_MSI, true, false, VFIO_IOMMU_MSI_ALLOW_UNSAFE },
	{ "pci, sw window", TEST_BUS_PCI, false, RESV_SW_MSI,
	  false, false, VFIO_IOMMU_MSI_DENY_MSI_DEVICE },
	{ "pci, no window", TEST_BUS_PCI, false, RESV_NONE,
	  false, false, VFIO_IOMMU_MSI_DENY_MSI_DEVICE },
	{ "pci, hw window", TEST_BUS_PCI, false, RESV_HW_MSI,
	  false, false, VFIO_IOMMU_MSI_DENY_MSI_DEVICE },
	{ "pci+domain, hw window, unsafe", TEST_BUS_PCI, true, RESV_HW_MSI,
	  true, false, VFIO_IOMMU_MSI_ALLOW_UNSAFE },
	{ "no bus+domain, sw window", TEST_BUS_NONE, true, RESV_SW_MSI,
	  false, false, VFIO_IOMMU_MSI_DENY_MSI_DEVICE },
};

KUNIT_ARRAY_PARAM_DESC(vfio_type1_test_msis, vfio_type1_test_msis, desc);

static enum vfio_iommu_msi_verdict
vfio_type1_test_verdict(struct kunit *test, enum vfio_type1_test_bus bus,
			bool msi_domain, unsigned long resv, bool allow_unsafe,
			bool isolated)
{
	struct device *dev = vfio_type1_test_device(test, bus, msi_domain);

	return vfio_iommu_msi_verdict(vfio_type1_test_resv(test, resv),
				      vfio_iommu_dev_can_msi(dev, NULL),
				      isolated, allow_unsafe);
}

static void vfio_type1_test_msi_verdict(struct kunit *test)
{
	const struct vfio_type1_test_msi *m = test->param_value;

	KUNIT_EXPECT_EQ(test, m->verdict,
			vfio_type1_test_verdict(test, m->bus, m->msi_domain,
						m->resv, m->allow_unsafe,
						m->isolated));
}

static bool vfio_type1_test_allowed(enum vfio_iommu_msi_verdict verdict)
{
	return verdict == VFIO_IOMMU_MSI_ISOLATED ||
	       verdict == VFIO_IOMMU_MSI_NO_DOORBELL ||
	       verdict == VFIO_IOMMU_MSI_ALLOW_UNSAFE;
}

static void vfio_type1_test_msi_bound(struct kunit *test,
				      enum vfio_type1_test_bus bus,
				      bool msi_domain, unsigned long resv,
				      bool allow_unsafe, bool isolated)
{
	bool msi_device = bus == TEST_BUS_PCI || msi_domain;
	bool hw_window = resv & RESV_HW_MSI;
	bool allowed_before = isolated || allow_unsafe;
	enum vfio_iommu_msi_verdict verdict;

	verdict = vfio_type1_test_verdict(test, bus, msi_domain, resv,
					  allow_unsafe, isolated);

	/* Let in exactly what was let in before, or can reach no doorbell */
	KUNIT_EXPECT_EQ_MSG(test, vfio_type1_test_allowed(verdict),
			    allowed_before || !(msi_device || hw_window),
			    "%s domain=%d resv=%#lx unsafe=%d isolated=%d: verdict %d",
			    vfio_type1_test_bus_names[bus], msi_domain, resv,
			    allow_unsafe, isolated, verdict);

	/* No MSI cookie for the domain only for what was not let in before */
	KUNIT_EXPECT_EQ_MSG(test, verdict == VFIO_IOMMU_MSI_NO_DOORBELL,
			    !allowed_before && !msi_device && !hw_window,
			    "%s domain=%d resv=%#lx unsafe=%d isolated=%d: verdict %d",
			    vfio_type1_test_bus_names[bus], msi_domain, resv,
			    allow_unsafe, isolated, verdict);
}

/*
 * Over every combination: the rule never refuses what isolation or
 * allow_unsafe_interrupts allowed before, never lets in, without them, a
 * group with an MSI-capable device or behind a hardware MSI window, and lets
 * in every other group. A group is denied an MSI cookie
 * (VFIO_IOMMU_MSI_NO_DOORBELL) exactly when neither isolation nor the
 * parameter let it in, as they did before with a cookie. Combinations that
 * need what the kernel lacks (PCI, MSI domains) are left out, not the rest.
 */
static void vfio_type1_test_msi_bounds(struct kunit *test)
{
	static const unsigned long resvs[] = {
		RESV_NONE, RESV_SW_MSI, RESV_HW_MSI, RESV_HW_MSI | RESV_SW_MSI,
	};
	enum vfio_type1_test_bus bus;
	unsigned int i, bits, n = 0;

	for (bus = TEST_BUS_NONE; bus <= TEST_BUS_PCI; bus++) {
		if (bus == TEST_BUS_PCI && !IS_ENABLED(CONFIG_PCI))
			continue;
		for (i = 0; i < ARRAY_SIZE(resvs); i++) {
			for (bits = 0; bits < 8; bits++) {
				if ((bits & 1) &&
				    !IS_ENABLED(CONFIG_GENERIC_MSI_IRQ))
					continue;
				vfio_type1_test_msi_bound(test, bus, bits & 1,
							  resvs[i], bits & 2,
							  bits & 4);
				n++;
			}
		}
	}
	kunit_info(test, "%u combinations checked\n", n);
}

static struct kunit_case vfio_type1_test_cases[] = {
	KUNIT_CASE(vfio_type1_test_types_offered),
	KUNIT_CASE(vfio_type1_test_open_unknown),
	KUNIT_CASE_PARAM(vfio_type1_test_extension_after_set,
			 vfio_type1_test_containers_gen_params),
	KUNIT_CASE_PARAM(vfio_type1_test_map_prot,
			 vfio_type1_test_containers_gen_params),
	KUNIT_CASE_PARAM(vfio_type1_test_msi_verdict,
			 vfio_type1_test_msis_gen_params),
	KUNIT_CASE(vfio_type1_test_msi_bounds),
	{}
};

static struct kunit_suite vfio_type1_test_suite = {
	.name = "vfio_iommu_type1",
	.test_cases = vfio_type1_test_cases,
};

kunit_test_suite(vfio_type1_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for the VFIO Type1 IOMMU driver");
MODULE_LICENSE("GPL");
