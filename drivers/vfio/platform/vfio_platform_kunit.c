// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the VFIO platform core's logic: offset encoding, the region
 * table, access splitting, read/write through user buffers, mmap() checks,
 * SET_IRQS validation, the interrupt mask state machine and reset selection.
 *
 * Regions are backed by kernel memory standing in for MMIO, and interrupts by
 * Linux IRQs on the dummy irq_chip, fired by calling their flow handler, so the
 * tests need no device.
 */
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vfio_platform.h>

#include <kunit/platform_device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>

#include "vfio_platform_priv.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Offsets */

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

KUNIT_ARRAY_PARAM_DESC(offset, offset_cases, name);

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

/* The byte after a region's last possible offset belongs to the next region. */
static void offset_carries_into_next_index(struct kunit *test)
{
	u64 off = vfio_platform_index_to_offset(2) + VFIO_PLATFORM_OFFSET_MASK + 1;

	KUNIT_EXPECT_EQ(test, vfio_platform_offset_to_index(off), 3U);
	KUNIT_EXPECT_EQ(test, vfio_platform_offset_in_region(off), 0ULL);
}

static struct kunit_case vfio_platform_offset_test_cases[] = {
	KUNIT_CASE_PARAM(offset_round_trips, offset_gen_params),
	KUNIT_CASE(offset_is_index_times_terabyte),
	KUNIT_CASE(offset_carries_into_next_index),
	{}
};

static struct kunit_suite vfio_platform_offset_test_suite = {
	.name = "vfio_platform_offset",
	.test_cases = vfio_platform_offset_test_cases,
};

/* Region table */

#define RW	(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)
#define RO	VFIO_REGION_INFO_FLAG_READ
#define MMAP	VFIO_REGION_INFO_FLAG_MMAP

struct resource_case {
	const char *name;
	struct resource res;
	int ret;
	u32 flags;
	bool pio;
	bool no_ioport;
};

