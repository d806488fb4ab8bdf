// SPDX-License-Identifier: GPL-2.0
/*
 * The device cdev path: /dev/vfio/devices/vfioX bound to an iommufd, attached
 * to IOAS page tables, replaced and detached, with the simulated IOMMU's
 * debugfs showing which domain each device really translates through and the
 * device's DMA landing where that domain says.
 *
 * The simulated devices cannot issue MSIs and the simulated IOMMU does no
 * interrupt remapping: iommufd lets their groups in because no MSI doorbell
 * is reachable, and the tests clear its allow_unsafe_interrupts to show that
 * they need nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define IOVA_SRC	0x100000ULL
#define IOVA_DST	(IOVA_SRC + PAGE)
#define CHUNK		64

static int forbid_unsafe_interrupts(char *old, size_t size)
{
	int ret = vp_read(IOMMUFD_UNSAFE_IRQS, old, size);

	return ret < 0 ? ret : vp_write(IOMMUFD_UNSAFE_IRQS, "N\n");
}

/* A device of the group, opened through its cdev and bound to the iommufd. */
struct cdev {
	struct sim_dev sim;
	int fd;
	__u32 id;
	struct sim_regs regs;
};

static int cdev_open(struct cdev *c, const char *group, int iommufd)
{
	struct sim_config cfg;
	int ret;

	sim_config_init(&cfg);
	cfg.group = group;
	ret = sim_create(&c->sim, &cfg);
	if (!ret)
		ret = vp_bind(c->sim.name, VFIO_PLATFORM_DRIVER);
	if (ret)
		return ret;
	c->fd = vfio_cdev_open(c->sim.name);
	if (c->fd < 0)
		return c->fd;
	ret = vfio_cdev_bind_id(c->fd, iommufd, &c->id);
	return ret ?: sim_regs_map(c->fd, &c->regs);
}

static void cdev_close(struct cdev *c)
{
	sim_regs_unmap(&c->regs);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sim_destroy(&c->sim);
}

/* One IOAS: a source page with a pattern of its own, and a destination page. */
struct space {
	__u32 ioas;
	__u8 *buf;
	__u8 seed;
};

static int space_init(struct space *s, int iommufd, __u8 seed)
{
	unsigned int i;
	int ret;

	s->buf = dma_buffer(2 * PAGE);
	if (!s->buf)
		return -ENOMEM;
	s->seed = seed;
	for (i = 0; i < PAGE; i++)
		s->buf[i] = seed + i;
	ret = iommufd_ioas_alloc(iommufd, &s->ioas);
	return ret ?: iommufd_ioas_map(iommufd, s->ioas, s->buf, IOVA_SRC, 2 * PAGE);
}

/* Whether CHUNK bytes at @off of the destination page hold the source pattern. */
static bool space_got(struct space *s, unsigned int off)
{
	unsigned int i;

	for (i = 0; i < CHUNK; i++)
		if (s->buf[PAGE + off + i] != (__u8)(s->seed + i))
			return false;
	return true;
}

struct cdev_ctx {
	char unsafe[8];
	int iommufd;
	struct cdev dev;
	struct space a, b;
};

FIXTURE(cdev) {
	struct cdev_ctx ctx;
};

static void cdev_ctx_close(struct cdev_ctx *c)
{
	cdev_close(&c->dev);
	if (c->iommufd >= 0)
		close(c->iommufd);
	c->iommufd = -1;
	dma_buffer_free(c->a.buf, 2 * PAGE);
	dma_buffer_free(c->b.buf, 2 * PAGE);
	c->a.buf = NULL;
	c->b.buf = NULL;
	if (c->unsafe[0])
		vp_write(IOMMUFD_UNSAFE_IRQS, "%s\n", c->unsafe);
	c->unsafe[0] = '\0';
}

static int cdev_ctx_open(struct cdev_ctx *c)
{
	int ret;

	ret = sim_knob("msi_window", "none");
	if (!ret)
		ret = forbid_unsafe_interrupts(c->unsafe, sizeof(c->unsafe));
	if (ret)
		return ret;
	c->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (c->iommufd < 0)
		return -errno;
	ret = cdev_open(&c->dev, NULL, c->iommufd);
	if (!ret)
		ret = space_init(&c->a, c->iommufd, 0xa0);
	return ret ?: space_init(&c->b, c->iommufd, 0xb0);
}

