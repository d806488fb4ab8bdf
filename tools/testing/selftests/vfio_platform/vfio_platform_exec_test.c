// SPDX-License-Identifier: GPL-2.0
/*
 * Execute permission of DMA mappings, in each IOMMU mode: containers of type
 * VFIO_TYPE1v2_EXEC_IOMMU with VFIO_DMA_MAP_FLAG_EXEC, served by type1 or by
 * iommufd's compat container, and the device cdev on an IOAS with
 * IOMMU_OPTION_ENFORCE_EXEC and IOMMU_IOAS_MAP_EXECUTABLE.
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
 * Each fixture runs in the three IOMMU modes, its variants named after them:
 *   type1   a type1 container, /dev/vfio/vfio on a kernel with VFIO_CONTAINER;
 *   compat  iommufd's compat container: /dev/vfio/vfio on a kernel built with
 *           IOMMUFD_VFIO_CONTAINER, else /dev/iommu, whose file serves the
 *           same ioctls with the same code;
 *   cdev    the device cdev bound to iommufd, on an IOAS that has
 *           IOMMU_OPTION_ENFORCE_EXEC where a container has the EXEC type,
 *           mapped with IOMMU_IOAS_MAP_EXECUTABLE where a container passes
 *           VFIO_DMA_MAP_FLAG_EXEC.
 * Where they differ, the tests say how: iommufd takes a group from the host
 * only when it attaches it, which for the compat container is when the
 * group's first device is opened, and it lets the container's type be set
 * again while nothing uses it.
 *
 * The tests set the simulated IOMMU's noexec and separate_domains knobs and
 * its MSI window, and put them back afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
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

/* The IOMMU mode a fixture runs in. */
enum exec_backend {
	EXEC_TYPE1,
	EXEC_COMPAT,
	EXEC_CDEV,
};

/* Why the mode of @backend is missing from this kernel, or NULL. */
static const char *exec_backend_use(enum exec_backend backend)
{
	if (backend == EXEC_CDEV)
		return iommufd_missing();
	return vp_use_container(backend == EXEC_COMPAT);
}

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

/* The IOMMU_IOAS_MAP_* flags of the VFIO_DMA_MAP_FLAG_* ones in @flags. */
static __u32 ioas_flags(__u32 flags)
{
	__u32 ret = 0;

	if (flags & VFIO_DMA_MAP_FLAG_READ)
		ret |= IOMMU_IOAS_MAP_READABLE;
	if (flags & VFIO_DMA_MAP_FLAG_WRITE)
		ret |= IOMMU_IOAS_MAP_WRITEABLE;
	if (flags & VFIO_DMA_MAP_FLAG_EXEC)
		ret |= IOMMU_IOAS_MAP_EXECUTABLE;
	return ret;
}

/* Maps in container @fd, or in IOAS @ioas of iommufd @fd if @ioas is not 0. */
static int exec_map(int fd, __u32 ioas, void *va, __u64 iova, __u64 size,
		    __u32 flags)
{
	if (!ioas)
		return vfio_dma_map(fd, va, iova, size, flags);
	return iommufd_ioas_map_flags(fd, ioas, va, iova, size, ioas_flags(flags));
}

static int exec_mem_map(struct exec_mem *m, int fd, __u32 ioas)
{
	int ret;

	m->prog = dma_buffer(PAGE);
	m->data = dma_buffer(DATA_PAGES * PAGE);
	m->ro = dma_buffer(PAGE);
	m->rwx = dma_buffer(PAGE);
	if (!m->prog || !m->data || !m->ro || !m->rwx)
		return -ENOMEM;

	ret = exec_map(fd, ioas, m->prog, IOVA_PROG, PAGE, MAP_RX);
	if (!ret)
		ret = exec_map(fd, ioas, m->data, IOVA_DATA, DATA_PAGES * PAGE,
			       MAP_RW);
	if (!ret)
		ret = exec_map(fd, ioas, m->ro, IOVA_RO, PAGE, MAP_R);
	if (!ret)
		ret = exec_map(fd, ioas, m->rwx, IOVA_RWX, PAGE, MAP_RWX);
	return ret;
}

static int exec_unmap(int fd, __u32 ioas, __u64 iova, __u64 size)
{
	if (!ioas)
		return vfio_dma_unmap(fd, iova, size);
	return iommufd_ioas_unmap(fd, ioas, iova, size);
}

/*
 * A new simulated device made from @cfg, opened through its cdev and bound
 * to @iommufd, which @vd owns from now on, even if this fails. Its ID in the
 * iommufd goes to @dev_id, if not NULL.
 */
static int exec_cdev_bind(struct vp_dev *vd, int iommufd,
			  const struct sim_config *cfg, __u32 *dev_id)
{
	int ret;

	vp_init(vd);
	vd->container = iommufd;
	if (iommufd < 0)
		return -EBADF;
	ret = sim_create(&vd->sim, cfg);
	if (!ret)
		ret = vp_bind(vd->sim.name, VFIO_PLATFORM_DRIVER);
	if (ret)
		return ret;
	vd->device = vfio_cdev_open(vd->sim.name);
	if (vd->device < 0)
		return vd->device;
	ret = vfio_cdev_bind_id(vd->device, iommufd, dev_id);
	return ret ?: sim_regs_map(vd->device, &vd->regs);
}

