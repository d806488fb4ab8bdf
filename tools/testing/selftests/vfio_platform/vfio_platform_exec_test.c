// SPDX-License-Identifier: GPL-2.0
/*
 * Execute permission of DMA mappings: VFIO_TYPE1v2_EXEC_IOMMU containers and
 * VFIO_DMA_MAP_FLAG_EXEC.
 *
 * The simulated DMA engine reads FETCH programs with instruction fetches,
 * which fault in mappings the IOMMU marks IOMMU_NOEXEC, and moves data with
 * plain reads and writes, so what a container promises about execution can
 * be watched from the device. Every container maps:
 *   IOVA_PROG  one page, READ | EXEC: where programs run from
 *   IOVA_DATA  two pages, READ | WRITE
 *   IOVA_RO    one page, READ
 *   IOVA_RWX   one page, READ | WRITE | EXEC
 * An EXEC container makes IOVA_DATA and IOVA_RO non-executable; the other
 * types ignore the difference and let the device fetch from anywhere.
 *
 * The tests set the simulated IOMMU's noexec and separate_domains knobs and
 * its MSI window, and put them back afterwards.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define IOVA_PROG	0x100000ULL
#define IOVA_DATA	0x200000ULL
#define IOVA_RO		0x300000ULL
#define IOVA_RWX	0x400000ULL
#define IOVA_SPARE	0x500000ULL
#define DATA_PAGES	2

/* IOMMU_* protections as the simulated IOMMU's debugfs shows them. */
#define IO_READ	0x1
#define IO_WRITE	0x2
#define IO_CACHE	0x4
#define IO_NOEXEC	0x8

#define MAP_R		VFIO_DMA_MAP_FLAG_READ
#define MAP_RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define MAP_RX		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_EXEC)
#define MAP_RWX		(MAP_RW | VFIO_DMA_MAP_FLAG_EXEC)

/* The bytes a FILL program writes, and where in IOVA_DATA. */
#define FILL_BYTE	0x5a
#define FILL_OFF	8
#define FILL_LEN	64U

/* The buffers behind the mappings, and the knobs the tests change. */
struct exec_mem {
	__u8 *prog, *data, *ro, *rwx;
};

struct exec_knobs {
	struct vp_saved noexec;
	struct vp_saved separate;
	struct vp_saved msi_window;
};

static void exec_knobs_init(struct exec_knobs *k)
{
	memset(k, 0, sizeof(*k));
}

static int exec_knobs_set(struct exec_knobs *k, const char *noexec,
			  const char *separate)
{
	int ret;

	ret = vp_save_and_set(&k->msi_window, SIM_KNOB("msi_window"), "none");
	if (!ret)
		ret = vp_save_and_set(&k->noexec, SIM_KNOB("noexec"), noexec);
	if (!ret)
		ret = vp_save_and_set(&k->separate, SIM_KNOB("separate_domains"),
				      separate);
	return ret;
}

static void exec_knobs_restore(struct exec_knobs *k)
{
	vp_restore(&k->separate);
	vp_restore(&k->noexec);
	vp_restore(&k->msi_window);
}

static void exec_mem_free(struct exec_mem *m)
{
	dma_buffer_free(m->prog, PAGE);
	dma_buffer_free(m->data, DATA_PAGES * PAGE);
	dma_buffer_free(m->ro, PAGE);
	dma_buffer_free(m->rwx, PAGE);
	memset(m, 0, sizeof(*m));
}

static int exec_mem_map(struct exec_mem *m, int container)
{
	int ret;

	m->prog = dma_buffer(PAGE);
	m->data = dma_buffer(DATA_PAGES * PAGE);
	m->ro = dma_buffer(PAGE);
	m->rwx = dma_buffer(PAGE);
	if (!m->prog || !m->data || !m->ro || !m->rwx)
		return -ENOMEM;

	ret = vfio_dma_map(container, m->prog, IOVA_PROG, PAGE, MAP_RX);
	if (!ret)
		ret = vfio_dma_map(container, m->data, IOVA_DATA,
				   DATA_PAGES * PAGE, MAP_RW);
	if (!ret)
		ret = vfio_dma_map(container, m->ro, IOVA_RO, PAGE, MAP_R);
	if (!ret)
		ret = vfio_dma_map(container, m->rwx, IOVA_RWX, PAGE, MAP_RWX);
	return ret;
}

