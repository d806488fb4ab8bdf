// SPDX-License-Identifier: GPL-2.0
/*
 * A simulated device owned through vfio-platform: what VFIO_DEVICE_GET_INFO,
 * GET_REGION_INFO and GET_IRQ_INFO report, and how its MMIO regions are
 * reached with read(), write() and mmap().
 *
 * The device has four regions and two interrupts:
 *   region 0  one page, registers then plain memory
 *   region 1  two pages, read-only
 *   region 2  0x100 bytes at offset 0x80 of its page: not mappable
 *   region 3  three pages of plain memory
 *   irq 0     level, irq 1 edge
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define SCRATCH		0x100	/* plain memory of region 0, past the registers */
#define NUM_REGIONS	4U
#define NUM_IRQS	2U

static const struct sim_region regions[NUM_REGIONS] = {
	{ .size = PAGE },
	{ .size = 2 * PAGE, .readonly = true },
	{ .size = 0x100, .offset = 0x80 },
	{ .size = 3 * PAGE },
};

FIXTURE(device) {
	struct vp_dev vd;
	int fd;
};

FIXTURE_SETUP(device)
{
	struct sim_config cfg;

	vp_init(&self->vd);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	sim_config_init(&cfg);
	cfg.num_regions = NUM_REGIONS;
	memcpy(cfg.regions, regions, sizeof(regions));
	cfg.num_irqs = NUM_IRQS;
	cfg.level[0] = true;
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_open(&self->vd, &cfg, VFIO_TYPE1v2_IOMMU));
	self->fd = self->vd.device;
}

FIXTURE_TEARDOWN(device)
{
	vp_close(&self->vd);
}

static int region_info(int fd, unsigned int index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info);
}

static void fill_pattern(__u8 *buf, size_t len, __u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = seed + i * 13;
}

TEST_F(device, info_reports_a_resettable_platform_device)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ((__u32)(VFIO_DEVICE_FLAGS_PLATFORM | VFIO_DEVICE_FLAGS_RESET),
		  info.flags & (VFIO_DEVICE_FLAGS_PLATFORM | VFIO_DEVICE_FLAGS_RESET |
				VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_AMBA));
}

TEST_F(device, info_counts_the_configured_regions_and_irqs)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(NUM_REGIONS, info.num_regions);
	EXPECT_EQ(NUM_IRQS, info.num_irqs);
}

TEST_F(device, region_info_gives_the_size_and_an_offset_per_index)
{
	struct vfio_region_info info;
	unsigned int i;

	for (i = 0; i < NUM_REGIONS; i++) {
		ASSERT_EQ(0, region_info(self->fd, i, &info));
		EXPECT_EQ(regions[i].size, info.size) TH_LOG("region %u", i);
		EXPECT_EQ(REGION_OFFSET(i), info.offset) TH_LOG("region %u", i);
		EXPECT_EQ(i, info.index);
	}
}

TEST_F(device, region_info_flags_follow_alignment_and_readonly)
{
	const __u32 rwm = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_MMAP;
	const __u32 want[NUM_REGIONS] = {
		rwm,
		VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP,
		VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		rwm,
	};
	struct vfio_region_info info;
	unsigned int i;

	for (i = 0; i < NUM_REGIONS; i++) {
		ASSERT_EQ(0, region_info(self->fd, i, &info));
		EXPECT_EQ(want[i], info.flags & rwm) TH_LOG("region %u", i);
	}
}