/* A new IOAS of @vd's iommufd, enforcing execute permission if @enforce. */
static int exec_ioas_alloc(struct vp_dev *vd, bool enforce, __u32 *ioas)
{
	int ret = iommufd_ioas_alloc(vd->container, ioas);

	if (!ret && enforce)
		ret = iommufd_option_set(vd->container, IOMMU_OPTION_ENFORCE_EXEC,
					 *ioas, 1);
	return ret;
}

/*
 * A device of a group of its own in the mode of @backend with the mappings
 * above: in a fresh container of @type, or through its cdev on a fresh IOAS
 * (returned in @ioas, else 0) that enforces execute permission if @type is
 * VFIO_TYPE1v2_EXEC_IOMMU; the device's ID goes to @dev_id if not NULL.
 */
static int exec_open_id(struct vp_dev *vd, struct exec_mem *m,
			unsigned long type, enum exec_backend backend,
			__u32 *ioas, __u32 *dev_id)
{
	struct sim_config cfg;
	int ret;

	sim_config_init(&cfg);
	*ioas = 0;
	if (backend != EXEC_CDEV) {
		ret = vp_open(vd, &cfg, type);
		return ret ?: exec_mem_map(m, vd->container, 0);
	}
	ret = exec_cdev_bind(vd, open("/dev/iommu", O_RDWR | O_CLOEXEC), &cfg,
			     dev_id);
	if (!ret)
		ret = exec_ioas_alloc(vd, type == VFIO_TYPE1v2_EXEC_IOMMU, ioas);
	if (!ret)
		ret = exec_mem_map(m, vd->container, *ioas);
	return ret ?: vfio_cdev_attach(vd->device, *ioas);
}

static int exec_open(struct vp_dev *vd, struct exec_mem *m, unsigned long type,
		     enum exec_backend backend, __u32 *ioas)
{
	return exec_open_id(vd, m, type, backend, ioas, NULL);
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

/* A map request that must be refused with @err and map nothing. */
static void expect_map_refused(struct __test_metadata *_metadata,
			       struct vp_dev *vd, __u32 ioas, void *va,
			       __u32 flags, int err)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (__u64)(unsigned long)va,
		.iova = IOVA_SPARE,
		.size = PAGE,
	};
	struct iommu_ioas_map ioas_map = {
		.size = sizeof(ioas_map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | flags,
		.ioas_id = ioas,
		.user_va = (__u64)(unsigned long)va,
		.length = PAGE,
		.iova = IOVA_SPARE,
	};

	int ret;

	if (ioas)
		ret = ioctl(vd->container, IOMMU_IOAS_MAP, &ioas_map);
	else
		ret = ioctl(vd->container, VFIO_IOMMU_MAP_DMA, &map);
	EXPECT_EQ(-1, ret) TH_LOG("flags %#x", flags);
	EXPECT_EQ(err, errno) TH_LOG("flags %#x", flags);
	EXPECT_EQ(-1, prot_at(vd->sim.name, IOVA_SPARE)) TH_LOG("flags %#x", flags);
}

/*
 * Refused in every mode: execute permission alone, an unknown flag beside
 * it, and in containers EXEC with a vaddr update.
 */
static void expect_bad_flags_refused(struct __test_metadata *_metadata,
				     struct vp_dev *vd, __u32 ioas, void *va)
{
	if (ioas) {
		expect_map_refused(_metadata, vd, ioas, va,
				   IOMMU_IOAS_MAP_EXECUTABLE, EINVAL);
		expect_map_refused(_metadata, vd, ioas, va,
				   IOMMU_IOAS_MAP_READABLE | (1U << 4), EOPNOTSUPP);
		expect_map_refused(_metadata, vd, ioas, va,
				   IOMMU_IOAS_MAP_READABLE |
				   IOMMU_IOAS_MAP_EXECUTABLE | (1U << 4),
				   EOPNOTSUPP);
		return;
	}
	expect_map_refused(_metadata, vd, 0, va, VFIO_DMA_MAP_FLAG_EXEC, EINVAL);
	expect_map_refused(_metadata, vd, 0, va,
			   VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_EXEC, EINVAL);
	expect_map_refused(_metadata, vd, 0, va, MAP_RX | VFIO_DMA_MAP_FLAG_VADDR,
			   EINVAL);
	expect_map_refused(_metadata, vd, 0, va, MAP_R | (1U << 4), EINVAL);
	expect_map_refused(_metadata, vd, 0, va, MAP_RWX | (1U << 4), EINVAL);
}

/* IOMMU_OPTION_ENFORCE_EXEC of @ioas, or a negative errno. */
static long long enforce_exec(int iommufd, __u32 ioas)
{
	__u64 val;
	int ret = iommufd_option_get(iommufd, IOMMU_OPTION_ENFORCE_EXEC, ioas, &val);

	return ret ?: (long long)val;
}

/* The ID of the IOAS behind iommufd's compat container @fd, or 0. */
static __u32 compat_ioas(int fd)
{
	struct iommu_vfio_ioas get = {
		.size = sizeof(get),
		.op = IOMMU_VFIO_IOAS_GET,
	};

	return ioctl(fd, IOMMU_VFIO_IOAS, &get) ? 0 : get.ioas_id;
}

/* Whether the container or IOAS says it enforces execute permission. */
static int reports_exec(struct vp_dev *vd, __u32 ioas)
{
	if (ioas)
		return enforce_exec(vd->container, ioas);
	return ioctl(vd->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_EXEC_IOMMU);
}