/* A group of its own in a fresh container of @type, with the mappings above. */
static int exec_open(struct vp_dev *vd, struct exec_mem *m, unsigned long type)
{
	struct sim_config cfg;
	int ret;

	sim_config_init(&cfg);
	ret = vp_open(vd, &cfg, type);
	return ret ?: exec_mem_map(m, vd->container);
}

static void put_desc(__u8 *at, __u32 op, __u32 len, __u64 src, __u64 dst)
{
	struct vfio_psim_desc d = { .op = op, .len = len, .src = src, .dst = dst };

	memcpy(at, &d, sizeof(d));
}

/*
 * Writes, at @va, a program that fills FILL_LEN bytes at FILL_OFF of
 * IOVA_DATA, clears them, and runs the program from @iova.
 */
static int run_fill(struct vp_dev *vd, struct exec_mem *m, __u8 *va, __u64 iova)
{
	put_desc(va, VFIO_PSIM_DESC_FILL, FILL_LEN, FILL_BYTE, IOVA_DATA + FILL_OFF);
	put_desc(va + sizeof(struct vfio_psim_desc), VFIO_PSIM_DESC_END, 0, 0, 0);
	memset(m->data + FILL_OFF, 0, FILL_LEN);
	return sim_dma(&vd->regs, VFIO_PSIM_DMA_CMD_FETCH, iova, 0, 0);
}

static bool filled(struct exec_mem *m)
{
	unsigned int i;

	for (i = 0; i < FILL_LEN; i++)
		if (m->data[FILL_OFF + i] != FILL_BYTE)
			return false;
	return true;
}

static bool untouched(struct exec_mem *m)
{
	unsigned int i;

	for (i = 0; i < FILL_LEN; i++)
		if (m->data[FILL_OFF + i])
			return false;
	return true;
}

/* The fault a fetch from a non-executable mapping at @iova must raise. */
static void expect_exec_fault(struct __test_metadata *_metadata,
			      struct vp_dev *vd, struct exec_mem *m, __u64 iova)
{
	__u32 st = sim_reg_read(&vd->regs, VFIO_PSIM_REG_FAULT_STATUS);
	unsigned long long dbg_iova;
	unsigned int code, access;

	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_EXEC, VFIO_PSIM_FAULT_CODE(st)) TH_LOG("%s", vd->sim.name);
	EXPECT_EQ((__u32)VFIO_PSIM_ACCESS_FETCH, VFIO_PSIM_FAULT_ACCESS(st));
	EXPECT_EQ(iova, sim_reg_read64(&vd->regs, VFIO_PSIM_REG_FAULT_IOVA));
	EXPECT_EQ(0U, sim_reg_read(&vd->regs, VFIO_PSIM_REG_DMA_COUNT));
	EXPECT_TRUE(untouched(m));
	ASSERT_EQ(0, sim_fault(vd->sim.name, &code, &access, &dbg_iova));
	EXPECT_EQ((unsigned int)VFIO_PSIM_FAULT_EXEC, code);
	EXPECT_EQ((unsigned int)VFIO_PSIM_ACCESS_FETCH, access);
	EXPECT_EQ(iova, dbg_iova);
}

/* The protection the device's domain gives the page at @iova, or -1. */
static int prot_at(const char *dev, __u64 iova)
{
	long domain = sim_domain_id(dev);
	__u64 start, size, phys;
	unsigned int prot;

	if (domain <= 0 || sim_mapping(domain, iova, &start, &size, &phys, &prot))
		return -1;
	return prot;
}

/* A map request that must be refused with EINVAL and map nothing. */
static void expect_map_refused(struct __test_metadata *_metadata,
			       struct vp_dev *vd, void *va, __u64 iova,
			       __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (__u64)(unsigned long)va,
		.iova = iova,
		.size = PAGE,
	};

	EXPECT_EQ(-1, ioctl(vd->container, VFIO_IOMMU_MAP_DMA, &map))
		TH_LOG("flags %#x", flags);
	EXPECT_EQ(EINVAL, errno) TH_LOG("flags %#x", flags);
	EXPECT_EQ(-1, prot_at(vd->sim.name, iova)) TH_LOG("flags %#x", flags);
}

