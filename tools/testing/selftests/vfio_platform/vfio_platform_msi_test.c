// SPDX-License-Identifier: GPL-2.0
/*
 * The MSI rule for groups that cannot issue MSIs, in type1, in iommufd's
 * compat container and through the device cdev.
 *
 * The simulated IOMMU does no interrupt remapping, so its groups never have
 * isolated MSIs, and a simulated device has wired interrupts only. Such a
 * group can reach an MSI doorbell only through a hardware MSI window, one the
 * IOMMU does not translate: type1 lets it in without allow_unsafe_interrupts
 * when the IOMMU has no MSI window or a software-managed one, and refuses it
 * behind a hardware window unless the parameter is set.
 *
 * The verdict is taken when a group attaches, and the group can grow after
 * that (hotplug, a device-tree overlay): a group let in because it could
 * reach no doorbell must stay so for the life of its IOMMU domain, so type1
 * gives such a domain no MSI cookie, the handle through which the MSI layer
 * maps doorbells into it, and keeps apart groups that need one and groups
 * that must not have one.
 *
 * iommufd applies the same rule when it binds a device and when it attaches
 * a group. Its compat container binds a group's device when the device is
 * opened, so there the verdict comes from VFIO_GROUP_GET_DEVICE_FD, and
 * iommufd's allow_unsafe_interrupts is the parameter that counts.
 *
 * The tests set the simulated IOMMU's MSI window, which devices it makes
 * MSI-capable, and type1's or iommufd's allow_unsafe_interrupts, and put them
 * back afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define IOVA_BUF	0x100000ULL
#define NUM_IRQS	2

struct msi_ctx {
	struct vp_saved window;
	struct vp_saved unsafe;
	struct vp_saved noexec;
	struct vp_saved msi_devices;
	struct vp_dev vd;
	struct vp_dev second;
	struct sim_dev newcomer;
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
	sim_destroy(&c->newcomer);
	dma_buffer_free(c->buf, 2 * PAGE);
	c->buf = NULL;
	vp_restore(&c->msi_devices);
	vp_restore(&c->noexec);
	vp_restore(&c->unsafe);
	vp_restore(&c->window);
}

/* A device with wired interrupts only, in group @name (NULL: its own). */
static int msi_group_open_named(struct vp_dev *vd, const char *name)
{
	struct sim_config cfg;
	unsigned int i;

	sim_config_init(&cfg);
	cfg.num_irqs = NUM_IRQS;
	for (i = 0; i < NUM_IRQS; i++)
		cfg.level[i] = true;
	cfg.group = name;
	return vp_open_group(vd, &cfg);
}

static int msi_group_open(struct vp_dev *vd)
{
	return msi_group_open_named(vd, NULL);
}

/*
 * A device of a group of its own in a container of no type yet, served by
 * type1 or by iommufd's compat container (@compat), whose parameter
 * allow_unsafe_interrupts is set to @unsafe.
 */