TEST_F(device, region_info_refuses_an_index_past_the_last)
{
	struct vfio_region_info info;

	EXPECT_EQ(-1, region_info(self->fd, NUM_REGIONS, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, region_info(self->fd, 0xffffffff, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, irq_info_marks_only_level_lines_automasked)
{
	struct vfio_irq_info info;
	unsigned int i;

	for (i = 0; i < NUM_IRQS; i++) {
		__u32 want = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;

		if (i == 0)
			want |= VFIO_IRQ_INFO_AUTOMASKED;
		memset(&info, 0, sizeof(info));
		info.argsz = sizeof(info);
		info.index = i;
		ASSERT_EQ(0, ioctl(self->fd, VFIO_DEVICE_GET_IRQ_INFO, &info));
		EXPECT_EQ(want, info.flags) TH_LOG("irq %u", i);
		EXPECT_EQ(1U, info.count) TH_LOG("irq %u", i);
	}
}

TEST_F(device, irq_info_refuses_an_index_past_the_last)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = NUM_IRQS };

	EXPECT_EQ(-1, ioctl(self->fd, VFIO_DEVICE_GET_IRQ_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, read_returns_the_id_register)
{
	__u32 id = 0;

	ASSERT_EQ(4, pread(self->fd, &id, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_ID));
	EXPECT_EQ((__u32)VFIO_PSIM_ID, id);
}

TEST_F(device, read_keeps_the_device_byte_order)
{
	char id[5] = {};

	ASSERT_EQ(4, pread(self->fd, id, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_ID));
	EXPECT_STREQ("PSIM", id);
}

TEST_F(device, read_at_every_width_and_alignment_matches_the_memory)
{
	__u8 *mem = self->vd.regs.base + SCRATCH;
	__u8 pattern[64], buf[32];
	unsigned int off, len, i;

	fill_pattern(pattern, sizeof(pattern), 1);
	for (i = 0; i < sizeof(pattern); i++)
		mmio_write8(mem + i, pattern[i]);

	for (off = 0; off < 8; off++) {
		for (len = 1; len <= 24; len++) {
			memset(buf, 0, sizeof(buf));
			ASSERT_EQ(len, pread(self->fd, buf, len,
					     REGION_OFFSET(0) + SCRATCH + off));
			ASSERT_EQ(0, memcmp(pattern + off, buf, len))
				TH_LOG("offset %u length %u", off, len);
		}
	}
}

TEST_F(device, write_at_every_width_and_alignment_lands_in_the_memory)
{
	__u8 *mem = self->vd.regs.base + SCRATCH;
	__u8 pattern[32];
	unsigned int off, len, i;

	for (off = 0; off < 8; off++) {
		for (len = 1; len <= 24; len++) {
			for (i = 0; i < 40; i++)
				mmio_write8(mem + i, 0xee);
			fill_pattern(pattern, len, off * 31 + len);
			ASSERT_EQ(len, pwrite(self->fd, pattern, len,
					      REGION_OFFSET(0) + SCRATCH + off));
			for (i = 0; i < 40; i++) {
				__u8 want = i >= off && i < off + len ?
					       pattern[i - off] : 0xee;

				ASSERT_EQ(want, mmio_read8(mem + i))
					TH_LOG("offset %u length %u byte %u", off, len, i);
			}
		}
	}
}

TEST_F(device, write_lands_bytes_in_device_order)
{
	__u8 *mem = self->vd.regs.base + SCRATCH;
	const __u8 bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned int i;

	ASSERT_EQ(8, pwrite(self->fd, bytes, 8, REGION_OFFSET(0) + SCRATCH));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(bytes[i], mmio_read8(mem + i)) TH_LOG("byte %u", i);
}

TEST_F(device, read_of_a_whole_region_matches_its_mapping)
{
	__u8 buf[PAGE];
	unsigned int i;

	ASSERT_EQ((ssize_t)PAGE, pread(self->fd, buf, PAGE, REGION_OFFSET(0)));
	for (i = 0; i < PAGE; i += 4)
		ASSERT_EQ(sim_reg_read(&self->vd.regs, i), *(__u32 *)(buf + i))
			TH_LOG("offset %#x", i);
}

TEST_F(device, read_crossing_the_region_end_fails)
{
	__u8 buf[8];

	EXPECT_EQ(-1, pread(self->fd, buf, 8, REGION_OFFSET(0) + PAGE - 4));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, read_starting_at_the_region_end_fails)
{
	__u8 buf[4];

	EXPECT_EQ(-1, pread(self->fd, buf, 4, REGION_OFFSET(3) + 3 * PAGE));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, read_of_zero_bytes_returns_zero)
{
	__u8 buf[1];

	EXPECT_EQ(0, pread(self->fd, buf, 0, REGION_OFFSET(0)));
}

TEST_F(device, read_of_a_region_that_does_not_exist_fails)
{
	__u8 buf[4];

	EXPECT_EQ(-1, pread(self->fd, buf, 4, REGION_OFFSET(NUM_REGIONS)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, access_whose_end_overflows_fails_and_writes_nothing)
{
	__u8 buf[16] = { 0x5a };
	__u8 *mem = self->vd.regs.base + SCRATCH;

	mmio_write8(mem, 0x11);
	EXPECT_EQ(-1, pread(self->fd, buf, sizeof(buf), INT64_MAX - 4));
	EXPECT_EQ(-1, pwrite(self->fd, buf, sizeof(buf), INT64_MAX - 4));
	EXPECT_EQ(-1, pwrite(self->fd, buf, sizeof(buf),
			     REGION_OFFSET(1) - 4));
	EXPECT_EQ(0x11, mmio_read8(mem));
}

/* The highest region index a file offset can name: 2^23 - 1. */
#define TOP_INDEX	((__u64)INT64_MAX >> 40)
/* The span of file offsets of one region. */
#define WINDOW		REGION_OFFSET(1)

/*
 * Requests the VFS lets through to the driver (offset not negative, offset +
 * count at most INT64_MAX) that name no byte the device has, or cross from
 * a region's window into the next one.
 */
static const struct {
	const char *what;
	__u64 off;
	size_t count;
} no_region_accesses[] = {
	{ "the index past the last region", REGION_OFFSET(NUM_REGIONS), 4 },
	{ "the top region index", REGION_OFFSET(TOP_INDEX), 4 },
	{ "the last bytes of the top index", REGION_OFFSET(TOP_INDEX) + WINDOW - 8, 7 },
	{ "just past the end of region 0", REGION_OFFSET(0) + PAGE, 4 },
	{ "just past the end of region 2", REGION_OFFSET(2) + 0x100, 1 },
	{ "just past the end of region 3", REGION_OFFSET(3) + 3 * PAGE, 8 },
	{ "the last byte of region 0's window", REGION_OFFSET(1) - 1, 1 },
	{ "region 2's window into region 3", REGION_OFFSET(3) - 4, 8 },
	{ "region 3's window into the index past the last",
	  REGION_OFFSET(NUM_REGIONS) - 2, 4 },
};

/* Bytes of every writable region that a refused write must leave alone. */
static const struct {
	unsigned int region;
	__u64 pos;
} no_region_canaries[] = {
	{ 0, SCRATCH }, { 0, PAGE - 8 },
	{ 2, 0 }, { 2, 0x100 - 8 },
	{ 3, 0 }, { 3, 3 * PAGE - 8 },
};

static void no_region_canaries_fill(struct __test_metadata *_metadata, int fd)
{
	__u8 canary[8];
	unsigned int i;

	memset(canary, 0xc3, sizeof(canary));
	for (i = 0; i < ARRAY_SIZE(no_region_canaries); i++)
		ASSERT_EQ((ssize_t)sizeof(canary),
			  pwrite(fd, canary, sizeof(canary),
				 REGION_OFFSET(no_region_canaries[i].region) +
				 no_region_canaries[i].pos));
}

static void no_region_canaries_check(struct __test_metadata *_metadata, int fd,
				     const char *what)
{
	__u8 canary[8], back[8];
	unsigned int i;

	memset(canary, 0xc3, sizeof(canary));
	for (i = 0; i < ARRAY_SIZE(no_region_canaries); i++) {
		memset(back, 0, sizeof(back));
		ASSERT_EQ((ssize_t)sizeof(back),
			  pread(fd, back, sizeof(back),
				REGION_OFFSET(no_region_canaries[i].region) +
				no_region_canaries[i].pos));
		EXPECT_EQ(0, memcmp(canary, back, sizeof(back)))
			TH_LOG("region %u offset %#llx changed by a write to %s",
			       no_region_canaries[i].region,
			       (unsigned long long)no_region_canaries[i].pos, what);
	}
}

TEST_F(device, read_past_every_region_fails_and_reads_nothing)
{
	__u8 buf[16];
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(no_region_accesses); i++) {
		const char *what = no_region_accesses[i].what;

		ASSERT_LE(no_region_accesses[i].count, sizeof(buf));
		ASSERT_GE((__u64)INT64_MAX - no_region_accesses[i].off,
			  no_region_accesses[i].count) TH_LOG("%s", what);
		memset(buf, 0x5a, sizeof(buf));
		EXPECT_EQ(-1, pread(self->fd, buf, no_region_accesses[i].count,
				    no_region_accesses[i].off)) TH_LOG("%s", what);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", what);
		for (j = 0; j < sizeof(buf); j++)
			ASSERT_EQ(0x5a, buf[j]) TH_LOG("%s: byte %u", what, j);
	}
}

TEST_F(device, write_past_every_region_fails_and_writes_nothing)
{
	__u8 buf[16];
	unsigned int i;

	fill_pattern(buf, sizeof(buf), 9);
	no_region_canaries_fill(_metadata, self->fd);
	for (i = 0; i < ARRAY_SIZE(no_region_accesses); i++) {
		const char *what = no_region_accesses[i].what;

		ASSERT_GE((__u64)INT64_MAX - no_region_accesses[i].off,
			  no_region_accesses[i].count) TH_LOG("%s", what);
		EXPECT_EQ(-1, pwrite(self->fd, buf, no_region_accesses[i].count,
				     no_region_accesses[i].off)) TH_LOG("%s", what);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", what);
		no_region_canaries_check(_metadata, self->fd, what);
	}
}

TEST_F(device, write_crossing_the_region_end_changes_nothing)
{
	__u8 *mem = self->vd.regs.base;
	__u8 buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned int i;

	for (i = PAGE - 4; i < PAGE; i++)
		mmio_write8(mem + i, 0xcc);
	EXPECT_EQ(-1, pwrite(self->fd, buf, 8, REGION_OFFSET(0) + PAGE - 4));
	EXPECT_EQ(EINVAL, errno);
	for (i = PAGE - 4; i < PAGE; i++)
		EXPECT_EQ(0xcc, mmio_read8(mem + i)) TH_LOG("byte %#x", i);
}

TEST_F(device, write_to_a_readonly_region_fails)
{
	__u32 val = 0x12345678, back = 1;

	EXPECT_EQ(-1, pwrite(self->fd, &val, 4, REGION_OFFSET(1)));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(4, pread(self->fd, &back, 4, REGION_OFFSET(1)));
	EXPECT_EQ(0U, back);
}

TEST_F(device, read_of_a_readonly_region_works)
{
	__u8 buf[2 * PAGE];

	memset(buf, 0xff, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), pread(self->fd, buf, sizeof(buf), REGION_OFFSET(1)));
	EXPECT_EQ(0, buf[0]);
	EXPECT_EQ(0, buf[sizeof(buf) - 1]);
}

TEST_F(device, unaligned_region_is_read_and_written_whole)
{
	__u8 in[0x100], out[0x100];

	fill_pattern(in, sizeof(in), 7);
	ASSERT_EQ((ssize_t)sizeof(in), pwrite(self->fd, in, sizeof(in), REGION_OFFSET(2)));
	ASSERT_EQ((ssize_t)sizeof(out), pread(self->fd, out, sizeof(out), REGION_OFFSET(2)));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	EXPECT_EQ(-1, pread(self->fd, out, 1, REGION_OFFSET(2) + 0x100));
}

TEST_F(device, unaligned_region_starts_at_its_offset_in_the_page)
{
	char path[256], buf[512], *line;
	unsigned long long start = 0, size = 0;
	unsigned int index;

	snprintf(path, sizeof(path), "%s/devices/%s/regions", SIM_DEBUGFS,
		 self->vd.sim.name);
	ASSERT_LT(0, vp_read(path, buf, sizeof(buf)));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "%u start=%llx size=%llx", &index, &start, &size) == 3 &&
		    index == 2)
			break;
	}
	ASSERT_NE(NULL, line);
	EXPECT_EQ(0x80U, start % PAGE);
	EXPECT_EQ(0x100U, size);
}

