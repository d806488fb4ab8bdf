// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts of a simulated device owned through vfio-platform: delivery to
 * eventfds, automasking of level interrupts, masking and unmasking with
 * DATA_NONE, DATA_BOOL and DATA_EVENTFD, loopback triggers, the life of the
 * trigger eventfd, and a hostile owner that swaps eventfds under SET_IRQS.
 *
 * The device raises its lines when IRQ_RAISE is written and deasserts them
 * when IRQ_ACK is written. Line 0 is level-triggered, line 1 edge-triggered.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define LEVEL		0
#define EDGE		1

/* Long enough for the device to poll several times: nothing came means nothing will. */
#define QUIET_MS	150

/* How long the tests that race SET_IRQS against dup2() keep trying. */
#define RACE_MS		1500

struct irq_ctx {
	struct vp_dev vd;
	int fd;
	int efd[2];
};

FIXTURE(irq) {
	struct irq_ctx ctx;
};

static void irq_ctx_close(struct irq_ctx *c)
{
	vp_close(&c->vd);
	if (c->efd[0] >= 0)
		close(c->efd[0]);
	if (c->efd[1] >= 0)
		close(c->efd[1]);
	c->efd[0] = -1;
	c->efd[1] = -1;
}

static int irq_ctx_open(struct irq_ctx *c)
{
	struct sim_config cfg;
	int ret;

	sim_config_init(&cfg);
	cfg.num_irqs = 2;
	cfg.level[LEVEL] = true;
	ret = sim_knob("msi_window", "none");
	if (!ret)
		ret = vp_open(&c->vd, &cfg, VFIO_TYPE1v2_IOMMU);
	if (ret)
		return ret;
	c->fd = c->vd.device;
	c->efd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->efd[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd[0] < 0 || c->efd[1] < 0)
		return -errno;
	ret = vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_TRIGGER,
			       c->efd[LEVEL]);
	return ret ?: vfio_irq_eventfd(c->fd, EDGE, VFIO_IRQ_SET_ACTION_TRIGGER,
				       c->efd[EDGE]);
}

FIXTURE_SETUP(irq)
{
	int ret;

	vp_init(&self->ctx.vd);
	self->ctx.efd[0] = -1;
	self->ctx.efd[1] = -1;
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ret = irq_ctx_open(&self->ctx);
	if (ret)
		irq_ctx_close(&self->ctx);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(irq)
{
	irq_ctx_close(&self->ctx);
}

static int raise_line(struct vp_dev *vd, unsigned int line)
{
	return sim_ring(&vd->regs, VFIO_PSIM_REG_IRQ_RAISE, 1U << line);
}

static int ack_line(struct vp_dev *vd, unsigned int line)
{
	int ret = sim_ring(&vd->regs, VFIO_PSIM_REG_IRQ_ACK, 1U << line);

	return ret ?: sim_wait_reg(&vd->regs, VFIO_PSIM_REG_IRQ_STATUS, 1U << line, 0);
}

static int unmask(int fd, unsigned int line)
{
	return vfio_irq_none(fd, line, VFIO_IRQ_SET_ACTION_UNMASK, 1);
}

/* The Linux interrupt behind a line, from the simulator's debugfs. */
static int linux_irq(const char *dev, unsigned int line)
{
	char path[256], buf[512], *l;
	unsigned int n, irq;

	snprintf(path, sizeof(path), "%s/devices/%s/irqs", SIM_DEBUGFS, dev);
	if (vp_read(path, buf, sizeof(buf)) < 0)
		return -1;
	for (l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		if (sscanf(l, "%u irq=%u", &n, &irq) == 2 && n == line)
			return irq;
	return -1;
}

/*
 * Whether Linux interrupt @irq has a handler: /proc/interrupts then names it
 * after the device it serves.
 */
static bool irq_requested(int irq, const char *dev)
{
	char line[512];
	bool found = false;
	FILE *f;
	int n;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %d:", &n) == 1 && n == irq && strstr(line, dev))
			found = true;
	fclose(f);
	return found;
}

TEST_F(irq, level_interrupt_signals_the_eventfd)
{
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[EDGE], 0));
}

TEST_F(irq, level_interrupt_stays_masked_until_unmasked)
{
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	ASSERT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	/* Acked and raised again, but still masked by the first delivery. */
	ASSERT_EQ(0, ack_line(&self->ctx.vd, LEVEL));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
	ASSERT_EQ(0, unmask(self->ctx.fd, LEVEL));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
}

TEST_F(irq, level_interrupt_fires_again_on_unmask_while_asserted)
{
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	ASSERT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	ASSERT_EQ(0, unmask(self->ctx.fd, LEVEL));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	ASSERT_EQ(0, unmask(self->ctx.fd, LEVEL));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
}