FIXTURE_SETUP(cdev)
{
	int ret;

	self->ctx.dev.fd = -1;
	self->ctx.iommufd = -1;
	if (sim_iommufd_missing())
		SKIP(return, "%s", sim_iommufd_missing());
	ret = cdev_ctx_open(&self->ctx);
	if (ret)
		cdev_ctx_close(&self->ctx);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(cdev)
{
	cdev_ctx_close(&self->ctx);
}

TEST_F(cdev, device_is_blocked_once_bound_to_an_iommufd)
{
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(self->ctx.dev.sim.name));
}

TEST_F(cdev, device_ioctls_are_refused_before_bind)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int fd = vfio_cdev_open(self->ctx.dev.sim.name);

	/* A second open of the cdev starts unbound. */
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, VFIO_DEVICE_GET_INFO, &info));
	close(fd);
}

TEST_F(cdev, dma_goes_through_the_attached_ioas)
{
	long dom;

	ASSERT_EQ(0, vfio_cdev_attach(self->ctx.dev.fd, self->ctx.a.ioas));
	dom = sim_domain_id(self->ctx.dev.sim.name);
	ASSERT_LT(0, dom);
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->ctx.dev.regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_SRC, IOVA_DST, CHUNK));
	EXPECT_TRUE(space_got(&self->ctx.a, 0));
	EXPECT_FALSE(space_got(&self->ctx.b, 0));
}

TEST_F(cdev, ioas_mappings_reach_the_domain_with_their_protection)
{
	__u64 start, size, phys;
	unsigned int prot;
	long dom;

	ASSERT_EQ(0, vfio_cdev_attach(self->ctx.dev.fd, self->ctx.a.ioas));
	dom = sim_domain_id(self->ctx.dev.sim.name);
	ASSERT_LT(0, dom);
	ASSERT_EQ(0, sim_mapping(dom, IOVA_SRC, &start, &size, &phys, &prot));
	EXPECT_EQ(0x7U, prot) TH_LOG("read, write, cache");
}

TEST_F(cdev, detach_blocks_dma_and_frees_the_domain)
{
	__u32 st;
	long dom;

	ASSERT_EQ(0, vfio_cdev_attach(self->ctx.dev.fd, self->ctx.a.ioas));
	dom = sim_domain_id(self->ctx.dev.sim.name);
	ASSERT_LT(0, dom);
	ASSERT_EQ(0, vfio_cdev_detach(self->ctx.dev.fd));
	EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(self->ctx.dev.sim.name));
	EXPECT_FALSE(sim_domain_exists(dom));
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.dev.regs, VFIO_PSIM_DMA_CMD_COPY,
					       IOVA_SRC, IOVA_DST, CHUNK));
	st = sim_reg_read(&self->ctx.dev.regs, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_BLOCKED, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_FALSE(space_got(&self->ctx.a, 0));
}

TEST_F(cdev, attach_to_a_second_ioas_replaces_the_domain)
{
	long a, b;

	ASSERT_EQ(0, vfio_cdev_attach(self->ctx.dev.fd, self->ctx.a.ioas));
	a = sim_domain_id(self->ctx.dev.sim.name);
	ASSERT_LT(0, a);
	ASSERT_EQ(0, vfio_cdev_attach(self->ctx.dev.fd, self->ctx.b.ioas));
	b = sim_domain_id(self->ctx.dev.sim.name);
	ASSERT_LT(0, b);
	EXPECT_NE(a, b);
	EXPECT_FALSE(sim_domain_exists(a));
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->ctx.dev.regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_SRC, IOVA_DST, CHUNK));
	EXPECT_TRUE(space_got(&self->ctx.b, 0));
	EXPECT_FALSE(space_got(&self->ctx.a, 0));
}

/*
 * Three devices of one IOMMU group, attached to page tables A and B and
 * detached in the order a variant gives. The IOMMU attaches groups, not
 * devices: a replace moves the whole group, a detach only lets the group go
 * when no device of it is attached any more, and a device that is not
 * attached still translates through its group's domain. A step that asks
 * for a second page table while the group is attached to another fails.
 */