static int msi_ctx_open(struct msi_ctx *c, const char *window, bool unsafe,
			bool compat)
{
	int ret;

	ret = vp_save_and_set(&c->window, SIM_KNOB("msi_window"), window);
	if (!ret)
		ret = vp_save_and_set(&c->unsafe,
				      compat ? IOMMUFD_UNSAFE_IRQS : TYPE1_UNSAFE_IRQS,
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

/*
 * An attached device translates through its domain and interrupts by wire.
 * Opening it attaches it in iommufd's compat container.
 */
static void expect_working(struct __test_metadata *_metadata,
			   struct msi_ctx *c)
{
	unsigned int i;
	long domain;

	ASSERT_EQ(0, vp_open_device(&c->vd));
	domain = sim_domain_id(c->vd.sim.name);
	ASSERT_LT(0, domain);
	EXPECT_TRUE(sim_domain_exists(domain));
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

/*
 * Whether paging domain @domain has an MSI cookie: 1 or 0, or -1 if it cannot
 * be read.
 */
static int msi_cookie(long domain)
{
	char path[128], buf[8];

	snprintf(path, sizeof(path), SIM_KNOB("msi_cookies/%ld"), domain);
	if (vp_read(path, buf, sizeof(buf)) < 0)
		return -1;
	return !strcmp(buf, "Y");
}

/*
 * A device the simulated IOMMU makes MSI-capable: its MSI domain is that of
 * an MSI controller that does not isolate MSIs. @cfg says the rest.
 */
static int msi_capable_create(struct msi_ctx *c, struct sim_dev *d,
			      const struct sim_config *cfg)
{
	int ret;

	ret = vp_save_and_set(&c->msi_devices, SIM_KNOB("msi_devices"), "Y");
	if (ret)
		return ret;
	ret = sim_create(d, cfg);
	if (!ret)
		ret = vp_restore(&c->msi_devices);
	return ret;
}

/* Every MSI window, with and without allow_unsafe_interrupts. */
FIXTURE(msi_attach) {
	struct msi_ctx ctx;
};

/* The variants of type1 are type1_*, those of iommufd's compat container compat_*. */
FIXTURE_VARIANT(msi_attach) {
	const char *window;
	bool unsafe;
	bool refused;
	bool compat;
};

FIXTURE_VARIANT_ADD(msi_attach, type1_no_window) {
	.window = "none",
};

FIXTURE_VARIANT_ADD(msi_attach, type1_sw_msi_window) {
	.window = "sw_msi",
};

FIXTURE_VARIANT_ADD(msi_attach, type1_hw_msi_window) {
	.window = "msi",
	.refused = true,
};

FIXTURE_VARIANT_ADD(msi_attach, type1_no_window_unsafe) {
	.window = "none",
	.unsafe = true,
};

FIXTURE_VARIANT_ADD(msi_attach, type1_sw_msi_window_unsafe) {
	.window = "sw_msi",
	.unsafe = true,
};

FIXTURE_VARIANT_ADD(msi_attach, type1_hw_msi_window_unsafe) {
	.window = "msi",
	.unsafe = true,
};

FIXTURE_VARIANT_ADD(msi_attach, compat_no_window) {
	.window = "none",
	.compat = true,
};

FIXTURE_VARIANT_ADD(msi_attach, compat_sw_msi_window) {
	.window = "sw_msi",
	.compat = true,
};

FIXTURE_VARIANT_ADD(msi_attach, compat_hw_msi_window) {
	.window = "msi",
	.refused = true,
	.compat = true,
};

FIXTURE_VARIANT_ADD(msi_attach, compat_no_window_unsafe) {
	.window = "none",
	.unsafe = true,
	.compat = true,
};

FIXTURE_VARIANT_ADD(msi_attach, compat_sw_msi_window_unsafe) {
	.window = "sw_msi",
	.unsafe = true,
	.compat = true,
};

FIXTURE_VARIANT_ADD(msi_attach, compat_hw_msi_window_unsafe) {
	.window = "msi",
	.unsafe = true,
	.compat = true,
};

FIXTURE_SETUP(msi_attach)
{
	const char *missing;
	int ret;

	msi_ctx_init(&self->ctx);
	missing = sim_missing() ?: vp_use_container(variant->compat);
	if (missing)
		SKIP(return, "%s", missing);
	ret = msi_ctx_open(&self->ctx, variant->window, variant->unsafe,
			   variant->compat);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(msi_attach)
{
	msi_ctx_close(&self->ctx);
}

/*
 * VFIO_SET_IOMMU of @type is @refused, or gives a working device. iommufd's
 * compat container (@compat) takes any type and refuses the device when it
 * is opened, before it takes it from the host.
 */
static void check_set_iommu(struct __test_metadata *_metadata, bool refused,
			    bool compat, struct msi_ctx *c, unsigned long type)
{
	int ret;

	ASSERT_EQ(0, sim_history_clear());
	ret = ioctl(c->vd.container, VFIO_SET_IOMMU, type);
	if (compat && refused) {
		ASSERT_EQ(0, ret);
		EXPECT_EQ(-EPERM, vfio_device_get(c->vd.group, c->vd.sim.name));
		EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(c->vd.sim.name));
		EXPECT_EQ(0, sim_history_count_prefix("alloc "));
	} else if (refused) {
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
	check_set_iommu(_metadata, variant->refused, variant->compat, &self->ctx,
			VFIO_TYPE1v2_IOMMU);
}

TEST_F(msi_attach, type1_container_follows_the_msi_rule)
{
	check_set_iommu(_metadata, variant->refused, variant->compat, &self->ctx,
			VFIO_TYPE1_IOMMU);
}

TEST_F(msi_attach, exec_container_follows_the_msi_rule)
{
	check_set_iommu(_metadata, variant->refused, variant->compat, &self->ctx,
			VFIO_TYPE1v2_EXEC_IOMMU);
}

/* A hardware MSI window, without allow_unsafe_interrupts. */
FIXTURE(msi_hw_window) {
	struct msi_ctx ctx;
};

FIXTURE_SETUP(msi_hw_window)
{
	const char *missing;
	int ret;

	msi_ctx_init(&self->ctx);
	missing = sim_missing() ?: vp_use_container(false);
	if (missing)
		SKIP(return, "%s", missing);
	ret = msi_ctx_open(&self->ctx, "msi", false, false);
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

/*
 * A group whose device cannot issue MSIs, admitted behind a software-managed
 * MSI window without allow_unsafe_interrupts, in a container of its own.
 */
FIXTURE(msi_no_doorbell) {
	struct msi_ctx ctx;
	char group_name[64];
};

FIXTURE_SETUP(msi_no_doorbell)
{
	struct msi_ctx *c = &self->ctx;
	const char *missing;

	msi_ctx_init(c);
	missing = sim_missing() ?: vp_use_container(false);
	if (missing)
		SKIP(return, "%s", missing);
	snprintf(self->group_name, sizeof(self->group_name), "msi-%d", getpid());
	ASSERT_EQ(0, vp_save_and_set(&c->window, SIM_KNOB("msi_window"), "sw_msi"));
	ASSERT_EQ(0, vp_save_and_set(&c->unsafe, TYPE1_UNSAFE_IRQS, "N"));
	ASSERT_EQ(0, msi_group_open_named(&c->vd, self->group_name));
	c->vd.container = vfio_container_attach(c->vd.group, VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, c->vd.container);
}

FIXTURE_TEARDOWN(msi_no_doorbell)
{
	msi_ctx_close(&self->ctx);
}

/*
 * Why a device cannot be made MSI-capable here, or NULL: without the MSI
 * layer, the simulator has no MSI domain to give it, and no device at all can
 * issue MSIs (the x86_64 test kernel has no PCI_MSI).
 */
static const char *msi_devices_missing(void)
{
	if (!vp_exists(SIM_KNOB("msi_devices")))
		return "no MSI support in this kernel (CONFIG_GENERIC_MSI_IRQ)";
	return NULL;
}

/* A device that can issue MSIs joins group @name, which is in use. */
static void grow_group(struct __test_metadata *_metadata, struct msi_ctx *c,
		       const char *name)
{
	struct sim_config cfg;
	char drv[64];

	sim_config_init(&cfg);
	cfg.group = name;
	ASSERT_EQ(0, msi_capable_create(c, &c->newcomer, &cfg));
	ASSERT_EQ(vp_iommu_group(c->vd.sim.name),
		  vp_iommu_group(c->newcomer.name));
	/* Its host driver cannot have it while userspace owns the group ... */
	ASSERT_EQ(0, vp_driver(c->newcomer.name, drv, sizeof(drv)));
	EXPECT_STREQ("", drv);
	/* ... vfio-platform, which leaves DMA ownership to VFIO, can. */
	ASSERT_EQ(0, vp_bind(c->newcomer.name, VFIO_PLATFORM_DRIVER));
}

/*
 * The IOMMU core attaches a new member to the domain its group is in, and
 * type1 is not told. That domain must not let the MSI layer map a doorbell
 * for it: the group was admitted because it could reach none.
 */
TEST_F(msi_no_doorbell, device_joining_the_group_gets_no_doorbell)
{
	struct msi_ctx *c = &self->ctx;
	long domain = sim_domain_id(c->vd.sim.name);
	int fd;

	if (msi_devices_missing())
		SKIP(return, "%s", msi_devices_missing());
	ASSERT_LT(0, domain);
	grow_group(_metadata, c, self->group_name);
	EXPECT_EQ(domain, sim_domain_id(c->newcomer.name));

	/* Userspace can open it through the group it already holds. */
	fd = vfio_device_get(c->vd.group, c->newcomer.name);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);

	EXPECT_EQ(0, msi_cookie(domain))
		TH_LOG("domain %ld can be given an MSI doorbell", domain);
}

/* The rule applies to what the group has become when it attaches again. */
TEST_F(msi_no_doorbell, group_that_gained_an_msi_device_is_refused_at_its_next_attach)
{
	struct msi_ctx *c = &self->ctx;

	if (msi_devices_missing())
		SKIP(return, "%s", msi_devices_missing());
	grow_group(_metadata, c, self->group_name);
	ASSERT_EQ(0, ioctl(c->vd.group, VFIO_GROUP_UNSET_CONTAINER));
	close(c->vd.container);
	c->vd.container = vfio_container_open();
	ASSERT_LE(0, c->vd.container);
	ASSERT_EQ(0, vfio_group_set_container(c->vd.group, c->vd.container));
	EXPECT_EQ(-1, ioctl(c->vd.container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EPERM, errno);
}

/*
 * A group let in by allow_unsafe_interrupts, which needs a cookie for its
 * MSIs, joins the container: it gets a domain of its own and a cookie, the
 * domain of the group without doorbell still has none.
 */
TEST_F(msi_no_doorbell, msi_group_does_not_share_the_domain)
{
	struct msi_ctx *c = &self->ctx;
	long domain = sim_domain_id(c->vd.sim.name), other;

	ASSERT_EQ(0, vp_write(TYPE1_UNSAFE_IRQS, "Y\n"));
	ASSERT_EQ(0, msi_group_open(&c->second));
	ASSERT_EQ(0, vfio_group_set_container(c->second.group, c->vd.container));
	other = sim_domain_id(c->second.sim.name);

	ASSERT_LT(0, other);
	EXPECT_NE(domain, other);
	EXPECT_EQ(1, msi_cookie(other));
	EXPECT_EQ(0, msi_cookie(domain));
}

/*
 * The other way round: a container whose domain has a cookie, for a group
 * let in by allow_unsafe_interrupts, and a group without doorbell joining it.
 */
FIXTURE(msi_cookie_domain) {
	struct msi_ctx ctx;
	char group_name[64];
};

FIXTURE_SETUP(msi_cookie_domain)
{
	struct msi_ctx *c = &self->ctx;
	const char *missing;

	msi_ctx_init(c);
	missing = sim_missing() ?: vp_use_container(false);
	if (missing)
		SKIP(return, "%s", missing);
	snprintf(self->group_name, sizeof(self->group_name), "msi-%d", getpid());
	ASSERT_EQ(0, vp_save_and_set(&c->window, SIM_KNOB("msi_window"), "sw_msi"));
	ASSERT_EQ(0, vp_save_and_set(&c->unsafe, TYPE1_UNSAFE_IRQS, "Y"));
	ASSERT_EQ(0, msi_group_open(&c->second));
	c->second.container = vfio_container_attach(c->second.group,
						    VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, c->second.container);
	ASSERT_EQ(1, msi_cookie(sim_domain_id(c->second.sim.name)));
	ASSERT_EQ(0, vp_write(TYPE1_UNSAFE_IRQS, "N\n"));
}

FIXTURE_TEARDOWN(msi_cookie_domain)
{
	msi_ctx_close(&self->ctx);
}

/*
 * Sharing the domain would hand the cookie to the group, and with it a
 * doorbell to any MSI-capable device that joins the group later.
 */
TEST_F(msi_cookie_domain, group_without_doorbell_gets_a_domain_without_cookie)
{
	struct msi_ctx *c = &self->ctx;
	long domain;

	ASSERT_EQ(0, msi_group_open_named(&c->vd, self->group_name));
	ASSERT_EQ(0, vfio_group_set_container(c->vd.group, c->second.container));
	domain = sim_domain_id(c->vd.sim.name);

	ASSERT_LT(0, domain);
	EXPECT_NE(sim_domain_id(c->second.sim.name), domain);
	EXPECT_EQ(0, msi_cookie(domain));
}

/*
 * The same rule through the device cdev and iommufd: iommufd's bind judges
 * the group as type1's attach does (with iommufd's allow_unsafe_interrupts),
 * and judges it again when it attaches; a domain holding a group without
 * doorbell gets no MSI cookie and no group that needs one.
 */
struct msi_cdev {
	struct sim_dev sim;
	int fd;
	__u32 id;
	struct sim_regs regs;
};

struct msi_fd_ctx {
	struct vp_saved window;
	struct vp_saved unsafe;
	struct vp_saved msi_devices;
	int iommufd;
	__u32 ioas;
	__u8 *buf;
	struct msi_cdev a, b;
	struct sim_dev newcomer;
	int efd;
};

static void msi_fd_ctx_init(struct msi_fd_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->iommufd = -1;
	c->a.fd = -1;
	c->b.fd = -1;
	c->efd = -1;
}

static void msi_cdev_close(struct msi_cdev *d)
{
	sim_regs_unmap(&d->regs);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	sim_destroy(&d->sim);
}

static void msi_fd_ctx_close(struct msi_fd_ctx *c)
{
	if (c->efd >= 0)
		close(c->efd);
	c->efd = -1;
	msi_cdev_close(&c->b);
	msi_cdev_close(&c->a);
	sim_destroy(&c->newcomer);
	if (c->iommufd >= 0)
		close(c->iommufd);
	c->iommufd = -1;
	dma_buffer_free(c->buf, 2 * PAGE);
	c->buf = NULL;
	vp_restore(&c->msi_devices);
	vp_restore(&c->unsafe);
	vp_restore(&c->window);
}

/* The knobs, an iommufd with one IOAS mapping a buffer. */
static int msi_fd_ctx_open(struct msi_fd_ctx *c, const char *window,
			   bool unsafe)
{
	int ret;

	ret = vp_save_and_set(&c->window, SIM_KNOB("msi_window"), window);
	if (!ret)
		ret = vp_save_and_set(&c->unsafe, IOMMUFD_UNSAFE_IRQS,
				      unsafe ? "Y" : "N");
	if (ret)
		return ret;
	c->buf = dma_buffer(2 * PAGE);
	if (!c->buf)
		return -ENOMEM;
	c->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (c->iommufd < 0)
		return -errno;
	ret = iommufd_ioas_alloc(c->iommufd, &c->ioas);
	return ret ?: iommufd_ioas_map(c->iommufd, c->ioas, c->buf, IOVA_BUF,
				       2 * PAGE);
}

/* A device with wired interrupts only, in group @group, its cdev open. */
static int msi_cdev_create(struct msi_cdev *d, const char *group)
{
	struct sim_config cfg;
	unsigned int i;
	int ret;

	sim_config_init(&cfg);
	cfg.num_irqs = NUM_IRQS;
	for (i = 0; i < NUM_IRQS; i++)
		cfg.level[i] = true;
	cfg.group = group;
	ret = sim_create(&d->sim, &cfg);
	if (!ret)
		ret = vp_bind(d->sim.name, VFIO_PLATFORM_DRIVER);
	if (ret)
		return ret;
	d->fd = vfio_cdev_open(d->sim.name);
	return d->fd < 0 ? d->fd : 0;
}

static int msi_cdev_bind(struct msi_fd_ctx *c, struct msi_cdev *d)
{
	int ret = vfio_cdev_bind_id(d->fd, c->iommufd, &d->id);

	return ret ?: sim_regs_map(d->fd, &d->regs);
}

/* A device that can go: bound, and its cdev open. */
static int msi_cdev_open(struct msi_fd_ctx *c, struct msi_cdev *d,
			 const char *group)
{
	return msi_cdev_create(d, group) ?: msi_cdev_bind(c, d);
}

/* An attached device translates through its domain and interrupts by wire. */
static void expect_cdev_working(struct __test_metadata *_metadata,
				struct msi_fd_ctx *c, struct msi_cdev *d)
{
	long domain = sim_domain_id(d->sim.name);
	unsigned int i;

	ASSERT_LT(0, domain);
	for (i = 0; i < PAGE; i++)
		c->buf[i] = i * 13;
	memset(c->buf + PAGE, 0, PAGE);
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&d->regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_BUF, IOVA_BUF + PAGE, PAGE));
	EXPECT_EQ(0, memcmp(c->buf, c->buf + PAGE, PAGE));

	if (c->efd < 0)
		c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, c->efd);
	ASSERT_EQ(0, vfio_irq_eventfd(d->fd, 1, VFIO_IRQ_SET_ACTION_TRIGGER,
				      c->efd));
	ASSERT_EQ(0, sim_ring(&d->regs, VFIO_PSIM_REG_IRQ_RAISE, 1U << 1));
	EXPECT_EQ(1, efd_wait(c->efd, SIM_TIMEOUT_MS));
	EXPECT_EQ(0, vfio_irq_none(d->fd, 1, VFIO_IRQ_SET_ACTION_TRIGGER, 0));
}

/* Every MSI window, with and without iommufd's allow_unsafe_interrupts. */
FIXTURE(msi_bind) {
	struct msi_fd_ctx ctx;
};

FIXTURE_VARIANT(msi_bind) {
	const char *window;
	bool unsafe;
	bool refused;
	int cookie;	/* whether the device's domain gets an MSI cookie */
};

FIXTURE_VARIANT_ADD(msi_bind, no_window) {
	.window = "none",
};

FIXTURE_VARIANT_ADD(msi_bind, sw_msi_window) {
	.window = "sw_msi",
};

FIXTURE_VARIANT_ADD(msi_bind, hw_msi_window) {
	.window = "msi",
	.refused = true,
};

FIXTURE_VARIANT_ADD(msi_bind, no_window_unsafe) {
	.window = "none",
	.unsafe = true,
};

FIXTURE_VARIANT_ADD(msi_bind, sw_msi_window_unsafe) {
	.window = "sw_msi",
	.unsafe = true,
	.cookie = 1,
};

FIXTURE_VARIANT_ADD(msi_bind, hw_msi_window_unsafe) {
	.window = "msi",
	.unsafe = true,
};

FIXTURE_SETUP(msi_bind)
{
	msi_fd_ctx_init(&self->ctx);
	if (sim_iommufd_missing())
		SKIP(return, "%s", sim_iommufd_missing());
	ASSERT_EQ(0, msi_fd_ctx_open(&self->ctx, variant->window,
				     variant->unsafe));
	ASSERT_EQ(0, msi_cdev_create(&self->ctx.a, NULL));
}

FIXTURE_TEARDOWN(msi_bind)
{
	msi_fd_ctx_close(&self->ctx);
}

TEST_F(msi_bind, cdev_bind_follows_the_msi_rule)
{
	struct msi_fd_ctx *c = &self->ctx;
	int kmsg = vp_kmsg_open();
	long domain;

	ASSERT_LE(0, kmsg);
	if (variant->refused) {
		EXPECT_EQ(-EPERM, vfio_cdev_bind(c->a.fd, c->iommufd));
		/* Nothing changed hands: the device is still the host's. */
		EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(c->a.sim.name));
		EXPECT_TRUE(vp_kmsg_find(kmsg, "MSI interrupts are not isolated",
					 "does not translate its MSI window"));
		close(kmsg);
		return;
	}
	close(kmsg);

	ASSERT_EQ(0, msi_cdev_bind(c, &c->a));
	ASSERT_EQ(0, vfio_cdev_attach(c->a.fd, c->ioas));
	expect_cdev_working(_metadata, c, &c->a);
	domain = sim_domain_id(c->a.sim.name);
	EXPECT_EQ(variant->cookie, msi_cookie(domain));
}

/* A refused device binds once the parameter is set, not before. */
TEST_F(msi_bind, refused_bind_is_retried_with_unsafe_interrupts)
{
	struct msi_fd_ctx *c = &self->ctx;

	if (!variant->refused)
		ASSERT_EQ(0, vp_write(SIM_KNOB("msi_window"), "msi\n"));
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "N\n"));
	EXPECT_EQ(-EPERM, vfio_cdev_bind(c->a.fd, c->iommufd));
	EXPECT_EQ(-EPERM, vfio_cdev_bind(c->a.fd, c->iommufd));

	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "Y\n"));
	ASSERT_EQ(0, msi_cdev_bind(c, &c->a));
	ASSERT_EQ(0, vfio_cdev_attach(c->a.fd, c->ioas));
	expect_cdev_working(_metadata, c, &c->a);
}