TEST_F(irq, level_interrupt_acked_before_unmask_stays_quiet)
{
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	ASSERT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	ASSERT_EQ(0, ack_line(&self->ctx.vd, LEVEL));
	ASSERT_EQ(0, unmask(self->ctx.fd, LEVEL));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
}

TEST_F(irq, edge_interrupt_signals_once_per_raise)
{
	ASSERT_EQ(0, raise_line(&self->ctx.vd, EDGE));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[EDGE], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[EDGE], QUIET_MS));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], 0));
}

TEST_F(irq, debugfs_raise_asserts_the_line_before_it_returns)
{
	struct irq_ctx *c = &self->ctx;

	ASSERT_EQ(0, sim_irq_now(c->vd.sim.name, "irq_raise", 1U << LEVEL));
	/* No poll in between: the status register already shows it. */
	EXPECT_EQ(1U << LEVEL, sim_reg_read(&c->vd.regs, VFIO_PSIM_REG_IRQ_STATUS));
	EXPECT_EQ(1, efd_wait(c->efd[LEVEL], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(c->efd[EDGE], 0));
}

TEST_F(irq, debugfs_ack_deasserts_the_line_before_it_returns)
{
	struct irq_ctx *c = &self->ctx;

	ASSERT_EQ(0, sim_irq_now(c->vd.sim.name, "irq_raise", 1U << LEVEL));
	ASSERT_EQ(1, efd_wait(c->efd[LEVEL], SIM_TIMEOUT_MS));
	ASSERT_EQ(0, sim_irq_now(c->vd.sim.name, "irq_ack", 1U << LEVEL));
	EXPECT_EQ(0U, sim_reg_read(&c->vd.regs, VFIO_PSIM_REG_IRQ_STATUS));
	ASSERT_EQ(0, unmask(c->fd, LEVEL));
	EXPECT_EQ(0, efd_wait(c->efd[LEVEL], QUIET_MS));
}

TEST_F(irq, debugfs_raise_fires_an_edge_once_and_ignores_missing_lines)
{
	struct irq_ctx *c = &self->ctx;

	ASSERT_EQ(0, sim_irq_now(c->vd.sim.name, "irq_raise", 1U << EDGE | 1U << 31));
	EXPECT_EQ(1, efd_wait(c->efd[EDGE], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(c->efd[EDGE], QUIET_MS));
	EXPECT_EQ(0, efd_wait(c->efd[LEVEL], 0));
}

TEST_F(irq, debugfs_raise_and_ack_refuse_what_is_not_a_mask)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/devices/%s/irq_raise", SIM_DEBUGFS,
		 self->ctx.vd.sim.name);
	EXPECT_EQ(-EINVAL, vp_write(path, "level"));
	EXPECT_EQ(-ERANGE, vp_write(path, "0x100000000"));
	snprintf(path, sizeof(path), "%s/devices/%s/irq_ack", SIM_DEBUGFS,
		 self->ctx.vd.sim.name);
	EXPECT_EQ(-EINVAL, vp_write(path, "-"));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
}

TEST_F(irq, edge_interrupt_is_not_automasked)
{
	ASSERT_EQ(0, raise_line(&self->ctx.vd, EDGE));
	ASSERT_EQ(1, efd_wait(self->ctx.efd[EDGE], SIM_TIMEOUT_MS));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, EDGE));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[EDGE], SIM_TIMEOUT_MS));
}

TEST_F(irq, mask_with_data_none_holds_a_level_interrupt)
{
	ASSERT_EQ(0, vfio_irq_none(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_MASK, 1));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
	ASSERT_EQ(0, unmask(self->ctx.fd, LEVEL));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
}

TEST_F(irq, mask_with_data_bool_holds_a_level_interrupt)
{
	ASSERT_EQ(0, vfio_irq_bool(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_MASK, 1));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
	ASSERT_EQ(0, vfio_irq_bool(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK, 1));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
}

TEST_F(irq, mask_with_bool_false_changes_nothing)
{
	ASSERT_EQ(0, vfio_irq_bool(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_MASK, 0));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
}

TEST_F(irq, unmask_with_bool_false_leaves_the_interrupt_masked)
{
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	ASSERT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	ASSERT_EQ(0, vfio_irq_bool(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK, 0));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
}

TEST_F(irq, unmask_eventfd_unmasks_when_signalled)
{
	__u64 one = 1;
	int uefd;

	uefd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, uefd);
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK, uefd));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	ASSERT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
	/* Still asserted: unmasking through the eventfd makes it fire again. */
	ASSERT_EQ((ssize_t)sizeof(one), write(uefd, &one, sizeof(one)));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK, -1));
	close(uefd);
}