/* Refused by every Type1 type: no permission, EXEC with a vaddr update, bit 4. */
static void expect_bad_flags_refused(struct __test_metadata *_metadata,
				     struct vp_dev *vd, void *va)
{
	expect_map_refused(_metadata, vd, va, IOVA_SPARE, VFIO_DMA_MAP_FLAG_EXEC);
	expect_map_refused(_metadata, vd, va, IOVA_SPARE,
			   VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_EXEC);
	expect_map_refused(_metadata, vd, va, IOVA_SPARE,
			   MAP_RX | VFIO_DMA_MAP_FLAG_VADDR);
	expect_map_refused(_metadata, vd, va, IOVA_SPARE, MAP_R | (1U << 4));
	expect_map_refused(_metadata, vd, va, IOVA_SPARE, MAP_RWX | (1U << 4));
}

/* A VFIO_TYPE1v2_EXEC_IOMMU container on an IOMMU that honours NOEXEC. */
FIXTURE(exec_container) {
	struct exec_knobs knobs;
	struct vp_dev vd;
	struct exec_mem mem;
};

FIXTURE_SETUP(exec_container)
{
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd);
	memset(&self->mem, 0, sizeof(self->mem));
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ret = exec_knobs_set(&self->knobs, "Y", "N");
	if (!ret)
		ret = exec_open(&self->vd, &self->mem, VFIO_TYPE1v2_EXEC_IOMMU);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(exec_container)
{
	vp_close(&self->vd);
	exec_mem_free(&self->mem);
	exec_knobs_restore(&self->knobs);
}

TEST_F(exec_container, fetch_from_an_exec_mapping_runs)
{
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, run_fill(&self->vd, &self->mem,
					       self->mem.prog, IOVA_PROG));
	EXPECT_TRUE(filled(&self->mem));
	EXPECT_EQ(FILL_LEN, sim_reg_read(&self->vd.regs, VFIO_PSIM_REG_DMA_COUNT));
}

TEST_F(exec_container, fetch_from_a_read_write_mapping_faults)
{
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
		  run_fill(&self->vd, &self->mem, self->mem.data + PAGE,
			   IOVA_DATA + PAGE));
	expect_exec_fault(_metadata, &self->vd, &self->mem, IOVA_DATA + PAGE);
}

TEST_F(exec_container, fetch_from_a_read_only_mapping_faults)
{
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
		  run_fill(&self->vd, &self->mem, self->mem.ro, IOVA_RO));
	expect_exec_fault(_metadata, &self->vd, &self->mem, IOVA_RO);
}

TEST_F(exec_container, fetch_from_a_read_write_exec_mapping_runs)
{
	ASSERT_EQ(VFIO_PSIM_DMA_DONE,
		  run_fill(&self->vd, &self->mem, self->mem.rwx, IOVA_RWX));
	EXPECT_TRUE(filled(&self->mem));
}

TEST_F(exec_container, copy_still_works_on_non_exec_mappings)
{
	memset(self->mem.ro, 0x3c, PAGE);
	memset(self->mem.data, 0, PAGE);
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_RO, IOVA_DATA, PAGE));
	EXPECT_EQ(0, memcmp(self->mem.ro, self->mem.data, PAGE));
	EXPECT_EQ(0U, sim_reg_read(&self->vd.regs, VFIO_PSIM_REG_FAULT_STATUS));
}

/* Only the program is fetched: the data it moves may be non-executable. */
TEST_F(exec_container, program_moves_data_between_non_exec_mappings)
{
	memset(self->mem.ro, 0x81, 128);
	memset(self->mem.data + PAGE, 0, 128);
	put_desc(self->mem.prog, VFIO_PSIM_DESC_COPY, 128, IOVA_RO, IOVA_DATA + PAGE);
	put_desc(self->mem.prog + sizeof(struct vfio_psim_desc), VFIO_PSIM_DESC_END,
		 0, 0, 0);
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->vd.regs, VFIO_PSIM_DMA_CMD_FETCH,
					      IOVA_PROG, 0, 0));
	EXPECT_EQ(0, memcmp(self->mem.ro, self->mem.data + PAGE, 128));
}

TEST_F(exec_container, debugfs_shows_noexec_exactly_where_expected)
{
	const char *dev = self->vd.sim.name;

	EXPECT_EQ(IO_READ | IO_CACHE, prot_at(dev, IOVA_PROG));
	EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE | IO_NOEXEC,
		  prot_at(dev, IOVA_DATA));
	EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE | IO_NOEXEC,
		  prot_at(dev, IOVA_DATA + PAGE));
	EXPECT_EQ(IO_READ | IO_CACHE | IO_NOEXEC, prot_at(dev, IOVA_RO));
	EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE, prot_at(dev, IOVA_RWX));
}