TEST_F(device, mmap_of_a_whole_region_reads_and_writes)
{
	__u32 *p, back = 0;

	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 REGION_OFFSET(3));
	ASSERT_NE(MAP_FAILED, p);
	mmio_write32(p + 3 * PAGE / 4 - 1, 0xfeedf00d);
	ASSERT_EQ(4, pread(self->fd, &back, 4, REGION_OFFSET(3) + 3 * PAGE - 4));
	EXPECT_EQ(0xfeedf00d, back);
	munmap(p, 3 * PAGE);
}

TEST_F(device, mmap_of_part_of_a_region_maps_that_part)
{
	__u32 *p, val = 0xa5a5a5a5;

	ASSERT_EQ(4, pwrite(self->fd, &val, 4, REGION_OFFSET(3) + PAGE));
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 REGION_OFFSET(3) + PAGE);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0xa5a5a5a5, mmio_read32(p));
	munmap(p, PAGE);
}

TEST_F(device, mmap_of_a_readonly_region_for_reading_works)
{
	__u32 *p;

	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, self->fd, REGION_OFFSET(1));
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0U, mmio_read32(p));
	munmap(p, 2 * PAGE);
}

TEST_F(device, mmap_of_a_readonly_region_for_writing_is_refused)
{
	void *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, REGION_OFFSET(1));

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, write_only_mmap_of_a_readonly_region_is_refused)
{
	void *p = mmap(NULL, 2 * PAGE, PROT_WRITE, MAP_SHARED, self->fd,
		       REGION_OFFSET(1));

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

/*
 * A read-only region mapped for reading stays read-only: mprotect() cannot
 * add write access to the mapping, or to part of it, and a write through
 * the mapping still faults.
 */
TEST_F(device, mprotect_cannot_make_a_readonly_mapping_writable)
{
	__u32 back = 1;
	int status;
	__u32 *p;
	pid_t pid;

	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, self->fd, REGION_OFFSET(1));
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p + PAGE / 4, PAGE, PROT_WRITE));
	EXPECT_EQ(EACCES, errno);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		mmio_write32(p + PAGE / 4, 0x12345678);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		TH_LOG("a write through the mapping ended with status %#x", status);

	EXPECT_EQ(0U, mmio_read32(p + PAGE / 4));
	ASSERT_EQ(4, pread(self->fd, &back, 4, REGION_OFFSET(1) + PAGE));
	EXPECT_EQ(0U, back);
	munmap(p, 2 * PAGE);
}