TEST_F(irq, mask_eventfd_masks_when_signalled)
{
	__u64 one = 1;
	int mefd;

	mefd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, mefd);
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_MASK, mefd));
	ASSERT_EQ((ssize_t)sizeof(one), write(mefd, &one, sizeof(one)));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
	ASSERT_EQ(0, unmask(self->ctx.fd, LEVEL));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_MASK, -1));
	close(mefd);
}

TEST_F(irq, loopback_trigger_with_data_none_signals_the_eventfd)
{
	ASSERT_EQ(0, vfio_irq_none(self->ctx.fd, EDGE, VFIO_IRQ_SET_ACTION_TRIGGER, 1));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[EDGE], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], 0));
}

TEST_F(irq, loopback_trigger_with_data_bool_signals_only_for_true)
{
	ASSERT_EQ(0, vfio_irq_bool(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_TRIGGER, 0));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
	ASSERT_EQ(0, vfio_irq_bool(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_TRIGGER, 1));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
}

TEST_F(irq, replacing_the_eventfd_moves_delivery)
{
	int other = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, EDGE, VFIO_IRQ_SET_ACTION_TRIGGER, other));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, EDGE));
	EXPECT_EQ(1, efd_wait(other, SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[EDGE], QUIET_MS));
	close(other);
}

TEST_F(irq, clearing_the_eventfd_stops_delivery)
{
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, EDGE, VFIO_IRQ_SET_ACTION_TRIGGER, -1));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, EDGE));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[EDGE], QUIET_MS));
}

TEST_F(irq, disabling_with_count_zero_stops_delivery)
{
	ASSERT_EQ(0, vfio_irq_none(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_TRIGGER, 0));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[LEVEL], QUIET_MS));
}

TEST_F(irq, closing_the_device_frees_the_irq_and_silences_the_eventfd)
{
	int irq = linux_irq(self->ctx.vd.sim.name, EDGE);

	ASSERT_LE(0, irq);
	EXPECT_TRUE(irq_requested(irq, self->ctx.vd.sim.name));
	/* The mapping holds the file open too. */
	sim_regs_unmap(&self->ctx.vd.regs);
	close(self->ctx.vd.device);
	EXPECT_FALSE(irq_requested(irq, self->ctx.vd.sim.name));

	/* Opened again, the device raises the line: the old eventfd hears nothing. */
	self->ctx.vd.device = vfio_device_get(self->ctx.vd.group, self->ctx.vd.sim.name);
	ASSERT_LE(0, self->ctx.vd.device);
	ASSERT_EQ(0, sim_regs_map(self->ctx.vd.device, &self->ctx.vd.regs));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, EDGE));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[EDGE], QUIET_MS));
}

TEST_F(irq, clearing_the_trigger_frees_the_linux_irq)
{
	int irq = linux_irq(self->ctx.vd.sim.name, LEVEL);

	ASSERT_LE(0, irq);
	EXPECT_TRUE(irq_requested(irq, self->ctx.vd.sim.name));
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_TRIGGER, -1));
	EXPECT_FALSE(irq_requested(irq, self->ctx.vd.sim.name));
}