static const struct resource_case resource_cases[] = {
	{ "mem, one page", DEFINE_RES_MEM(0x10000000, SZ_4K), 0, RW | MMAP },
	{ "mem, several pages", DEFINE_RES_MEM(0x10000000, SZ_64K), 0, RW | MMAP },
	{ "mem, unaligned start", DEFINE_RES_MEM(0x10000100, SZ_4K), 0, RW },
	{ "mem, unaligned size", DEFINE_RES_MEM(0x10000000, 0x100), 0, RW },
	{ "mem, unaligned end", DEFINE_RES_MEM(0x10000000, SZ_4K + 4), 0, RW },
	{ "mem read-only, aligned",
	  DEFINE_RES_NAMED(0x10000000, SZ_4K, NULL,
			   IORESOURCE_MEM | IORESOURCE_READONLY), 0, RO | MMAP },
	{ "mem read-only, unaligned",
	  DEFINE_RES_NAMED(0x10000010, 0x10, NULL,
			   IORESOURCE_MEM | IORESOURCE_READONLY), 0, RO },
	{ "io", DEFINE_RES_IO(0x3f8, 8), 0, RW, true },
	{ "io, page aligned, never mapped", DEFINE_RES_IO(0x1000, SZ_4K), 0, RW, true },
	{ "io read-only",
	  DEFINE_RES_NAMED(0x60, 1, NULL, IORESOURCE_IO | IORESOURCE_READONLY),
	  0, RO, true },
	{ "io without port accessors", DEFINE_RES_IO(0x3f8, 8), 0, 0, true, true },
	{ "mem without port accessors", DEFINE_RES_MEM(0x10000000, SZ_4K), 0,
	  RW | MMAP, false, true },
	{ "mem of one terabyte", DEFINE_RES_MEM(0, BIT_ULL(40)), 0, RW | MMAP },
	{ "mem past one terabyte", DEFINE_RES_MEM(0, BIT_ULL(40) + SZ_4K), -EINVAL },
	{ "irq is no region", DEFINE_RES_IRQ(5), -EINVAL },
	{ "bus number is no region", DEFINE_RES_NAMED(0, 1, NULL, IORESOURCE_BUS),
	  -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(resource, resource_cases, name);

/* Each resource becomes a region with the flags its type and alignment allow. */
static void region_from_resource(struct kunit *test)
{
	const struct resource_case *c = test->param_value;
	struct vfio_platform_region reg = { .mmio = (void __force __iomem *)1 };
	int ret;

	ret = vfio_platform_region_from_resource(&reg, &c->res, !c->no_ioport);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret)
		return;
	KUNIT_EXPECT_EQ(test, reg.start, c->res.start);
	KUNIT_EXPECT_EQ(test, reg.size, resource_size(&c->res));
	KUNIT_EXPECT_EQ(test, reg.flags, c->flags);
	KUNIT_EXPECT_EQ(test, reg.pio, c->pio);
	KUNIT_EXPECT_TRUE(test, !reg.mmio);
}

/* A fake device with three regions: RW, RO and port I/O. */
static struct vfio_platform_device *fake_vpdev_with_regions(struct kunit *test)
{
	static const struct resource res[] = {
		DEFINE_RES_MEM(0x10000000, 3 * SZ_4K),
		DEFINE_RES_NAMED(0x10010000, 0x100, NULL,
				 IORESOURCE_MEM | IORESOURCE_READONLY),
		DEFINE_RES_IO(0x3f8, 8),
	};
	struct vfio_platform_device *vpdev;
	unsigned int i;

	vpdev = kunit_kzalloc(test, sizeof(*vpdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vpdev);
	vpdev->regions = kunit_kcalloc(test, ARRAY_SIZE(res),
				       sizeof(*vpdev->regions), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vpdev->regions);
	for (i = 0; i < ARRAY_SIZE(res); i++)
		KUNIT_ASSERT_EQ(test, vfio_platform_region_from_resource(&vpdev->regions[i],
									 &res[i], true), 0);
	vpdev->num_regions = ARRAY_SIZE(res);
	return vpdev;
}

struct region_info_case {
	const char *name;
	u32 index;
	int ret;
	u64 size;
	u32 flags;
};

static const struct region_info_case region_info_cases[] = {
	{ "first region", 0, 0, 3 * SZ_4K, RW | MMAP },
	{ "read-only region", 1, 0, 0x100, RO },
	{ "last region", 2, 0, 8, RW },
	{ "one past the last", 3, -EINVAL },
	{ "largest index", U32_MAX, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(region_info, region_info_cases, name);

/* GET_REGION_INFO answers for existing indexes only, and then exactly. */
static void region_info_bounds(struct kunit *test)
{
	const struct region_info_case *c = test->param_value;
	struct vfio_platform_device *vpdev = fake_vpdev_with_regions(test);
	/* Sentinels in every field the answer fills in. */
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = c->index,
		.flags = 0xdead,
		.cap_offset = 0xdead,
		.size = 0xdead,
		.offset = 0xdead,
	};

	KUNIT_ASSERT_EQ(test, vfio_platform_region_info(vpdev, &info), c->ret);
	if (c->ret) {
		/* Nothing is filled in for an index that does not exist. */
		KUNIT_EXPECT_EQ(test, info.index, c->index);
		KUNIT_EXPECT_EQ(test, info.flags, 0xdeadU);
		KUNIT_EXPECT_EQ(test, info.cap_offset, 0xdeadU);
		KUNIT_EXPECT_EQ(test, info.size, 0xdeadULL);
		KUNIT_EXPECT_EQ(test, info.offset, 0xdeadULL);
		return;
	}
	KUNIT_EXPECT_EQ(test, info.index, c->index);
	KUNIT_EXPECT_EQ(test, info.size, c->size);
	KUNIT_EXPECT_EQ(test, info.flags, c->flags);
	KUNIT_EXPECT_EQ(test, info.offset, (u64)c->index << 40);
	KUNIT_EXPECT_EQ(test, info.cap_offset, 0U);
}

static struct kunit_case vfio_platform_region_test_cases[] = {
	KUNIT_CASE_PARAM(region_from_resource, resource_gen_params),
	KUNIT_CASE_PARAM(region_info_bounds, region_info_gen_params),
	{}
};

static struct kunit_suite vfio_platform_region_test_suite = {
	.name = "vfio_platform_region",
	.test_cases = vfio_platform_region_test_cases,
};

/* Access splitting */

struct width_case {
	const char *name;
	u64 pos;
	size_t count;
	unsigned int max;
	/* The widths of the accesses in order, 0-terminated. */
	unsigned int widths[12];
};

static const struct width_case width_cases[] = {
	{ "aligned 16 bytes", 0, 16, 8, { 8, 8 } },
	{ "offset 1", 1, 16, 8, { 1, 2, 4, 8, 1 } },
	{ "offset 2", 2, 16, 8, { 2, 4, 8, 2 } },
	{ "offset 3", 3, 16, 8, { 1, 4, 8, 2, 1 } },
	{ "offset 4", 4, 16, 8, { 4, 8, 4 } },
	{ "offset 5", 5, 16, 8, { 1, 2, 8, 4, 1 } },
	{ "offset 6", 6, 16, 8, { 2, 8, 4, 2 } },
	{ "offset 7", 7, 16, 8, { 1, 8, 4, 2, 1 } },
	{ "one byte", 0, 1, 8, { 1 } },
	{ "three bytes", 0, 3, 8, { 2, 1 } },
	{ "seven bytes", 0, 7, 8, { 4, 2, 1 } },
	{ "register at high offset", 0x1ffc, 4, 8, { 4 } },
	{ "32-bit bus, aligned", 0, 16, 4, { 4, 4, 4, 4 } },
	{ "32-bit bus, offset 1", 1, 8, 4, { 1, 2, 4, 1 } },
	{ "byte bus", 2, 3, 1, { 1, 1, 1 } },
	{ "nothing", 0, 0, 8, { } },
};

KUNIT_ARRAY_PARAM_DESC(width, width_cases, name);

/* Each access is the widest naturally aligned one that fits what is left. */
static void access_width_splits(struct kunit *test)
{
	const struct width_case *c = test->param_value;
	size_t left = c->count;
	u64 pos = c->pos;
	unsigned int i, w;

	for (i = 0; left; i++) {
		KUNIT_ASSERT_LT(test, i, ARRAY_SIZE(c->widths));
		w = vfio_platform_access_width(pos, left, c->max);
		KUNIT_EXPECT_EQ_MSG(test, w, c->widths[i],
				    "access %u at %llu", i, pos);
		KUNIT_EXPECT_EQ(test, pos & (w - 1), 0ULL);
		pos += w;
		left -= w;
	}
	KUNIT_EXPECT_EQ(test, c->widths[i], 0U);
}

/*
 * The accessors themselves, on memory standing in for a device: a run moves
 * its n accesses' bytes in order, and not one byte past them.
 */
static void mmio_runs_move_their_bytes_and_no_more(struct kunit *test)
{
	static const unsigned int widths[] = { 1, 2, 4, IS_ENABLED(CONFIG_64BIT) ? 8 : 4 };
	static const size_t counts[] = { 1, 2, 5 };
	unsigned int w, c, i, len;
	u8 *dev, *buf;

	dev = kunit_kmalloc(test, 64, GFP_KERNEL);
	buf = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	for (w = 0; w < ARRAY_SIZE(widths); w++) {
		for (c = 0; c < ARRAY_SIZE(counts); c++) {
			len = widths[w] * counts[c];
			for (i = 0; i < 64; i++) {
				dev[i] = i;
				buf[i] = 0xa5;
			}
			vfio_platform_mmio_read((void __force __iomem *)dev, buf,
						widths[w], counts[c]);
			KUNIT_EXPECT_MEMEQ_MSG(test, buf, dev, len, "read %u x %zu",
					       widths[w], counts[c]);
			KUNIT_EXPECT_EQ_MSG(test, buf[len], 0xa5, "read %u x %zu",
					    widths[w], counts[c]);

			for (i = 0; i < 64; i++) {
				dev[i] = 0x5a;
				buf[i] = 64 - i;
			}
			vfio_platform_mmio_write((void __force __iomem *)dev, buf,
						 widths[w], counts[c]);
			KUNIT_EXPECT_MEMEQ_MSG(test, dev, buf, len, "write %u x %zu",
					       widths[w], counts[c]);
			KUNIT_EXPECT_EQ_MSG(test, dev[len], 0x5a, "write %u x %zu",
					    widths[w], counts[c]);
		}
	}
}

static struct kunit_case vfio_platform_width_test_cases[] = {
	KUNIT_CASE_PARAM(access_width_splits, width_gen_params),
	KUNIT_CASE(mmio_runs_move_their_bytes_and_no_more),
	{}
};

static struct kunit_suite vfio_platform_width_test_suite = {
	.name = "vfio_platform_access_width",
	.test_cases = vfio_platform_width_test_cases,
};

/* Access width policy, observed through static stubs on the accessors */

#define POLICY_MAX_ACCESSES	1024
#define POLICY_MAX_WIDTHS	20

struct policy_log {
	void __iomem *base;
	unsigned int n;
	u64 off[POLICY_MAX_ACCESSES];
	unsigned int width[POLICY_MAX_ACCESSES];
};

static void policy_record(void __iomem *addr, unsigned int width)
{
	struct kunit *test = kunit_get_current_test();
	struct policy_log *log = test->priv;

	if (log->n < POLICY_MAX_ACCESSES) {
		log->off[log->n] = addr - log->base;
		log->width[log->n] = width;
	}
	log->n++;
}

/* A run of @n accesses is logged as the @n accesses it makes. */
static void policy_read_stub(void __iomem *addr, void *buf, unsigned int width,
			     size_t n)
{
	memset(buf, 0, n * width);
	for (; n; n--, addr += width)
		policy_record(addr, width);
}

static void policy_write_stub(void __iomem *addr, const void *buf,
			      unsigned int width, size_t n)
{
	for (; n; n--, addr += width)
		policy_record(addr, width);
}

struct policy_case {
	const char *name;
	u32 page_offset;	/* of the region's first byte on the bus */
	u64 pos;		/* of the request in the region */
	size_t count;
	unsigned int bulk;	/* the device's bulk width */
	/* The widths of the accesses in order, 0-terminated; none: any. */
	unsigned int widths[POLICY_MAX_WIDTHS];
};

static const struct policy_case policy_cases[] = {
	{ "readq of an aligned register", 0, 8, 8, 4, { 8 } },
	{ "readl of an aligned register", 0, 4, 4, 4, { 4 } },
	{ "readw of an aligned register", 2, 0, 2, 4, { 2 } },
	{ "readb", 3, 0, 1, 4, { 1 } },
	{ "8 bytes at a bus address 4 past 8", 4, 0, 8, 4, { 4, 4 } },
	{ "8 bytes at a bus address 4 past 8, 8-byte bulk", 4, 0, 8, 8, { 4, 4 } },
	{ "8 bytes at an odd bus address", 1, 0, 8, 8, { 1, 2, 4, 1 } },
	{ "8 bytes 2 past 8", 2, 0, 8, 4, { 2, 4, 2 } },
	{ "4 bytes at a bus address 2 past 4", 2, 0, 4, 4, { 2, 2 } },
	{ "4 bytes at an odd offset but an aligned bus address", 1, 3, 4, 4,
	  { 4 } },
	{ "4 bytes at offset 0 of a region 1 past 4", 1, 0, 4, 4, { 1, 2, 1 } },
	{ "16 bytes are bulk: 4-byte accesses", 0, 0, 16, 4, { 4, 4, 4, 4 } },
	{ "16 bytes with reg-io-width 8", 0, 0, 16, 8, { 8, 8 } },
	{ "16 bytes with reg-io-width 1", 0, 0, 16, 1,
	  { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 } },
	{ "readq stays one readq with reg-io-width 1", 0, 0, 8, 1, { 8 } },
	{ "12 bytes at a bus address 4 past 8", 4, 0, 12, 8, { 4, 8 } },
	{ "bulk across a page, bus address 4 past 8", 4, SZ_4K - 12, 4096 + 3,
	  8, { } },
	{ "bulk of 3 bytes", 1, 0, 3, 8, { 1, 2 } },
};

KUNIT_ARRAY_PARAM_DESC(policy, policy_cases, name);

static int vfio_platform_policy_init(struct kunit *test)
{
	struct policy_log *log;

	log = kunit_kzalloc(test, sizeof(*log), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, log);
	test->priv = log;
	kunit_activate_static_stub(test, vfio_platform_mmio_read,
				   policy_read_stub);
	kunit_activate_static_stub(test, vfio_platform_mmio_write,
				   policy_write_stub);
	return 0;
}

/*
 * One region of two pages at @c->page_offset past a page boundary, whose
 * "mapping" is never dereferenced: the stubs only record the addresses.
 */
static struct vfio_platform_device *policy_vpdev(struct kunit *test,
						 const struct policy_case *c)
{
	struct resource res = DEFINE_RES_MEM(0x10000000 + c->page_offset,
					     2 * SZ_4K);
	struct policy_log *log = test->priv;
	struct vfio_platform_device *vpdev;

	vpdev = kunit_kzalloc(test, sizeof(*vpdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vpdev);
	vpdev->regions = kunit_kzalloc(test, sizeof(*vpdev->regions), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vpdev->regions);
	KUNIT_ASSERT_EQ(test, vfio_platform_region_from_resource(vpdev->regions,
								 &res, true), 0);
	vpdev->regions->bulk_width = c->bulk;
	/* Page aligned, like ioremap() of the region's page. */
	log->base = (void __force __iomem *)(0x4000UL << 20);
	vpdev->regions->mmio = log->base + c->page_offset;
	vpdev->num_regions = 1;
	return vpdev;
}

/*
 * Every access is naturally aligned on the bus, none is wider than the bulk
 * width unless the request is exactly one aligned access, the accesses cover
 * the request in order, and they are the widths the case lists.
 */
static void policy_check(struct kunit *test, const struct policy_case *c)
{
	struct policy_log *log = test->priv;
	u64 next = c->page_offset + c->pos;
	unsigned int i, w;

	KUNIT_ASSERT_LE(test, log->n, POLICY_MAX_ACCESSES);
	for (i = 0; i < log->n; i++) {
		w = log->width[i];
		KUNIT_EXPECT_EQ_MSG(test, log->off[i], next, "access %u", i);
		KUNIT_EXPECT_EQ_MSG(test, (0x10000000 + log->off[i]) % w, 0ULL,
				    "access %u of %u bytes at bus offset %#llx", i,
				    w, log->off[i]);
		if (log->n > 1)
			KUNIT_EXPECT_LE_MSG(test, w, c->bulk, "access %u", i);
		if (c->widths[0] && i < POLICY_MAX_WIDTHS)
			KUNIT_EXPECT_EQ_MSG(test, w, c->widths[i], "access %u", i);
		next = log->off[i] + w;
	}
	KUNIT_EXPECT_EQ(test, next, c->page_offset + c->pos + c->count);
	if (c->widths[0] && i < POLICY_MAX_WIDTHS)
		KUNIT_EXPECT_EQ(test, c->widths[i], 0U);
}

static char __user *policy_ubuf(struct kunit *test)
{
	unsigned long uaddr;

	uaddr = kunit_vm_mmap(test, NULL, 0, 4 * SZ_4K, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE(test, uaddr, 0);
	return (char __user *)uaddr;
}

static void read_access_widths(struct kunit *test)
{
	const struct policy_case *c = test->param_value;
	struct vfio_platform_device *vpdev = policy_vpdev(test, c);
	loff_t off = c->pos;

	KUNIT_ASSERT_EQ(test, vfio_platform_region_read(&vpdev->vdev,
							policy_ubuf(test),
							c->count, &off),
			(ssize_t)c->count);
	policy_check(test, c);
}

static void write_access_widths(struct kunit *test)
{
	const struct policy_case *c = test->param_value;
	struct vfio_platform_device *vpdev = policy_vpdev(test, c);
	loff_t off = c->pos;

	KUNIT_ASSERT_EQ(test, vfio_platform_region_write(&vpdev->vdev,
							 policy_ubuf(test),
							 c->count, &off),
			(ssize_t)c->count);
	policy_check(test, c);
}

struct bulk_case {
	const char *name;
	bool has_prop;
	u32 reg_io_width;
	unsigned int bulk;
};

static const struct bulk_case bulk_cases[] = {
	{ "no reg-io-width", false, 0, 4 },
	{ "reg-io-width 1", true, 1, 1 },
	{ "reg-io-width 2", true, 2, 2 },
	{ "reg-io-width 4", true, 4, 4 },
	{ "reg-io-width 8", true, 8, IS_ENABLED(CONFIG_64BIT) ? 8 : 4 },
	{ "reg-io-width 3 is ignored", true, 3, 4 },
	{ "reg-io-width 16 is ignored", true, 16, 4 },
};

KUNIT_ARRAY_PARAM_DESC(bulk, bulk_cases, name);

static struct platform_device *prop_test_pdev(struct kunit *test,
					      const struct property_entry *props);

/* The device's reg-io-width, where valid, sets its bulk width. */
static void bulk_width_from_reg_io_width(struct kunit *test)
{
	const struct bulk_case *c = test->param_value;
	struct property_entry props[] = {
		PROPERTY_ENTRY_U32("reg-io-width", c->reg_io_width),
		{}
	};
	struct platform_device *pdev;

	pdev = prop_test_pdev(test, c->has_prop ? props : NULL);
	KUNIT_EXPECT_EQ(test, vfio_platform_bulk_width(&pdev->dev), c->bulk);
}

static struct resource bulk_test_res = DEFINE_RES_MEM(0x10000000, SZ_4K);

static struct resource *bulk_test_get_resource(struct device *dev,
					       unsigned int index)
{
	return index ? NULL : &bulk_test_res;
}

static const struct vfio_platform_bus bulk_test_bus = {
	.get_resource = bulk_test_get_resource,
};

static void regions_release_action(void *vpdev)
{
	vfio_platform_regions_release(vpdev);
}

/* ...and its regions' transfers use that width, not the default. */
static void region_bulk_width_follows_reg_io_width(struct kunit *test)
{
	const struct bulk_case *c = test->param_value;
	struct property_entry props[] = {
		PROPERTY_ENTRY_U32("reg-io-width", c->reg_io_width),
		{}
	};
	struct vfio_platform_device *vpdev;
	struct platform_device *pdev;

	pdev = prop_test_pdev(test, c->has_prop ? props : NULL);
	vpdev = kunit_kzalloc(test, sizeof(*vpdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vpdev);
	vpdev->vdev.dev = &pdev->dev;
	vpdev->bus = &bulk_test_bus;

	KUNIT_ASSERT_EQ(test, vfio_platform_regions_init(vpdev), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, regions_release_action,
							vpdev), 0);
	KUNIT_ASSERT_EQ(test, vpdev->num_regions, 1U);
	KUNIT_EXPECT_EQ(test, vpdev->regions[0].bulk_width, c->bulk);
}

static struct kunit_case vfio_platform_policy_test_cases[] = {
	KUNIT_CASE_PARAM(read_access_widths, policy_gen_params),
	KUNIT_CASE_PARAM(write_access_widths, policy_gen_params),
	KUNIT_CASE_PARAM(bulk_width_from_reg_io_width, bulk_gen_params),
	KUNIT_CASE_PARAM(region_bulk_width_follows_reg_io_width, bulk_gen_params),
	{}
};

static struct kunit_suite vfio_platform_policy_test_suite = {
	.name = "vfio_platform_access_policy",
	.init = vfio_platform_policy_init,
	.test_cases = vfio_platform_policy_test_cases,
};

/* read(), write() and mmap() */

struct rw_ctx {
	struct vfio_platform_device *vpdev;
	u8 *mem[2];
	char __user *ubuf;
	u8 *kbuf;
};

#define RW_UBUF_SIZE	(4 * SZ_4K)

static u8 rw_pattern(unsigned int region, size_t pos)
{
	return (pos * 7 + region * 0x40 + 1) & 0xff;
}

static int vfio_platform_rw_init(struct kunit *test)
{
	struct rw_ctx *ctx;
	unsigned long uaddr;
	unsigned int r;
	size_t i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->vpdev = fake_vpdev_with_regions(test);

	/* Kernel memory stands in for the two MMIO regions. */
	for (r = 0; r < 2; r++) {
		size_t size = ctx->vpdev->regions[r].size;

		ctx->mem[r] = kunit_kmalloc(test, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ctx->mem[r]);
		for (i = 0; i < size; i++)
			ctx->mem[r][i] = rw_pattern(r, i);
		ctx->vpdev->regions[r].mmio = (void __force __iomem *)ctx->mem[r];
	}

	uaddr = kunit_vm_mmap(test, NULL, 0, RW_UBUF_SIZE, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0, "no user memory for the test");
	KUNIT_ASSERT_LT(test, uaddr, (unsigned long)TASK_SIZE);
	ctx->ubuf = (char __user *)uaddr;

	ctx->kbuf = kunit_kzalloc(test, RW_UBUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->kbuf);

	test->priv = ctx;
	return 0;
}

static ssize_t rw_read(struct rw_ctx *ctx, u32 index, u64 pos, size_t count)
{
	loff_t off = vfio_platform_index_to_offset(index) + pos;

	return vfio_platform_region_read(&ctx->vpdev->vdev, ctx->ubuf, count, &off);
}

static ssize_t rw_write(struct rw_ctx *ctx, u32 index, u64 pos, size_t count)
{
	loff_t off = vfio_platform_index_to_offset(index) + pos;

	return vfio_platform_region_write(&ctx->vpdev->vdev, ctx->ubuf, count, &off);
}

/* Fill the user buffer with a marker, to see what a failed read() left there. */
static void rw_mark_ubuf(struct kunit *test, struct rw_ctx *ctx, size_t count)
{
	memset(ctx->kbuf, 0xa5, count);
	KUNIT_ASSERT_EQ(test, copy_to_user(ctx->ubuf, ctx->kbuf, count), 0);
}

static void rw_fetch_ubuf(struct kunit *test, struct rw_ctx *ctx, size_t count)
{
	KUNIT_ASSERT_EQ(test, copy_from_user(ctx->kbuf, ctx->ubuf, count), 0);
}

struct read_case {
	const char *name;
	u32 index;
	u64 pos;
	size_t count;
};

static const struct read_case read_cases[] = {
	{ "one byte", 0, 0, 1 },
	{ "one register", 0, 0x10, 4 },
	{ "odd offset and length", 0, 0x13, 29 },
	{ "whole region, several chunks", 0, 0, 3 * SZ_4K },
	{ "across a chunk boundary", 0, SZ_4K - 3, 10 },
	{ "last byte", 0, 3 * SZ_4K - 1, 1 },
	{ "read-only region", 1, 0x20, 0x40 },
};

KUNIT_ARRAY_PARAM_DESC(read, read_cases, name);

/* read() returns the region's bytes in device order, whatever the alignment. */
static void read_returns_region_bytes(struct kunit *test)
{
	const struct read_case *c = test->param_value;
	struct rw_ctx *ctx = test->priv;
	size_t i;

	KUNIT_ASSERT_EQ(test, rw_read(ctx, c->index, c->pos, c->count),
			(ssize_t)c->count);
	rw_fetch_ubuf(test, ctx, c->count);
	for (i = 0; i < c->count; i++)
		KUNIT_ASSERT_EQ_MSG(test, ctx->kbuf[i],
				    rw_pattern(c->index, c->pos + i),
				    "byte %zu", i);
}

/* write() stores the user's bytes at the offset asked for, and nowhere else. */
static void write_stores_user_bytes(struct kunit *test)
{
	struct rw_ctx *ctx = test->priv;
	const u64 pos = SZ_4K - 5;
	const size_t count = 21;
	size_t i;

	for (i = 0; i < count; i++)
		ctx->kbuf[i] = 0x80 + i;
	KUNIT_ASSERT_EQ(test, copy_to_user(ctx->ubuf, ctx->kbuf, count), 0);

	KUNIT_ASSERT_EQ(test, rw_write(ctx, 0, pos, count), (ssize_t)count);
	for (i = 0; i < ctx->vpdev->regions[0].size; i++) {
		u8 want = i >= pos && i < pos + count ? 0x80 + (i - pos) :
							rw_pattern(0, i);

		KUNIT_ASSERT_EQ_MSG(test, ctx->mem[0][i], want, "byte %zu", i);
	}
}

/* read() and write() advance the file position by what they moved. */
static void rw_advances_position(struct kunit *test)
{
	struct rw_ctx *ctx = test->priv;
	loff_t off = vfio_platform_index_to_offset(0) + 8;

	KUNIT_EXPECT_EQ(test, vfio_platform_region_read(&ctx->vpdev->vdev,
							ctx->ubuf, 16, &off), 16);
	KUNIT_EXPECT_EQ(test, off, 24);
	KUNIT_EXPECT_EQ(test, vfio_platform_region_write(&ctx->vpdev->vdev,
							 ctx->ubuf, 8, &off), 8);
	KUNIT_EXPECT_EQ(test, off, 32);
}

struct rw_reject_case {
	const char *name;
	bool write;
	u32 index;
	u64 pos;
	size_t count;
	ssize_t ret;
};

static const struct rw_reject_case rw_reject_cases[] = {
	{ "read of nothing", false, 0, 0x10, 0, 0 },
	{ "write of nothing to read-only", true, 1, 0, 0, 0 },
	{ "read across the end", false, 0, 3 * SZ_4K - 2, 4, -EINVAL },
	{ "read at the end", false, 0, 3 * SZ_4K, 1, -EINVAL },
	{ "read far past the end", false, 0, VFIO_PLATFORM_OFFSET_MASK, 2, -EINVAL },
	{ "write across the end", true, 0, 3 * SZ_4K - 1, 2, -EINVAL },
	{ "read of unknown region", false, 3, 0, 4, -EINVAL },
	{ "read of largest index", false, (u32)(S64_MAX >> 40), 0, 4, -EINVAL },
	{ "write to read-only region", true, 1, 0, 4, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(rw_reject, rw_reject_cases, name);

/* Out-of-bounds requests fail whole: no byte is moved either way. */
static void rw_rejects_out_of_bounds(struct kunit *test)
{
	const struct rw_reject_case *c = test->param_value;
	struct rw_ctx *ctx = test->priv;
	ssize_t ret;
	size_t i;

	rw_mark_ubuf(test, ctx, 16);
	if (c->write)
		ret = rw_write(ctx, c->index, c->pos, c->count);
	else
		ret = rw_read(ctx, c->index, c->pos, c->count);
	KUNIT_EXPECT_EQ(test, ret, c->ret);

	rw_fetch_ubuf(test, ctx, 16);
	for (i = 0; i < 16; i++)
		KUNIT_ASSERT_EQ(test, ctx->kbuf[i], 0xa5);
	for (i = 0; i < ctx->vpdev->regions[0].size; i++)
		KUNIT_ASSERT_EQ(test, ctx->mem[0][i], rw_pattern(0, i));
	for (i = 0; i < ctx->vpdev->regions[1].size; i++)
		KUNIT_ASSERT_EQ(test, ctx->mem[1][i], rw_pattern(1, i));
}

/* A negative file position is refused before it is decoded. */
static void rw_rejects_negative_position(struct kunit *test)
{
	struct rw_ctx *ctx = test->priv;
	loff_t off = -4;

	KUNIT_EXPECT_EQ(test, vfio_platform_region_read(&ctx->vpdev->vdev,
							ctx->ubuf, 4, &off), -EINVAL);
}

/* A user buffer that cannot be written fails the read with -EFAULT. */
static void read_to_bad_buffer_faults(struct kunit *test)
{
	struct rw_ctx *ctx = test->priv;
	loff_t off = 0;

	KUNIT_EXPECT_EQ(test, vfio_platform_region_read(&ctx->vpdev->vdev,
							(char __user *)8, 4, &off),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, off, 0);
}

struct mmap_case {
	const char *name;
	unsigned long flags;
	unsigned long pgoff;
	unsigned long pages;
};

#define MMAP_SHARED_RW	(VM_SHARED | VM_MAYSHARE | VM_READ | VM_WRITE)
#define PGOFF(index)	((unsigned long)((index) << (VFIO_PLATFORM_OFFSET_SHIFT - PAGE_SHIFT)))

static const struct mmap_case mmap_reject_cases[] = {
	{ "private mapping", VM_READ | VM_WRITE, PGOFF(0), 1 },
	{ "unknown region", MMAP_SHARED_RW, PGOFF(3), 1 },
	{ "region without MMAP", VM_SHARED | VM_MAYSHARE | VM_READ, PGOFF(1), 1 },
	{ "port region", MMAP_SHARED_RW, PGOFF(2), 1 },
	{ "longer than the region", MMAP_SHARED_RW, PGOFF(0), 4 },
	{ "starting past the region", MMAP_SHARED_RW, PGOFF(0) + 3, 1 },
	{ "ending past the region", MMAP_SHARED_RW, PGOFF(0) + 2, 2 },
};

KUNIT_ARRAY_PARAM_DESC(mmap_reject, mmap_reject_cases, name);

/* mmap() refuses, before touching anything, what it must not map. */
static void mmap_rejects(struct kunit *test)
{
	const struct mmap_case *c = test->param_value;
	struct rw_ctx *ctx = test->priv;
	struct vm_area_struct *vma;

	vma = kunit_kzalloc(test, sizeof(*vma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vma->vm_start = 0x10000000;
	vma->vm_end = vma->vm_start + c->pages * PAGE_SIZE;
	vma->vm_pgoff = c->pgoff;
	vm_flags_init(vma, c->flags);

	KUNIT_EXPECT_EQ(test, vfio_platform_region_mmap(&ctx->vpdev->vdev, vma), -EINVAL);
	KUNIT_EXPECT_EQ(test, vma->vm_flags, (vm_flags_t)c->flags);
}

/* A read-only region can never be mapped writable. */
static void mmap_rejects_write_to_read_only(struct kunit *test)
{
	struct rw_ctx *ctx = test->priv;
	struct vm_area_struct *vma;
	struct resource res = DEFINE_RES_NAMED(0x10020000, SZ_4K, NULL,
					       IORESOURCE_MEM | IORESOURCE_READONLY);

	/* Make region 1 mappable: read-only, one aligned page. */
	KUNIT_ASSERT_EQ(test, vfio_platform_region_from_resource(&ctx->vpdev->regions[1],
								 &res, true), 0);
	KUNIT_ASSERT_TRUE(test, ctx->vpdev->regions[1].flags & MMAP);

	vma = kunit_kzalloc(test, sizeof(*vma), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	vma->vm_start = 0x10000000;
	vma->vm_end = vma->vm_start + PAGE_SIZE;
	vma->vm_pgoff = PGOFF(1);
	vm_flags_init(vma, MMAP_SHARED_RW);

	KUNIT_EXPECT_EQ(test, vfio_platform_region_mmap(&ctx->vpdev->vdev, vma), -EINVAL);
}

static struct kunit_case vfio_platform_rw_test_cases[] = {
	KUNIT_CASE_PARAM(read_returns_region_bytes, read_gen_params),
	KUNIT_CASE(write_stores_user_bytes),
	KUNIT_CASE(rw_advances_position),
	KUNIT_CASE_PARAM(rw_rejects_out_of_bounds, rw_reject_gen_params),
	KUNIT_CASE(rw_rejects_negative_position),
	KUNIT_CASE(read_to_bad_buffer_faults),
	KUNIT_CASE_PARAM(mmap_rejects, mmap_reject_gen_params),
	KUNIT_CASE(mmap_rejects_write_to_read_only),
	{}
};

static struct kunit_suite vfio_platform_rw_test_suite = {
	.name = "vfio_platform_rw",
	.init = vfio_platform_rw_init,
	.test_cases = vfio_platform_rw_test_cases,
};

/* Interrupts */

#define EVENTFD		VFIO_IRQ_SET_DATA_EVENTFD
#define BOOL		VFIO_IRQ_SET_DATA_BOOL
#define NONE		VFIO_IRQ_SET_DATA_NONE
#define TRIGGER		VFIO_IRQ_SET_ACTION_TRIGGER
#define MASK		VFIO_IRQ_SET_ACTION_MASK
#define UNMASK		VFIO_IRQ_SET_ACTION_UNMASK

struct irq_ctx {
	struct vfio_platform_device *vpdev;
	unsigned int virq[2];
};

/*
 * A fake device with an edge-triggered and a level-triggered interrupt, each
 * a real Linux IRQ on the dummy chip, with the flow handler of its kind.
 */
static int vfio_platform_irq_test_init(struct kunit *test)
{
	static const u32 flags[] = {
		VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE,
		VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			VFIO_IRQ_INFO_AUTOMASKED,
	};
	struct vfio_platform_irq *irq;
	struct irq_ctx *ctx;
	unsigned int i;
	int virq;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->vpdev = kunit_kzalloc(test, sizeof(*ctx->vpdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->vpdev);
	ctx->vpdev->irqs = kunit_kcalloc(test, 2, sizeof(*irq), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->vpdev->irqs);
	ctx->vpdev->num_irqs = 2;
	test->priv = ctx;

	for (i = 0; i < 2; i++) {
		virq = irq_alloc_desc(NUMA_NO_NODE);
		KUNIT_ASSERT_GT(test, virq, 0);
		ctx->virq[i] = virq;
		irq_set_chip_and_handler(virq, &dummy_irq_chip,
					 i ? handle_level_irq : handle_edge_irq);
		irq_clear_status_flags(virq, IRQ_NOREQUEST);
		/* Level lines are not resent on enable: the device re-asserts them. */
		if (i)
			irq_set_status_flags(virq, IRQ_LEVEL);

		irq = &ctx->vpdev->irqs[i];
		irq->hwirq = virq;
		irq->flags = flags[i];
		irq->name = "vfio-platform-kunit";
		mutex_init(&irq->lock);
		spin_lock_init(&irq->mask_lock);
	}
	return 0;
}

static void vfio_platform_irq_test_exit(struct kunit *test)
{
	struct irq_ctx *ctx = test->priv;
	unsigned int i;

	if (!ctx)
		return;
	for (i = 0; i < 2; i++) {
		if (!ctx->virq[i])
			continue;
		mutex_lock(&ctx->vpdev->irqs[i].lock);
		vfio_platform_irq_disable(&ctx->vpdev->irqs[i]);
		mutex_unlock(&ctx->vpdev->irqs[i].lock);
		irq_free_desc(ctx->virq[i]);
	}
}

static struct vfio_platform_irq *edge_irq(struct kunit *test)
{
	return &((struct irq_ctx *)test->priv)->vpdev->irqs[0];
}

static struct vfio_platform_irq *level_irq(struct kunit *test)
{
	return &((struct irq_ctx *)test->priv)->vpdev->irqs[1];
}

/* Request the line as setting a trigger would, with no eventfd to signal. */
static void irq_request(struct kunit *test, struct vfio_platform_irq *irq)
{
	int ret;

	mutex_lock(&irq->lock);
	ret = vfio_platform_irq_enable(irq, NULL);
	mutex_unlock(&irq->lock);
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_TRUE(test, irq->requested);
}

static void irq_free(struct vfio_platform_irq *irq)
{
	mutex_lock(&irq->lock);
	vfio_platform_irq_disable(irq);
	mutex_unlock(&irq->lock);
}

/* Raise the interrupt as the irqchip would. */
static void irq_fire(struct vfio_platform_irq *irq)
{
	unsigned long flags;

	local_irq_save(flags);
	generic_handle_irq(irq->hwirq);
	local_irq_restore(flags);
}

static int irq_set_none(struct vfio_platform_irq *irq, u32 action)
{
	return vfio_platform_irq_set(irq, action | NONE, 1, NULL);
}

static bool irq_line_disabled(struct vfio_platform_irq *irq)
{
	return irqd_irq_disabled(irq_get_irq_data(irq->hwirq));
}

struct irq_info_case {
	const char *name;
	u32 index;
	int ret;
	u32 flags;
};

static const struct irq_info_case irq_info_cases[] = {
	{ "edge line", 0, 0, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE },
	{ "level line", 1, 0, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			      VFIO_IRQ_INFO_AUTOMASKED },
	{ "one past the last", 2, -EINVAL },
	{ "largest index", U32_MAX, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(irq_info, irq_info_cases, name);

/* GET_IRQ_INFO answers for existing indexes only: one vector each. */
static void irq_info_bounds(struct kunit *test)
{
	const struct irq_info_case *c = test->param_value;
	struct irq_ctx *ctx = test->priv;
	/* Sentinels in the fields the answer fills in. */
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = c->index,
		.flags = 0xdead,
		.count = 0xdead,
	};

	KUNIT_ASSERT_EQ(test, vfio_platform_irq_info(ctx->vpdev, &info), c->ret);
	if (c->ret) {
		/* Nothing is filled in for an index that does not exist. */
		KUNIT_EXPECT_EQ(test, info.index, c->index);
		KUNIT_EXPECT_EQ(test, info.flags, 0xdeadU);
		KUNIT_EXPECT_EQ(test, info.count, 0xdeadU);
		return;
	}
	KUNIT_EXPECT_EQ(test, info.flags, c->flags);
	KUNIT_EXPECT_EQ(test, info.count, 1U);
}

/* The fields of a struct vfio_irq_set, whose flexible array forbids arrays of it. */
struct set_irqs_hdr_case {
	const char *name;
	u32 hdr[5];
	int ret;
	size_t data_size;
};

#define HDR_MINSZ	sizeof(struct vfio_irq_set)

static const struct set_irqs_hdr_case set_irqs_hdr_cases[] = {
	{ "trigger eventfd", { HDR_MINSZ + 4, TRIGGER | EVENTFD, 1, 0, 1 }, 0, 4 },
	{ "trigger bool", { HDR_MINSZ + 1, TRIGGER | BOOL, 0, 0, 1 }, 0, 1 },
	{ "disable trigger", { HDR_MINSZ, TRIGGER | NONE, 0, 0, 0 }, 0, 0 },
	{ "unmask none", { HDR_MINSZ, UNMASK | NONE, 1, 0, 1 }, 0, 0 },
	{ "index past the last", { HDR_MINSZ, MASK | NONE, 2, 0, 1 }, -EINVAL },
	{ "largest index", { HDR_MINSZ, MASK | NONE, U32_MAX, 0, 1 }, -EINVAL },
	{ "start past the vector", { HDR_MINSZ, MASK | NONE, 0, 1, 1 }, -EINVAL },
	{ "two vectors", { HDR_MINSZ + 8, TRIGGER | EVENTFD, 0, 0, 2 }, -EINVAL },
	{ "count overflowing start", { HDR_MINSZ, MASK | NONE, 0, 1, U32_MAX },
	  -EINVAL },
	{ "argsz below the header", { HDR_MINSZ - 1, MASK | NONE, 0, 0, 1 },
	  -EINVAL },
	{ "argsz without the eventfd", { HDR_MINSZ + 3, TRIGGER | EVENTFD, 0, 0, 1 },
	  -EINVAL },
	{ "unknown flag", { HDR_MINSZ, MASK | NONE | BIT(9), 0, 0, 1 }, -EINVAL },
	{ "two data types", { HDR_MINSZ + 4, MASK | NONE | BOOL, 0, 0, 1 },
	  -EINVAL },
	{ "no data type", { HDR_MINSZ, MASK, 0, 0, 1 }, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(set_irqs_hdr, set_irqs_hdr_cases, name);

/* The SET_IRQS header is checked against the device before any data is read. */
static void set_irqs_validates_header(struct kunit *test)
{
	const struct set_irqs_hdr_case *c = test->param_value;
	struct irq_ctx *ctx = test->priv;
	struct vfio_irq_set hdr = {
		.argsz = c->hdr[0],
		.flags = c->hdr[1],
		.index = c->hdr[2],
		.start = c->hdr[3],
		.count = c->hdr[4],
	};
	size_t data_size = 0xdead;
	int ret;

	ret = vfio_platform_set_irqs_validate(ctx->vpdev, &hdr, &data_size);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (!ret)
		KUNIT_EXPECT_EQ(test, data_size, c->data_size);
}

struct set_irqs_case {
	const char *name;
	u32 flags;
	u32 count;
	s32 data;
	int ret;
	bool masked;
};

static const struct set_irqs_case set_irqs_cases[] = {
	{ "no action", NONE, 1, 0, -EINVAL },
	{ "mask and unmask", MASK | UNMASK | NONE, 1, 0, -EINVAL },
	{ "trigger and mask", TRIGGER | MASK | NONE, 1, 0, -EINVAL },
	{ "all actions", TRIGGER | MASK | UNMASK | BOOL, 1, 1, -EINVAL },
	{ "trigger bool, no vector", TRIGGER | BOOL, 0, 1, -EINVAL },
	{ "trigger eventfd, no vector", TRIGGER | EVENTFD, 0, 3, -EINVAL },
	{ "mask, no vector", MASK | NONE, 0, 0, -EINVAL },
	{ "unmask bool, no vector", UNMASK | BOOL, 0, 1, -EINVAL },
	{ "trigger eventfd -2", TRIGGER | EVENTFD, 1, -2, -EINVAL },
	{ "mask eventfd -5", MASK | EVENTFD, 1, -5, -EINVAL },
	{ "unmask eventfd INT_MIN", UNMASK | EVENTFD, 1, S32_MIN, -EINVAL },
	{ "loopback without trigger", TRIGGER | NONE, 1, 0, -EINVAL },
	{ "bool loopback without trigger", TRIGGER | BOOL, 1, 1, -EINVAL },
	{ "false bool loopback", TRIGGER | BOOL, 1, 0, 0 },
	{ "disable without trigger", TRIGGER | NONE, 0, 0, 0 },
	{ "clear trigger without one", TRIGGER | EVENTFD, 1, -1, 0 },
	{ "trigger on a closed fd", TRIGGER | EVENTFD, 1, 1000, -EBADF },
	{ "mask", MASK | NONE, 1, 0, 0, true },
	{ "mask bool true", MASK | BOOL, 1, 1, 0, true },
	{ "mask bool false", MASK | BOOL, 1, 0, 0, false },
	{ "unmask", UNMASK | NONE, 1, 0, 0, false },
	{ "clear mask eventfd", MASK | EVENTFD, 1, -1, 0 },
	{ "clear unmask eventfd", UNMASK | EVENTFD, 1, -1, 0 },
};

KUNIT_ARRAY_PARAM_DESC(set_irqs, set_irqs_cases, name);

/* Each action and data type does what it says; other combinations fail. */
static void set_irqs_actions(struct kunit *test)
{
	const struct set_irqs_case *c = test->param_value;
	struct vfio_platform_irq *irq = level_irq(test);
	u8 b = c->data;
	const void *data = (c->flags & BOOL) ? (const void *)&b : &c->data;

	KUNIT_EXPECT_EQ(test, vfio_platform_irq_set(irq, c->flags, c->count, data),
			c->ret);
	KUNIT_EXPECT_EQ(test, irq->masked, c->masked);
	KUNIT_EXPECT_FALSE(test, irq->requested);
}

/* A level interrupt masks itself, and stays masked until unmasked. */
static void level_irq_automasks(struct kunit *test)
{
	struct vfio_platform_irq *irq = level_irq(test);

	irq_request(test, irq);
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(irq));

	irq_fire(irq);
	KUNIT_EXPECT_TRUE(test, irq->masked);
	KUNIT_EXPECT_TRUE(test, irq_line_disabled(irq));

	/* Still asserted: it does not get through while masked. */
	irq_fire(irq);
	KUNIT_EXPECT_TRUE(test, irq->masked);
	KUNIT_EXPECT_TRUE(test, irq_line_disabled(irq));

	KUNIT_EXPECT_EQ(test, irq_set_none(irq, UNMASK), 0);
	KUNIT_EXPECT_FALSE(test, irq->masked);
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(irq));
}

/* An edge interrupt is signalled without masking. */
static void edge_irq_does_not_automask(struct kunit *test)
{
	struct vfio_platform_irq *irq = edge_irq(test);

	irq_request(test, irq);
	irq_fire(irq);
	irq_fire(irq);
	KUNIT_EXPECT_FALSE(test, irq->masked);
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(irq));
}

/* MASK disables the line, UNMASK enables it; repeating either changes nothing. */
static void mask_and_unmask_nest_once(struct kunit *test)
{
	struct vfio_platform_irq *irq = edge_irq(test);

	irq_request(test, irq);
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, MASK), 0);
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, MASK), 0);
	KUNIT_EXPECT_TRUE(test, irq_line_disabled(irq));

	/* One unmask undoes any number of masks. */
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, UNMASK), 0);
	KUNIT_EXPECT_FALSE(test, irq->masked);
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(irq));

	/* And unmasking again must not unbalance the line. */
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, UNMASK), 0);
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, MASK), 0);
	KUNIT_EXPECT_TRUE(test, irq_line_disabled(irq));
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, UNMASK), 0);
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(irq));
}