/* An EXEC container, or an enforcing IOAS, on an IOMMU that honours NOEXEC. */
FIXTURE(exec_container) {
	struct exec_knobs knobs;
	struct vp_dev vd;
	struct exec_mem mem;
	__u32 ioas;
};

FIXTURE_VARIANT(exec_container) {
	enum exec_backend backend;
};

FIXTURE_VARIANT_ADD(exec_container, type1) {
	.backend = EXEC_TYPE1,
};

FIXTURE_VARIANT_ADD(exec_container, compat) {
	.backend = EXEC_COMPAT,
};

FIXTURE_VARIANT_ADD(exec_container, cdev) {
	.backend = EXEC_CDEV,
};

FIXTURE_SETUP(exec_container)
{
	const char *missing;
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd);
	memset(&self->mem, 0, sizeof(self->mem));
	missing = sim_missing() ?: exec_backend_use(variant->backend);
	if (missing)
		SKIP(return, "%s", missing);
	ret = exec_knobs_set(&self->knobs, "Y", "N");
	if (!ret)
		ret = exec_open(&self->vd, &self->mem, VFIO_TYPE1v2_EXEC_IOMMU,
				variant->backend, &self->ioas);
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
	ASSERT_EQ(0, exec_unmap(self->vd.container, self->ioas, IOVA_RO, PAGE));
	ASSERT_EQ(0, exec_map(self->vd.container, self->ioas, self->mem.ro,
			      IOVA_RO, PAGE, MAP_RX));
	EXPECT_EQ(IO_READ | IO_CACHE, prot_at(self->vd.sim.name, IOVA_RO));
	ASSERT_EQ(VFIO_PSIM_DMA_DONE,
		  run_fill(&self->vd, &self->mem, self->mem.ro, IOVA_RO));
	EXPECT_TRUE(filled(&self->mem));
}

TEST_F(exec_container, reports_that_it_enforces_exec)
{
	EXPECT_EQ(1, reports_exec(&self->vd, self->ioas));
	if (!self->ioas)
		EXPECT_EQ(1, ioctl(self->vd.container, VFIO_CHECK_EXTENSION,
				   VFIO_TYPE1v2_IOMMU));
}

TEST_F(exec_container, invalid_flag_combinations_are_refused)
{
	expect_bad_flags_refused(_metadata, &self->vd, self->ioas, self->mem.ro);
}

/* The types, or an IOAS, that do not enforce execute permission. */
FIXTURE(exec_ignored) {
	struct exec_knobs knobs;
	struct vp_dev vd;
	struct exec_mem mem;
	__u32 ioas;
};

FIXTURE_VARIANT(exec_ignored) {
	enum exec_backend backend;
	unsigned long type;
};

FIXTURE_VARIANT_ADD(exec_ignored, type1_type1) {
	.backend = EXEC_TYPE1,
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(exec_ignored, type1_type1v2) {
	.backend = EXEC_TYPE1,
	.type = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_VARIANT_ADD(exec_ignored, compat_type1) {
	.backend = EXEC_COMPAT,
	.type = VFIO_TYPE1_IOMMU,
};

FIXTURE_VARIANT_ADD(exec_ignored, compat_type1v2) {
	.backend = EXEC_COMPAT,
	.type = VFIO_TYPE1v2_IOMMU,
};

/* An IOAS without IOMMU_OPTION_ENFORCE_EXEC. */
FIXTURE_VARIANT_ADD(exec_ignored, cdev) {
	.backend = EXEC_CDEV,
	.type = VFIO_TYPE1v2_IOMMU,
};

FIXTURE_SETUP(exec_ignored)
{
	const char *missing;
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd);
	memset(&self->mem, 0, sizeof(self->mem));
	missing = sim_missing() ?: exec_backend_use(variant->backend);
	if (missing)
		SKIP(return, "%s", missing);
	ret = exec_knobs_set(&self->knobs, "Y", "N");
	if (!ret)
		ret = exec_open(&self->vd, &self->mem, variant->type,
				variant->backend, &self->ioas);
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

/* In use, a container of another type cannot become an EXEC one. */
TEST_F(exec_ignored, does_not_report_enforcing_exec)
{
	EXPECT_EQ(0, reports_exec(&self->vd, self->ioas));
}

TEST_F(exec_ignored, invalid_flag_combinations_are_refused)
{
	expect_bad_flags_refused(_metadata, &self->vd, self->ioas, self->mem.ro);
}

/* A group whose IOMMU does not report IOMMU_CAP_NOEXEC. */
FIXTURE(exec_without_noexec) {
	struct exec_knobs knobs;
	struct vp_dev vd;
	struct exec_mem mem;
	__u32 ioas;
	__u32 dev_id;
};

FIXTURE_VARIANT(exec_without_noexec) {
	enum exec_backend backend;
};

FIXTURE_VARIANT_ADD(exec_without_noexec, type1) {
	.backend = EXEC_TYPE1,
};

FIXTURE_VARIANT_ADD(exec_without_noexec, compat) {
	.backend = EXEC_COMPAT,
};

FIXTURE_VARIANT_ADD(exec_without_noexec, cdev) {
	.backend = EXEC_CDEV,
};

/* The group in an unset container, or the device bound to an iommufd. */
FIXTURE_SETUP(exec_without_noexec)
{
	const char *missing;
	struct sim_config cfg;
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd);
	memset(&self->mem, 0, sizeof(self->mem));
	self->ioas = 0;
	missing = sim_missing() ?: exec_backend_use(variant->backend);
	if (missing)
		SKIP(return, "%s", missing);
	sim_config_init(&cfg);
	ret = exec_knobs_set(&self->knobs, "N", "N");
	if (!ret && variant->backend == EXEC_CDEV) {
		ret = exec_cdev_bind(&self->vd, open("/dev/iommu", O_RDWR | O_CLOEXEC),
				     &cfg, &self->dev_id);
		if (!ret)
			ret = iommufd_ioas_alloc(self->vd.container, &self->ioas);
		ASSERT_EQ(0, ret);
		return;
	}
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

/*
 * The device cdev: the IOAS takes the option, but the device can neither
 * attach to it nor have a page table made for it there. Once the IOAS is
 * unused again, it can give the option up and take the device.
 */
static void cdev_exec_refused(struct __test_metadata *_metadata,
			      struct vp_dev *vd, struct exec_mem *m, __u32 ioas,
			      __u32 dev_id)
{
	__u32 hwpt;

	ASSERT_EQ(0, iommufd_option_set(vd->container, IOMMU_OPTION_ENFORCE_EXEC,
					ioas, 1));
	ASSERT_EQ(0, exec_mem_map(m, vd->container, ioas));
	ASSERT_EQ(0, sim_history_clear());
	EXPECT_EQ(-EOPNOTSUPP, vfio_cdev_attach(vd->device, ioas));
	/* Bound, so still the iommufd's, and attached nowhere. */
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(vd->sim.name));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_hwpt_alloc(vd->container, dev_id, ioas,
						  &hwpt));
	EXPECT_EQ(0, sim_history_count_prefix("alloc "));
	EXPECT_EQ(1, enforce_exec(vd->container, ioas));
	EXPECT_EQ(-EBUSY, iommufd_option_set(vd->container,
					     IOMMU_OPTION_ENFORCE_EXEC, ioas, 0));

	ASSERT_EQ(0, iommufd_ioas_unmap(vd->container, ioas, 0, ~0ULL));
	ASSERT_EQ(0, iommufd_option_set(vd->container, IOMMU_OPTION_ENFORCE_EXEC,
					ioas, 0));
	exec_mem_free(m);
	ASSERT_EQ(0, exec_mem_map(m, vd->container, ioas));
	ASSERT_EQ(0, vfio_cdev_attach(vd->device, ioas));
}

