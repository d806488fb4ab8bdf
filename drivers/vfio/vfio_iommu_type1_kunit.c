// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the VFIO Type1 IOMMU driver: which container types it
 * offers, and the IOMMU protection each type gives a DMA mapping.
 */

#include <kunit/test.h>
#include <linux/iommu.h>
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

static long vfio_type1_test_check_extension(void *iommu, unsigned long ext)
{
	return vfio_iommu_type1_ioctl(iommu, VFIO_CHECK_EXTENSION, ext);
}

/* Opens a container of @type, as VFIO_SET_IOMMU does, until the test ends */
static void *vfio_type1_test_open(struct kunit *test, unsigned long type)
{
	void *iommu = vfio_iommu_type1_open(type);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, iommu);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test,
						  vfio_iommu_type1_release,
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
				    vfio_iommu_type1_open(others[i]));
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

static struct kunit_case vfio_type1_test_cases[] = {
	KUNIT_CASE(vfio_type1_test_types_offered),
	KUNIT_CASE(vfio_type1_test_open_unknown),
	KUNIT_CASE_PARAM(vfio_type1_test_extension_after_set,
			 vfio_type1_test_containers_gen_params),
	KUNIT_CASE_PARAM(vfio_type1_test_map_prot,
			 vfio_type1_test_containers_gen_params),
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