/* A mask set before the trigger holds once the line is requested. */
static void mask_before_trigger_holds(struct kunit *test)
{
	struct vfio_platform_irq *irq = level_irq(test);

	KUNIT_EXPECT_EQ(test, irq_set_none(irq, MASK), 0);
	irq_request(test, irq);
	KUNIT_EXPECT_TRUE(test, irq->masked);
	KUNIT_EXPECT_TRUE(test, irq_line_disabled(irq));

	KUNIT_EXPECT_EQ(test, irq_set_none(irq, UNMASK), 0);
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(irq));
}

/* Clearing the trigger keeps the mask state for the next trigger. */
static void mask_survives_trigger_clear(struct kunit *test)
{
	struct vfio_platform_irq *irq = level_irq(test);

	irq_request(test, irq);
	irq_fire(irq);
	KUNIT_ASSERT_TRUE(test, irq->masked);

	KUNIT_EXPECT_EQ(test, vfio_platform_irq_set(irq, TRIGGER | NONE, 0, NULL), 0);
	KUNIT_EXPECT_FALSE(test, irq->requested);
	KUNIT_EXPECT_TRUE(test, irq->masked);

	irq_request(test, irq);
	KUNIT_EXPECT_TRUE(test, irq_line_disabled(irq));
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, UNMASK), 0);
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(irq));
}