/*
 * Setting the type fails when a group in the container cannot enforce it,
 * with nothing left half done, and the container then works as
 * VFIO_TYPE1v2_IOMMU.
 */
static void container_exec_refused(struct __test_metadata *_metadata,
				   struct vp_dev *vd, struct exec_mem *m,
				   bool compat)
{
	/* An unset container offers the type: only the group can say no. */
	EXPECT_EQ(1, ioctl(vd->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_EXEC_IOMMU));
	ASSERT_EQ(0, sim_history_clear());
	EXPECT_EQ(-1, ioctl(vd->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_EXEC_IOMMU));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* Refused before any domain was made or the device moved. */
	EXPECT_EQ(0, sim_history_count_prefix("alloc "));
	EXPECT_EQ(0, sim_history_count_prefix("attach "));
	/*
	 * type1 took the group from the host as it joined the container;
	 * iommufd takes it only when it attaches it, as its device is opened.
	 */
	EXPECT_EQ(compat ? SIM_DOMAIN_IDENTITY : SIM_DOMAIN_BLOCKED,
		  sim_domain_id(vd->sim.name));
	if (compat)
		EXPECT_EQ(0, enforce_exec(vd->container, compat_ioas(vd->container)));

	ASSERT_EQ(0, vfio_set_iommu(vd->container, VFIO_TYPE1v2_IOMMU));
	/*
	 * type1 offers the EXEC type only until the container's type is set;
	 * the compat container could still become one while nothing uses it.
	 */
	EXPECT_EQ(compat, ioctl(vd->container, VFIO_CHECK_EXTENSION,
				VFIO_TYPE1v2_EXEC_IOMMU));
	ASSERT_EQ(0, exec_mem_map(m, vd->container, 0));
	EXPECT_EQ(0, ioctl(vd->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_EXEC_IOMMU));
	ASSERT_EQ(0, vp_open_device(vd));
	/* Still no: the group cannot, and the compat IOAS is in use. */
	EXPECT_EQ(-1, ioctl(vd->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_EXEC_IOMMU));
}

TEST_F(exec_without_noexec, exec_refused_cleanly_and_type1v2_works)
{
	if (variant->backend == EXEC_CDEV)
		cdev_exec_refused(_metadata, &self->vd, &self->mem, self->ioas,
				  self->dev_id);
	else
		container_exec_refused(_metadata, &self->vd, &self->mem,
				       variant->backend == EXEC_COMPAT);
	EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE,
		  prot_at(self->vd.sim.name, IOVA_DATA));
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, run_fill(&self->vd, &self->mem,
					       self->mem.data + PAGE,
					       IOVA_DATA + PAGE));
	EXPECT_TRUE(filled(&self->mem));
}

/*
 * Two groups in one EXEC container, or attached to one enforcing IOAS, on an
 * IOMMU whose domains serve one group each: the second group gets a domain
 * of its own, which is filled by replaying the mappings.
 */
FIXTURE(exec_two_groups) {
	struct exec_knobs knobs;
	struct vp_dev vd[2];
	struct vp_dev third;
	struct exec_mem mem;
	struct vp_saved noexec_off;
	__u32 ioas;
};

