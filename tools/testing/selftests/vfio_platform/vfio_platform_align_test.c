// SPDX-License-Identifier: GPL-2.0
/*
 * read() and write() on a region whose bus address is not aligned: what a
 * hostile or careless owner can ask of vfio-platform, and what the hardware
 * (and QEMU 10's TCG) refuses to do: arm64 faults a misaligned access to Device
 * memory. The driver must judge alignment on the bus address, region start
 * plus offset, and never on the offset alone.
 *
 * The simulated device has region 0 (its registers, one page) and region 1,
 * two pages of plain memory starting 1, 2 or 4 bytes into its page (one
 * variant each). Every access width the driver may use for a request (1, 2,
 * 4 and 8 bytes) and bulk sizes (3, 16, 4096 + 3) is written and read at
 * offsets 0..7 of the region. Such a region cannot be mmapped, so the data is
 * checked through read(), of the same width and of other widths, against a
 * copy of what the region must hold, byte for byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define SIZE		(2 * PAGE)
/* Offsets 0..7 of the region reach every alignment of an 8-byte access. */
#define NUM_OFFSETS	8

static const size_t widths[] = { 1, 2, 4, 8, 3, 16, PAGE + 3 };

/* Region 1 as the tests reach it. */
struct align_region {
	int device;
	__u64 base;		/* its offset in the device fd */
	__u8 shadow[SIZE];	/* what it must hold */
	__u8 buf[SIZE];
};

FIXTURE(align) {
	struct vp_dev vd;
	struct align_region r;
};

FIXTURE_VARIANT(align) {
	unsigned int page_offset;	/* of region 1's start in its page */
};

FIXTURE_VARIANT_ADD(align, page_offset_1) { .page_offset = 1 };
FIXTURE_VARIANT_ADD(align, page_offset_2) { .page_offset = 2 };
FIXTURE_VARIANT_ADD(align, page_offset_4) { .page_offset = 4 };

static ssize_t region_write(struct align_region *r, size_t off,
			    const void *buf, size_t len)
{
	return pwrite(r->device, buf, len, r->base + off);
}

static ssize_t region_read(struct align_region *r, size_t off, void *buf,
			   size_t len)
{
	return pread(r->device, buf, len, r->base + off);
}

/* A pattern that differs for every byte, write and variant. */
static void pattern(__u8 *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (seed * 31 + i * 7 + (i >> 8)) ^ 0x5a;
}

/* The first byte where @a and @b differ, or -1. */
static long first_difference(const __u8 *a, const __u8 *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}

FIXTURE_SETUP(align)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = 1,
	};
	struct sim_config cfg;

	vp_init(&self->vd);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	sim_config_init(&cfg);
	cfg.num_regions = 2;
	cfg.regions[1].size = SIZE;
	cfg.regions[1].offset = variant->page_offset;
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_open(&self->vd, &cfg, VFIO_TYPE1v2_IOMMU));

	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_GET_REGION_INFO, &info));
	ASSERT_EQ(SIZE, info.size);
	/* Its start is not page-aligned: read() and write() are the only way. */
	ASSERT_FALSE(!!(info.flags & VFIO_REGION_INFO_FLAG_MMAP));
	ASSERT_TRUE(!!(info.flags & VFIO_REGION_INFO_FLAG_WRITE));
	self->r.device = self->vd.device;
	self->r.base = info.offset;

	/* A known content, itself one bulk write from a misaligned start. */
	pattern(self->r.shadow, SIZE, 0);
	ASSERT_EQ((ssize_t)SIZE, region_write(&self->r, 0, self->r.shadow, SIZE));
}

FIXTURE_TEARDOWN(align)
{
	vp_close(&self->vd);
}

/* The whole region reads back as @r->shadow, in one read and byte by byte. */
static void check_region(struct __test_metadata *_metadata,
			 struct align_region *r, const char *after)
{
	size_t i;
	long at;

	memset(r->buf, 0, SIZE);
	ASSERT_EQ((ssize_t)SIZE, region_read(r, 0, r->buf, SIZE));
	at = first_difference(r->shadow, r->buf, SIZE);
	ASSERT_EQ(-1, at)
		TH_LOG("after %s: byte %#lx of the region reads %#x in one read, expected %#x",
		       after, at, r->buf[at], r->shadow[at]);

	for (i = 0; i < SIZE; i += 61) {
		__u8 b = ~r->shadow[i];

		ASSERT_EQ(1, region_read(r, i, &b, 1));
		ASSERT_EQ(r->shadow[i], b)
			TH_LOG("after %s: byte %#zx reads %#x alone", after, i, b);
	}
}