/* Loopback on a level line masks it, as the interrupt itself would. */
static void loopback_automasks_level_line(struct kunit *test)
{
	struct vfio_platform_irq *irq = level_irq(test);
	u8 yes = 1;

	irq_request(test, irq);
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, TRIGGER), 0);
	KUNIT_EXPECT_TRUE(test, irq->masked);
	KUNIT_EXPECT_TRUE(test, irq_line_disabled(irq));

	KUNIT_EXPECT_EQ(test, irq_set_none(irq, UNMASK), 0);
	KUNIT_EXPECT_EQ(test, vfio_platform_irq_set(irq, TRIGGER | BOOL, 1, &yes), 0);
	KUNIT_EXPECT_TRUE(test, irq->masked);
}

/* Loopback on an edge line signals without masking. */
static void loopback_leaves_edge_line_unmasked(struct kunit *test)
{
	struct vfio_platform_irq *irq = edge_irq(test);

	irq_request(test, irq);
	KUNIT_EXPECT_EQ(test, irq_set_none(irq, TRIGGER), 0);
	KUNIT_EXPECT_FALSE(test, irq->masked);
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(irq));
}

/* The last close frees every line and leaves them unmasked for the next user. */
static void close_frees_and_unmasks(struct kunit *test)
{
	struct irq_ctx *ctx = test->priv;

	irq_request(test, edge_irq(test));
	irq_request(test, level_irq(test));
	KUNIT_EXPECT_EQ(test, irq_set_none(edge_irq(test), MASK), 0);
	irq_fire(level_irq(test));

	vfio_platform_irqs_close(ctx->vpdev);
	KUNIT_EXPECT_FALSE(test, edge_irq(test)->requested);
	KUNIT_EXPECT_FALSE(test, level_irq(test)->requested);
	KUNIT_EXPECT_FALSE(test, edge_irq(test)->masked);
	KUNIT_EXPECT_FALSE(test, level_irq(test)->masked);
	KUNIT_EXPECT_FALSE(test, irq_has_action(edge_irq(test)->hwirq));
	KUNIT_EXPECT_FALSE(test, irq_has_action(level_irq(test)->hwirq));

	/* The lines can be requested again, enabled. */
	irq_request(test, level_irq(test));
	KUNIT_EXPECT_FALSE(test, irq_line_disabled(level_irq(test)));
	irq_free(level_irq(test));
}

