/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared by the files of the VFIO platform core.
 */
#ifndef VFIO_PLATFORM_PRIV_H
#define VFIO_PLATFORM_PRIV_H

#include <linux/bits.h>
#include <linux/types.h>

/*
 * The device fd reaches region N at file offset N << 40: a terabyte per region is
 * far more than any platform device decodes, and leaves 24 bits of region index.
 */
#define VFIO_PLATFORM_OFFSET_SHIFT	40
#define VFIO_PLATFORM_OFFSET_MASK	(BIT_ULL(VFIO_PLATFORM_OFFSET_SHIFT) - 1)

static inline u64 vfio_platform_index_to_offset(u32 index)
{
	return (u64)index << VFIO_PLATFORM_OFFSET_SHIFT;
}

static inline u32 vfio_platform_offset_to_index(u64 off)
{
	return off >> VFIO_PLATFORM_OFFSET_SHIFT;
}

static inline u64 vfio_platform_offset_in_region(u64 off)
{
	return off & VFIO_PLATFORM_OFFSET_MASK;
}

#endif /* VFIO_PLATFORM_PRIV_H */