/*
 * A group without doorbell (device a, behind a software-managed window) and
 * a group let in by allow_unsafe_interrupts, which needs an MSI cookie
 * (device b), in one IOAS.
 */
FIXTURE(msi_fd_cookie) {
	struct msi_fd_ctx ctx;
	char group_name[64];
};

FIXTURE_SETUP(msi_fd_cookie)
{
	struct msi_fd_ctx *c = &self->ctx;

	msi_fd_ctx_init(c);
	if (sim_iommufd_missing())
		SKIP(return, "%s", sim_iommufd_missing());
	snprintf(self->group_name, sizeof(self->group_name), "msi-fd-%d",
		 getpid());
	ASSERT_EQ(0, msi_fd_ctx_open(c, "sw_msi", false));
}

FIXTURE_TEARDOWN(msi_fd_cookie)
{
	msi_fd_ctx_close(&self->ctx);
}

/* Device b, let in by the parameter, which is cleared again afterwards. */
static void open_unsafe(struct __test_metadata *_metadata,
			struct msi_fd_ctx *c)
{
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "Y\n"));
	ASSERT_EQ(0, msi_cdev_open(c, &c->b, NULL));
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "N\n"));
}

/*
 * Automatic domains (IOAS attach): the group without doorbell first, then the
 * one needing a cookie, which gets a domain of its own.
 */