static irqreturn_t other_driver_handler(int irq, void *data)
{
	return IRQ_HANDLED;
}

/*
 * A line another driver holds cannot be requested, and the failed attempt
 * leaves that driver's settings of the line as they were.
 */
static void busy_line_left_alone(struct kunit *test)
{
	struct vfio_platform_irq *irq;
	int other, ret;

	/*
	 * The flags mismatch this case provokes makes DEBUG_SHIRQ dump the
	 * stack, a splat that fails the debug VM's run: kunit.py runs it.
	 */
	if (IS_ENABLED(CONFIG_DEBUG_SHIRQ))
		kunit_skip(test, "DEBUG_SHIRQ dumps the stack on the flags mismatch it provokes");

	irq = level_irq(test);

	KUNIT_ASSERT_EQ(test, request_irq(irq->hwirq, other_driver_handler, 0,
					  "kunit-other", &other), 0);
	irq_clear_status_flags(irq->hwirq, IRQ_DISABLE_UNLAZY);

	mutex_lock(&irq->lock);
	ret = vfio_platform_irq_enable(irq, NULL);
	mutex_unlock(&irq->lock);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_FALSE(test, irq->requested);
	KUNIT_EXPECT_FALSE(test, irq_check_status_bit(irq->hwirq,
						      IRQ_DISABLE_UNLAZY));

	/* And the other way round: a flag the other driver set stays set. */
	irq_set_status_flags(irq->hwirq, IRQ_DISABLE_UNLAZY);
	mutex_lock(&irq->lock);
	ret = vfio_platform_irq_enable(irq, NULL);
	mutex_unlock(&irq->lock);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_TRUE(test, irq_check_status_bit(irq->hwirq,
						     IRQ_DISABLE_UNLAZY));
	irq_clear_status_flags(irq->hwirq, IRQ_DISABLE_UNLAZY);
	free_irq(irq->hwirq, &other);
}

