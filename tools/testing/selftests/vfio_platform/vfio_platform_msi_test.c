// SPDX-License-Identifier: GPL-2.0
/*
 * type1's MSI rule for groups that cannot issue MSIs.
 *
 * The simulated IOMMU does no interrupt remapping, so its groups never have
 * isolated MSIs, and a simulated device has wired interrupts only. Such a
 * group can reach an MSI doorbell only through a hardware MSI window, one the
 * IOMMU does not translate: type1 lets it in without allow_unsafe_interrupts
 * when the IOMMU has no MSI window or a software-managed one, and refuses it
 * behind a hardware window unless the parameter is set.
 *
 * The tests set the simulated IOMMU's MSI window and type1's
 * allow_unsafe_interrupts, and put them back afterwards.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define IOVA_BUF	0x100000ULL
#define NUM_IRQS	2

struct msi_ctx {
	struct vp_saved window;
	struct vp_saved unsafe;
	struct vp_saved noexec;
	struct vp_dev vd;
	struct vp_dev second;
	__u8 *buf;
	int efd;
};

static void msi_ctx_init(struct msi_ctx *c)
{
	memset(c, 0, sizeof(*c));
	vp_init(&c->vd);
	vp_init(&c->second);
	c->efd = -1;
}

static void msi_ctx_close(struct msi_ctx *c)
{
	if (c->efd >= 0)
		close(c->efd);
	c->efd = -1;
	vp_close(&c->second);
	vp_close(&c->vd);
	dma_buffer_free(c->buf, 2 * PAGE);
	c->buf = NULL;
	vp_restore(&c->noexec);
	vp_restore(&c->unsafe);
	vp_restore(&c->window);
}

/* A group of its own whose device has wired interrupts only. */
static int msi_group_open(struct vp_dev *vd)
{
	struct sim_config cfg;
	unsigned int i;

	sim_config_init(&cfg);
	cfg.num_irqs = NUM_IRQS;
	for (i = 0; i < NUM_IRQS; i++)
		cfg.level[i] = true;
	return vp_open_group(vd, &cfg);
}

static int msi_ctx_open(struct msi_ctx *c, const char *window, bool unsafe)
{
	int ret;

	ret = vp_save_and_set(&c->window, SIM_KNOB("msi_window"), window);
	if (!ret)
		ret = vp_save_and_set(&c->unsafe, TYPE1_UNSAFE_IRQS,
				      unsafe ? "Y" : "N");
	if (!ret)
		ret = vp_save_and_set(&c->noexec, SIM_KNOB("noexec"), "Y");
	if (ret)
		return ret;
	c->buf = dma_buffer(2 * PAGE);
	if (!c->buf)
		return -ENOMEM;
	ret = msi_group_open(&c->vd);
	if (ret)
		return ret;
	/* In a container of no type yet. */
	c->vd.container = vfio_container_open();
	if (c->vd.container < 0)
		return c->vd.container;
	return vfio_group_set_container(c->vd.group, c->vd.container);
}

/* The IOMMU domain a refused attach allocated is gone, the device blocked. */
static void expect_nothing_left(struct __test_metadata *_metadata,
				struct vp_dev *vd)
{
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(vd->sim.name));
	EXPECT_LT(0, sim_history_count_prefix("alloc "));
	EXPECT_EQ(sim_history_count_prefix("alloc "),
		  sim_history_count_prefix("free "));
}

/* An attached device translates through its domain and interrupts by wire. */
static void expect_working(struct __test_metadata *_metadata,
			   struct msi_ctx *c)
{
	long domain = sim_domain_id(c->vd.sim.name);
	unsigned int i;

	ASSERT_LT(0, domain);
	EXPECT_TRUE(sim_domain_exists(domain));
	ASSERT_EQ(0, vp_open_device(&c->vd));
	ASSERT_EQ(0, vfio_dma_map(c->vd.container, c->buf, IOVA_BUF, 2 * PAGE,
				  VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	for (i = 0; i < PAGE; i++)
		c->buf[i] = i * 7;
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&c->vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_BUF, IOVA_BUF + PAGE, PAGE));
	EXPECT_EQ(0, memcmp(c->buf, c->buf + PAGE, PAGE));

	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, c->efd);
	ASSERT_EQ(0, vfio_irq_eventfd(c->vd.device, 1, VFIO_IRQ_SET_ACTION_TRIGGER,
				      c->efd));
	ASSERT_EQ(0, sim_ring(&c->vd.regs, VFIO_PSIM_REG_IRQ_RAISE, 1U << 1));
	EXPECT_EQ(1, efd_wait(c->efd, SIM_TIMEOUT_MS));
}

