// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform's vendor reset modules (drivers/vfio/platform/reset/) on
 * simulated devices that present their compatible strings.
 *
 * The devices are made without the simulator's register file (configfs
 * "registers" 0) and without a reset of the simulator's own, so every region
 * is plain memory and vfio-platform, with reset_required set, binds them only
 * if it loads the vendor module through its "vfio-reset:<compatible>" alias.
 * The simulator plays the hardware's part only where a module waits on it:
 * a self-clearing reset bit ("autoclear") and a status bit that acknowledges
 * a command ("follow"); its debugfs "bits_stuck" makes that hardware hang.
 * Filled with a pattern, the regions then show exactly the writes a reset
 * makes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define RESET_REQUIRED	"/sys/module/vfio_platform/parameters/reset_required"

/* Words of a region, by byte offset. */
#define W(off)		((off) / 4)

/* Rings of the simulated FlexRM, and which of them carry the ring signature. */
#define FLEXRM_RINGS		4
#define FLEXRM_STRIDE		0x10000
#define FLEXRM_SIGNATURE	0x76303031
#define FLEXRM_IS_RING(r)	((r) != 2)

struct vendor {
	const char *compatible;
	const char *module;		/* its name under /sys/module */
	unsigned int num_regions;
	unsigned long long size[2];
	const char *autoclear;
	const char *follow;
	/*
	 * Makes the pattern the state of a running device, whose every bit
	 * the reset must clear is set, and one the simulator leaves alone.
	 */
	void (*prepare)(__u32 **region);
	/* Applies to a snapshot what the reset is expected to write. */
	void (*expect)(__u32 **region);
};

/*
 * Calxeda XGMAC: MAC_CONFIG 0x000 (TX enable bit 3, RX enable bit 2),
 * DMA_STATUS 0xf14 (causes 16:0, write one to clear), DMA_CONTROL 0xf18
 * (TX start bit 13, RX start bit 1), DMA_INTR_ENABLE 0xf1c. No waits.
 */
static void xgmac_prepare(__u32 **region)
{
	region[0][W(0x000)] |= 1u << 3 | 1u << 2;
	region[0][W(0xf18)] |= 1u << 13 | 1u << 1;
}

static void xgmac_expect(__u32 **region)
{
	region[0][W(0x000)] &= ~(1u << 3 | 1u << 2);
	region[0][W(0xf14)] = 0x1ffff;
	region[0][W(0xf18)] &= ~(1u << 13 | 1u << 1);
	region[0][W(0xf1c)] = 0;
}

/*
 * AMD XGBE: DMA_MODE 0x3000 of region 0, soft reset bit 0, self-clearing.
 * Region 1 is the XPCS window: select register at 0x3fc, MMD register
 * (mmd << 16 | reg) in slot (addr & 0xff) * 4 once (addr >> 8) is
 * selected. The PCS control (3.0, reset bit 15, self-clearing) and the AN
 * control (7.0, enable bit 12) share slot 0; AN interrupt mask (7.0x8001)
 * and status (7.0x8002) are slots 1 and 2.
 */
static void xgbe_prepare(__u32 **region)
{
	region[0][W(0x3000)] &= ~1u;
	region[1][W(0x000)] &= ~(1u << 15);
	region[1][W(0x000)] |= 1u << 12;
}

static void xgbe_expect(__u32 **region)
{
	region[1][W(0x000)] &= ~(1u << 12);
	region[1][W(0x004)] = 0;
	region[1][W(0x008)] = 0;
	/* The window is left on the last register written, 7.0x8002. */
	region[1][W(0x3fc)] = 0x780;
}

/*
 * Broadcom FlexRM: a ring per 64 KiB, VERSION 0x00 holding the signature,
 * CONTROL 0x34 (flush bit 5), FLUSH_DONE 0x38 (bit 0, follows the flush
 * bit). Ring 2 is no ring: its block must stay untouched.
 */