/* Once the line is ours, a level line is disabled at the chip at once. */
static void level_line_disabled_unlazily(struct kunit *test)
{
	struct vfio_platform_irq *irq = level_irq(test);

	irq_request(test, irq);
	KUNIT_EXPECT_TRUE(test, irq_check_status_bit(irq->hwirq,
						     IRQ_DISABLE_UNLAZY));
	irq_free(irq);
	KUNIT_EXPECT_FALSE(test, irq_check_status_bit(irq->hwirq,
						      IRQ_DISABLE_UNLAZY));
}

static struct kunit_case vfio_platform_irq_test_cases[] = {
	KUNIT_CASE(busy_line_left_alone),
	KUNIT_CASE(level_line_disabled_unlazily),
	KUNIT_CASE_PARAM(irq_info_bounds, irq_info_gen_params),
	KUNIT_CASE_PARAM(set_irqs_validates_header, set_irqs_hdr_gen_params),
	KUNIT_CASE_PARAM(set_irqs_actions, set_irqs_gen_params),
	KUNIT_CASE(level_irq_automasks),
	KUNIT_CASE(edge_irq_does_not_automask),
	KUNIT_CASE(mask_and_unmask_nest_once),
	KUNIT_CASE(mask_before_trigger_holds),
	KUNIT_CASE(mask_survives_trigger_clear),
	KUNIT_CASE(loopback_automasks_level_line),
	KUNIT_CASE(loopback_leaves_edge_line_unmasked),
	KUNIT_CASE(close_frees_and_unmasks),
	{}
};

