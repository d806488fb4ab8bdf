// SPDX-License-Identifier: GPL-2.0-only
/*
 * Regions of VFIO platform devices: one per MMIO or port resource, reached with
 * read() and write() on the device fd and, when page aligned, with mmap().
 *
 * Accesses are byte-invariant: the bytes of the user's buffer are the bytes of
 * the device in address order, whatever the CPU's endianness. The width of each
 * bus access is a promise to the device, judged on the bus address (the region's
 * start plus the offset, never the offset alone: a region need not start on an
 * 8-byte boundary, and arm64 faults on a misaligned access to Device memory):
 *
 *  - a request of exactly 1, 2, 4 or 8 bytes at a bus address aligned to its
 *    size is one access of that size, so that a guest's readq stays one readq;
 *  - any other request is split into the widest naturally aligned accesses up
 *    to the device's bulk width: 4 bytes, or what its "reg-io-width" property
 *    says, because many peripherals answer a 64-bit access with a bus error.
 *
 * Port regions need port I/O accessors; on architectures without them
 * (!CONFIG_HAS_IOPORT) they are reported with neither READ nor WRITE, and
 * read() and write() fail with -EINVAL.
 *
 * Every region is claimed in the resource tree while the device is open, as
 * vfio-pci claims its BARs, so that no other driver maps it meanwhile.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/property.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/vfio.h>

#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include "vfio_platform_priv.h"

/*
 * Data moves between the device and userspace through a bounce buffer: a
 * register's worth for a request that is one access, a small one on the stack
 * for other short requests (neither may allocate), and one page allocated per
 * call for bulk transfers.
 */
#define VFIO_PLATFORM_STACK_BOUNCE	64
#define VFIO_PLATFORM_BOUNCE_SIZE	SZ_4K

/* The widest access the CPU can make, and the bulk width of a device by default. */
#define VFIO_PLATFORM_MMIO_MAX_WIDTH	(IS_ENABLED(CONFIG_64BIT) ? 8 : 4)
#define VFIO_PLATFORM_PIO_MAX_WIDTH	4
#define VFIO_PLATFORM_BULK_WIDTH	4

/* Region index and page offset in it of an mmap() offset. */
#define VFIO_PLATFORM_PGOFF_SHIFT	(VFIO_PLATFORM_OFFSET_SHIFT - PAGE_SHIFT)
#define VFIO_PLATFORM_PGOFF_MASK	(BIT_ULL(VFIO_PLATFORM_PGOFF_SHIFT) - 1)

/**
 * vfio_platform_region_from_resource() - describe a resource as a VFIO region
 * @reg: the region to fill in
 * @res: an MMIO or port resource of the device
 * @has_ioport: the CPU has port I/O accessors (CONFIG_HAS_IOPORT)
 *
 * Return: 0; -EINVAL if @res is neither MMIO nor port I/O, or is too large for
 * the offset encoding of the device fd.
 */
VISIBLE_IF_KUNIT int
vfio_platform_region_from_resource(struct vfio_platform_region *reg,
				   const struct resource *res, bool has_ioport)
{
	switch (resource_type(res)) {
	case IORESOURCE_MEM:
		reg->pio = false;
		break;
	case IORESOURCE_IO:
		reg->pio = true;
		break;
	default:
		return -EINVAL;
	}

	/* A larger region would reach into the next region's offsets. */
	if (resource_size(res) > BIT_ULL(VFIO_PLATFORM_OFFSET_SHIFT))
		return -EINVAL;

	reg->start = res->start;
	reg->size = resource_size(res);
	reg->mmio = NULL;
	reg->claim = NULL;
	/* The widest the bus allows: vfio_platform_regions_init() narrows it. */
	reg->bulk_width = reg->pio ? VFIO_PLATFORM_PIO_MAX_WIDTH :
				     VFIO_PLATFORM_MMIO_MAX_WIDTH;
	/* Nothing can reach a port region without port accessors: say so. */
	if (reg->pio && !has_ioport) {
		reg->flags = 0;
		return 0;
	}
	reg->flags = VFIO_REGION_INFO_FLAG_READ;
	if (!(res->flags & IORESOURCE_READONLY))
		reg->flags |= VFIO_REGION_INFO_FLAG_WRITE;
	/*
	 * A mapping covers whole pages: if the region shared a page with anything
	 * else, mmap() would hand that to userspace too.
	 */
	if (!reg->pio && reg->size && IS_ALIGNED(reg->start, PAGE_SIZE) &&
	    IS_ALIGNED(reg->size, PAGE_SIZE))
		reg->flags |= VFIO_REGION_INFO_FLAG_MMAP;

	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_region_from_resource);