TEST_F(device, private_mmap_is_refused)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, self->fd,
		       REGION_OFFSET(3));

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, mmap_past_the_region_end_is_refused)
{
	void *p;

	p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, self->fd, REGION_OFFSET(3));
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd,
		 REGION_OFFSET(3) + 3 * PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, mmap_of_an_unaligned_region_is_refused)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd,
		       REGION_OFFSET(2));

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(device, mmap_and_read_write_see_the_same_bytes)
{
	__u8 in[256], out[256];
	__u8 *p;
	unsigned int i;

	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 REGION_OFFSET(3));
	ASSERT_NE(MAP_FAILED, p);

	fill_pattern(in, sizeof(in), 3);
	ASSERT_EQ((ssize_t)sizeof(in), pwrite(self->fd, in, sizeof(in), REGION_OFFSET(3) + 5));
	for (i = 0; i < sizeof(in); i++)
		ASSERT_EQ(in[i], mmio_read8(p + 5 + i)) TH_LOG("byte %u written by write()", i);

	for (i = 0; i < sizeof(in); i++)
		mmio_write8(p + 2 * PAGE + 3 + i, in[i] ^ 0xff);
	ASSERT_EQ((ssize_t)sizeof(out),
		  pread(self->fd, out, sizeof(out), REGION_OFFSET(3) + 2 * PAGE + 3));
	for (i = 0; i < sizeof(out); i++)
		ASSERT_EQ(in[i] ^ 0xff, out[i]) TH_LOG("byte %u written by mmap", i);
	munmap(p, 3 * PAGE);
}