static void flexrm_prepare(__u32 **region)
{
	__u32 *ring;
	int r;

	for (r = 0; r < FLEXRM_RINGS; r++) {
		ring = region[0] + W(r * FLEXRM_STRIDE);
		if (!FLEXRM_IS_RING(r))
			continue;
		ring[W(0x00)] = FLEXRM_SIGNATURE;
		ring[W(0x38)] &= ~1u;
		ring[W(0x38)] |= !!(ring[W(0x34)] & 1u << 5);
	}
}

static void flexrm_expect(__u32 **region)
{
	__u32 *ring;
	int r;

	for (r = 0; r < FLEXRM_RINGS; r++) {
		ring = region[0] + W(r * FLEXRM_STRIDE);
		if (!FLEXRM_IS_RING(r))
			continue;
		ring[W(0x34)] = 0;
		ring[W(0x38)] &= ~1u;
	}
}

static const struct vendor xgmac = {
	.compatible = "calxeda,hb-xgmac",
	.module = "vfio_platform_calxedaxgmac",
	.num_regions = 1,
	.size = { 0x1000 },
	.prepare = xgmac_prepare,
	.expect = xgmac_expect,
};

static const struct vendor xgbe = {
	.compatible = "amd,xgbe-seattle-v1a",
	.module = "vfio_platform_amdxgbe",
	.num_regions = 2,
	.size = { 0x4000, 0x1000 },
	.autoclear = "0:0x3000:0x1 1:0x0:0x8000",
	.prepare = xgbe_prepare,
	.expect = xgbe_expect,
};

static const struct vendor flexrm = {
	.compatible = "brcm,iproc-flexrm-mbox",
	.module = "vfio_platform_bcmflexrm",
	.num_regions = 1,
	.size = { FLEXRM_RINGS * FLEXRM_STRIDE },
	.follow = "0:0x38:0x1:0x34:0x20 0:0x10038:0x1:0x10034:0x20 0:0x30038:0x1:0x30034:0x20",
	.prepare = flexrm_prepare,
	.expect = flexrm_expect,
};

/* A configfs attribute of the device, written while it is not live. */
static int sim_set(struct sim_dev *d, const char *attr, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", d->dir, attr);
	return vp_write(path, "%s\n", val);
}

/* Whether the device's autoclear and follow bits stop changing, as if hung. */
static int hang(struct sim_dev *d, bool stuck)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/devices/%s/%s", SIM_DEBUGFS, d->name,
		 "bits_stuck");
	return vp_write(path, "%c\n", stuck ? 'Y' : 'N');
}

/*
 * The device of @v, bound to vfio-platform and opened through a Type1v2
 * container. sim_create() makes it live with the simulator's registers, so
 * it is made again as plain memory.
 */
static int open_vendor(struct vp_dev *vd, const struct vendor *v)
{
	struct sim_config cfg;
	unsigned int i;
	int ret, group;

	vp_init(vd);
	sim_config_init(&cfg);
	cfg.compatible = v->compatible;
	cfg.no_reset = true;
	cfg.num_regions = v->num_regions;
	for (i = 0; i < v->num_regions; i++)
		cfg.regions[i].size = v->size[i];
	ret = sim_create(&vd->sim, &cfg);
	if (ret)
		return ret;
	ret = sim_set_live(&vd->sim, false);
	if (!ret)
		ret = sim_set(&vd->sim, "registers", "0");
	if (!ret && v->autoclear)
		ret = sim_set(&vd->sim, "autoclear", v->autoclear);
	if (!ret && v->follow)
		ret = sim_set(&vd->sim, "follow", v->follow);
	if (!ret)
		ret = sim_set_live(&vd->sim, true);
	if (!ret)
		ret = vp_bind(vd->sim.name, VFIO_PLATFORM_DRIVER);
	if (ret)
		goto err;
	group = vp_iommu_group(vd->sim.name);
	if (group < 0) {
		ret = group;
		goto err;
	}
	vd->group = vfio_group_open(group);
	if (vd->group < 0) {
		ret = vd->group;
		goto err;
	}
	vd->container = vfio_container_attach(vd->group, VFIO_TYPE1v2_IOMMU);
	if (vd->container < 0) {
		ret = vd->container;
		goto err;
	}
	vd->device = vfio_device_get(vd->group, vd->sim.name);
	if (vd->device < 0) {
		ret = vd->device;
		goto err;
	}
	return 0;

err:
	vp_close(vd);
	return ret;
}