TEST_F(exec_container, remapping_with_exec_makes_the_page_executable)
{
	ASSERT_EQ(0, vfio_dma_unmap(self->vd.container, IOVA_RO, PAGE));
	ASSERT_EQ(0, vfio_dma_map(self->vd.container, self->mem.ro, IOVA_RO, PAGE,
				  MAP_RX));
	EXPECT_EQ(IO_READ | IO_CACHE, prot_at(self->vd.sim.name, IOVA_RO));
	ASSERT_EQ(VFIO_PSIM_DMA_DONE,
		  run_fill(&self->vd, &self->mem, self->mem.ro, IOVA_RO));
	EXPECT_TRUE(filled(&self->mem));
}

TEST_F(exec_container, reports_its_type_and_type1v2)
{
	EXPECT_EQ(1, ioctl(self->vd.container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_EXEC_IOMMU));
	EXPECT_EQ(1, ioctl(self->vd.container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
}

TEST_F(exec_container, invalid_flag_combinations_are_refused)
{
	expect_bad_flags_refused(_metadata, &self->vd, self->mem.ro);
}

/* The types that do not enforce execute permission, on the same IOMMU. */
FIXTURE(exec_ignored) {
	struct exec_knobs knobs;
	struct vp_dev vd;
	struct exec_mem mem;
};

FIXTURE_VARIANT(exec_ignored) {
	unsigned long type;
};

FIXTURE_VARIANT_ADD(exec_ignored, type1) {
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(exec_ignored, type1v2) {
	.type = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_SETUP(exec_ignored)
{
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd);
	memset(&self->mem, 0, sizeof(self->mem));
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ret = exec_knobs_set(&self->knobs, "Y", "N");
	if (!ret)
		ret = exec_open(&self->vd, &self->mem, variant->type);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(exec_ignored)
{
	vp_close(&self->vd);
	exec_mem_free(&self->mem);
	exec_knobs_restore(&self->knobs);
}

TEST_F(exec_ignored, fetch_from_any_mapping_runs)
{
	struct {
		__u8 *va;
		__u64 iova;
	} from[] = {
		{ self->mem.prog, IOVA_PROG },
		{ self->mem.data + PAGE, IOVA_DATA + PAGE },
		{ self->mem.ro, IOVA_RO },
		{ self->mem.rwx, IOVA_RWX },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(from); i++) {
		ASSERT_EQ(VFIO_PSIM_DMA_DONE,
			  run_fill(&self->vd, &self->mem, from[i].va, from[i].iova))
			TH_LOG("program at %#llx", from[i].iova);
		EXPECT_TRUE(filled(&self->mem)) TH_LOG("program at %#llx", from[i].iova);
	}
}

TEST_F(exec_ignored, exec_flag_is_accepted_and_no_mapping_is_noexec)
{
	const char *dev = self->vd.sim.name;

	EXPECT_EQ(IO_READ | IO_CACHE, prot_at(dev, IOVA_PROG));
	EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE, prot_at(dev, IOVA_DATA));
	EXPECT_EQ(IO_READ | IO_CACHE, prot_at(dev, IOVA_RO));
	EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE, prot_at(dev, IOVA_RWX));
}

TEST_F(exec_ignored, does_not_report_the_exec_type)
{
	EXPECT_EQ(0, ioctl(self->vd.container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_EXEC_IOMMU));
}

TEST_F(exec_ignored, invalid_flag_combinations_are_refused)
{
	expect_bad_flags_refused(_metadata, &self->vd, self->mem.ro);
}

/* A group whose IOMMU does not report IOMMU_CAP_NOEXEC. */
FIXTURE(exec_without_noexec) {
	struct exec_knobs knobs;
	struct vp_dev vd;
	struct exec_mem mem;
};

FIXTURE_SETUP(exec_without_noexec)
{
	struct sim_config cfg;
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd);
	memset(&self->mem, 0, sizeof(self->mem));
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	sim_config_init(&cfg);
	ret = exec_knobs_set(&self->knobs, "N", "N");
	if (!ret)
		ret = vp_open_group(&self->vd, &cfg);
	if (!ret) {
		self->vd.container = vfio_container_open();
		ret = self->vd.container < 0 ? self->vd.container : 0;
	}
	if (!ret)
		ret = vfio_group_set_container(self->vd.group, self->vd.container);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(exec_without_noexec)
{
	vp_close(&self->vd);
	exec_mem_free(&self->mem);
	exec_knobs_restore(&self->knobs);
}

TEST_F(exec_without_noexec, set_iommu_fails_cleanly_and_type1v2_works)
{
	int ret;

	/* An unset container offers the type: only the group can say no. */
	EXPECT_EQ(1, ioctl(self->vd.container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_EXEC_IOMMU));
	ASSERT_EQ(0, sim_history_clear());
	ret = ioctl(self->vd.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_EXEC_IOMMU);
	ASSERT_EQ(-1, ret);
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* Refused before any domain was made or the device moved. */
	EXPECT_EQ(0, sim_history_count_prefix("alloc "));
	EXPECT_EQ(0, sim_history_count_prefix("attach "));
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(self->vd.sim.name));
	EXPECT_EQ(-1, ioctl(self->vd.container, VFIO_IOMMU_GET_INFO, NULL));

	ASSERT_EQ(0, vfio_set_iommu(self->vd.container, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(0, ioctl(self->vd.container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_EXEC_IOMMU));
	ASSERT_EQ(0, exec_mem_map(&self->mem, self->vd.container));
	ASSERT_EQ(0, vp_open_device(&self->vd));
	EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE,
		  prot_at(self->vd.sim.name, IOVA_DATA));
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, run_fill(&self->vd, &self->mem,
					       self->mem.data + PAGE,
					       IOVA_DATA + PAGE));
	EXPECT_TRUE(filled(&self->mem));
}

/*
 * Two groups in one EXEC container, on an IOMMU whose domains serve one group
 * each: the second group gets a domain of its own, which type1 fills by
 * replaying the container's mappings.
 */
FIXTURE(exec_two_groups) {
	struct exec_knobs knobs;
	struct vp_dev vd[2];
	struct vp_dev third;
	struct exec_mem mem;
	struct vp_saved noexec_off;
};

FIXTURE_SETUP(exec_two_groups)
{
	struct sim_config cfg;
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd[0]);
	vp_init(&self->vd[1]);
	vp_init(&self->third);
	memset(&self->mem, 0, sizeof(self->mem));
	memset(&self->noexec_off, 0, sizeof(self->noexec_off));
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	sim_config_init(&cfg);
	ret = exec_knobs_set(&self->knobs, "Y", "Y");
	if (!ret)
		ret = exec_open(&self->vd[0], &self->mem, VFIO_TYPE1v2_EXEC_IOMMU);
	if (!ret)
		ret = vp_open_group(&self->vd[1], &cfg);
	if (!ret)
		ret = vfio_group_set_container(self->vd[1].group,
					       self->vd[0].container);
	if (!ret)
		ret = vp_open_device(&self->vd[1]);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(exec_two_groups)
{
	vp_close(&self->third);
	vp_close(&self->vd[1]);
	vp_close(&self->vd[0]);
	exec_mem_free(&self->mem);
	vp_restore(&self->noexec_off);
	exec_knobs_restore(&self->knobs);
}

TEST_F(exec_two_groups, second_group_gets_a_domain_of_its_own)
{
	long a = sim_domain_id(self->vd[0].sim.name);
	long b = sim_domain_id(self->vd[1].sim.name);

	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	EXPECT_NE(a, b);
}

TEST_F(exec_two_groups, replay_keeps_the_protection_of_every_mapping)
{
	static const struct {
		__u64 iova;
		int prot;
	} want[] = {
		{ IOVA_PROG, IO_READ | IO_CACHE },
		{ IOVA_DATA, IO_READ | IO_WRITE | IO_CACHE | IO_NOEXEC },
		{ IOVA_DATA + PAGE, IO_READ | IO_WRITE | IO_CACHE | IO_NOEXEC },
		{ IOVA_RO, IO_READ | IO_CACHE | IO_NOEXEC },
		{ IOVA_RWX, IO_READ | IO_WRITE | IO_CACHE },
	};
	unsigned int i, d;

	/* Not one domain seen twice. */
	ASSERT_NE(sim_domain_id(self->vd[0].sim.name),
		  sim_domain_id(self->vd[1].sim.name));
	for (d = 0; d < 2; d++)
		for (i = 0; i < ARRAY_SIZE(want); i++)
			EXPECT_EQ(want[i].prot, prot_at(self->vd[d].sim.name, want[i].iova))
				TH_LOG("device %u, iova %#llx", d, want[i].iova);
}

TEST_F(exec_two_groups, fetch_and_copy_behave_the_same_from_both_devices)
{
	unsigned int d;

	for (d = 0; d < 2; d++) {
		struct vp_dev *vd = &self->vd[d];

		ASSERT_EQ(VFIO_PSIM_DMA_DONE,
			  run_fill(vd, &self->mem, self->mem.prog, IOVA_PROG))
			TH_LOG("device %u", d);
		EXPECT_TRUE(filled(&self->mem)) TH_LOG("device %u", d);

		ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
			  run_fill(vd, &self->mem, self->mem.ro, IOVA_RO))
			TH_LOG("device %u", d);
		expect_exec_fault(_metadata, vd, &self->mem, IOVA_RO);

		memset(self->mem.ro, 0x40 + d, PAGE);
		ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&vd->regs, VFIO_PSIM_DMA_CMD_COPY,
						      IOVA_RO, IOVA_DATA + PAGE, PAGE))
			TH_LOG("device %u", d);
		EXPECT_EQ(0, memcmp(self->mem.ro, self->mem.data + PAGE, PAGE))
			TH_LOG("device %u", d);
	}
}