TEST_F(msi_fd_cookie, cookie_group_gets_a_domain_of_its_own)
{
	struct msi_fd_ctx *c = &self->ctx;
	long da, db;

	ASSERT_EQ(0, msi_cdev_open(c, &c->a, self->group_name));
	ASSERT_EQ(0, vfio_cdev_attach(c->a.fd, c->ioas));
	da = sim_domain_id(c->a.sim.name);
	ASSERT_LT(0, da);
	EXPECT_EQ(0, msi_cookie(da));

	open_unsafe(_metadata, c);
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "Y\n"));
	ASSERT_EQ(0, vfio_cdev_attach(c->b.fd, c->ioas));
	db = sim_domain_id(c->b.sim.name);
	ASSERT_LT(0, db);
	EXPECT_NE(da, db);
	EXPECT_EQ(1, msi_cookie(db));
	EXPECT_EQ(0, msi_cookie(da));

	expect_cdev_working(_metadata, c, &c->a);
	expect_cdev_working(_metadata, c, &c->b);
}

/* The other way round: the cookie domain first. */
TEST_F(msi_fd_cookie, group_without_doorbell_avoids_the_cookie_domain)
{
	struct msi_fd_ctx *c = &self->ctx;
	long da, db;

	open_unsafe(_metadata, c);
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "Y\n"));
	ASSERT_EQ(0, vfio_cdev_attach(c->b.fd, c->ioas));
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "N\n"));
	db = sim_domain_id(c->b.sim.name);
	ASSERT_LT(0, db);
	EXPECT_EQ(1, msi_cookie(db));

	ASSERT_EQ(0, msi_cdev_open(c, &c->a, self->group_name));
	ASSERT_EQ(0, vfio_cdev_attach(c->a.fd, c->ioas));
	da = sim_domain_id(c->a.sim.name);
	ASSERT_LT(0, da);
	EXPECT_NE(da, db);
	EXPECT_EQ(0, msi_cookie(da));
	expect_cdev_working(_metadata, c, &c->a);
}