static int region_rw(int device, unsigned int index, __u32 *buf,
		     unsigned long long size, bool write)
{
	ssize_t n;

	if (write)
		n = pwrite(device, buf, size, REGION_OFFSET(index));
	else
		n = pread(device, buf, size, REGION_OFFSET(index));
	if (n == (ssize_t)size)
		return 0;
	fprintf(stderr, "# region %u: %s of %#llx bytes returned %zd: %s\n",
		index, write ? "write" : "read", size, n,
		n < 0 ? strerror(errno) : "short");
	return n < 0 ? -errno : -EIO;
}

/* Words no two of which are alike, different in every region. */
static void fill_pattern(__u32 *buf, unsigned long long size, unsigned int index)
{
	unsigned long long i;

	for (i = 0; i < size / 4; i++)
		buf[i] = (__u32)((i + 1) * 0x9e3779b1u) ^ (index + 1) * 0x01010101u;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Unloads @module if it is loaded and nothing uses it; whether it is gone. */
static bool module_unloaded(const char *module)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s", module);
	if (vp_exists(path))
		syscall(__NR_delete_module, module, O_NONBLOCK);
	return !vp_exists(path);
}

FIXTURE(vendor_reset) {
	struct vp_dev vd;
	struct vp_saved reset_required;
	const struct vendor *v;
	__u32 *want[2];
	__u32 *seen[2];
};

FIXTURE_VARIANT(vendor_reset) {
	const struct vendor *v;
};

FIXTURE_VARIANT_ADD(vendor_reset, calxedaxgmac) {
	.v = &xgmac,
};

FIXTURE_VARIANT_ADD(vendor_reset, amdxgbe) {
	.v = &xgbe,
};

FIXTURE_VARIANT_ADD(vendor_reset, bcmflexrm) {
	.v = &flexrm,
};

/*
 * The module is unloaded first when nothing holds it, so that the bind shows
 * vfio-platform loading it.
 */
FIXTURE_SETUP(vendor_reset)
{
	char path[256];
	unsigned int i;

	memset(self, 0, sizeof(*self));
	vp_init(&self->vd);
	self->v = variant->v;
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_save_and_set(&self->reset_required, RESET_REQUIRED, "Y"));
	ASSERT_TRUE(module_unloaded(self->v->module))
		TH_LOG("%s is loaded and in use before the test", self->v->module);

	ASSERT_EQ(0, open_vendor(&self->vd, self->v))
		TH_LOG("%s not bound to vfio-platform with reset_required set: %s",
		       self->v->compatible, "no reset module found?");
	snprintf(path, sizeof(path), "/sys/module/%s", self->v->module);
	ASSERT_TRUE(vp_exists(path))
		TH_LOG("%s bound but %s is not loaded", self->v->compatible, path);

	for (i = 0; i < self->v->num_regions; i++) {
		self->want[i] = calloc(1, self->v->size[i]);
		self->seen[i] = calloc(1, self->v->size[i]);
		ASSERT_TRUE(self->want[i] && self->seen[i]);
		fill_pattern(self->want[i], self->v->size[i], i);
	}
	self->v->prepare(self->want);
	/*
	 * The device's poller reads and writes back its bits as hardware
	 * would: one poll racing the pattern's writes could put back what a
	 * register held before. Write it with the bits held still, a second
	 * time once any poll begun before is over, then let them go.
	 */
	ASSERT_EQ(0, hang(&self->vd.sim, true));
	for (i = 0; i < self->v->num_regions; i++)
		ASSERT_EQ(0, region_rw(self->vd.device, i, self->want[i],
				       self->v->size[i], true));
	usleep(20 * 1000);
	for (i = 0; i < self->v->num_regions; i++)
		ASSERT_EQ(0, region_rw(self->vd.device, i, self->want[i],
				       self->v->size[i], true));
	ASSERT_EQ(0, hang(&self->vd.sim, false));
	/* Past a few polls of the device: the pattern must be one it keeps. */
	usleep(100 * 1000);
	for (i = 0; i < self->v->num_regions; i++) {
		ASSERT_EQ(0, region_rw(self->vd.device, i, self->seen[i],
				       self->v->size[i], false));
		ASSERT_EQ(0, memcmp(self->want[i], self->seen[i], self->v->size[i]))
			TH_LOG("region %u changed by itself before any reset", i);
	}
}