TEST_F(irq, set_irqs_refuses_invalid_arguments)
{
	char buf[sizeof(struct vfio_irq_set) + 2 * sizeof(__s32)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	__s32 fds[2] = { self->ctx.efd[0], self->ctx.efd[1] };

	memcpy(set->data, fds, sizeof(fds));
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;

	set->index = 2, set->start = 0, set->count = 1;
	EXPECT_EQ(-1, ioctl(self->ctx.fd, VFIO_DEVICE_SET_IRQS, set)) TH_LOG("index past the last");
	EXPECT_EQ(EINVAL, errno);
	set->index = 0, set->start = 0, set->count = 2;
	EXPECT_EQ(-1, ioctl(self->ctx.fd, VFIO_DEVICE_SET_IRQS, set)) TH_LOG("count 2");
	EXPECT_EQ(EINVAL, errno);
	set->index = 0, set->start = 1, set->count = 1;
	EXPECT_EQ(-1, ioctl(self->ctx.fd, VFIO_DEVICE_SET_IRQS, set)) TH_LOG("start 1");
	EXPECT_EQ(EINVAL, errno);
	set->start = 0;
	set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
		     VFIO_IRQ_SET_ACTION_TRIGGER;
	EXPECT_EQ(-1, ioctl(self->ctx.fd, VFIO_DEVICE_SET_IRQS, set)) TH_LOG("two data types");
	EXPECT_EQ(EINVAL, errno);
	set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK |
		     VFIO_IRQ_SET_ACTION_UNMASK;
	EXPECT_EQ(-1, ioctl(self->ctx.fd, VFIO_DEVICE_SET_IRQS, set)) TH_LOG("two actions");
	EXPECT_EQ(EINVAL, errno);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->argsz = sizeof(*set);
	EXPECT_EQ(-1, ioctl(self->ctx.fd, VFIO_DEVICE_SET_IRQS, set)) TH_LOG("no room for the fd");
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(irq, status_register_shows_the_asserted_lines)
{
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(0, sim_wait_reg(&self->ctx.vd.regs, VFIO_PSIM_REG_IRQ_STATUS, 1, 1));
	ASSERT_EQ(0, ack_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(0U, sim_reg_read(&self->ctx.vd.regs, VFIO_PSIM_REG_IRQ_STATUS) & 1);
}

TEST_F(irq, count_register_counts_deliveries)
{
	__u32 before = sim_reg_read(&self->ctx.vd.regs, VFIO_PSIM_REG_IRQ_COUNT);

	ASSERT_EQ(0, raise_line(&self->ctx.vd, EDGE));
	ASSERT_EQ(1, efd_wait(self->ctx.efd[EDGE], SIM_TIMEOUT_MS));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, EDGE));
	ASSERT_EQ(1, efd_wait(self->ctx.efd[EDGE], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, sim_wait_reg(&self->ctx.vd.regs, VFIO_PSIM_REG_IRQ_COUNT, ~0U,
				  before + 2));
}

/*
 * A line's own trigger as its unmask eventfd would unmask the line from its
 * own handler while the device still asserts it: an endless interrupt. The
 * kernel refuses it. Were it accepted, the test takes it back at once, before
 * the line is ever raised.
 */
static void refuse_own_trigger(struct __test_metadata *_metadata,
			       struct irq_ctx *c, unsigned int line,
			       unsigned int action)
{
	int ret = vfio_irq_eventfd(c->fd, line, action, c->efd[line]);

	if (!ret)
		vfio_irq_eventfd(c->fd, line, action, -1);
	ASSERT_EQ(-EINVAL, ret);
}

/* After a refusal, the line works as before: one event per raise. */
static void line_still_works(struct __test_metadata *_metadata,
			     struct irq_ctx *c, unsigned int line)
{
	ASSERT_EQ(0, raise_line(&c->vd, line));
	EXPECT_EQ(1, efd_wait(c->efd[line], SIM_TIMEOUT_MS));
	if (line == LEVEL) {
		ASSERT_EQ(0, ack_line(&c->vd, line));
		ASSERT_EQ(0, unmask(c->fd, line));
	}
	EXPECT_EQ(0, efd_wait(c->efd[line], QUIET_MS));
}

TEST_F(irq, level_trigger_eventfd_cannot_also_unmask_the_line)
{
	refuse_own_trigger(_metadata, &self->ctx, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK);
	line_still_works(_metadata, &self->ctx, LEVEL);
}

TEST_F(irq, level_trigger_eventfd_cannot_also_mask_the_line)
{
	refuse_own_trigger(_metadata, &self->ctx, LEVEL, VFIO_IRQ_SET_ACTION_MASK);
	line_still_works(_metadata, &self->ctx, LEVEL);
}

TEST_F(irq, edge_trigger_eventfd_cannot_also_unmask_the_line)
{
	refuse_own_trigger(_metadata, &self->ctx, EDGE, VFIO_IRQ_SET_ACTION_UNMASK);
	line_still_works(_metadata, &self->ctx, EDGE);
}

TEST_F(irq, unmask_eventfd_cannot_become_the_trigger)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int ret;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL,
				      VFIO_IRQ_SET_ACTION_UNMASK, efd));
	ret = vfio_irq_eventfd(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_TRIGGER, efd);
	if (!ret)
		vfio_irq_eventfd(self->ctx.fd, LEVEL, VFIO_IRQ_SET_ACTION_TRIGGER, -1);
	EXPECT_EQ(-EINVAL, ret);
	/* The old trigger is still the one signalled. */
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[LEVEL], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(efd, 0));
	ASSERT_EQ(0, ack_line(&self->ctx.vd, LEVEL));
	close(efd);
}

TEST_F(irq, mask_eventfd_cannot_become_the_trigger)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int ret;

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, EDGE,
				      VFIO_IRQ_SET_ACTION_MASK, efd));
	ret = vfio_irq_eventfd(self->ctx.fd, EDGE, VFIO_IRQ_SET_ACTION_TRIGGER, efd);
	if (!ret)
		vfio_irq_eventfd(self->ctx.fd, EDGE, VFIO_IRQ_SET_ACTION_TRIGGER, -1);
	EXPECT_EQ(-EINVAL, ret);
	close(efd);
}

/* A cleared unmask eventfd can then serve as the trigger. */
TEST_F(irq, cleared_unmask_eventfd_may_become_the_trigger)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL,
				      VFIO_IRQ_SET_ACTION_UNMASK, efd));
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL,
				      VFIO_IRQ_SET_ACTION_UNMASK, -1));
	ASSERT_EQ(0, vfio_irq_eventfd(self->ctx.fd, LEVEL,
				      VFIO_IRQ_SET_ACTION_TRIGGER, efd));
	ASSERT_EQ(0, raise_line(&self->ctx.vd, LEVEL));
	EXPECT_EQ(1, efd_wait(efd, SIM_TIMEOUT_MS));
	ASSERT_EQ(0, ack_line(&self->ctx.vd, LEVEL));
	close(efd);
}