enum op { END, ATTACH, DETACH };

struct step {
	enum op op;
	unsigned int dev;
	unsigned int pt;	/* 0: A, 1: B */
};

#define A(d)	{ ATTACH, d, 0 }
#define B(d)	{ ATTACH, d, 1 }
#define D(d)	{ DETACH, d, 0 }

#define NDEV	3
#define NONE	2

struct group_ctx {
	char unsafe[8];
	char name[64];
	int iommufd;
	struct cdev dev[NDEV];
	struct space pt[2];
	/* The model of what the IOMMU should do. */
	unsigned int group_pt;		/* 0, 1 or NONE */
	bool attached[NDEV];
	long dom[2];			/* live domain of each page table, or 0 */
};

FIXTURE(group) {
	struct group_ctx ctx;
};

FIXTURE_VARIANT(group) {
	struct step steps[24];
};

FIXTURE_VARIANT_ADD(group, replace_each_in_order) {
	.steps = { A(0), A(1), A(2), B(0), B(1), B(2), D(0), D(1), D(2) },
};

FIXTURE_VARIANT_ADD(group, replace_each_in_reverse) {
	.steps = { A(0), A(1), A(2), B(2), B(1), B(0), D(2), D(1), D(0) },
};

FIXTURE_VARIANT_ADD(group, replace_from_the_middle_and_back) {
	.steps = { A(1), A(0), A(2), B(1), A(2), B(0), D(1), D(0), D(2) },
};

FIXTURE_VARIANT_ADD(group, detach_between_replaces) {
	.steps = { A(0), A(1), A(2), D(1), B(0), A(1), B(1), D(0), B(2), D(2),
		   D(1) },
};

FIXTURE_VARIANT_ADD(group, detach_all_then_attach_elsewhere) {
	.steps = { A(0), A(1), A(2), D(0), D(2), D(1), B(2), A(0), B(0), B(1),
		   D(0), D(1), D(2) },
};

FIXTURE_VARIANT_ADD(group, one_device_leads_the_others_follow) {
	.steps = { A(2), B(2), A(0), B(0), B(1), A(1), D(2), D(1), A(2), D(0),
		   D(2) },
};

static void group_ctx_close(struct group_ctx *c)
{
	unsigned int i;

	for (i = 0; i < NDEV; i++)
		cdev_close(&c->dev[i]);
	if (c->iommufd >= 0)
		close(c->iommufd);
	c->iommufd = -1;
	for (i = 0; i < 2; i++) {
		dma_buffer_free(c->pt[i].buf, 2 * PAGE);
		c->pt[i].buf = NULL;
	}
	if (c->unsafe[0])
		vp_write(IOMMUFD_UNSAFE_IRQS, "%s\n", c->unsafe);
	c->unsafe[0] = '\0';
}

static int group_ctx_open(struct group_ctx *c)
{
	unsigned int i;
	int ret;

	snprintf(c->name, sizeof(c->name), "three-%d", getpid());
	ret = sim_knob("msi_window", "none");
	if (!ret)
		ret = forbid_unsafe_interrupts(c->unsafe, sizeof(c->unsafe));
	if (ret)
		return ret;
	c->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (c->iommufd < 0)
		return -errno;
	for (i = 0; i < NDEV && !ret; i++)
		ret = cdev_open(&c->dev[i], c->name, c->iommufd);
	if (!ret)
		ret = space_init(&c->pt[0], c->iommufd, 0xa0);
	if (!ret)
		ret = space_init(&c->pt[1], c->iommufd, 0xb0);
	return ret ?: sim_history_clear();
}

