/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Register interface of the devices simulated by vfio-platform-sim.
 *
 * Shared by the simulator and by the tests and tools that drive it from user
 * space, so it holds nothing but constants and one plain structure. User
 * space reaches it as tools/ reaches kernel headers: through its copy in
 * tools/include/linux/, which must stay identical to this file (the static
 * lane of make check compares them).
 *
 * Registers sit at the start of MMIO region 0, are 32 bits wide unless noted
 * and little-endian. The device polls them: a write to a doorbell (IRQ_RAISE,
 * IRQ_ACK, DMA_CMD) takes effect at the next poll, a few milliseconds later,
 * whether it came through mmap() or through write() on the VFIO device. The
 * device clears a doorbell when it has consumed it, so software that must
 * not lose a write waits for the doorbell to read back as zero before
 * writing it again. Registers marked RO are rewritten by the device at every
 * poll: writes to them do not stick.
 *
 * Offset  Name          Access  Power-on   Meaning
 * ------  ------------  ------  ---------  ---------------------------------
 * 0x000   ID            RO      "PSIM"     VFIO_PSIM_ID, the bytes P S I M
 * 0x004   VERSION       RO      0x00010000 major << 16 | minor
 * 0x008   CAPS          RO      config     CAPS_* fields below
 * 0x00c   IRQ_LEVEL     RO      config     bit n set: line n is level
 * 0x010   SCRATCH0-3    RW      0          four words of plain storage;
 *                                          0x010 and 0x018 may also be
 *                                          accessed as 64-bit words
 * 0x020   IRQ_STATUS    RO      0          bit n set: line n is asserted
 * 0x024   IRQ_RAISE     doorbell           asserts the lines whose bits are
 *                                          set: a level line stays asserted
 *                                          until acked, an edge line fires
 *                                          once per raise
 * 0x028   IRQ_ACK       doorbell           deasserts the lines whose bits
 *                                          are set
 * 0x02c   IRQ_COUNT     RO      0          interrupts delivered to the CPU
 * 0x040   DMA_SRC       RW      0          64-bit source IOVA (COPY) or
 *                                          program IOVA (FETCH)
 * 0x048   DMA_DST       RW      0          64-bit destination IOVA (COPY)
 * 0x050   DMA_LEN       RW      0          bytes to move (COPY)
 * 0x054   DMA_IRQ       RW      see below  [7:0] line raised on completion,
 *                                          [15:8] line raised on a fault;
 *                                          0xff or a missing line: none.
 *                                          Power-on: completion on line 0,
 *                                          fault on line 1 (line 0 on a
 *                                          device with one interrupt)
 * 0x058   DMA_CMD       doorbell           VFIO_PSIM_DMA_CMD_*
 * 0x05c   DMA_STATUS    RO      IDLE       VFIO_PSIM_DMA_*
 * 0x060   DMA_COUNT     RO      0          bytes written by the last command
 * 0x064   DMA_SEQ       RO      0          commands finished, done or faulted;
 *                                          updated last: once it moves, the
 *                                          outcome is in the other registers
 * 0x068   FAULT_STATUS  RO      0          [7:0] VFIO_PSIM_FAULT_* code,
 *                                          [15:8] VFIO_PSIM_ACCESS_* kind
 * 0x070   FAULT_IOVA    RO      0          64-bit IOVA of the faulting access
 *
 * Every DMA access is translated through the IOMMU domain the device is
 * attached to at that moment and checked against the protection of the
 * mapping: a data read needs IOMMU_READ, a write IOMMU_WRITE, an instruction
 * fetch IOMMU_READ without IOMMU_NOEXEC (enforced in domains allocated while
 * the IOMMU reports IOMMU_CAP_NOEXEC, the default). A device attached to no paging
 * domain (identity, blocked) does no DMA at all. The first access that fails
 * stops the command: DMA_STATUS becomes FAULT, FAULT_STATUS and FAULT_IOVA
 * say why and where, DMA_COUNT says how far it got, and the fault line of
 * DMA_IRQ is raised. A command that completes raises the completion line.
 *
 * COPY moves DMA_LEN bytes from DMA_SRC to DMA_DST with data reads and
 * writes. FETCH reads a program of struct vfio_psim_desc at DMA_SRC with
 * instruction fetches, as a DMA controller fetches its microcode, and runs
 * each descriptor until VFIO_PSIM_DESC_END; the data the descriptors move is
 * accessed with data reads and writes.
 *
 * A reset restores every register to its power-on value, stops a command in
 * flight and deasserts all lines. The other regions are plain memory and are
 * not touched by a reset.
 */
#ifndef VFIO_PLATFORM_SIM_REGS_H
#define VFIO_PLATFORM_SIM_REGS_H

#include <linux/types.h>