/* The hostile owner's request: 8 bytes at the region's first byte. */
TEST_F(align, write_of_8_bytes_at_the_region_start_round_trips)
{
	struct align_region *r = &self->r;
	__u8 data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8] = { 0 };
	unsigned int i;

	ASSERT_EQ(8, region_write(r, 0, data, 8));
	ASSERT_EQ(8, region_read(r, 0, back, 8));
	EXPECT_EQ(0, memcmp(data, back, 8));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(1, region_read(r, i, &back[i], 1));
		EXPECT_EQ(data[i], back[i]) TH_LOG("byte %u", i);
	}
}

/*
 * A write of each width at each offset reads back the same through a read of
 * that width, byte by byte, and as part of the whole region, whose other bytes
 * it left alone.
 */
TEST_F(align, writes_of_every_width_read_back_byte_exact)
{
	struct align_region *r = &self->r;
	unsigned int w, off, seed = 1;
	char what[64];
	size_t len, i;
	long at;

	for (w = 0; w < ARRAY_SIZE(widths); w++) {
		len = widths[w];
		for (off = 0; off < NUM_OFFSETS; off++, seed++) {
			snprintf(what, sizeof(what), "a %zu-byte write at %u", len, off);
			pattern(r->shadow + off, len, seed);
			ASSERT_EQ((ssize_t)len, region_write(r, off, r->shadow + off, len))
				TH_LOG("%s: %s", what, strerror(errno));

			memset(r->buf, 0, len);
			ASSERT_EQ((ssize_t)len, region_read(r, off, r->buf, len))
				TH_LOG("a %zu-byte read at %u: %s", len, off, strerror(errno));
			at = first_difference(r->shadow + off, r->buf, len);
			ASSERT_EQ(-1, at)
				TH_LOG("%s: byte %ld reads back %#x, expected %#x", what,
				       at, r->buf[at], r->shadow[off + at]);

			/* Bytes alone: another width than the write's. */
			for (i = 0; i < len && i < 16; i++) {
				__u8 b = ~r->shadow[off + i];

				ASSERT_EQ(1, region_read(r, off + i, &b, 1));
				ASSERT_EQ(r->shadow[off + i], b)
					TH_LOG("%s: byte %zu reads %#x alone", what, i, b);
			}
		}
		snprintf(what, sizeof(what), "the %zu-byte writes", len);
		check_region(_metadata, r, what);
	}
}

/*
 * What single-byte writes stored reads back the same through a read of each
 * width at each offset.
 */
TEST_F(align, reads_of_every_width_see_what_byte_writes_stored)
{
	struct align_region *r = &self->r;
	unsigned int w, off;
	size_t len, i;
	long at;

	/* Bytes one by one, over everything the reads below reach. */
	pattern(r->shadow, NUM_OFFSETS + PAGE + 3, 77);
	for (i = 0; i < NUM_OFFSETS + PAGE + 3; i++)
		ASSERT_EQ(1, region_write(r, i, &r->shadow[i], 1));

	for (w = 0; w < ARRAY_SIZE(widths); w++) {
		len = widths[w];
		for (off = 0; off < NUM_OFFSETS; off++) {
			memset(r->buf, 0, len);
			ASSERT_EQ((ssize_t)len, region_read(r, off, r->buf, len))
				TH_LOG("a %zu-byte read at %u: %s", len, off, strerror(errno));
			at = first_difference(r->shadow + off, r->buf, len);
			ASSERT_EQ(-1, at)
				TH_LOG("a %zu-byte read at %u: byte %ld is %#x, expected %#x",
				       len, off, at, r->buf[at], r->shadow[off + at]);
		}
	}
	check_region(_metadata, r, "byte writes");
}

/* The same at the region's end: no access may reach past its last byte. */
TEST_F(align, accesses_ending_at_the_region_end_round_trip)
{
	struct align_region *r = &self->r;
	unsigned int w, seed = 500;
	size_t len, off;
	long at;

	for (w = 0; w < ARRAY_SIZE(widths); w++, seed++) {
		len = widths[w];
		off = SIZE - len;
		pattern(r->shadow + off, len, seed);
		ASSERT_EQ((ssize_t)len, region_write(r, off, r->shadow + off, len));
		memset(r->buf, 0, len);
		ASSERT_EQ((ssize_t)len, region_read(r, off, r->buf, len));
		at = first_difference(r->shadow + off, r->buf, len);
		ASSERT_EQ(-1, at)
			TH_LOG("a %zu-byte access at the end: byte %ld", len, at);
		/* One byte more is outside the region and refused. */
		errno = 0;
		EXPECT_EQ(-1, region_write(r, off + 1, r->buf, len));
		EXPECT_EQ(EINVAL, errno);
	}
	check_region(_metadata, r, "the writes at the end");
}

TEST_HARNESS_MAIN