/**
 * vfio_platform_bulk_width() - the widest access a bulk transfer may make
 * @dev: the device
 *
 * Return: the device's "reg-io-width" if it has a valid one the CPU can make,
 * else VFIO_PLATFORM_BULK_WIDTH.
 */
VISIBLE_IF_KUNIT unsigned int vfio_platform_bulk_width(struct device *dev)
{
	u32 width;

	if (device_property_read_u32(dev, "reg-io-width", &width))
		return VFIO_PLATFORM_BULK_WIDTH;
	if (!is_power_of_2(width) || width > VFIO_PLATFORM_MMIO_MAX_WIDTH) {
		dev_warn(dev, "ignoring reg-io-width %u: bulk accesses stay at %u bytes\n",
			 width, VFIO_PLATFORM_BULK_WIDTH);
		return VFIO_PLATFORM_BULK_WIDTH;
	}
	return width;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_bulk_width);

/**
 * vfio_platform_regions_init() - build the region table of a device at probe
 * @vpdev: the device, whose bus is set
 *
 * Return: 0, -ENOMEM, or -EINVAL if the bus reports a resource that is neither
 * MMIO nor port I/O or is too large. On error @vpdev is left without regions.
 */
int vfio_platform_regions_init(struct vfio_platform_device *vpdev)
{
	struct device *dev = vpdev->vdev.dev;
	struct vfio_platform_region *regions, *reg;
	unsigned int i, n, bulk;
	struct resource *res;
	int ret;

	for (n = 0; vpdev->bus->get_resource(dev, n); n++)
		;
	if (!n)
		return 0;

	regions = kcalloc(n, sizeof(*regions), GFP_KERNEL);
	if (!regions)
		return -ENOMEM;
	vpdev->claim_name = kasprintf(GFP_KERNEL, "vfio:%s", dev_name(dev));
	if (!vpdev->claim_name) {
		ret = -ENOMEM;
		goto err_free;
	}

	bulk = vfio_platform_bulk_width(dev);
	for (i = 0; i < n; i++) {
		reg = &regions[i];
		res = vpdev->bus->get_resource(dev, i);
		ret = vfio_platform_region_from_resource(reg, res,
							 IS_ENABLED(CONFIG_HAS_IOPORT));
		if (ret) {
			dev_err(dev, "resource %u %pR cannot be a VFIO region: not MMIO or port I/O, or larger than %llu bytes\n",
				i, res, BIT_ULL(VFIO_PLATFORM_OFFSET_SHIFT));
			goto err_free;
		}
		reg->bulk_width = min_t(unsigned int, reg->bulk_width, bulk);
	}

	vpdev->regions = regions;
	vpdev->num_regions = n;
	return 0;

err_free:
	kfree(vpdev->claim_name);
	vpdev->claim_name = NULL;
	kfree(regions);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_regions_init);

void vfio_platform_regions_release(struct vfio_platform_device *vpdev)
{
	kfree(vpdev->regions);
	vpdev->regions = NULL;
	vpdev->num_regions = 0;
	kfree(vpdev->claim_name);
	vpdev->claim_name = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_regions_release);