/*
 * A mask or unmask eventfd that SET_IRQS refuses leaves the one set before in
 * place: here the line, asserted and automasked, is unmasked through the old
 * eventfd after each refusal, and fires again.
 */
static void unmask_eventfd_still_works(struct __test_metadata *_metadata,
				       struct irq_ctx *c, int uefd)
{
	__u64 one = 1;

	ASSERT_EQ((ssize_t)sizeof(one), write(uefd, &one, sizeof(one)));
	EXPECT_EQ(1, efd_wait(c->efd[LEVEL], SIM_TIMEOUT_MS));
}

TEST_F(irq, failed_unmask_eventfd_leaves_the_old_one_working)
{
	struct irq_ctx *c = &self->ctx;
	int uefd, pipefd[2], closed;
	__u64 one = 1;

	uefd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, uefd);
	ASSERT_EQ(0, pipe(pipefd));
	closed = dup(pipefd[0]);
	ASSERT_LE(0, closed);
	close(closed);
	ASSERT_EQ(0, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK, uefd));
	ASSERT_EQ(0, raise_line(&c->vd, LEVEL));
	ASSERT_EQ(1, efd_wait(c->efd[LEVEL], SIM_TIMEOUT_MS));

	EXPECT_EQ(-EINVAL, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK,
					    pipefd[0])) TH_LOG("not an eventfd");
	unmask_eventfd_still_works(_metadata, c, uefd);
	EXPECT_EQ(-EBADF, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK,
					   closed)) TH_LOG("a closed fd");
	unmask_eventfd_still_works(_metadata, c, uefd);
	EXPECT_EQ(-EINVAL, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK,
					    c->efd[LEVEL])) TH_LOG("the trigger");
	unmask_eventfd_still_works(_metadata, c, uefd);
	EXPECT_EQ(-EINVAL, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK,
					    -2)) TH_LOG("fd -2");
	unmask_eventfd_still_works(_metadata, c, uefd);

	/* Serviced, the line stays quiet when the old eventfd unmasks it. */
	ASSERT_EQ(0, ack_line(&c->vd, LEVEL));
	ASSERT_EQ((ssize_t)sizeof(one), write(uefd, &one, sizeof(one)));
	EXPECT_EQ(0, efd_wait(c->efd[LEVEL], QUIET_MS));
	close(pipefd[0]);
	close(pipefd[1]);
	close(uefd);
}

TEST_F(irq, failed_mask_eventfd_leaves_the_old_one_working)
{
	struct irq_ctx *c = &self->ctx;
	int mefd, pipefd[2];
	__u64 one = 1;

	mefd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, mefd);
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_MASK, mefd));
	EXPECT_EQ(-EINVAL, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_MASK,
					    pipefd[0])) TH_LOG("not an eventfd");
	EXPECT_EQ(-EINVAL, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_MASK,
					    c->efd[LEVEL])) TH_LOG("the trigger");
	/* The old eventfd still masks: the line raised meanwhile stays quiet. */
	ASSERT_EQ((ssize_t)sizeof(one), write(mefd, &one, sizeof(one)));
	ASSERT_EQ(0, raise_line(&c->vd, LEVEL));
	EXPECT_EQ(0, efd_wait(c->efd[LEVEL], QUIET_MS));
	ASSERT_EQ(0, unmask(c->fd, LEVEL));
	EXPECT_EQ(1, efd_wait(c->efd[LEVEL], SIM_TIMEOUT_MS));
	ASSERT_EQ(0, ack_line(&c->vd, LEVEL));
	close(pipefd[0]);
	close(pipefd[1]);
	close(mefd);
}

/*
 * A thread of a hostile owner that moves two files in turn onto one fd
 * number, for as long as the test calls SET_IRQS with that number.
 */
struct fd_swapper {
	pthread_t thread;
	int fd;		/* the number the files are moved onto */
	int file[2];
	bool stop;
	unsigned long swaps;
};

static void *fd_swapper_run(void *arg)
{
	struct fd_swapper *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		dup2(s->file[0], s->fd);
		dup2(s->file[1], s->fd);
		s->swaps++;
	}
	return NULL;
}

static int fd_swapper_start(struct fd_swapper *s, int file0, int file1)
{
	int ret;

	s->file[0] = file0;
	s->file[1] = file1;
	s->stop = false;
	s->swaps = 0;
	s->fd = dup(file1);
	if (s->fd < 0)
		return -errno;
	ret = pthread_create(&s->thread, NULL, fd_swapper_run, s);
	if (ret)
		close(s->fd);
	return -ret;
}

