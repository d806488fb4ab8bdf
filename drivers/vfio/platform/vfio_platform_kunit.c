// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the VFIO platform core's logic.
 */
#include <kunit/test.h>

#include "vfio_platform_priv.h"

struct offset_case {
	const char *name;
	u32 index;
	u64 in_region;
};

static const struct offset_case offset_cases[] = {
	{ "first region start", 0, 0 },
	{ "first region last byte", 0, VFIO_PLATFORM_OFFSET_MASK },
	{ "second region", 1, 0x1000 },
	{ "odd offset", 7, 0x123 },
	{ "largest index", U32_MAX >> 8, 0 },
};

static void offset_case_desc(const struct offset_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(offset, offset_cases, offset_case_desc);

/* An offset built from an index and a position decodes back to both. */
static void offset_round_trips(struct kunit *test)
{
	const struct offset_case *c = test->param_value;
	u64 off = vfio_platform_index_to_offset(c->index) + c->in_region;

	KUNIT_EXPECT_EQ(test, vfio_platform_offset_to_index(off), c->index);
	KUNIT_EXPECT_EQ(test, vfio_platform_offset_in_region(off), c->in_region);
}

/* Region N starts exactly N terabytes into the device fd. */
static void offset_is_index_times_terabyte(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, vfio_platform_index_to_offset(0), 0ULL);
	KUNIT_EXPECT_EQ(test, vfio_platform_index_to_offset(1), 1ULL << 40);
	KUNIT_EXPECT_EQ(test, vfio_platform_index_to_offset(3), 3ULL << 40);
}

static struct kunit_case vfio_platform_offset_test_cases[] = {
	KUNIT_CASE_PARAM(offset_round_trips, offset_gen_params),
	KUNIT_CASE(offset_is_index_times_terabyte),
	{}
};

static struct kunit_suite vfio_platform_offset_test_suite = {
	.name = "vfio_platform_offset",
	.test_cases = vfio_platform_offset_test_cases,
};

kunit_test_suites(&vfio_platform_offset_test_suite);

MODULE_DESCRIPTION("KUnit tests for the VFIO platform core");
MODULE_LICENSE("GPL");