/* Give back a claim made by vfio_platform_region_open(), the way it was made. */
static void vfio_platform_region_unclaim(struct vfio_platform_region *reg)
{
	if (reg->pio)
		release_region(reg->start, reg->size);
	else
		release_mem_region(reg->start, reg->size);
	reg->claim = NULL;
}

/* Claim one region in the resource tree and map it if it is MMIO. */
static int vfio_platform_region_open(struct vfio_platform_device *vpdev,
				     struct vfio_platform_region *reg)
{
	if (!reg->size)
		return 0;

	if (reg->pio)
		reg->claim = request_region(reg->start, reg->size,
					    vpdev->claim_name);
	else
		reg->claim = request_mem_region(reg->start, reg->size,
						vpdev->claim_name);
	if (!reg->claim)
		return -EBUSY;
	if (reg->pio)
		return 0;

	reg->mmio = ioremap(reg->start, reg->size);
	if (!reg->mmio) {
		vfio_platform_region_unclaim(reg);
		return -ENOMEM;
	}
	return 0;
}

/**
 * vfio_platform_regions_open() - claim and map the regions for an opening
 * @vpdev: the device
 *
 * read() and write() use the mappings for as long as the device is open, so
 * that no access has to map anything; the claims keep other drivers off the
 * regions meanwhile.
 *
 * Return: 0, -EBUSY if another driver holds a region, -ENOMEM; on error
 * nothing stays claimed or mapped.
 */
int vfio_platform_regions_open(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_region *reg;
	unsigned int i;
	int ret;

	for (i = 0; i < vpdev->num_regions; i++) {
		reg = &vpdev->regions[i];
		ret = vfio_platform_region_open(vpdev, reg);
		if (ret)
			goto err_close;
	}
	return 0;

err_close:
	dev_err_ratelimited(vpdev->vdev.dev, "cannot %s region %u (%pa, size %pa): %d\n",
			    ret == -EBUSY ? "claim" : "map", i, &reg->start,
			    &reg->size, ret);
	vfio_platform_regions_close(vpdev);
	return ret;
}

void vfio_platform_regions_close(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_region *reg;
	unsigned int i;

	for (i = 0; i < vpdev->num_regions; i++) {
		reg = &vpdev->regions[i];
		if (reg->mmio) {
			iounmap(reg->mmio);
			reg->mmio = NULL;
		}
		if (reg->claim)
			vfio_platform_region_unclaim(reg);
	}
}

/**
 * vfio_platform_region_info() - answer VFIO_DEVICE_GET_REGION_INFO
 * @vpdev: the device
 * @info: the request; flags, cap_offset, size and offset are filled in
 *
 * Return: 0, or -EINVAL if @info->index names no region, leaving @info as it was.
 */
VISIBLE_IF_KUNIT int vfio_platform_region_info(struct vfio_platform_device *vpdev,
					       struct vfio_region_info *info)
{
	struct vfio_platform_region *reg;

	if (info->index >= vpdev->num_regions)
		return -EINVAL;

	reg = &vpdev->regions[array_index_nospec(info->index, vpdev->num_regions)];
	info->flags = reg->flags;
	info->cap_offset = 0;
	info->size = reg->size;
	info->offset = vfio_platform_index_to_offset(info->index);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_region_info);