FIXTURE_VARIANT(exec_two_groups) {
	enum exec_backend backend;
};

FIXTURE_VARIANT_ADD(exec_two_groups, type1) {
	.backend = EXEC_TYPE1,
};

FIXTURE_VARIANT_ADD(exec_two_groups, compat) {
	.backend = EXEC_COMPAT,
};

FIXTURE_VARIANT_ADD(exec_two_groups, cdev) {
	.backend = EXEC_CDEV,
};

/*
 * Another device, of a group of its own, joining @first's container or
 * bound to its iommufd: 0, or the errno of the step that failed. With
 * @attach, its device is opened, or attached to @ioas, too.
 */
static int exec_join(struct vp_dev *vd, struct vp_dev *first, __u32 ioas,
		     bool attach)
{
	struct sim_config cfg;
	int ret;

	sim_config_init(&cfg);
	if (ioas) {
		ret = exec_cdev_bind(vd, dup(first->container), &cfg, NULL);
		return ret ?: attach ? vfio_cdev_attach(vd->device, ioas) : 0;
	}
	ret = vp_open_group(vd, &cfg);
	if (!ret)
		ret = vfio_group_set_container(vd->group, first->container);
	return ret ?: attach ? vp_open_device(vd) : 0;
}

FIXTURE_SETUP(exec_two_groups)
{
	const char *missing;
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd[0]);
	vp_init(&self->vd[1]);
	vp_init(&self->third);
	memset(&self->mem, 0, sizeof(self->mem));
	memset(&self->noexec_off, 0, sizeof(self->noexec_off));
	missing = sim_missing() ?: exec_backend_use(variant->backend);
	if (missing)
		SKIP(return, "%s", missing);
	ret = exec_knobs_set(&self->knobs, "Y", "Y");
	if (!ret)
		ret = exec_open(&self->vd[0], &self->mem, VFIO_TYPE1v2_EXEC_IOMMU,
				variant->backend, &self->ioas);
	if (!ret)
		ret = exec_join(&self->vd[1], &self->vd[0], self->ioas, true);
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
	int fd = self->vd[0].container;
	__u8 *spare = dma_buffer(2 * PAGE);
	unsigned int d;

	ASSERT_NE(NULL, spare);
	ASSERT_EQ(0, exec_map(fd, self->ioas, spare, IOVA_SPARE, PAGE, MAP_RW));
	ASSERT_EQ(0, exec_map(fd, self->ioas, spare + PAGE, IOVA_SPARE + PAGE,
			      PAGE, MAP_RX));
	for (d = 0; d < 2; d++) {
		EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE | IO_NOEXEC,
			  prot_at(self->vd[d].sim.name, IOVA_SPARE)) TH_LOG("device %u", d);
		EXPECT_EQ(IO_READ | IO_CACHE,
			  prot_at(self->vd[d].sim.name, IOVA_SPARE + PAGE))
			TH_LOG("device %u", d);
	}
	ASSERT_EQ(0, exec_unmap(fd, self->ioas, IOVA_SPARE, 2 * PAGE));
	dma_buffer_free(spare, 2 * PAGE);
}

/* Without separate_domains, a new group goes in an existing domain. */
TEST_F(exec_two_groups, third_group_shares_a_domain_without_separate_domains)
{
	bool type1 = variant->backend == EXEC_TYPE1;
	long a = sim_domain_id(self->vd[0].sim.name);
	long b = sim_domain_id(self->vd[1].sim.name);
	long c;

	ASSERT_EQ(0, vp_write(SIM_KNOB("separate_domains"), "N\n"));
	ASSERT_EQ(0, sim_history_clear());
	ASSERT_EQ(0, exec_join(&self->third, &self->vd[0], self->ioas, !type1));
	c = sim_domain_id(self->third.sim.name);
	EXPECT_TRUE(c == a || c == b) TH_LOG("domains %ld, %ld and %ld", a, b, c);
	/*
	 * type1 allocates a domain to try the group in and frees it unused;
	 * iommufd tries the IOAS's domains first.
	 */
	EXPECT_EQ(type1, sim_history_count_prefix("alloc "));
	EXPECT_EQ(type1, sim_history_count_prefix("free "));
}

/*
 * A group whose IOMMU cannot enforce NOEXEC cannot join: a container refuses
 * it as it joins, iommufd refuses to attach it through its cdev.
 */
TEST_F(exec_two_groups, group_without_noexec_cannot_join)
{
	ASSERT_EQ(0, vp_save_and_set(&self->noexec_off, SIM_KNOB("noexec"), "N"));
	switch (variant->backend) {
	case EXEC_TYPE1:
	case EXEC_COMPAT:
		EXPECT_EQ(-EOPNOTSUPP, exec_join(&self->third, &self->vd[0], 0,
						 false));
		/* VFIO gave up the group's DMA ownership: its default domain. */
		EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(self->third.sim.name));
		break;
	case EXEC_CDEV:
		EXPECT_EQ(-EOPNOTSUPP, exec_join(&self->third, &self->vd[0],
						 self->ioas, true));
		/* Still bound: the iommufd's, and attached nowhere. */
		EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(self->third.sim.name));
		break;
	}
	ASSERT_EQ(0, vp_restore(&self->noexec_off));

	/* The others go on as they were. */
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
		  run_fill(&self->vd[1], &self->mem, self->mem.ro, IOVA_RO));
	expect_exec_fault(_metadata, &self->vd[1], &self->mem, IOVA_RO);
}