static void fd_swapper_stop(struct fd_swapper *s)
{
	__atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* How often Linux interrupt @irq was handled, on all CPUs; -1 if not found. */
static long long irq_count(int irq)
{
	char line[1024], *p, *end;
	long long sum = -1;
	unsigned long long n;
	FILE *f;
	int i;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %d:", &i) != 1 || i != irq)
			continue;
		sum = 0;
		p = strchr(line, ':') + 1;
		for (;;) {
			n = strtoull(p, &end, 10);
			if (end == p)
				break;
			sum += n;
			p = end;
		}
	}
	fclose(f);
	return sum;
}

/*
 * efd_wait() for a trigger that a virqfd may be reading too: the count that
 * poll() saw may be gone by the time it is read. Returns the count read, 0
 * after @timeout_ms without one, or a negative errno.
 */
static int trigger_wait(int efd, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	struct timespec t0;
	long left;
	__u64 count;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		left = timeout_ms - elapsed_ms(&t0);
		ret = poll(&pfd, 1, left > 0 ? left : 0);
		if (ret < 0)
			return -errno;
		if (!ret)
			return 0;
		if (read(efd, &count, sizeof(count)) == sizeof(count))
			return count;
		if (errno != EAGAIN)
			return -errno;
	} while (left > 0);
	return 0;
}

/*
 * SET_IRQS refuses the trigger as the unmask eventfd, but virqfd looks the fd
 * number up again after the check: a thread that keeps moving the trigger and
 * another eventfd onto the number may get the unmask eventfd onto the trigger
 * after all. The line, a level line the device keeps asserted, must then not
 * unmask itself from its own interrupt, which would fire again for ever: each
 * unmask makes it fire once, and it stays masked.
 *
 * After each SET_IRQS that succeeds the line is unmasked once: it fires, and
 * the trigger counts the interrupt, unless the unmask eventfd is the trigger,
 * whose virqfd reads the count away as it comes. Then the race was won, and
 * the test stops racing. At the end, however the race went, the line
 * unmasked once more must fire exactly once, then stay masked; and if the
 * race was won, the kernel said so, and a loopback trigger must not unmask
 * the line either.
 */
TEST_F(irq, unmask_eventfd_swapped_for_the_trigger_does_not_storm)
{
	unsigned long calls = 0, refused = 0, won = 0;
	struct irq_ctx *c = &self->ctx;
	int trigger = c->efd[LEVEL];
	long long before, after;
	struct fd_swapper swapper;
	struct timespec t0;
	int other, irq, kmsg, n, ret = 0;

	irq = linux_irq(c->vd.sim.name, LEVEL);
	ASSERT_LE(0, irq);
	kmsg = vp_kmsg_open();
	ASSERT_LE(0, kmsg);
	other = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, raise_line(&c->vd, LEVEL));
	ASSERT_EQ(1, efd_wait(trigger, SIM_TIMEOUT_MS));

	ASSERT_EQ(0, fd_swapper_start(&swapper, trigger, other));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (elapsed_ms(&t0) < RACE_MS) {
		calls++;
		ret = vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK,
				       swapper.fd);
		if (ret == -EINVAL) {
			refused++;
			ret = 0;
			continue;
		}
		if (ret)
			break;
		trigger_wait(trigger, 0);
		ret = unmask(c->fd, LEVEL);
		if (ret)
			break;
		n = trigger_wait(trigger, SIM_TIMEOUT_MS);
		if (n < 0) {
			ret = n;
			break;
		}
		if (n)
			continue;
		won++;
		break;
	}
	fd_swapper_stop(&swapper);
	TH_LOG("%lu SET_IRQS (%lu refused) against %lu swaps; unmask eventfd on the trigger: %s",
	       calls, refused, swapper.swaps, won ? "yes" : "no");
	ASSERT_EQ(0, ret);

	/* Whatever the unmask eventfd is now, an unmask makes the line fire once. */
	usleep(QUIET_MS * 1000);
	trigger_wait(trigger, 0);
	before = irq_count(irq);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, unmask(c->fd, LEVEL));
	usleep(200 * 1000);
	after = irq_count(irq);
	EXPECT_EQ(before + 1, after) TH_LOG("the line fired %lld times", after - before);
	EXPECT_GE(1, trigger_wait(trigger, 0));
	if (won) {
		EXPECT_TRUE(vp_kmsg_find(kmsg, c->vd.sim.name, "unmask ignored"));
		/* A loopback signals the trigger from this task: no unmask either. */
		before = irq_count(irq);
		ASSERT_EQ(0, vfio_irq_none(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_TRIGGER, 1));
		usleep(200 * 1000);
		after = irq_count(irq);
		EXPECT_EQ(before, after) TH_LOG("the line fired %lld times", after - before);
	}

	ASSERT_EQ(0, ack_line(&c->vd, LEVEL));
	close(kmsg);
	close(other);
}