int vfio_platform_ioctl_get_region_info(struct vfio_platform_device *vpdev,
					struct vfio_region_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	ret = vfio_platform_region_info(vpdev, &info);
	if (ret)
		return ret;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/**
 * vfio_platform_access_width() - the width of the next access of a transfer
 * @addr: bus address of the access
 * @count: bytes left to move, at least 1
 * @max: the widest access allowed, a power of two
 *
 * Return: the largest power of two up to @max that @addr is aligned to and that
 * does not exceed @count.
 */
VISIBLE_IF_KUNIT unsigned int vfio_platform_access_width(u64 addr, size_t count,
							 unsigned int max)
{
	unsigned int width = max;

	while (width > 1 && (width > count || (addr & (width - 1))))
		width >>= 1;
	return width;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_access_width);

/*
 * A run of @n accesses of @width bytes each, at consecutive bus addresses from
 * @addr, to or from @buf.
 *
 * The accessors convert between the CPU's order and the bus's little-endian
 * order twice, once in read*() and once in the unaligned helpers, so that the
 * bytes stay in device order in @buf on any CPU. Accesses to one device stay
 * in order among themselves, so a run needs the ordering readl() and writel()
 * give against memory only at its ends: the last read of a run and the first
 * write are the ordered accessors, the others the relaxed ones. A run of one
 * is exactly readl() or writel().
 */
VISIBLE_IF_KUNIT void vfio_platform_mmio_read(void __iomem *addr, void *buf,
					      unsigned int width, size_t n)
{
	/* KUnit watches the accesses a transfer makes through this. */
	KUNIT_STATIC_STUB_REDIRECT(vfio_platform_mmio_read, addr, buf, width, n);

	if (!n)
		return;
	switch (width) {
	case 1:
		for (; n > 1; n--, addr++, buf++)
			*(u8 *)buf = readb_relaxed(addr);
		*(u8 *)buf = readb(addr);
		break;
	case 2:
		for (; n > 1; n--, addr += 2, buf += 2)
			put_unaligned_le16(readw_relaxed(addr), buf);
		put_unaligned_le16(readw(addr), buf);
		break;
	case 4:
		for (; n > 1; n--, addr += 4, buf += 4)
			put_unaligned_le32(readl_relaxed(addr), buf);
		put_unaligned_le32(readl(addr), buf);
		break;
#ifdef CONFIG_64BIT
	case 8:
		for (; n > 1; n--, addr += 8, buf += 8)
			put_unaligned_le64(readq_relaxed(addr), buf);
		put_unaligned_le64(readq(addr), buf);
		break;
#endif
	}
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_mmio_read);

VISIBLE_IF_KUNIT void vfio_platform_mmio_write(void __iomem *addr,
					       const void *buf,
					       unsigned int width, size_t n)
{
	KUNIT_STATIC_STUB_REDIRECT(vfio_platform_mmio_write, addr, buf, width, n);

	if (!n)
		return;
	switch (width) {
	case 1:
		writeb(*(const u8 *)buf, addr);
		while (--n) {
			addr++;
			buf++;
			writeb_relaxed(*(const u8 *)buf, addr);
		}
		break;
	case 2:
		writew(get_unaligned_le16(buf), addr);
		while (--n) {
			addr += 2;
			buf += 2;
			writew_relaxed(get_unaligned_le16(buf), addr);
		}
		break;
	case 4:
		writel(get_unaligned_le32(buf), addr);
		while (--n) {
			addr += 4;
			buf += 4;
			writel_relaxed(get_unaligned_le32(buf), addr);
		}
		break;
#ifdef CONFIG_64BIT
	case 8:
		writeq(get_unaligned_le64(buf), addr);
		while (--n) {
			addr += 8;
			buf += 8;
			writeq_relaxed(get_unaligned_le64(buf), addr);
		}
		break;
#endif
	}
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_mmio_write);

#ifdef CONFIG_HAS_IOPORT
static void vfio_platform_pio_access(unsigned long port, void *buf,
				     unsigned int width, bool write)
{
	switch (width) {
	case 1:
		if (write)
			outb(*(u8 *)buf, port);
		else
			*(u8 *)buf = inb(port);
		break;
	case 2:
		if (write)
			outw(get_unaligned_le16(buf), port);
		else
			put_unaligned_le16(inw(port), buf);
		break;
	case 4:
		if (write)
			outl(get_unaligned_le32(buf), port);
		else
			put_unaligned_le32(inl(port), buf);
		break;
	}
}
#else
/* Unreachable: vfio_platform_rw() refuses port regions without port I/O. */
static void vfio_platform_pio_access(unsigned long port, void *buf,
				     unsigned int width, bool write)
{
}
#endif

/*
 * The width of the access that moves all of @count bytes at bus address
 * @addr at once, or 0 if the request is not one naturally aligned access.
 */
static unsigned int vfio_platform_single_width(struct vfio_platform_region *reg,
					       u64 addr, size_t count)
{
	unsigned int max = reg->pio ? VFIO_PLATFORM_PIO_MAX_WIDTH :
				      VFIO_PLATFORM_MMIO_MAX_WIDTH;

	if (count > max || !is_power_of_2(count) || !IS_ALIGNED(addr, count))
		return 0;
	return count;
}

/* Move @count bytes at @pos of @reg from or to @buf. The range is inside @reg. */
static void vfio_platform_region_access(struct vfio_platform_region *reg,
					u64 pos, void *buf, size_t count,
					bool write)
{
	unsigned int width;
	size_t n, len;

	while (count) {
		width = vfio_platform_access_width(reg->start + pos, count,
						   reg->bulk_width);
		/*
		 * Once aligned to the bulk width, every access up to the tail
		 * has that width: one run.
		 */
		n = 1;
		if (!reg->pio && width == reg->bulk_width)
			n = count / width;
		len = n * width;

		if (reg->pio)
			vfio_platform_pio_access(reg->start + pos, buf, width,
						 write);
		else if (write)
			vfio_platform_mmio_write(reg->mmio + pos, buf, width, n);
		else
			vfio_platform_mmio_read(reg->mmio + pos, buf, width, n);
		pos += len;
		buf += len;
		count -= len;
	}
}

/*
 * One access of @width bytes, which is all of the request: what a VMM
 * forwards for each register access it traps, so the path stays short.
 */
static ssize_t vfio_platform_rw_single(struct vfio_platform_region *reg,
				       u64 pos, char __user *ubuf,
				       unsigned int width, bool write)
{
	u64 val;

	if (write && copy_from_user(&val, ubuf, width))
		return -EFAULT;
	if (reg->pio)
		vfio_platform_pio_access(reg->start + pos, &val, width, write);
	else if (write)
		vfio_platform_mmio_write(reg->mmio + pos, &val, width, 1);
	else
		vfio_platform_mmio_read(reg->mmio + pos, &val, width, 1);
	if (!write && copy_to_user(ubuf, &val, width))
		return -EFAULT;
	return width;
}

static ssize_t vfio_platform_rw(struct vfio_platform_device *vpdev,
				char __user *ubuf, size_t count, loff_t *ppos,
				bool write)
{
	u32 index = vfio_platform_offset_to_index(*ppos);
	u64 pos = vfio_platform_offset_in_region(*ppos);
	/*
	 * Every byte copied out of it was put there first: spare it the
	 * zeroing CONFIG_INIT_STACK_ALL_ZERO would give it on every call.
	 */
	u8 stack_bounce[VFIO_PLATFORM_STACK_BOUNCE] __aligned(8) __uninitialized;
	struct vfio_platform_region *reg;
	unsigned int single;
	size_t chunk, bounce_size, done = 0;
	u32 access = write ? VFIO_REGION_INFO_FLAG_WRITE :
			     VFIO_REGION_INFO_FLAG_READ;
	ssize_t ret = 0;
	void *bounce;

	if (!count)
		return 0;
	if (*ppos < 0 || index >= vpdev->num_regions)
		return -EINVAL;

	reg = &vpdev->regions[array_index_nospec(index, vpdev->num_regions)];
	if (!(reg->flags & access))
		return -EINVAL;
	/* Nothing outside the region, not even part of the request, is touched. */
	if (pos >= reg->size || count > reg->size - pos)
		return -EINVAL;
	if (!reg->pio && WARN_ON_ONCE(!reg->mmio))
		return -EIO;

	single = vfio_platform_single_width(reg, reg->start + pos, count);
	if (single) {
		ret = vfio_platform_rw_single(reg, pos, ubuf, single, write);
		if (ret > 0)
			*ppos += ret;
		return ret;
	}
	if (count <= sizeof(stack_bounce)) {
		bounce = stack_bounce;
		bounce_size = sizeof(stack_bounce);
	} else {
		bounce_size = VFIO_PLATFORM_BOUNCE_SIZE;
		bounce = kmalloc(bounce_size, GFP_KERNEL);
		if (!bounce)
			return -ENOMEM;
	}

	while (done < count) {
		/*
		 * The owner may ask for the whole of a large region: let others
		 * run, and let a killed owner go, between chunks.
		 */
		if (done) {
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			cond_resched();
		}
		/*
		 * Chunks end at multiples of the bounce size on the bus, never
		 * in the middle of an access the whole request would have made.
		 */
		chunk = bounce_size - ((reg->start + pos + done) & (bounce_size - 1));
		chunk = min(chunk, count - done);

		if (write && copy_from_user(bounce, ubuf + done, chunk)) {
			ret = -EFAULT;
			break;
		}
		vfio_platform_region_access(reg, pos + done, bounce, chunk, write);
		if (!write && copy_to_user(ubuf + done, bounce, chunk)) {
			ret = -EFAULT;
			break;
		}
		done += chunk;
	}

	if (bounce != stack_bounce)
		kfree(bounce);
	if (!done)
		return ret;
	*ppos += done;
	return done;
}

/**
 * vfio_platform_region_read() - read() on the device fd
 * @vdev: the device
 * @buf: user buffer
 * @count: bytes to read, all inside one region
 * @ppos: file offset: region index << 40 + offset in the region
 *
 * Return: the number of bytes read, or -EINVAL if the range is not inside one
 * region, -EFAULT, -ENOMEM.
 */
ssize_t vfio_platform_region_read(struct vfio_device *vdev, char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);

	return vfio_platform_rw(vpdev, buf, count, ppos, false);
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_region_read);