FIXTURE_TEARDOWN(vendor_reset)
{
	unsigned int i;

	/* A hung device would fail the reset at close. */
	if (self->vd.sim.name[0])
		hang(&self->vd.sim, false);
	vp_close(&self->vd);
	vp_restore(&self->reset_required);
	for (i = 0; i < 2; i++) {
		free(self->want[i]);
		free(self->seen[i]);
	}
}

/* Words that differ, each reported; how many. */
static unsigned int compare(struct __test_metadata *_metadata, unsigned int index,
			    const __u32 *want, const __u32 *seen,
			    unsigned long long size)
{
	unsigned long long i;
	unsigned int bad = 0;

	for (i = 0; i < size / 4; i++) {
		if (want[i] == seen[i])
			continue;
		if (bad++ < 16)
			TH_LOG("region %u offset %#llx: expected %#010x, seen %#010x",
			       index, i * 4, want[i], seen[i]);
	}
	return bad;
}

TEST_F(vendor_reset, device_offers_reset)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(!!(info.flags & VFIO_DEVICE_FLAGS_PLATFORM));
	EXPECT_TRUE(!!(info.flags & VFIO_DEVICE_FLAGS_RESET));
	EXPECT_EQ(self->v->num_regions, info.num_regions);
}

TEST_F(vendor_reset, reset_writes_exactly_its_registers)
{
	unsigned int i;

	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_RESET))
		TH_LOG("VFIO_DEVICE_RESET: %s", strerror(errno));
	self->v->expect(self->want);
	for (i = 0; i < self->v->num_regions; i++) {
		ASSERT_EQ(0, region_rw(self->vd.device, i, self->seen[i],
				       self->v->size[i], false));
		EXPECT_EQ(0u, compare(_metadata, i, self->want[i], self->seen[i],
				      self->v->size[i]));
	}
}

/* A second reset of a device already reset changes nothing more. */
TEST_F(vendor_reset, reset_twice_is_reset_once)
{
	unsigned int i;

	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_RESET));
	self->v->expect(self->want);
	for (i = 0; i < self->v->num_regions; i++) {
		ASSERT_EQ(0, region_rw(self->vd.device, i, self->seen[i],
				       self->v->size[i], false));
		EXPECT_EQ(0u, compare(_metadata, i, self->want[i], self->seen[i],
				      self->v->size[i]));
	}
}

/*
 * The modules that wait on the hardware, on hardware that never answers.
 * Every wait is bounded by 1 s; a module does every step even after one
 * failed, so the reset takes @waits seconds and reports ETIMEDOUT.
 */
FIXTURE(vendor_hang) {
	struct vp_dev vd;
	struct vp_saved reset_required;
	__u32 *seen[2];
};

FIXTURE_VARIANT(vendor_hang) {
	const struct vendor *v;
	unsigned int waits;
};

FIXTURE_VARIANT_ADD(vendor_hang, amdxgbe) {
	.v = &xgbe,
	.waits = 2,	/* PCS reset, DMA soft reset */
};

FIXTURE_VARIANT_ADD(vendor_hang, bcmflexrm) {
	.v = &flexrm,
	.waits = 3,	/* one flush per ring */
};

FIXTURE_SETUP(vendor_hang)
{
	const struct vendor *v = variant->v;
	unsigned int i;

	memset(self, 0, sizeof(*self));
	vp_init(&self->vd);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_save_and_set(&self->reset_required, RESET_REQUIRED, "Y"));
	ASSERT_EQ(0, open_vendor(&self->vd, v));
	for (i = 0; i < v->num_regions; i++) {
		self->seen[i] = calloc(1, v->size[i]);
		ASSERT_NE(NULL, self->seen[i]);
		fill_pattern(self->seen[i], v->size[i], i);
	}
	v->prepare(self->seen);
	for (i = 0; i < v->num_regions; i++)
		ASSERT_EQ(0, region_rw(self->vd.device, i, self->seen[i],
				       v->size[i], true));
}