/*
 * Setting an unmask eventfd that fails must leave the old one working, also
 * when the fd number stops being an eventfd between SET_IRQS's own check and
 * virqfd's look-up. A thread keeps moving the old unmask eventfd and a pipe
 * onto one fd number; after each failure the old eventfd must still unmask
 * the line, which the device keeps asserted.
 */
TEST_F(irq, unmask_eventfd_survives_an_fd_swapped_for_a_pipe)
{
	unsigned long calls = 0, failed = 0, lost = 0;
	struct irq_ctx *c = &self->ctx;
	struct fd_swapper swapper;
	int uefd, pipefd[2], ret = 0;
	struct timespec t0;
	__u64 one = 1;

	uefd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, uefd);
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK, uefd));
	ASSERT_EQ(0, raise_line(&c->vd, LEVEL));
	ASSERT_EQ(1, efd_wait(c->efd[LEVEL], SIM_TIMEOUT_MS));

	ASSERT_EQ(0, fd_swapper_start(&swapper, pipefd[0], uefd));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (elapsed_ms(&t0) < RACE_MS) {
		calls++;
		ret = vfio_irq_eventfd(c->fd, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK,
				       swapper.fd);
		if (!ret)
			continue;
		if (ret != -EINVAL)
			break;
		ret = 0;
		failed++;
		if (write(uefd, &one, sizeof(one)) != sizeof(one)) {
			ret = -errno;
			break;
		}
		if (efd_wait(c->efd[LEVEL], SIM_TIMEOUT_MS) < 1) {
			lost++;
			break;
		}
	}
	fd_swapper_stop(&swapper);
	TH_LOG("%lu SET_IRQS (%lu failed) against %lu swaps", calls, failed,
	       swapper.swaps);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0UL, lost) TH_LOG("a failed SET_IRQS dropped the unmask eventfd");

	ASSERT_EQ(0, ack_line(&c->vd, LEVEL));
	close(pipefd[0]);
	close(pipefd[1]);
	close(uefd);
}

/* How long the tests that replace the trigger under interrupts keep at it. */
#define REPLACE_MS	1500

/*
 * A thread that makes a line fire, one interrupt at a time, for as long as
 * the test replaces its trigger: an edge line is raised; a level line is
 * raised, automasked by its interrupt, acked and unmasked with SET_IRQS.
 */
struct irq_firer {
	pthread_t thread;
	struct irq_ctx *c;
	unsigned int line;
	bool stop;
	unsigned long fired;
	int err;
};

/* Wait for the device's interrupt count to move past @count. */
static int irq_count_wait(struct sim_regs *regs, __u32 count)
{
	unsigned int ms;

	for (ms = 0; ms < SIM_TIMEOUT_MS; ms++) {
		if (sim_reg_read(regs, VFIO_PSIM_REG_IRQ_COUNT) != count)
			return 0;
		usleep(1000);
	}
	fprintf(stderr, "# no interrupt after %u\n", count);
	return -ETIMEDOUT;
}

static void *irq_firer_run(void *arg)
{
	struct irq_firer *f = arg;
	struct vp_dev *vd = &f->c->vd;
	__u32 count;
	int ret = 0;

	while (!ret && !__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		count = sim_reg_read(&vd->regs, VFIO_PSIM_REG_IRQ_COUNT);
		ret = raise_line(vd, f->line);
		if (!ret)
			ret = irq_count_wait(&vd->regs, count);
		if (!ret && f->line == LEVEL) {
			ret = ack_line(vd, LEVEL);
			ret = ret ?: unmask(f->c->fd, LEVEL);
		}
		if (!ret)
			f->fired++;
	}
	f->err = ret;
	return NULL;
}

/* What an eventfd counted, read away; 0 if nothing. */
static __u64 efd_drain(int efd)
{
	__u64 count;

	return read(efd, &count, sizeof(count)) == sizeof(count) ? count : 0;
}

/*
 * While the line fires, the trigger is replaced over and over, each time by
 * a new eventfd, and the one replaced is closed as soon as SET_IRQS returns:
 * the kernel must then be done with it, neither dropping its reference twice
 * nor signalling it later (KASAN and kmemleak watch the VM's kernel). Every
 * interrupt is counted on exactly one of the eventfds, and the last trigger
 * set keeps working.
 */
static void replace_trigger_while_firing(struct __test_metadata *_metadata,
					 struct irq_ctx *c, unsigned int line)
{
	unsigned long replaced = 0;
	struct irq_firer firer = { .c = c, .line = line };
	__u32 before, after;
	__u64 counted = 0;
	struct timespec t0;
	int cur, next, ret;