TEST_F(device, scratch_registers_keep_what_is_written)
{
	__u64 val = 0x0123456789abcdefULL, back = 0;
	__u32 word = 0;

	ASSERT_EQ(8, pwrite(self->fd, &val, 8, REGION_OFFSET(0) + VFIO_PSIM_REG_SCRATCH0));
	ASSERT_EQ(8, pread(self->fd, &back, 8, REGION_OFFSET(0) + VFIO_PSIM_REG_SCRATCH0));
	EXPECT_EQ(val, back);
	ASSERT_EQ(4, pread(self->fd, &word, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_SCRATCH1));
	EXPECT_EQ(0x01234567U, word);
	sim_reg_write(&self->vd.regs, VFIO_PSIM_REG_SCRATCH3, 0xdeadbeef);
	ASSERT_EQ(4, pread(self->fd, &word, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_SCRATCH3));
	EXPECT_EQ(0xdeadbeef, word);
}

TEST_F(device, readonly_registers_ignore_writes)
{
	__u32 junk = 0;

	ASSERT_EQ(4, pwrite(self->fd, &junk, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_ID));
	/* The device restores it when it next polls. */
	EXPECT_EQ(0, sim_wait_reg(&self->vd.regs, VFIO_PSIM_REG_ID, ~0U, VFIO_PSIM_ID));
}