/*
 * The start of the software-managed MSI window of @dev's group, from its
 * reserved regions in sysfs, or 0.
 */
static __u64 sw_msi_window(const char *dev)
{
	char path[128], buf[512], *line, *save;
	unsigned long long start, end;
	char type[32];

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/reserved_regions",
		 vp_iommu_group(dev));
	if (vp_read(path, buf, sizeof(buf)) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%llx %llx %31s", &start, &end, type) == 3 &&
		    !strcmp(type, "msi"))
			return start;
	}
	return 0;
}

/*
 * IOMMU_IOAS_MAP of a page at @iova: 0 or -errno (EINVAL on reserved IOVA),
 * logging nothing.
 */
static int ioas_map_page(struct msi_fd_ctx *c, __u64 iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.ioas_id = c->ioas,
		.user_va = (__u64)(unsigned long)c->buf,
		.length = PAGE,
		.iova = iova,
	};

	return ioctl(c->iommufd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
}

/*
 * Domains the user allocates: neither attach nor replace puts the two groups
 * in one domain, whichever came first, and a refused one changes nothing: the
 * group keeps the reservation of its MSI window in the IOAS.
 */
TEST_F(msi_fd_cookie, user_domains_are_not_shared_across_the_rule)
{
	struct msi_fd_ctx *c = &self->ctx;
	__u32 hwpt_a, hwpt_b;
	__u64 window;
	long da, db;

	ASSERT_EQ(0, msi_cdev_open(c, &c->a, self->group_name));
	window = sw_msi_window(c->a.sim.name);
	ASSERT_NE(0ULL, window);
	open_unsafe(_metadata, c);
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "Y\n"));
	ASSERT_EQ(0, iommufd_hwpt_alloc(c->iommufd, c->a.id, c->ioas, &hwpt_a));
	ASSERT_EQ(0, iommufd_hwpt_alloc(c->iommufd, c->b.id, c->ioas, &hwpt_b));
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "N\n"));

	ASSERT_EQ(0, vfio_cdev_attach(c->a.fd, hwpt_a));
	da = sim_domain_id(c->a.sim.name);
	ASSERT_LT(0, da);

	/* b needs the cookie a's domain must never have. */
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "Y\n"));
	EXPECT_EQ(-EINVAL, vfio_cdev_attach(c->b.fd, hwpt_a));
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(c->b.sim.name));
	ASSERT_EQ(0, vfio_cdev_attach(c->b.fd, hwpt_b));
	db = sim_domain_id(c->b.sim.name);
	EXPECT_EQ(1, msi_cookie(db));
	ASSERT_EQ(0, vp_write(IOMMUFD_UNSAFE_IRQS, "N\n"));

	expect_cdev_working(_metadata, c, &c->b);

	/*
	 * a cannot move into b's domain, which keeps its cookie once b has
	 * left, and stays in its own: with the window it reserved in the IOAS,
	 * now the only reservation of it.
	 */
	ASSERT_EQ(0, vfio_cdev_detach(c->b.fd));
	EXPECT_EQ(1, msi_cookie(db));
	EXPECT_EQ(-EINVAL, ioas_map_page(c, window));
	EXPECT_EQ(-EINVAL, vfio_cdev_attach(c->a.fd, hwpt_b));
	EXPECT_EQ(da, sim_domain_id(c->a.sim.name));
	EXPECT_EQ(0, msi_cookie(da));
	EXPECT_EQ(-EINVAL, ioas_map_page(c, window))
		TH_LOG("the refused replace left the MSI window at %#llx mappable",
		       (unsigned long long)window);
	expect_cdev_working(_metadata, c, &c->a);

	/* Detached, nothing is left of either. */
	ASSERT_EQ(0, vfio_cdev_detach(c->a.fd));
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(c->a.sim.name));
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(c->b.sim.name));
}