TEST_F(exec_two_groups, new_mappings_reach_both_domains_alike)
{
	__u8 *spare = dma_buffer(2 * PAGE);
	unsigned int d;

	ASSERT_NE(NULL, spare);
	ASSERT_EQ(0, vfio_dma_map(self->vd[0].container, spare, IOVA_SPARE, PAGE,
				  MAP_RW));
	ASSERT_EQ(0, vfio_dma_map(self->vd[0].container, spare + PAGE,
				  IOVA_SPARE + PAGE, PAGE, MAP_RX));
	for (d = 0; d < 2; d++) {
		EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE | IO_NOEXEC,
			  prot_at(self->vd[d].sim.name, IOVA_SPARE)) TH_LOG("device %u", d);
		EXPECT_EQ(IO_READ | IO_CACHE,
			  prot_at(self->vd[d].sim.name, IOVA_SPARE + PAGE))
			TH_LOG("device %u", d);
	}
	ASSERT_EQ(0, vfio_dma_unmap(self->vd[0].container, IOVA_SPARE, 2 * PAGE));
	dma_buffer_free(spare, 2 * PAGE);
}

/* Without separate_domains, type1 puts a new group in an existing domain. */
TEST_F(exec_two_groups, third_group_shares_a_domain_without_separate_domains)
{
	long a = sim_domain_id(self->vd[0].sim.name);
	long b = sim_domain_id(self->vd[1].sim.name);
	struct sim_config cfg;
	long c;

	sim_config_init(&cfg);
	ASSERT_EQ(0, vp_write(SIM_KNOB("separate_domains"), "N\n"));
	ASSERT_EQ(0, vp_open_group(&self->third, &cfg));
	ASSERT_EQ(0, sim_history_clear());
	ASSERT_EQ(0, vfio_group_set_container(self->third.group,
					      self->vd[0].container));
	c = sim_domain_id(self->third.sim.name);
	EXPECT_TRUE(c == a || c == b) TH_LOG("domains %ld, %ld and %ld", a, b, c);
	/* The domain type1 allocated to try the group in is freed unused. */
	EXPECT_EQ(1, sim_history_count_prefix("alloc "));
	EXPECT_EQ(1, sim_history_count_prefix("free "));
}

/* A group whose IOMMU cannot enforce NOEXEC cannot join. */
TEST_F(exec_two_groups, group_without_noexec_cannot_join)
{
	struct sim_config cfg;

	sim_config_init(&cfg);
	ASSERT_EQ(0, vp_save_and_set(&self->noexec_off, SIM_KNOB("noexec"), "N"));
	ASSERT_EQ(0, vp_open_group(&self->third, &cfg));
	EXPECT_EQ(-1, ioctl(self->third.group, VFIO_GROUP_SET_CONTAINER,
			    &self->vd[0].container));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* VFIO gave up the group's DMA ownership: back in its default domain. */
	EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(self->third.sim.name));
	ASSERT_EQ(0, vp_restore(&self->noexec_off));

	/* The container goes on as it was. */
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
		  run_fill(&self->vd[1], &self->mem, self->mem.ro, IOVA_RO));
	expect_exec_fault(_metadata, &self->vd[1], &self->mem, IOVA_RO);
}

TEST_HARNESS_MAIN
