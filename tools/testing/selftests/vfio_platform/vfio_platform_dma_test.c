// SPDX-License-Identifier: GPL-2.0
/*
 * DMA of a simulated device through a Type1v2 container, and its reset.
 *
 * The device's DMA engine translates every access through the IOMMU domain
 * the container set up and honours the protection of each mapping, so what
 * VFIO_IOMMU_MAP_DMA asked for is exactly what the device may do. The
 * container maps:
 *   IOVA_RW  four pages, read and write
 *   IOVA_RO  one page, read only
 *   IOVA_WO  one page, write only
 * Line 0 signals completion, line 1 faults (the power-on DMA_IRQ).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define IOVA_RW		0x100000ULL
#define IOVA_RO		0x200000ULL
#define IOVA_WO		0x300000ULL
#define IOVA_SPARE	0x400000ULL
#define IOVA_NONE	0x900000ULL
#define RW_PAGES	4

#define DONE		0
#define FAULT		1

struct dma_ctx {
	struct vp_dev vd;
	__u8 *rw, *ro, *wo;
	int efd[2];
};

FIXTURE(dma) {
	struct dma_ctx ctx;
};

static void dma_ctx_close(struct dma_ctx *c)
{
	vp_close(&c->vd);
	dma_buffer_free(c->rw, RW_PAGES * PAGE);
	dma_buffer_free(c->ro, PAGE);
	dma_buffer_free(c->wo, PAGE);
	c->rw = NULL;
	c->ro = NULL;
	c->wo = NULL;
	if (c->efd[DONE] >= 0)
		close(c->efd[DONE]);
	if (c->efd[FAULT] >= 0)
		close(c->efd[FAULT]);
	c->efd[DONE] = -1;
	c->efd[FAULT] = -1;
}

static int dma_ctx_open(struct dma_ctx *c)
{
	const __u32 rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct sim_config cfg;
	int ret;

	sim_config_init(&cfg);
	cfg.num_irqs = 2;
	cfg.level[DONE] = true;
	cfg.level[FAULT] = true;
	ret = sim_knob("msi_window", "none");
	if (!ret)
		ret = vp_open(&c->vd, &cfg, VFIO_TYPE1v2_IOMMU);
	if (ret)
		return ret;

	c->rw = dma_buffer(RW_PAGES * PAGE);
	c->ro = dma_buffer(PAGE);
	c->wo = dma_buffer(PAGE);
	if (!c->rw || !c->ro || !c->wo)
		return -ENOMEM;
	memset(c->ro, 0x77, PAGE);
	memset(c->wo, 0x66, PAGE);
	ret = vfio_dma_map(c->vd.container, c->rw, IOVA_RW, RW_PAGES * PAGE, rw);
	if (!ret)
		ret = vfio_dma_map(c->vd.container, c->ro, IOVA_RO, PAGE,
				   VFIO_DMA_MAP_FLAG_READ);
	if (!ret)
		ret = vfio_dma_map(c->vd.container, c->wo, IOVA_WO, PAGE,
				   VFIO_DMA_MAP_FLAG_WRITE);
	if (ret)
		return ret;

	c->efd[DONE] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->efd[FAULT] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd[DONE] < 0 || c->efd[FAULT] < 0)
		return -errno;
	ret = vfio_irq_eventfd(c->vd.device, DONE, VFIO_IRQ_SET_ACTION_TRIGGER,
			       c->efd[DONE]);
	return ret ?: vfio_irq_eventfd(c->vd.device, FAULT,
				       VFIO_IRQ_SET_ACTION_TRIGGER, c->efd[FAULT]);
}

FIXTURE_SETUP(dma)
{
	int ret;

	vp_init(&self->ctx.vd);
	self->ctx.efd[DONE] = -1;
	self->ctx.efd[FAULT] = -1;
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ret = dma_ctx_open(&self->ctx);
	if (ret)
		dma_ctx_close(&self->ctx);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(dma)
{
	dma_ctx_close(&self->ctx);
}

static __u32 reg(struct vp_dev *vd, unsigned int off)
{
	return sim_reg_read(&vd->regs, off);
}

static __u64 fault_iova(struct vp_dev *vd)
{
	return reg(vd, VFIO_PSIM_REG_FAULT_IOVA) |
	       (__u64)reg(vd, VFIO_PSIM_REG_FAULT_IOVA + 4) << 32;
}

static void fill(__u8 *buf, size_t len, __u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = seed ^ (i * 29);
}

static void put_desc(__u8 *at, __u32 op, __u32 len, __u64 src,
		     __u64 dst)
{
	struct vfio_psim_desc d = { .op = op, .len = len, .src = src, .dst = dst };

	memcpy(at, &d, sizeof(d));
}

TEST_F(dma, copy_moves_the_data)
{
	fill(self->ctx.rw, PAGE, 0x3c);
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_RW, IOVA_RW + PAGE, PAGE));
	EXPECT_EQ(0, memcmp(self->ctx.rw, self->ctx.rw + PAGE, PAGE));
}

TEST_F(dma, copy_reports_done_and_the_byte_count)
{
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_RW + 3, IOVA_RW + 2 * PAGE - 50, 100));
	EXPECT_EQ(100U, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_COUNT));
	EXPECT_EQ(0U, reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS));
	EXPECT_EQ(1U, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_SEQ));
}

TEST_F(dma, copy_raises_the_completion_interrupt)
{
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_RW, IOVA_RW + PAGE, 16));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[DONE], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[FAULT], 0));
}

TEST_F(dma, copy_into_a_readonly_mapping_faults_as_a_write)
{
	__u32 st;

	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					       IOVA_RW, IOVA_RO, 64));
	st = reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_WRITE, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_EQ((__u32)VFIO_PSIM_ACCESS_WRITE, VFIO_PSIM_FAULT_ACCESS(st));
	EXPECT_EQ(IOVA_RO, fault_iova(&self->ctx.vd));
	EXPECT_EQ(0U, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_COUNT));
	EXPECT_EQ(0x77, self->ctx.ro[0]);
}

TEST_F(dma, copy_from_a_writeonly_mapping_faults_as_a_read)
{
	__u32 st;

	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					       IOVA_WO + 8, IOVA_RW, 64));
	st = reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_READ, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_EQ((__u32)VFIO_PSIM_ACCESS_READ, VFIO_PSIM_FAULT_ACCESS(st));
	EXPECT_EQ(IOVA_WO + 8, fault_iova(&self->ctx.vd));
}

TEST_F(dma, copy_after_unmap_faults_at_the_unmapped_iova)
{
	__u8 *spare = dma_buffer(PAGE);
	__u32 st;

	ASSERT_NE(NULL, spare);
	ASSERT_EQ(0, vfio_dma_map(self->ctx.vd.container, spare, IOVA_SPARE, PAGE,
				  VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					      IOVA_SPARE, IOVA_RW, 32));
	ASSERT_EQ(0, vfio_dma_unmap(self->ctx.vd.container, IOVA_SPARE, PAGE));
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					       IOVA_SPARE + 0x10, IOVA_RW, 32));
	st = reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_UNMAPPED, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_EQ(IOVA_SPARE + 0x10, fault_iova(&self->ctx.vd));
	dma_buffer_free(spare, PAGE);
}

TEST_F(dma, copy_stops_at_the_first_unmapped_byte)
{
	__u8 *last = self->ctx.rw + (RW_PAGES - 1) * PAGE;
	__u32 st;

	fill(self->ctx.rw, PAGE, 0x11);
	memset(last, 0, PAGE);
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT,
		  sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY, IOVA_RW,
			  IOVA_RW + (RW_PAGES - 1) * PAGE, 2 * PAGE));
	st = reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_UNMAPPED, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_EQ((__u32)VFIO_PSIM_ACCESS_WRITE, VFIO_PSIM_FAULT_ACCESS(st));
	EXPECT_EQ(IOVA_RW + RW_PAGES * PAGE, fault_iova(&self->ctx.vd));
	EXPECT_EQ(PAGE, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_COUNT));
	EXPECT_EQ(0, memcmp(self->ctx.rw, last, PAGE));
}

TEST_F(dma, fault_raises_the_error_interrupt)
{
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					       IOVA_NONE, IOVA_RW, 8));
	EXPECT_EQ(1, efd_wait(self->ctx.efd[FAULT], SIM_TIMEOUT_MS));
	EXPECT_EQ(0, efd_wait(self->ctx.efd[DONE], 0));
}

TEST_F(dma, fault_is_reported_in_debugfs)
{
	unsigned long long iova;
	unsigned int code, access;

	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					       IOVA_RW, IOVA_NONE + 0x20, 8));
	ASSERT_EQ(0, sim_fault(self->ctx.vd.sim.name, &code, &access, &iova));
	EXPECT_EQ((unsigned int)VFIO_PSIM_FAULT_UNMAPPED, code);
	EXPECT_EQ((unsigned int)VFIO_PSIM_ACCESS_WRITE, access);
	EXPECT_EQ(IOVA_NONE + 0x20, iova);
}

TEST_F(dma, fetch_runs_a_fill_program_from_a_normal_mapping)
{
	__u8 *prog = self->ctx.rw + 2 * PAGE;
	unsigned int i;

	put_desc(prog, VFIO_PSIM_DESC_FILL, 64, 0x5a, IOVA_RW + PAGE + 8);
	put_desc(prog + sizeof(struct vfio_psim_desc), VFIO_PSIM_DESC_END, 0, 0, 0);
	memset(self->ctx.rw + PAGE, 0, PAGE);
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_FETCH,
					      IOVA_RW + 2 * PAGE, 0, 0));
	for (i = 0; i < 80; i++)
		ASSERT_EQ(i >= 8 && i < 72 ? 0x5a : 0, self->ctx.rw[PAGE + i]) TH_LOG("byte %u", i);
	EXPECT_EQ(1, efd_wait(self->ctx.efd[DONE], SIM_TIMEOUT_MS));
}

TEST_F(dma, fetch_runs_a_copy_program)
{
	__u8 *prog = self->ctx.rw + 3 * PAGE;

	fill(self->ctx.rw, 256, 0x42);
	put_desc(prog, VFIO_PSIM_DESC_COPY, 128, IOVA_RW, IOVA_RW + PAGE);
	put_desc(prog + 24, VFIO_PSIM_DESC_COPY, 128, IOVA_RW + 128, IOVA_RW + PAGE + 128);
	put_desc(prog + 48, VFIO_PSIM_DESC_END, 0, 0, 0);
	ASSERT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_FETCH,
					      IOVA_RW + 3 * PAGE, 0, 0));
	EXPECT_EQ(0, memcmp(self->ctx.rw, self->ctx.rw + PAGE, 256));
	EXPECT_EQ(256U, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_COUNT));
}

TEST_F(dma, fetch_of_a_program_without_end_faults_after_the_last_descriptor)
{
	__u8 *prog = self->ctx.rw + 2 * PAGE;
	__u32 st;
	unsigned int i;

	for (i = 0; i < VFIO_PSIM_PROG_MAX; i++)
		put_desc(prog + i * 24, VFIO_PSIM_DESC_FILL, 1, i, IOVA_RW + i);
	put_desc(prog + i * 24, VFIO_PSIM_DESC_END, 0, 0, 0);
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_FETCH,
					       IOVA_RW + 2 * PAGE, 0, 0));
	st = reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_COMMAND, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_EQ(IOVA_RW + 2 * PAGE + VFIO_PSIM_PROG_MAX * 24, fault_iova(&self->ctx.vd));
	EXPECT_EQ(VFIO_PSIM_PROG_MAX - 1, self->ctx.rw[VFIO_PSIM_PROG_MAX - 1]);
}

TEST_F(dma, fetch_of_an_unknown_opcode_faults_at_its_iova)
{
	__u8 *prog = self->ctx.rw + 2 * PAGE;
	__u32 st;

	put_desc(prog, VFIO_PSIM_DESC_FILL, 4, 0x33, IOVA_RW);
	put_desc(prog + 24, 99, 4, 0, IOVA_RW);
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_FETCH,
					       IOVA_RW + 2 * PAGE, 0, 0));
	st = reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_COMMAND, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_EQ((__u32)VFIO_PSIM_ACCESS_FETCH, VFIO_PSIM_FAULT_ACCESS(st));
	EXPECT_EQ(IOVA_RW + 2 * PAGE + 24, fault_iova(&self->ctx.vd));
	EXPECT_EQ(0x33, self->ctx.rw[0]);
}

TEST_F(dma, fetch_from_an_unmapped_iova_faults_as_a_fetch)
{
	__u32 st;

	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_FETCH,
					       IOVA_NONE, 0, 0));
	st = reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_UNMAPPED, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_EQ((__u32)VFIO_PSIM_ACCESS_FETCH, VFIO_PSIM_FAULT_ACCESS(st));
	EXPECT_EQ(IOVA_NONE, fault_iova(&self->ctx.vd));
}

TEST_F(dma, fetch_from_a_writeonly_mapping_faults_as_a_read)
{
	__u32 st;

	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_FETCH,
					       IOVA_WO, 0, 0));
	st = reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS);
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_READ, VFIO_PSIM_FAULT_CODE(st));
	EXPECT_EQ((__u32)VFIO_PSIM_ACCESS_FETCH, VFIO_PSIM_FAULT_ACCESS(st));
}

TEST_F(dma, mappings_appear_in_debugfs_with_their_protection)
{
	long domain = sim_domain_id(self->ctx.vd.sim.name);
	__u64 start, size, phys;
	unsigned int prot;

	ASSERT_LT(0, domain);
	ASSERT_EQ(0, sim_mapping(domain, IOVA_RW, &start, &size, &phys, &prot));
	EXPECT_EQ(IOVA_RW, start);
	EXPECT_EQ(0x7U, prot) TH_LOG("read, write, cache");
	ASSERT_EQ(0, sim_mapping(domain, IOVA_RO, &start, &size, &phys, &prot));
	EXPECT_EQ(PAGE, size);
	EXPECT_EQ(0x5U, prot) TH_LOG("read, cache");
	ASSERT_EQ(0, sim_mapping(domain, IOVA_WO, &start, &size, &phys, &prot));
	EXPECT_EQ(0x6U, prot) TH_LOG("write, cache");
	EXPECT_EQ(-ENOENT, sim_mapping(domain, IOVA_NONE, &start, &size, &phys, &prot));
}

TEST_F(dma, unmap_removes_the_mapping_from_debugfs)
{
	long domain = sim_domain_id(self->ctx.vd.sim.name);
	__u64 start, size, phys;
	unsigned int prot;

	ASSERT_LT(0, domain);
	ASSERT_EQ(0, sim_mapping(domain, IOVA_RO, &start, &size, &phys, &prot));
	ASSERT_EQ(0, vfio_dma_unmap(self->ctx.vd.container, IOVA_RO, PAGE));
	EXPECT_EQ(-ENOENT, sim_mapping(domain, IOVA_RO, &start, &size, &phys, &prot));
}

TEST_F(dma, device_translates_through_the_container_domain)
{
	long domain = sim_domain_id(self->ctx.vd.sim.name);
	char event[128];

	ASSERT_LT(0, domain);
	EXPECT_TRUE(sim_domain_exists(domain));
	snprintf(event, sizeof(event), "attach %s blocked %ld", self->ctx.vd.sim.name, domain);
	EXPECT_EQ(1, sim_history_count(event));
}

TEST_F(dma, oversized_copy_faults_as_a_bad_command)
{
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					       IOVA_RW, IOVA_RW + PAGE,
					       VFIO_PSIM_DMA_MAX_LEN + 1));
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_COMMAND,
		  VFIO_PSIM_FAULT_CODE(reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS)));
}

TEST_F(dma, unknown_command_faults_as_a_bad_command)
{
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, 7, IOVA_RW, IOVA_RW, 8));
	EXPECT_EQ((__u32)VFIO_PSIM_FAULT_COMMAND,
		  VFIO_PSIM_FAULT_CODE(reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS)));
}

TEST_F(dma, engine_is_idle_after_the_reset_at_open)
{
	EXPECT_EQ((__u32)VFIO_PSIM_DMA_IDLE, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_STATUS));
	EXPECT_EQ(0U, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_SEQ));
	EXPECT_EQ((__u32)VFIO_PSIM_DMA_IRQ(DONE, FAULT), reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_IRQ));
}

TEST_F(dma, device_reset_restores_the_power_on_registers)
{
	sim_reg_write(&self->ctx.vd.regs, VFIO_PSIM_REG_SCRATCH0, 0x1234);
	sim_reg_write64(&self->ctx.vd.regs, VFIO_PSIM_REG_DMA_SRC, IOVA_RW);
	sim_reg_write(&self->ctx.vd.regs, VFIO_PSIM_REG_DMA_IRQ, 0xffff);
	ASSERT_EQ(0, ioctl(self->ctx.vd.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(0U, reg(&self->ctx.vd, VFIO_PSIM_REG_SCRATCH0));
	EXPECT_EQ(0U, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_SRC));
	EXPECT_EQ((__u32)VFIO_PSIM_DMA_IRQ(DONE, FAULT), reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_IRQ));
	EXPECT_EQ((__u32)VFIO_PSIM_ID, reg(&self->ctx.vd, VFIO_PSIM_REG_ID));
}

TEST_F(dma, device_reset_is_counted_in_debugfs)
{
	unsigned long long before, after;

	ASSERT_EQ(0, sim_resets(self->ctx.vd.sim.name, &before));
	ASSERT_EQ(0, ioctl(self->ctx.vd.device, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, sim_resets(self->ctx.vd.sim.name, &after));
	EXPECT_EQ(before + 1, after);
}

TEST_F(dma, device_reset_deasserts_the_lines)
{
	ASSERT_EQ(0, sim_ring(&self->ctx.vd.regs, VFIO_PSIM_REG_IRQ_RAISE, 1U << FAULT));
	ASSERT_EQ(0, sim_wait_reg(&self->ctx.vd.regs, VFIO_PSIM_REG_IRQ_STATUS, 1U << FAULT,
				  1U << FAULT));
	ASSERT_EQ(0, ioctl(self->ctx.vd.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(0U, reg(&self->ctx.vd, VFIO_PSIM_REG_IRQ_STATUS));
}

TEST_F(dma, device_reset_clears_the_fault)
{
	ASSERT_EQ(VFIO_PSIM_DMA_FAULT, sim_dma(&self->ctx.vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					       IOVA_NONE, IOVA_RW, 8));
	ASSERT_EQ(0, ioctl(self->ctx.vd.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(0U, reg(&self->ctx.vd, VFIO_PSIM_REG_FAULT_STATUS));
	EXPECT_EQ(0U, fault_iova(&self->ctx.vd));
	EXPECT_EQ((__u32)VFIO_PSIM_DMA_IDLE, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_STATUS));
	EXPECT_EQ(0U, reg(&self->ctx.vd, VFIO_PSIM_REG_DMA_SEQ));
}

TEST_F(dma, device_is_reset_when_closed_and_when_opened_again)
{
	unsigned long long before, closed, opened;

	ASSERT_EQ(0, sim_resets(self->ctx.vd.sim.name, &before));
	sim_regs_unmap(&self->ctx.vd.regs);
	close(self->ctx.vd.device);
	self->ctx.vd.device = -1;
	ASSERT_EQ(0, sim_resets(self->ctx.vd.sim.name, &closed));
	EXPECT_EQ(before + 1, closed);

	self->ctx.vd.device = vfio_device_get(self->ctx.vd.group, self->ctx.vd.sim.name);
	ASSERT_LE(0, self->ctx.vd.device);
	ASSERT_EQ(0, sim_resets(self->ctx.vd.sim.name, &opened));
	EXPECT_EQ(closed + 1, opened);
}

TEST_HARNESS_MAIN