/* A group that gained an MSI-capable device since bind is refused at attach. */
TEST_F(msi_fd_cookie, group_that_gained_an_msi_device_is_refused_at_attach)
{
	struct msi_fd_ctx *c = &self->ctx;
	struct sim_config cfg;
	int ret;

	if (msi_devices_missing())
		SKIP(return, "%s", msi_devices_missing());
	ASSERT_EQ(0, msi_cdev_open(c, &c->a, self->group_name));

	sim_config_init(&cfg);
	cfg.group = self->group_name;
	ASSERT_EQ(0, vp_save_and_set(&c->msi_devices, SIM_KNOB("msi_devices"),
				     "Y"));
	ret = sim_create(&c->newcomer, &cfg);
	ASSERT_EQ(0, vp_restore(&c->msi_devices));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(vp_iommu_group(c->a.sim.name),
		  vp_iommu_group(c->newcomer.name));

	EXPECT_EQ(-EPERM, vfio_cdev_attach(c->a.fd, c->ioas));
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(c->a.sim.name));

	/* Without the newcomer, the group is what it was when it was bound. */
	ASSERT_EQ(0, sim_destroy(&c->newcomer));
	ASSERT_EQ(0, vfio_cdev_attach(c->a.fd, c->ioas));
	expect_cdev_working(_metadata, c, &c->a);
}

TEST_HARNESS_MAIN