FIXTURE_SETUP(group)
{
	unsigned int i;
	int ret;

	for (i = 0; i < NDEV; i++)
		self->ctx.dev[i].fd = -1;
	self->ctx.iommufd = -1;
	self->ctx.group_pt = NONE;
	if (sim_iommufd_missing())
		SKIP(return, "%s", sim_iommufd_missing());
	ret = group_ctx_open(&self->ctx);
	if (ret)
		group_ctx_close(&self->ctx);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(group)
{
	group_ctx_close(&self->ctx);
}

/* The DMA of every device lands in the group's page table, or nowhere. */
static void check_dma(struct __test_metadata *_metadata, struct group_ctx *g,
		      unsigned int n)
{
	unsigned int i, p;
	__u32 st;
	int ret;

	for (p = 0; p < 2; p++)
		memset(g->pt[p].buf + PAGE, 0, PAGE);
	for (i = 0; i < NDEV; i++) {
		ret = sim_dma(&g->dev[i].regs, VFIO_PSIM_DMA_CMD_COPY, IOVA_SRC,
			      IOVA_DST + i * CHUNK, CHUNK);
		st = sim_reg_read(&g->dev[i].regs, VFIO_PSIM_REG_FAULT_STATUS);
		if (g->group_pt == NONE) {
			EXPECT_EQ(VFIO_PSIM_DMA_FAULT, ret) TH_LOG("step %u device %u", n, i);
			EXPECT_EQ((__u32)VFIO_PSIM_FAULT_BLOCKED, VFIO_PSIM_FAULT_CODE(st));
		} else {
			EXPECT_EQ(VFIO_PSIM_DMA_DONE, ret) TH_LOG("step %u device %u", n, i);
		}
		for (p = 0; p < 2; p++)
			EXPECT_EQ(p == g->group_pt, space_got(&g->pt[p], i * CHUNK))
				TH_LOG("step %u device %u page table %u", n, i, p);
	}
}

/* The domains the group left are gone, the ones in use are not. */
static void check_domains(struct __test_metadata *_metadata, struct group_ctx *g,
			  unsigned int n, long freed)
{
	unsigned int i, p;
	char ev[32];

	if (freed) {
		EXPECT_FALSE(sim_domain_exists(freed)) TH_LOG("step %u", n);
		snprintf(ev, sizeof(ev), "free %ld", freed);
		EXPECT_EQ(1, sim_history_count(ev)) TH_LOG("step %u", n);
	}
	for (p = 0; p < 2; p++) {
		if (!g->dom[p])
			continue;
		EXPECT_TRUE(sim_domain_exists(g->dom[p])) TH_LOG("step %u", n);
		snprintf(ev, sizeof(ev), "free %ld", g->dom[p]);
		EXPECT_EQ(0, sim_history_count(ev)) TH_LOG("step %u", n);
	}
	for (i = 0; i < NDEV; i++) {
		long want = g->group_pt == NONE ? SIM_DOMAIN_BLOCKED : g->dom[g->group_pt];

		EXPECT_EQ(want, sim_domain_id(g->dev[i].sim.name))
			TH_LOG("step %u device %u", n, i);
	}
}

static bool any_attached(struct group_ctx *g)
{
	unsigned int i;

	for (i = 0; i < NDEV; i++)
		if (g->attached[i])
			return true;
	return false;
}

TEST_F(group, devices_translate_where_the_group_is_attached)
{
	struct group_ctx *g = &self->ctx;
	const struct step *s;
	unsigned int n;
	long freed;
	int ret;

	for (n = 0, s = variant->steps; s->op != END; n++, s++) {
		int want = 0;

		freed = 0;
		if (s->op == DETACH) {
			ASSERT_TRUE(g->attached[s->dev]) TH_LOG("bad variant step %u", n);
			ret = vfio_cdev_detach(g->dev[s->dev].fd);
			g->attached[s->dev] = false;
			if (!any_attached(g)) {
				freed = g->dom[g->group_pt];
				g->dom[g->group_pt] = 0;
				g->group_pt = NONE;
			}
		} else if (g->attached[s->dev] || g->group_pt == NONE ||
			   g->group_pt == s->pt) {
			ret = vfio_cdev_attach(g->dev[s->dev].fd, g->pt[s->pt].ioas);
			if (g->group_pt != s->pt && g->group_pt != NONE) {
				/* A replace: the whole group leaves the other page table. */
				freed = g->dom[g->group_pt];
				g->dom[g->group_pt] = 0;
			}
			if (g->group_pt != s->pt) {
				g->group_pt = s->pt;
				g->dom[s->pt] = sim_domain_id(g->dev[s->dev].sim.name);
				ASSERT_LT(0, g->dom[s->pt]) TH_LOG("step %u", n);
				ASSERT_NE(freed, g->dom[s->pt]) TH_LOG("step %u", n);
			}
			g->attached[s->dev] = true;
		} else {
			/* Not attached, and its group is attached elsewhere. */
			want = -EINVAL;
			ret = vfio_cdev_attach(g->dev[s->dev].fd, g->pt[s->pt].ioas);
		}
		ASSERT_EQ(want, ret) TH_LOG("step %u", n);

		check_domains(_metadata, g, n, freed);
		check_dma(_metadata, g, n);
	}
}

/*
 * The same group with page tables the user allocates (IOMMU_HWPT_ALLOC), both
 * in one IOAS or one in each: hwpt 0 and hwpt 1 outlive every attach, so
 * what the steps change is which domain the group translates through and who
 * holds a reference to each page table, which IOMMU_DESTROY shows (EBUSY
 * while anything but the user holds one).
 */
struct hwpt_group_ctx {
	struct group_ctx g;
	__u32 hwpt[2];
	long dom[2];
	unsigned int space[2];	/* the IOAS (index in g.pt) of each hwpt */
};

FIXTURE(hwpt_group) {
	struct hwpt_group_ctx ctx;
};

FIXTURE_VARIANT(hwpt_group) {
	bool two_ioas;
	struct step steps[24];
};

/* The sequences of the replace discussion, with the hwpts in one IOAS ... */
FIXTURE_VARIANT_ADD(hwpt_group, all_attached_then_each_replaced) {
	.steps = { A(0), A(1), A(2), B(0), B(1), B(2), D(0), D(1), D(2) },
};

FIXTURE_VARIANT_ADD(hwpt_group, one_detached_two_replaced_third_attached) {
	.steps = { A(0), A(1), A(2), D(0), B(1), B(2), B(0), D(2), D(0), D(1) },
};

FIXTURE_VARIANT_ADD(hwpt_group, two_detached_last_replaced_others_attached) {
	.steps = { A(0), A(1), A(2), D(0), D(1), B(2), B(0), B(1), D(1), D(2),
		   D(0) },
};

/* ... and with hwpt 1 in an IOAS of its own: reserved regions move too. */
FIXTURE_VARIANT_ADD(hwpt_group, all_attached_then_each_replaced_across_ioas) {
	.two_ioas = true,
	.steps = { A(0), A(1), A(2), B(0), B(1), B(2), D(0), D(1), D(2) },
};

FIXTURE_VARIANT_ADD(hwpt_group, one_detached_two_replaced_third_attached_across_ioas) {
	.two_ioas = true,
	.steps = { A(0), A(1), A(2), D(0), B(1), B(2), B(0), D(2), D(0), D(1) },
};

FIXTURE_VARIANT_ADD(hwpt_group, two_detached_last_replaced_others_attached_across_ioas) {
	.two_ioas = true,
	.steps = { A(0), A(1), A(2), D(0), D(1), B(2), B(0), B(1), D(1), D(2),
		   D(0) },
};

static int hwpt_destroy(int iommufd, __u32 id)
{
	struct iommu_destroy destroy = { .size = sizeof(destroy), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &destroy) ? -errno : 0;
}

static int hwpt_group_open(struct hwpt_group_ctx *h, bool two_ioas)
{
	struct group_ctx *g = &h->g;
	unsigned int p;
	int ret;

	ret = group_ctx_open(g);
	for (p = 0; p < 2 && !ret; p++) {
		h->space[p] = two_ioas ? p : 0;
		ret = iommufd_hwpt_alloc(g->iommufd, g->dev[0].id,
					 g->pt[h->space[p]].ioas, &h->hwpt[p]);
	}
	return ret;
}

FIXTURE_SETUP(hwpt_group)
{
	unsigned int i;
	int ret;

	memset(&self->ctx, 0, sizeof(self->ctx));
	for (i = 0; i < NDEV; i++)
		self->ctx.g.dev[i].fd = -1;
	self->ctx.g.iommufd = -1;
	self->ctx.g.group_pt = NONE;
	if (sim_iommufd_missing())
		SKIP(return, "%s", sim_iommufd_missing());
	ret = hwpt_group_open(&self->ctx, variant->two_ioas);
	if (ret)
		group_ctx_close(&self->ctx.g);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(hwpt_group)
{
	group_ctx_close(&self->ctx.g);
}

/*
 * Where each device translates and its DMA lands, and who holds a reference
 * to each page table: the page table of an attached group cannot be destroyed.
 */
static void check_hwpt_group(struct __test_metadata *_metadata,
			     struct hwpt_group_ctx *h, unsigned int n)
{
	struct group_ctx *g = &h->g;
	unsigned int i, p, q;
	int ret;

	for (p = 0; p < 2; p++)
		memset(g->pt[p].buf + PAGE, 0, PAGE);
	for (i = 0; i < NDEV; i++) {
		long want = g->group_pt == NONE ? SIM_DOMAIN_BLOCKED :
						 h->dom[g->group_pt];

		EXPECT_EQ(want, sim_domain_id(g->dev[i].sim.name))
			TH_LOG("step %u device %u", n, i);
		ret = sim_dma(&g->dev[i].regs, VFIO_PSIM_DMA_CMD_COPY, IOVA_SRC,
			      IOVA_DST + i * CHUNK, CHUNK);
		EXPECT_EQ(g->group_pt == NONE ? VFIO_PSIM_DMA_FAULT :
						VFIO_PSIM_DMA_DONE, ret)
			TH_LOG("step %u device %u", n, i);
		for (q = 0; q < 2; q++) {
			bool lands = g->group_pt != NONE &&
				     h->space[g->group_pt] == q;

			EXPECT_EQ(lands, space_got(&g->pt[q], i * CHUNK))
				TH_LOG("step %u device %u IOAS %u", n, i, q);
		}
	}
	if (g->group_pt != NONE)
		EXPECT_EQ(-EBUSY, hwpt_destroy(g->iommufd, h->hwpt[g->group_pt]))
			TH_LOG("step %u", n);
}

TEST_F(hwpt_group, devices_translate_where_the_group_is_attached)
{
	struct hwpt_group_ctx *h = &self->ctx;
	struct group_ctx *g = &h->g;
	const struct step *s;
	unsigned int n, p;
	int ret;

	for (n = 0, s = variant->steps; s->op != END; n++, s++) {
		int want = 0;

		if (s->op == DETACH) {
			ASSERT_TRUE(g->attached[s->dev]) TH_LOG("bad variant step %u", n);
			ret = vfio_cdev_detach(g->dev[s->dev].fd);
			g->attached[s->dev] = false;
			if (!any_attached(g))
				g->group_pt = NONE;
		} else if (g->attached[s->dev] || g->group_pt == NONE ||
			   g->group_pt == s->pt) {
			/* An attach, or a replace that moves the whole group. */
			ret = vfio_cdev_attach(g->dev[s->dev].fd, h->hwpt[s->pt]);
			g->group_pt = s->pt;
			g->attached[s->dev] = true;
			if (!ret && !h->dom[s->pt])
				h->dom[s->pt] = sim_domain_id(g->dev[s->dev].sim.name);
			ASSERT_LT(0, h->dom[s->pt]) TH_LOG("step %u", n);
		} else {
			/* Not attached, and its group is attached elsewhere. */
			want = -EINVAL;
			ret = vfio_cdev_attach(g->dev[s->dev].fd, h->hwpt[s->pt]);
		}
		ASSERT_EQ(want, ret) TH_LOG("step %u", n);
		check_hwpt_group(_metadata, h, n);
	}

	/* Nothing attached: the user holds the only reference to each. */
	ASSERT_EQ((unsigned int)NONE, g->group_pt);
	EXPECT_NE(h->dom[0], h->dom[1]);
	for (p = 0; p < 2; p++) {
		EXPECT_EQ(0, hwpt_destroy(g->iommufd, h->hwpt[p]));
		EXPECT_FALSE(sim_domain_exists(h->dom[p]));
	}
}

/*
 * The same operations at once: one thread per device of the group replaces,
 * detaches and attaches it again, for VP_RACE_SECONDS (5). Whatever the
 * order, a device is attached where the group is or refused with EINVAL, and
 * once all are detached every reference is back: the page tables can be
 * destroyed, and nothing warned of a refcount gone wrong.
 */
FIXTURE(group_race) {
	struct hwpt_group_ctx ctx;
};

FIXTURE_VARIANT(group_race) {
	bool two_ioas;
	bool auto_domains;	/* attach to the IOAS: iommufd picks the hwpt */
};

FIXTURE_VARIANT_ADD(group_race, hwpts_in_one_ioas) {
};

FIXTURE_VARIANT_ADD(group_race, hwpts_in_two_ioas) {
	.two_ioas = true,
};

FIXTURE_VARIANT_ADD(group_race, automatic_domains_in_two_ioas) {
	.two_ioas = true,
	.auto_domains = true,
};

FIXTURE_SETUP(group_race)
{
	unsigned int i;
	int ret;

	memset(&self->ctx, 0, sizeof(self->ctx));
	for (i = 0; i < NDEV; i++)
		self->ctx.g.dev[i].fd = -1;
	self->ctx.g.iommufd = -1;
	self->ctx.g.group_pt = NONE;
	if (sim_iommufd_missing())
		SKIP(return, "%s", sim_iommufd_missing());
	ret = hwpt_group_open(&self->ctx, variant->two_ioas);
	if (ret)
		group_ctx_close(&self->ctx.g);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(group_race)
{
	group_ctx_close(&self->ctx.g);
}

struct racer {
	pthread_t thread;
	int fd;
	__u32 pt[2];
	unsigned int seed;
	bool *stop;
	bool attached;
	unsigned long ops, refused;
	int error;		/* the first unexpected result, or 0 */
};

/* The ioctls without the library's log line for each failure: many fail. */
static int racer_attach(int fd, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	return ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) ? -errno : 0;
}

static int racer_detach(int fd)
{
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };

	return ioctl(fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) ? -errno : 0;
}

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	int ret;

	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED) && !r->error) {
		unsigned int roll = rand_r(&r->seed) % 4;

		if (r->attached && roll == 0) {
			ret = racer_detach(r->fd);
			if (ret)
				r->error = ret;
			r->attached = false;
		} else {
			/* Attach, or replace: EINVAL if the group is elsewhere. */
			ret = racer_attach(r->fd, r->pt[roll & 1]);
			if (!ret)
				r->attached = true;
			else if (ret == -EINVAL && !r->attached)
				r->refused++;
			else
				r->error = ret;
		}
		r->ops++;
	}
	return NULL;
}