FIXTURE_TEARDOWN(vendor_hang)
{
	if (self->vd.sim.name[0])
		hang(&self->vd.sim, false);
	vp_close(&self->vd);
	vp_restore(&self->reset_required);
	free(self->seen[0]);
	free(self->seen[1]);
}

TEST_F(vendor_hang, reset_times_out_after_every_step)
{
	const struct vendor *v = variant->v;
	double start, took;
	unsigned int i;
	int ret;

	ASSERT_EQ(0, hang(&self->vd.sim, true));
	start = now();
	ret = ioctl(self->vd.device, VFIO_DEVICE_RESET);
	took = now() - start;
	ASSERT_EQ(-1, ret);
	EXPECT_EQ(ETIMEDOUT, errno)
		TH_LOG("VFIO_DEVICE_RESET failed with %s", strerror(errno));
	EXPECT_LE(variant->waits - 0.1, took)
		TH_LOG("gave up after %.2f s, before all %u waits of 1 s", took,
		       variant->waits);
	EXPECT_GT(variant->waits + 8.0, took)
		TH_LOG("took %.2f s for %u waits of 1 s", took, variant->waits);

	for (i = 0; i < v->num_regions; i++)
		ASSERT_EQ(0, region_rw(self->vd.device, i, self->seen[i],
				       v->size[i], false));
	if (v == &xgbe) {
		/* Both resets were asked for, and auto-negotiation quietened. */
		EXPECT_EQ(1u, self->seen[0][W(0x3000)] & 1);
		EXPECT_EQ(1u << 15, self->seen[1][W(0x000)] & 1u << 15);
		EXPECT_EQ(0u, self->seen[1][W(0x000)] & 1u << 12);
		EXPECT_EQ(0u, self->seen[1][W(0x004)]);
		EXPECT_EQ(0u, self->seen[1][W(0x008)]);
	} else {
		/* Every ring is left disabled, not flushing. */
		for (i = 0; i < FLEXRM_RINGS; i++) {
			if (!FLEXRM_IS_RING(i))
				continue;
			EXPECT_EQ(0u, self->seen[0][W(i * FLEXRM_STRIDE + 0x34)])
				TH_LOG("ring %u", i);
		}
	}
}

/*
 * The handler of the most specific compatible wins, even when the handler of
 * a less specific one is loaded already and the specific one only comes
 * with its module: a device that is both a Calxeda XGMAC and, less
 * specifically, a simulated device (whose generic handler the simulator has
 * registered) is reset by the XGMAC module, which writes its DMA_STATUS.
 */
TEST(specific_module_wins_over_a_loaded_generic_handler)
{
	struct sim_config cfg;
	struct vp_dev vd;
	__u32 status = 0;

	vp_init(&vd);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_TRUE(module_unloaded(xgmac.module));
	sim_config_init(&cfg);
	cfg.compatible = "calxeda,hb-xgmac linux,vfio-platform-sim";
	cfg.regions[0].size = 0x1000;
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_open(&vd, &cfg, VFIO_TYPE1v2_IOMMU));

	ASSERT_EQ((ssize_t)sizeof(status),
		  pwrite(vd.device, &status, sizeof(status), REGION_OFFSET(0) + 0xf14));
	ASSERT_EQ(0, ioctl(vd.device, VFIO_DEVICE_RESET));
	ASSERT_EQ((ssize_t)sizeof(status),
		  pread(vd.device, &status, sizeof(status), REGION_OFFSET(0) + 0xf14));
	EXPECT_EQ(0x1ffffu, status) TH_LOG("DMA_STATUS after the reset");
	EXPECT_FALSE(module_unloaded(xgmac.module));
	vp_close(&vd);
}

TEST_HARNESS_MAIN