TEST_F(device, caps_register_describes_the_configuration)
{
	__u32 caps = sim_reg_read(&self->vd.regs, VFIO_PSIM_REG_CAPS);

	EXPECT_EQ(NUM_IRQS, VFIO_PSIM_CAPS_NUM_IRQS(caps));
	EXPECT_EQ(NUM_REGIONS, VFIO_PSIM_CAPS_NUM_REGIONS(caps));
	EXPECT_NE(0U, caps & VFIO_PSIM_CAPS_RESET);
	EXPECT_EQ(0x1U, sim_reg_read(&self->vd.regs, VFIO_PSIM_REG_IRQ_LEVEL));
	EXPECT_EQ((__u32)VFIO_PSIM_VERSION, sim_reg_read(&self->vd.regs, VFIO_PSIM_REG_VERSION));
}

/* Lines of /proc/iomem naming @owner: the regions it holds. */
static int iomem_claims(const char *owner)
{
	char line[256], name[96];
	int n = 0;
	FILE *f;

	snprintf(name, sizeof(name), ": %s\n", owner);
	f = fopen("/proc/iomem", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, name))
			n++;
	fclose(f);
	return n;
}

TEST_F(device, open_device_claims_every_region_until_closed)
{
	char owner[96];

	snprintf(owner, sizeof(owner), "vfio:%s", self->vd.sim.name);
	EXPECT_EQ((int)NUM_REGIONS, iomem_claims(owner));
	sim_regs_unmap(&self->vd.regs);
	ASSERT_EQ(0, close(self->vd.device));
	self->vd.device = -1;
	EXPECT_EQ(0, iomem_claims(owner));
}

/* An attribute of the device's runtime PM, without its newline. */
static int runtime_pm(const char *dev, const char *attr, char *buf, size_t size)
{
	char path[256];
	int n;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/power/%s",
		 dev, attr);
	n = vp_read(path, buf, size);
	return n < 0 ? n : 0;
}

/* Wait for the runtime PM status of @dev to become @want: 0 or an errno. */
static int runtime_status_wait(const char *dev, const char *want)
{
	char status[32] = "";
	unsigned int ms;
	int ret;

	for (ms = 0; ms < SIM_TIMEOUT_MS; ms++) {
		ret = runtime_pm(dev, "runtime_status", status, sizeof(status));
		if (ret)
			return ret;
		if (!strcmp(status, want))
			return 0;
		usleep(1000);
	}
	fprintf(stderr, "# %s: runtime_status is %s, never %s\n", dev, status, want);
	return -ETIMEDOUT;
}

/*
 * The device is resumed for as long as userspace has it open, through any
 * number of file descriptors, and left to suspend after the last close.
 */
TEST_F(device, runtime_pm_keeps_the_device_active_while_open)
{
	const char *dev = self->vd.sim.name;
	char usage[32];
	int second;

	EXPECT_EQ(0, runtime_status_wait(dev, "active"));
	ASSERT_EQ(0, runtime_pm(dev, "runtime_usage", usage, sizeof(usage)));
	EXPECT_STREQ("1", usage);

	/* A second file of the open device takes no second reference. */
	second = vfio_device_get(self->vd.group, dev);
	ASSERT_LE(0, second);
	ASSERT_EQ(0, runtime_pm(dev, "runtime_usage", usage, sizeof(usage)));
	EXPECT_STREQ("1", usage);
	sim_regs_unmap(&self->vd.regs);
	ASSERT_EQ(0, close(self->vd.device));
	self->vd.device = second;
	usleep(100 * 1000);
	EXPECT_EQ(0, runtime_status_wait(dev, "active"));

	/* The last close lets it suspend. */
	ASSERT_EQ(0, close(self->vd.device));
	self->vd.device = -1;
	EXPECT_EQ(0, runtime_status_wait(dev, "suspended"));
	ASSERT_EQ(0, runtime_pm(dev, "runtime_usage", usage, sizeof(usage)));
	EXPECT_STREQ("0", usage);

	/* Opened again, it is resumed again. */
	self->vd.device = vfio_device_get(self->vd.group, dev);
	ASSERT_LE(0, self->vd.device);
	EXPECT_EQ(0, runtime_status_wait(dev, "active"));
	ASSERT_EQ(0, runtime_pm(dev, "runtime_usage", usage, sizeof(usage)));
	EXPECT_STREQ("1", usage);
}