/*
 * iommufd's compat container keeps a list of its groups, to judge them as
 * type1 does: a group leaves it when its last device goes, and again, with
 * nothing left to do, when its file is closed.
 */
FIXTURE(exec_compat_groups) {
	struct exec_knobs knobs;
	struct vp_dev vd;
	struct vp_dev other;
	struct exec_mem mem;
};

FIXTURE_SETUP(exec_compat_groups)
{
	const char *missing;
	__u32 ioas;
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd);
	vp_init(&self->other);
	memset(&self->mem, 0, sizeof(self->mem));
	missing = sim_missing() ?: exec_backend_use(EXEC_COMPAT);
	if (missing)
		SKIP(return, "%s", missing);
	ret = exec_knobs_set(&self->knobs, "Y", "N");
	if (!ret)
		ret = exec_open(&self->vd, &self->mem, VFIO_TYPE1v2_EXEC_IOMMU,
				EXEC_COMPAT, &ioas);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(exec_compat_groups)
{
	vp_close(&self->other);
	vp_close(&self->vd);
	exec_mem_free(&self->mem);
	exec_knobs_restore(&self->knobs);
}

TEST_F(exec_compat_groups, group_whose_device_goes_leaves_the_container)
{
	struct vp_saved noexec_off = { 0 };
	struct vp_dev third;

	vp_init(&third);
	ASSERT_EQ(0, exec_join(&self->other, &self->vd, 0, false));
	/* Its last device goes while the group is in the container ... */
	ASSERT_EQ(0, vp_unbind(self->other.sim.name));
	/* ... and its file closes after, when the container has forgotten it. */
	close(self->other.group);
	self->other.group = -1;

	/* The container still judges the groups that join it. */
	ASSERT_EQ(0, vp_save_and_set(&noexec_off, SIM_KNOB("noexec"), "N"));
	EXPECT_EQ(-EOPNOTSUPP, exec_join(&third, &self->vd, 0, false));
	vp_close(&third);
	ASSERT_EQ(0, vp_restore(&noexec_off));
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
		  run_fill(&self->vd, &self->mem, self->mem.ro, IOVA_RO));
	expect_exec_fault(_metadata, &self->vd, &self->mem, IOVA_RO);
}

/* A group joining and leaving the container, over and over. */
struct join_race {
	int group;
	int container;
	bool stop;
	unsigned int joins;
	int err;		/* an unexpected errno */
};

static void *race_join_leave(void *arg)
{
	struct join_race *r = arg;

	while (!READ_ONCE(r->stop) && !r->err) {
		if (ioctl(r->group, VFIO_GROUP_SET_CONTAINER, &r->container)) {
			r->err = errno;
			break;
		}
		r->joins++;
		if (ioctl(r->group, VFIO_GROUP_UNSET_CONTAINER))
			r->err = errno;
	}
	return NULL;
}

/*
 * VFIO_SET_IOMMU walks the container's groups while another group joins and
 * leaves it: every answer is one the container could give (0, or EBUSY as
 * the IOAS is in use), and the group always gets in. Lockdep and KASAN watch
 * the list.
 */
TEST_F(exec_compat_groups, set_iommu_races_a_group_joining_and_leaving)
{
	struct join_race r = { .container = self->vd.container };
	unsigned int round, busy = 0;
	pthread_t thread;
	int ret;

	ASSERT_EQ(0, exec_join(&self->other, &self->vd, 0, false));
	ASSERT_EQ(0, ioctl(self->other.group, VFIO_GROUP_UNSET_CONTAINER));
	r.group = self->other.group;
	ASSERT_EQ(0, pthread_create(&thread, NULL, race_join_leave, &r));
	for (round = 0; round < 2000 && !r.err; round++) {
		ret = ioctl(self->vd.container, VFIO_SET_IOMMU,
			    round % 2 ? VFIO_TYPE1v2_EXEC_IOMMU : VFIO_TYPE1v2_IOMMU);
		if (ret && errno == EBUSY) {
			busy++;
			continue;
		}
		ASSERT_EQ(0, ret) TH_LOG("round %u: %s", round, strerror(errno));
	}
	WRITE_ONCE(r.stop, true);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, r.err) TH_LOG("the joining group got %s", strerror(r.err));
	EXPECT_LT(0U, r.joins);
	/* In use with the option on, only the EXEC type is taken. */
	EXPECT_EQ(round / 2, busy);
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
		  run_fill(&self->vd, &self->mem, self->mem.ro, IOVA_RO));
	expect_exec_fault(_metadata, &self->vd, &self->mem, IOVA_RO);
}

/*
 * What only the device cdev has: the option itself, IOMMU_IOAS_COPY between
 * IOASes and a replace between them. Device a is attached to IOAS a, which
 * enforces execute permission and holds the mappings above.
 */
FIXTURE(exec_ioas) {
	struct exec_knobs knobs;
	struct vp_dev vd;
	struct exec_mem mem;
	__u32 ioas;
	__u32 dev_id;
};