static struct kunit_suite vfio_platform_irq_test_suite = {
	.name = "vfio_platform_irq",
	.init = vfio_platform_irq_test_init,
	.exit = vfio_platform_irq_test_exit,
	.test_cases = vfio_platform_irq_test_cases,
};

/* Reset */

static struct device *reset_seen_dev;
static int reset_calls;
static int reset_ret;

static int reset_record(struct device *dev)
{
	reset_seen_dev = dev;
	reset_calls++;
	return reset_ret;
}

static struct vfio_platform_reset_handler reset_exact = {
	.compat = "kunit,vfio-exact",
	.reset = reset_record,
};

static struct vfio_platform_reset_handler reset_generic = {
	.compat = "kunit,vfio-generic",
	.reset = reset_record,
};

static int vfio_platform_reset_test_init(struct kunit *test)
{
	reset_seen_dev = NULL;
	reset_calls = 0;
	reset_ret = 0;
	return 0;
}

static void unregister_handler(void *handler)
{
	vfio_platform_unregister_reset_handler(handler);
}

static void register_handler(struct kunit *test,
			     struct vfio_platform_reset_handler *handler)
{
	KUNIT_ASSERT_EQ(test, vfio_platform_register_reset_handler(handler), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, unregister_handler,
							handler), 0);
}

static void put_handler(struct vfio_platform_reset_handler *handler)
{
	if (handler)
		module_put(handler->owner);
}

/* A registered handler is found by its compatible string. */
static void handler_found_by_compatible(struct kunit *test)
{
	static const char * const compat[] = { "kunit,vfio-exact" };
	struct vfio_platform_reset_handler *found;

	register_handler(test, &reset_exact);
	found = vfio_platform_reset_handler_get(compat, ARRAY_SIZE(compat));
	KUNIT_EXPECT_PTR_EQ(test, found, &reset_exact);
	put_handler(found);
}

/*
 * A handler found holds a reference to the module that registered it, here
 * this one, until it is put: the module cannot go while a device uses it.
 */
static void found_handler_pins_its_module(struct kunit *test)
{
#if defined(MODULE) && defined(CONFIG_MODULE_UNLOAD)
	static const char * const compat[] = { "kunit,vfio-exact" };
	struct vfio_platform_reset_handler *found;
	int refs;

	register_handler(test, &reset_exact);
	refs = module_refcount(THIS_MODULE);
	found = vfio_platform_reset_handler_get(compat, ARRAY_SIZE(compat));
	KUNIT_ASSERT_PTR_EQ(test, found, &reset_exact);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), refs + 1);
	put_handler(found);
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), refs);

	/* Not found, nothing is pinned. */
	KUNIT_EXPECT_NULL(test, vfio_platform_reset_handler_get(compat, 0));
	KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), refs);
#else
	kunit_skip(test, "built in, or without CONFIG_MODULE_UNLOAD: no module reference to count");
#endif
}

/* A device's less specific compatible strings match too. */
static void handler_found_by_fallback_compatible(struct kunit *test)
{
	static const char * const compat[] = { "kunit,other", "kunit,vfio-generic" };
	struct vfio_platform_reset_handler *found;

	register_handler(test, &reset_generic);
	found = vfio_platform_reset_handler_get(compat, ARRAY_SIZE(compat));
	KUNIT_EXPECT_PTR_EQ(test, found, &reset_generic);
	put_handler(found);
}

/* The handler of the most specific compatible string wins. */
static void most_specific_handler_wins(struct kunit *test)
{
	static const char * const compat[] = { "kunit,vfio-exact", "kunit,vfio-generic" };
	struct vfio_platform_reset_handler *found;

	register_handler(test, &reset_generic);
	register_handler(test, &reset_exact);
	found = vfio_platform_reset_handler_get(compat, ARRAY_SIZE(compat));
	KUNIT_EXPECT_PTR_EQ(test, found, &reset_exact);
	put_handler(found);
}

/* Without a matching compatible string, there is no handler. */
static void no_handler_without_match(struct kunit *test)
{
	static const char * const compat[] = { "kunit,unknown" };

	register_handler(test, &reset_exact);
	KUNIT_EXPECT_NULL(test, vfio_platform_reset_handler_get(compat, 1));
	KUNIT_EXPECT_NULL(test, vfio_platform_reset_handler_get(compat, 0));
}

/* An unregistered handler is no longer found. */
static void unregistered_handler_is_gone(struct kunit *test)
{
	static const char * const compat[] = { "kunit,vfio-exact" };

	KUNIT_ASSERT_EQ(test, vfio_platform_register_reset_handler(&reset_exact), 0);
	vfio_platform_unregister_reset_handler(&reset_exact);
	KUNIT_EXPECT_NULL(test, vfio_platform_reset_handler_get(compat, 1));
}

/* One compatible string has at most one handler. */
static void duplicate_handler_refused(struct kunit *test)
{
	struct vfio_platform_reset_handler dup = {
		.compat = "kunit,vfio-exact",
		.reset = reset_record,
	};

	register_handler(test, &reset_exact);
	KUNIT_EXPECT_EQ(test, vfio_platform_register_reset_handler(&dup), -EBUSY);
}