	before = sim_reg_read(&c->vd.regs, VFIO_PSIM_REG_IRQ_COUNT);
	cur = c->efd[line];
	ASSERT_EQ(0, pthread_create(&firer.thread, NULL, irq_firer_run, &firer));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = 0;
	while (!ret && elapsed_ms(&t0) < REPLACE_MS) {
		next = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (next < 0) {
			ret = -errno;
			break;
		}
		ret = vfio_irq_eventfd(c->fd, line, VFIO_IRQ_SET_ACTION_TRIGGER, next);
		if (ret) {
			close(next);
			break;
		}
		/* The old trigger is no longer signalled: its count is final. */
		counted += efd_drain(cur);
		if (cur != c->efd[line])
			close(cur);
		cur = next;
		replaced++;
	}
	__atomic_store_n(&firer.stop, true, __ATOMIC_RELAXED);
	pthread_join(firer.thread, NULL);
	TH_LOG("%lu interrupts while the trigger was replaced %lu times",
	       firer.fired, replaced);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, firer.err);
	EXPECT_LT(0UL, firer.fired);
	EXPECT_LT(0UL, replaced);

	/* Let the device's count catch up with the last interrupt. */
	usleep(QUIET_MS * 1000);
	after = sim_reg_read(&c->vd.regs, VFIO_PSIM_REG_IRQ_COUNT);
	counted += efd_drain(cur);
	EXPECT_EQ(firer.fired, after - before);
	EXPECT_EQ(after - before, counted)
		TH_LOG("%u interrupts, %llu counted on the eventfds", after - before,
		       (unsigned long long)counted);

	/* The last trigger set still counts each interrupt. */
	ASSERT_EQ(0, raise_line(&c->vd, line));
	EXPECT_EQ(1, efd_wait(cur, SIM_TIMEOUT_MS));
	if (line == LEVEL) {
		ASSERT_EQ(0, ack_line(&c->vd, LEVEL));
		ASSERT_EQ(0, unmask(c->fd, LEVEL));
	}
	EXPECT_EQ(0, efd_wait(cur, QUIET_MS));
	/* The fixture's teardown clears it with the device. */
	if (cur != c->efd[line])
		close(cur);
}

TEST_F(irq, edge_trigger_replaced_while_firing_loses_and_doubles_nothing)
{
	replace_trigger_while_firing(_metadata, &self->ctx, EDGE);
}

TEST_F(irq, level_trigger_replaced_while_firing_loses_and_doubles_nothing)
{
	replace_trigger_while_firing(_metadata, &self->ctx, LEVEL);
}

/*
 * Two level lines, each unmasked by the other's trigger: every interrupt of
 * one unmasks the other, which the device still asserts. Were the unmask run
 * inside the interrupt that signals it, the two lines would keep a CPU in
 * interrupt context for good; deferred, they only keep a worker busy, and the
 * owner can stop them by servicing the device.
 */
TEST(level_lines_unmasking_each_other_do_not_lock_up_a_cpu)
{
	struct sim_config cfg;
	struct vp_dev vd;
	struct timespec t0, t1;
	__u32 before, after;
	int trig[2], i;

	vp_init(&vd);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	sim_config_init(&cfg);
	cfg.num_irqs = 2;
	cfg.level[0] = true;
	cfg.level[1] = true;
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_open(&vd, &cfg, VFIO_TYPE1v2_IOMMU));
	for (i = 0; i < 2; i++) {
		trig[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, trig[i]);
		ASSERT_EQ(0, vfio_irq_eventfd(vd.device, i,
					      VFIO_IRQ_SET_ACTION_TRIGGER, trig[i]));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, vfio_irq_eventfd(vd.device, i,
					      VFIO_IRQ_SET_ACTION_UNMASK, trig[!i]));

	before = sim_reg_read(&vd.regs, VFIO_PSIM_REG_IRQ_COUNT);
	ASSERT_EQ(0, sim_ring(&vd.regs, VFIO_PSIM_REG_IRQ_RAISE, 3));
	/* This process keeps running meanwhile: no CPU is lost to the lines. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		usleep(20000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < 1);
	EXPECT_EQ(0, sim_ring(&vd.regs, VFIO_PSIM_REG_IRQ_ACK, 3));
	EXPECT_EQ(0, sim_wait_reg(&vd.regs, VFIO_PSIM_REG_IRQ_STATUS, 3, 0));
	/* The lines did unmask each other: more than the two first interrupts. */
	usleep(100000);
	after = sim_reg_read(&vd.regs, VFIO_PSIM_REG_IRQ_COUNT);
	EXPECT_LT(2U, after - before);
	TH_LOG("interrupts while the lines unmasked each other: %u", after - before);
	vp_close(&vd);
	close(trig[0]);
	close(trig[1]);
}

TEST_HARNESS_MAIN