#define LARGE_REGION	(32UL << 20)

/*
 * Kills a child that reads the whole of a large region into @buf again and
 * again, or only waits, @lead_us after it says it starts, and returns how
 * long the kill took to end it, in microseconds; how long the kill came
 * after the start is in @lead. @buf is shared with the parent, so that no
 * copy-on-write slows the read and no copy makes the exit of a reader cost
 * more than an idle child's.
 */
static long kill_after(int fd, void *buf, bool idle, long lead_us, long *lead)
{
	struct timespec t0, t1, t2;
	int ready[2], status;
	char c;
	pid_t pid;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (!pid) {
		close(ready[0]);
		if (write(ready[1], "", 1) != 1)
			_exit(1);
		for (;;) {
			if (idle)
				pause();
			else
				pread(fd, buf, LARGE_REGION, REGION_OFFSET(1));
		}
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	usleep(lead_us);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t2);
	*lead = (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
	return (t2.tv_sec - t1.tv_sec) * 1000000 + (t2.tv_nsec - t1.tv_nsec) / 1000;
}

/* Below this, a read is too short to tell a prompt exit from a late one. */
#define SHORTEST_READ_US	20000
#define KILL_TRIES		5

/*
 * A read() of a whole large region takes a while: an owner killed a fifth of
 * the way into it must be gone at once, not when the transfer is over. A
 * driver deaf to the kill would make the reader's exit at least two thirds
 * of a read later than an idle owner's; a prompt one, less than half. Kills
 * that came later than a third of the way, as a busy machine may make them,
 * prove nothing and are tried again; the quickest exit of the others counts.
 */
TEST(killed_reader_of_a_large_region_exits_promptly)
{
	long whole = LONG_MAX, idle = LONG_MAX, reader = LONG_MAX, t, lead;
	struct sim_config cfg;
	struct timespec t0, t1;
	struct vp_dev vd;
	int i, tries = 0;
	void *buf;

	vp_init(&vd);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	sim_config_init(&cfg);
	cfg.num_regions = 2;
	cfg.regions[1].size = LARGE_REGION;
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_open(&vd, &cfg, VFIO_TYPE1v2_IOMMU));
	buf = mmap(NULL, LARGE_REGION, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);

	/* The quickest of three whole reads: the least a deaf driver goes on. */
	for (i = 0; i < 3; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ASSERT_EQ((ssize_t)LARGE_REGION,
			  pread(vd.device, buf, LARGE_REGION, REGION_OFFSET(1)));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		t = (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
		whole = t < whole ? t : whole;
	}
	TH_LOG("a whole read of %lu MiB takes %ld us", LARGE_REGION >> 20, whole);
	if (whole < SHORTEST_READ_US)
		SKIP(goto out, "a whole read takes %ld us: too quick to judge an exit",
		     whole);

	for (i = 0; i < 2; i++) {
		t = kill_after(vd.device, buf, true, whole / 5, &lead);
		ASSERT_LE(0, t);
		idle = t < idle ? t : idle;
	}
	for (i = 0; i < KILL_TRIES && tries < 3; i++) {
		t = kill_after(vd.device, buf, false, whole / 5, &lead);
		ASSERT_LE(0, t);
		TH_LOG("killed reader gone %ld us after a kill %ld us into its read", t, lead);
		if (lead > whole / 3)
			continue;
		tries++;
		reader = t < reader ? t : reader;
	}
	TH_LOG("killed idle owner gone after %ld us, killed reader after %ld us",
	       idle, reader);
	ASSERT_LT(0, tries) TH_LOG("every kill came later than a third of a read");
	EXPECT_LT(reader - idle, whole / 2);

out:
	munmap(buf, LARGE_REGION);
	vp_close(&vd);
}

TEST_HARNESS_MAIN