/* A handler needs both a compatible string and a function. */
static void incomplete_handler_refused(struct kunit *test)
{
	struct vfio_platform_reset_handler no_compat = { .reset = reset_record };
	struct vfio_platform_reset_handler no_reset = { .compat = "kunit,x" };

	KUNIT_EXPECT_EQ(test, vfio_platform_register_reset_handler(&no_compat),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vfio_platform_register_reset_handler(&no_reset),
			-EINVAL);
}

/*
 * A fake VFIO platform device over a real platform device, with @props as the
 * properties of its software node (no node if @props is NULL).
 */
static struct platform_device *prop_test_pdev(struct kunit *test,
					      const struct property_entry *props)
{
	static int id;
	struct platform_device *pdev;

	pdev = kunit_platform_device_alloc(test, "vfio-platform-kunit", id++);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pdev);
	if (props)
		KUNIT_ASSERT_EQ(test, device_create_managed_software_node(&pdev->dev,
									  props, NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_platform_device_add(test, pdev), 0);
	return pdev;
}

static struct vfio_platform_device *
reset_test_device(struct kunit *test, const struct property_entry *props)
{
	struct vfio_platform_device *vpdev;
	struct platform_device *pdev = prop_test_pdev(test, props);

	vpdev = kunit_kzalloc(test, sizeof(*vpdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vpdev);
	vpdev->vdev.dev = &pdev->dev;
	return vpdev;
}

static const char * const exact_compat[] = { "kunit,vfio-exact", "kunit,vfio-generic" };

static const struct property_entry exact_props[] = {
	PROPERTY_ENTRY_STRING_ARRAY("compatible", exact_compat),
	{}
};

/* A device with a vendor handler uses it, whatever reset_required says. */
static void vendor_reset_chosen(struct kunit *test)
{
	struct vfio_platform_device *vpdev = reset_test_device(test, exact_props);

	register_handler(test, &reset_exact);
	KUNIT_ASSERT_EQ(test, vfio_platform_reset_init(vpdev, true), 0);
	KUNIT_EXPECT_EQ(test, vpdev->reset_source, VFIO_PLATFORM_RESET_VENDOR);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(vpdev->reset_handler), &reset_exact);
	KUNIT_EXPECT_TRUE(test, vfio_platform_has_reset(vpdev));
	vfio_platform_reset_release(vpdev);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(vpdev->reset_handler));
}

/* Resetting calls the vendor handler with the device, and passes its error on. */
static void vendor_reset_called(struct kunit *test)
{
	struct vfio_platform_device *vpdev = reset_test_device(test, exact_props);

	register_handler(test, &reset_exact);
	KUNIT_ASSERT_EQ(test, vfio_platform_reset_init(vpdev, true), 0);

	KUNIT_EXPECT_EQ(test, vfio_platform_reset(vpdev), 0);
	KUNIT_EXPECT_EQ(test, reset_calls, 1);
	KUNIT_EXPECT_PTR_EQ(test, reset_seen_dev, vpdev->vdev.dev);

	reset_ret = -EIO;
	KUNIT_EXPECT_EQ(test, vfio_platform_reset(vpdev), -EIO);
	KUNIT_EXPECT_EQ(test, reset_calls, 2);
	vfio_platform_reset_release(vpdev);
}

/* Without any reset source, reset_required refuses the device. */
static void no_reset_refused_when_required(struct kunit *test)
{
	struct vfio_platform_device *vpdev = reset_test_device(test, exact_props);

	KUNIT_EXPECT_EQ(test, vfio_platform_reset_init(vpdev, true), -ENODEV);
	KUNIT_EXPECT_FALSE(test, vfio_platform_has_reset(vpdev));
	vfio_platform_reset_release(vpdev);
}

/* Without reset_required, such a device binds without reset. */
static void no_reset_accepted_when_not_required(struct kunit *test)
{
	struct vfio_platform_device *vpdev = reset_test_device(test, NULL);

	KUNIT_ASSERT_EQ(test, vfio_platform_reset_init(vpdev, false), 0);
	KUNIT_EXPECT_EQ(test, vpdev->reset_source, VFIO_PLATFORM_RESET_NONE);
	KUNIT_EXPECT_FALSE(test, vfio_platform_has_reset(vpdev));
	KUNIT_EXPECT_EQ(test, vfio_platform_reset(vpdev), -EINVAL);
	KUNIT_EXPECT_EQ(test, reset_calls, 0);
	vfio_platform_reset_release(vpdev);
}

/*
 * A device keeps its compatible after the module that reset it withdrew its
 * handler: it must never call the handler again, whose memory may be gone.
 */
static void withdrawn_handler_never_called(struct kunit *test)
{
	struct vfio_platform_device *vpdev = reset_test_device(test, exact_props);
	struct vfio_platform_reset_handler *handler;

	handler = kunit_kzalloc(test, sizeof(*handler), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, handler);
	handler->compat = "kunit,vfio-exact";
	handler->reset = reset_record;
	KUNIT_ASSERT_EQ(test, vfio_platform_register_reset_handler(handler), 0);
	KUNIT_ASSERT_EQ(test, vfio_platform_reset_init(vpdev, true), 0);
	KUNIT_ASSERT_EQ(test, vfio_platform_reset(vpdev), 0);
	KUNIT_ASSERT_EQ(test, reset_calls, 1);
	KUNIT_EXPECT_TRUE(test, vfio_platform_can_reset(vpdev));

	vfio_platform_unregister_reset_handler(handler);
	/* What a provider that kfree()s its handler would leave behind. */
	handler->reset = NULL;

	KUNIT_EXPECT_NULL(test, rcu_access_pointer(vpdev->reset_handler));
	/* VFIO_DEVICE_GET_INFO stops offering VFIO_DEVICE_FLAGS_RESET. */
	KUNIT_EXPECT_FALSE(test, vfio_platform_can_reset(vpdev));
	KUNIT_EXPECT_EQ(test, vfio_platform_reset(vpdev), -ENODEV);
	KUNIT_EXPECT_EQ(test, reset_calls, 1);
	vfio_platform_reset_release(vpdev);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(vpdev->reset_handler));
}

/* A device bound after the withdrawal does not find the handler. */
static void withdrawn_handler_not_found_again(struct kunit *test)
{
	struct vfio_platform_device *vpdev = reset_test_device(test, exact_props);

	KUNIT_ASSERT_EQ(test, vfio_platform_register_reset_handler(&reset_exact), 0);
	vfio_platform_unregister_reset_handler(&reset_exact);
	KUNIT_EXPECT_EQ(test, vfio_platform_reset_init(vpdev, true), -ENODEV);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(vpdev->reset_handler));
	vfio_platform_reset_release(vpdev);
}

/* A handler registered for another device is not used. */
static void other_devices_handler_ignored(struct kunit *test)
{
	static const char * const compat[] = { "kunit,unrelated" };
	static const struct property_entry props[] = {
		PROPERTY_ENTRY_STRING_ARRAY("compatible", compat),
		{}
	};
	struct vfio_platform_device *vpdev = reset_test_device(test, props);

	register_handler(test, &reset_exact);
	KUNIT_ASSERT_EQ(test, vfio_platform_reset_init(vpdev, false), 0);
	KUNIT_EXPECT_EQ(test, vpdev->reset_source, VFIO_PLATFORM_RESET_NONE);
	vfio_platform_reset_release(vpdev);
}

static struct kunit_case vfio_platform_reset_test_cases[] = {
	KUNIT_CASE(handler_found_by_compatible),
	KUNIT_CASE(found_handler_pins_its_module),
	KUNIT_CASE(handler_found_by_fallback_compatible),
	KUNIT_CASE(most_specific_handler_wins),
	KUNIT_CASE(no_handler_without_match),
	KUNIT_CASE(unregistered_handler_is_gone),
	KUNIT_CASE(duplicate_handler_refused),
	KUNIT_CASE(incomplete_handler_refused),
	KUNIT_CASE(vendor_reset_chosen),
	KUNIT_CASE(vendor_reset_called),
	KUNIT_CASE(no_reset_refused_when_required),
	KUNIT_CASE(no_reset_accepted_when_not_required),
	KUNIT_CASE(other_devices_handler_ignored),
	KUNIT_CASE(withdrawn_handler_never_called),
	KUNIT_CASE(withdrawn_handler_not_found_again),
	{}
};

static struct kunit_suite vfio_platform_reset_test_suite = {
	.name = "vfio_platform_reset",
	.init = vfio_platform_reset_test_init,
	.test_cases = vfio_platform_reset_test_cases,
};

kunit_test_suites(&vfio_platform_offset_test_suite,
		  &vfio_platform_region_test_suite,
		  &vfio_platform_width_test_suite,
		  &vfio_platform_policy_test_suite,
		  &vfio_platform_rw_test_suite,
		  &vfio_platform_irq_test_suite,
		  &vfio_platform_reset_test_suite);

MODULE_DESCRIPTION("KUnit tests for the VFIO platform core");
MODULE_LICENSE("GPL");