/**
 * vfio_platform_region_write() - write() on the device fd
 * @vdev: the device
 * @buf: user buffer
 * @count: bytes to write, all inside one writable region
 * @ppos: file offset: region index << 40 + offset in the region
 *
 * Return: the number of bytes written, or -EINVAL if the range is not inside
 * one writable region, -EFAULT, -ENOMEM.
 */
ssize_t vfio_platform_region_write(struct vfio_device *vdev,
				   const char __user *buf, size_t count,
				   loff_t *ppos)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);

	return vfio_platform_rw(vpdev, (char __user *)buf, count, ppos, true);
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_region_write);

/**
 * vfio_platform_region_mmap() - mmap() on the device fd
 * @vdev: the device
 * @vma: the new mapping, shared, whose offset selects the region
 *
 * Return: 0, or -EINVAL if the mapping is private, the region cannot be mapped,
 * the mapping reaches past the region's end or asks for write access to a
 * read-only region; another errno if the page tables cannot be set up.
 */
int vfio_platform_region_mmap(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);
	u64 index = vma->vm_pgoff >> VFIO_PLATFORM_PGOFF_SHIFT;
	u64 pgoff = vma->vm_pgoff & VFIO_PLATFORM_PGOFF_MASK;
	u64 start = pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	struct vfio_platform_region *reg;

	/* A private mapping would hand out copies of device memory. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (index >= vpdev->num_regions)
		return -EINVAL;

	reg = &vpdev->regions[array_index_nospec(index, vpdev->num_regions)];
	if (!(reg->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	if (start >= reg->size || len > reg->size - start)
		return -EINVAL;
	if (!(reg->flags & VFIO_REGION_INFO_FLAG_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EINVAL;
		/* Nor may mprotect() make it writable later. */
		vm_flags_clear(vma, VM_MAYWRITE);
	}

	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);

	return remap_pfn_range(vma, vma->vm_start, PHYS_PFN(reg->start) + pgoff,
			       len, vma->vm_page_prot);
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_region_mmap);