FIXTURE_SETUP(exec_ioas)
{
	int ret;

	exec_knobs_init(&self->knobs);
	vp_init(&self->vd);
	memset(&self->mem, 0, sizeof(self->mem));
	if (sim_iommufd_missing())
		SKIP(return, "%s", sim_iommufd_missing());
	ret = exec_knobs_set(&self->knobs, "Y", "N");
	if (!ret)
		ret = exec_open_id(&self->vd, &self->mem, VFIO_TYPE1v2_EXEC_IOMMU,
				   EXEC_CDEV, &self->ioas, &self->dev_id);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(exec_ioas)
{
	vp_close(&self->vd);
	exec_mem_free(&self->mem);
	exec_knobs_restore(&self->knobs);
}

/* IOMMU_OPTION with option ENFORCE_EXEC: @op and @val on @id. */
static int exec_option(int iommufd, __u16 op, __u32 id, __u64 val)
{
	return iommufd_option(iommufd, IOMMU_OPTION_ENFORCE_EXEC, op, id, &val);
}

TEST_F(exec_ioas, option_changes_only_while_the_ioas_is_unused)
{
	int fd = self->vd.container;
	__u32 other;

	EXPECT_EQ(1, enforce_exec(fd, self->ioas));
	/* In use: mappings and a domain. Setting what it is changes nothing. */
	EXPECT_EQ(-EBUSY, exec_option(fd, IOMMU_OPTION_OP_SET, self->ioas, 0));
	EXPECT_EQ(0, exec_option(fd, IOMMU_OPTION_OP_SET, self->ioas, 1));
	EXPECT_EQ(1, enforce_exec(fd, self->ioas));
	EXPECT_EQ(-EINVAL, exec_option(fd, IOMMU_OPTION_OP_SET, self->ioas, 2));
	EXPECT_EQ(-EINVAL, exec_option(fd, IOMMU_OPTION_OP_SET, self->ioas, ~0ULL));
	EXPECT_EQ(-EOPNOTSUPP, exec_option(fd, 2, self->ioas, 1));
	/* Not an IOAS: the device's ID, then an ID nothing has. */
	EXPECT_EQ(-ENOENT, exec_option(fd, IOMMU_OPTION_OP_SET, self->dev_id, 1));
	EXPECT_EQ(-ENOENT, exec_option(fd, IOMMU_OPTION_OP_SET, 0xfffff, 1));
	/* A fresh IOAS starts without it, and changes while unused. */
	ASSERT_EQ(0, iommufd_ioas_alloc(fd, &other));
	EXPECT_EQ(0, enforce_exec(fd, other));
	EXPECT_EQ(0, exec_option(fd, IOMMU_OPTION_OP_SET, other, 1));
	EXPECT_EQ(1, enforce_exec(fd, other));
	EXPECT_EQ(0, exec_option(fd, IOMMU_OPTION_OP_SET, other, 0));
	EXPECT_EQ(0, enforce_exec(fd, other));
	/* One mapping is enough to hold it. */
	ASSERT_EQ(0, exec_map(fd, other, self->mem.ro, IOVA_RO, PAGE, MAP_R));
	EXPECT_EQ(-EBUSY, exec_option(fd, IOMMU_OPTION_OP_SET, other, 1));
	ASSERT_EQ(0, iommufd_ioas_unmap(fd, other, IOVA_RO, PAGE));
	EXPECT_EQ(0, exec_option(fd, IOMMU_OPTION_OP_SET, other, 1));
}

/* IOMMU_IOAS_COPY from IOAS a to @dst at the same IOVA, with @flags. */
static int copy_to(int fd, __u32 dst, __u32 src, __u64 iova, __u64 size,
		   __u32 flags)
{
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | flags,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = size,
		.dst_iova = iova,
		.src_iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_COPY, &copy) ? -errno : 0;
}

/*
 * A copy is judged as a map by its destination: executable in an enforcing
 * IOAS only with IOMMU_IOAS_MAP_EXECUTABLE, whatever it was in the source,
 * and executable in any other. A replace shows what each IOAS gave.
 */
TEST_F(exec_ioas, copy_takes_the_rule_and_flag_of_its_destination)
{
	const __u32 rd = IOMMU_IOAS_MAP_READABLE;
	const __u32 rw = rd | IOMMU_IOAS_MAP_WRITEABLE;
	const char *dev = self->vd.sim.name;
	int fd = self->vd.container;
	__u32 enforcing, plain;

	ASSERT_EQ(0, exec_ioas_alloc(&self->vd, true, &enforcing));
	ASSERT_EQ(0, exec_ioas_alloc(&self->vd, false, &plain));
	/* The program page loses EXEC, the read-only page gains it. */
	ASSERT_EQ(0, copy_to(fd, enforcing, self->ioas, IOVA_PROG, PAGE, rd));
	ASSERT_EQ(0, copy_to(fd, enforcing, self->ioas, IOVA_RO, PAGE,
			     rd | IOMMU_IOAS_MAP_EXECUTABLE));
	ASSERT_EQ(0, copy_to(fd, enforcing, self->ioas, IOVA_DATA,
			     DATA_PAGES * PAGE, rw));
	ASSERT_EQ(0, copy_to(fd, plain, self->ioas, IOVA_PROG, PAGE, rd));
	ASSERT_EQ(0, copy_to(fd, plain, self->ioas, IOVA_RO, PAGE, rd));
	ASSERT_EQ(0, copy_to(fd, plain, self->ioas, IOVA_DATA, DATA_PAGES * PAGE,
			     rw));

	ASSERT_EQ(0, vfio_cdev_attach(self->vd.device, enforcing));
	EXPECT_EQ(IO_READ | IO_CACHE | IO_NOEXEC, prot_at(dev, IOVA_PROG));
	EXPECT_EQ(IO_READ | IO_CACHE, prot_at(dev, IOVA_RO));
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
		  run_fill(&self->vd, &self->mem, self->mem.prog, IOVA_PROG));
	expect_exec_fault(_metadata, &self->vd, &self->mem, IOVA_PROG);
	ASSERT_EQ(VFIO_PSIM_DMA_DONE,
		  run_fill(&self->vd, &self->mem, self->mem.ro, IOVA_RO));
	EXPECT_TRUE(filled(&self->mem));

	ASSERT_EQ(0, vfio_cdev_attach(self->vd.device, plain));
	EXPECT_EQ(IO_READ | IO_CACHE, prot_at(dev, IOVA_PROG));
	EXPECT_EQ(IO_READ | IO_CACHE, prot_at(dev, IOVA_RO));
	EXPECT_EQ(IO_READ | IO_WRITE | IO_CACHE, prot_at(dev, IOVA_DATA));
	ASSERT_EQ(VFIO_PSIM_DMA_DONE,
		  run_fill(&self->vd, &self->mem, self->mem.data + PAGE,
			   IOVA_DATA + PAGE));
	EXPECT_TRUE(filled(&self->mem));
}