static unsigned long race_seconds(void)
{
	const char *v = getenv("VP_RACE_SECONDS");

	return v && *v ? strtoul(v, NULL, 0) : 5;
}

TEST_F(group_race, siblings_replace_detach_and_attach_at_once)
{
	struct hwpt_group_ctx *h = &self->ctx;
	struct group_ctx *g = &h->g;
	struct racer r[NDEV] = {};
	bool stop = false;
	unsigned long ops = 0, refused = 0;
	unsigned int i, p;

	for (i = 0; i < NDEV; i++) {
		r[i].fd = g->dev[i].fd;
		for (p = 0; p < 2; p++)
			r[i].pt[p] = variant->auto_domains ? g->pt[p].ioas : h->hwpt[p];
		r[i].seed = i + 1;
		r[i].stop = &stop;
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, racer_run, &r[i]));
	}
	sleep(race_seconds());
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < NDEV; i++) {
		pthread_join(r[i].thread, NULL);
		EXPECT_EQ(0, r[i].error) TH_LOG("device %u: %s", i, strerror(-r[i].error));
		ops += r[i].ops;
		refused += r[i].refused;
	}
	TH_LOG("%lu operations, %lu attaches refused", ops, refused);
	EXPECT_LT(0UL, ops - refused);

	/* Detached, each device is blocked and every reference is back. */
	for (i = 0; i < NDEV; i++) {
		if (r[i].attached)
			EXPECT_EQ(0, vfio_cdev_detach(g->dev[i].fd));
	}
	for (i = 0; i < NDEV; i++)
		EXPECT_EQ(SIM_DOMAIN_BLOCKED, sim_domain_id(g->dev[i].sim.name));
	for (p = 0; p < 2; p++)
		EXPECT_EQ(0, hwpt_destroy(g->iommufd, h->hwpt[p]));
}

TEST_HARNESS_MAIN