#define VFIO_PSIM_REG_ID		0x000
#define VFIO_PSIM_REG_VERSION		0x004
#define VFIO_PSIM_REG_CAPS		0x008
#define VFIO_PSIM_REG_IRQ_LEVEL		0x00c
#define VFIO_PSIM_REG_SCRATCH0		0x010
#define VFIO_PSIM_REG_SCRATCH1		0x014
#define VFIO_PSIM_REG_SCRATCH2		0x018
#define VFIO_PSIM_REG_SCRATCH3		0x01c
#define VFIO_PSIM_REG_IRQ_STATUS	0x020
#define VFIO_PSIM_REG_IRQ_RAISE		0x024
#define VFIO_PSIM_REG_IRQ_ACK		0x028
#define VFIO_PSIM_REG_IRQ_COUNT		0x02c
#define VFIO_PSIM_REG_DMA_SRC		0x040
#define VFIO_PSIM_REG_DMA_DST		0x048
#define VFIO_PSIM_REG_DMA_LEN		0x050
#define VFIO_PSIM_REG_DMA_IRQ		0x054
#define VFIO_PSIM_REG_DMA_CMD		0x058
#define VFIO_PSIM_REG_DMA_STATUS	0x05c
#define VFIO_PSIM_REG_DMA_COUNT		0x060
#define VFIO_PSIM_REG_DMA_SEQ		0x064
#define VFIO_PSIM_REG_FAULT_STATUS	0x068
#define VFIO_PSIM_REG_FAULT_IOVA	0x070

/* Bytes of region 0 the registers occupy: region 0 is at least this big. */
#define VFIO_PSIM_REGS_SIZE		0x100

#define VFIO_PSIM_ID			0x4d495350
#define VFIO_PSIM_VERSION		0x00010000

#define VFIO_PSIM_CAPS_NUM_IRQS(caps)	((caps) & 0xff)
#define VFIO_PSIM_CAPS_NUM_REGIONS(caps) (((caps) >> 8) & 0xff)
#define VFIO_PSIM_CAPS_RESET		0x10000

/* A device has at most this many interrupt lines and MMIO regions. */
#define VFIO_PSIM_MAX_IRQS		32
#define VFIO_PSIM_MAX_REGIONS		8

#define VFIO_PSIM_DMA_IRQ_NONE		0xff
#define VFIO_PSIM_DMA_IRQ_DONE(v)	((v) & 0xff)
#define VFIO_PSIM_DMA_IRQ_FAULT(v)	(((v) >> 8) & 0xff)
#define VFIO_PSIM_DMA_IRQ(done, fault)	(((fault) & 0xff) << 8 | ((done) & 0xff))

#define VFIO_PSIM_DMA_CMD_COPY		1
#define VFIO_PSIM_DMA_CMD_FETCH		2

#define VFIO_PSIM_DMA_IDLE		0
#define VFIO_PSIM_DMA_BUSY		1
#define VFIO_PSIM_DMA_DONE		2
#define VFIO_PSIM_DMA_FAULT		3

/* Longest COPY, and longest data move of one FETCH descriptor. */
#define VFIO_PSIM_DMA_MAX_LEN		(16U << 20)

/* FAULT_STATUS[7:0] */
#define VFIO_PSIM_FAULT_NONE		0
#define VFIO_PSIM_FAULT_UNMAPPED	1	/* no mapping at the IOVA */
#define VFIO_PSIM_FAULT_READ		2	/* mapping lacks IOMMU_READ */
#define VFIO_PSIM_FAULT_WRITE		3	/* mapping lacks IOMMU_WRITE */
#define VFIO_PSIM_FAULT_EXEC		4	/* fetch from an IOMMU_NOEXEC mapping */
#define VFIO_PSIM_FAULT_BLOCKED		5	/* not attached to a paging domain */
#define VFIO_PSIM_FAULT_BUS		6	/* translated to no reachable memory */
#define VFIO_PSIM_FAULT_COMMAND		7	/* bad command, length or program */

/* FAULT_STATUS[15:8] */
#define VFIO_PSIM_ACCESS_READ		1
#define VFIO_PSIM_ACCESS_WRITE		2
#define VFIO_PSIM_ACCESS_FETCH		4

#define VFIO_PSIM_FAULT_CODE(v)		((v) & 0xff)
#define VFIO_PSIM_FAULT_ACCESS(v)	(((v) >> 8) & 0xff)

/*
 * One instruction of a FETCH program, little-endian, at IOVAs that follow
 * each other from DMA_SRC. A program runs at most VFIO_PSIM_PROG_MAX
 * descriptors; one that has not ended by then faults with
 * VFIO_PSIM_FAULT_COMMAND, as does an unknown opcode.
 */
struct vfio_psim_desc {
	__u32 op;	/* VFIO_PSIM_DESC_* */
	__u32 len;	/* bytes to move */
	__u64 src;	/* COPY: source IOVA; FILL: byte value in bits 7:0 */
	__u64 dst;	/* destination IOVA */
};

#define VFIO_PSIM_DESC_END		0
#define VFIO_PSIM_DESC_COPY		1
#define VFIO_PSIM_DESC_FILL		2

#define VFIO_PSIM_PROG_MAX		16

#endif /* VFIO_PLATFORM_SIM_REGS_H */