/* Every MSI window, with and without allow_unsafe_interrupts. */
FIXTURE(msi_attach) {
	struct msi_ctx ctx;
};

FIXTURE_VARIANT(msi_attach) {
	const char *window;
	bool unsafe;
	bool refused;
};

FIXTURE_VARIANT_ADD(msi_attach, no_window) {
	.window = "none",
};

FIXTURE_VARIANT_ADD(msi_attach, sw_msi_window) {
	.window = "sw_msi",
};

FIXTURE_VARIANT_ADD(msi_attach, hw_msi_window) {
	.window = "msi",
	.refused = true,
};

FIXTURE_VARIANT_ADD(msi_attach, no_window_unsafe) {
	.window = "none",
	.unsafe = true,
};

FIXTURE_VARIANT_ADD(msi_attach, sw_msi_window_unsafe) {
	.window = "sw_msi",
	.unsafe = true,
};

FIXTURE_VARIANT_ADD(msi_attach, hw_msi_window_unsafe) {
	.window = "msi",
	.unsafe = true,
};

FIXTURE_SETUP(msi_attach)
{
	int ret;

	msi_ctx_init(&self->ctx);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ret = msi_ctx_open(&self->ctx, variant->window, variant->unsafe);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(msi_attach)
{
	msi_ctx_close(&self->ctx);
}

/* VFIO_SET_IOMMU of @type is @refused, or gives a working device. */
static void check_set_iommu(struct __test_metadata *_metadata, bool refused,
			    struct msi_ctx *c, unsigned long type)
{
	int ret;

	ASSERT_EQ(0, sim_history_clear());
	ret = ioctl(c->vd.container, VFIO_SET_IOMMU, type);
	if (refused) {
		ASSERT_EQ(-1, ret);
		EXPECT_EQ(EPERM, errno);
		expect_nothing_left(_metadata, &c->vd);
	} else {
		ASSERT_EQ(0, ret) TH_LOG("VFIO_SET_IOMMU: %s", strerror(errno));
		expect_working(_metadata, c);
	}
}

TEST_F(msi_attach, type1v2_container_follows_the_msi_rule)
{
	check_set_iommu(_metadata, variant->refused, &self->ctx, VFIO_TYPE1v2_IOMMU);
}

TEST_F(msi_attach, type1_container_follows_the_msi_rule)
{
	check_set_iommu(_metadata, variant->refused, &self->ctx, VFIO_TYPE1_IOMMU);
}

TEST_F(msi_attach, exec_container_follows_the_msi_rule)
{
	check_set_iommu(_metadata, variant->refused, &self->ctx, VFIO_TYPE1v2_EXEC_IOMMU);
}

/* A hardware MSI window, without allow_unsafe_interrupts. */
FIXTURE(msi_hw_window) {
	struct msi_ctx ctx;
};

FIXTURE_SETUP(msi_hw_window)
{
	int ret;

	msi_ctx_init(&self->ctx);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ret = msi_ctx_open(&self->ctx, "msi", false);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(msi_hw_window)
{
	msi_ctx_close(&self->ctx);
}

TEST_F(msi_hw_window, group_attaches_once_unsafe_interrupts_are_allowed)
{
	EXPECT_EQ(-1, ioctl(self->ctx.vd.container, VFIO_SET_IOMMU,
			    VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EPERM, errno);

	ASSERT_EQ(0, vp_write(TYPE1_UNSAFE_IRQS, "Y\n"));
	ASSERT_EQ(0, vfio_set_iommu(self->ctx.vd.container, VFIO_TYPE1v2_IOMMU));
	expect_working(_metadata, &self->ctx);
}

/* The rule holds for a group joining a container that is already set. */
TEST_F(msi_hw_window, second_group_is_refused_behind_the_window)
{
	ASSERT_EQ(0, vp_write(SIM_KNOB("msi_window"), "none\n"));
	ASSERT_EQ(0, vfio_set_iommu(self->ctx.vd.container, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, vp_write(SIM_KNOB("msi_window"), "msi\n"));

	ASSERT_EQ(0, msi_group_open(&self->ctx.second));
	ASSERT_EQ(0, sim_history_clear());
	EXPECT_EQ(-1, ioctl(self->ctx.second.group, VFIO_GROUP_SET_CONTAINER,
			    &self->ctx.vd.container));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(self->ctx.second.sim.name));
	EXPECT_EQ(sim_history_count_prefix("alloc "),
		  sim_history_count_prefix("free "));

	/* The group already in the container keeps working. */
	expect_working(_metadata, &self->ctx);
}

TEST_HARNESS_MAIN