/*
 * A device whose IOMMU lacks NOEXEC cannot be moved into an enforcing IOAS,
 * nor have a page table made for it there; the replace fails with the
 * device where it was, working.
 */
TEST_F(exec_ioas, replace_into_an_enforcing_ioas_needs_noexec)
{
	const char *dev = self->vd.sim.name;
	int fd = self->vd.container;
	struct vp_saved noexec_off = { 0 };
	__u32 plain, hwpt;
	long domain;

	ASSERT_EQ(0, exec_ioas_alloc(&self->vd, false, &plain));
	ASSERT_EQ(0, copy_to(fd, plain, self->ioas, IOVA_PROG, PAGE,
			     IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(0, copy_to(fd, plain, self->ioas, IOVA_DATA, DATA_PAGES * PAGE,
			     IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE));
	ASSERT_EQ(0, vp_save_and_set(&noexec_off, SIM_KNOB("noexec"), "N"));
	ASSERT_EQ(0, vfio_cdev_attach(self->vd.device, plain));
	domain = sim_domain_id(dev);
	ASSERT_LT(0, domain);

	EXPECT_EQ(-EOPNOTSUPP, vfio_cdev_attach(self->vd.device, self->ioas));
	EXPECT_EQ(domain, sim_domain_id(dev));
	EXPECT_EQ(-EOPNOTSUPP, iommufd_hwpt_alloc(fd, self->dev_id, self->ioas,
						  &hwpt));
	ASSERT_EQ(VFIO_PSIM_DMA_DONE,
		  run_fill(&self->vd, &self->mem, self->mem.prog, IOVA_PROG));
	EXPECT_TRUE(filled(&self->mem));
	EXPECT_EQ(0, vp_restore(&noexec_off));
}

/* Two threads: one sets the option of an unused IOAS, one maps in it. */
struct option_race {
	pthread_barrier_t start;
	int fd;
	__u32 ioas;
	int set;	/* what IOMMU_OPTION said */
};

static void *race_set_option(void *arg)
{
	struct option_race *r = arg;

	pthread_barrier_wait(&r->start);
	r->set = exec_option(r->fd, IOMMU_OPTION_OP_SET, r->ioas, 1);
	return NULL;
}

/*
 * The option and a map race on an unused IOAS: whichever comes first, the
 * mapping must end up as the option says, NOEXEC if and only if the IOAS
 * enforces. A map that computed its protection before the option was set
 * must not land executable in an enforcing IOAS.
 */
TEST_F(exec_ioas, option_races_a_map)
{
	const char *dev = self->vd.sim.name;
	int fd = self->vd.container;
	unsigned int round, enforced = 0;
	struct option_race r = { .fd = fd };
	pthread_t thread;

	ASSERT_EQ(0, pthread_barrier_init(&r.start, NULL, 2));
	for (round = 0; round < 200; round++) {
		long long on;

		ASSERT_EQ(0, iommufd_ioas_alloc(fd, &r.ioas));
		ASSERT_EQ(0, pthread_create(&thread, NULL, race_set_option, &r));
		pthread_barrier_wait(&r.start);
		ASSERT_EQ(0, exec_map(fd, r.ioas, self->mem.ro, IOVA_RO, PAGE, MAP_R));
		ASSERT_EQ(0, pthread_join(thread, NULL));
		on = enforce_exec(fd, r.ioas);
		ASSERT_EQ(on ? 0 : -EBUSY, r.set) TH_LOG("round %u", round);
		ASSERT_EQ(0, vfio_cdev_attach(self->vd.device, r.ioas));
		ASSERT_EQ(IO_READ | IO_CACHE | (on ? IO_NOEXEC : 0),
			  prot_at(dev, IOVA_RO)) TH_LOG("round %u", round);
		ASSERT_EQ(0, vfio_cdev_attach(self->vd.device, self->ioas));
		ASSERT_EQ(0, iommufd_destroy(fd, r.ioas));
		enforced += on;
	}
	pthread_barrier_destroy(&r.start);
	/* Say which side won how often: both must have, or nothing raced. */
	TH_LOG("option first in %u of %u rounds", enforced, round);
}

TEST_HARNESS_MAIN
