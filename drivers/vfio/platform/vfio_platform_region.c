// SPDX-License-Identifier: GPL-2.0-only
/*
 * Regions of VFIO platform devices: one per MMIO or port resource, reached with
 * read() and write() on the device fd and, when page aligned, with mmap().
 *
 * Accesses are byte-invariant: the bytes of the user's buffer are the bytes of
 * the device in address order, whatever the CPU's endianness. Each is the widest
 * naturally aligned one that fits, so that a 32-bit register read with a 4-byte
 * read() is read with a single 32-bit bus access.
 *
 * Port regions need port I/O accessors; on architectures without them
 * (!CONFIG_HAS_IOPORT) they are still reported but read() and write() fail
 * with -EINVAL.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>
#include <linux/vfio.h>

#include <kunit/visibility.h>

#include "vfio_platform_priv.h"

/* Data moves between the device and userspace through a bounce buffer this big. */
#define VFIO_PLATFORM_BOUNCE_SIZE	SZ_4K

#define VFIO_PLATFORM_MMIO_MAX_WIDTH	(IS_ENABLED(CONFIG_64BIT) ? 8 : 4)
#define VFIO_PLATFORM_PIO_MAX_WIDTH	4

/* Region index and page offset in it of an mmap() offset. */
#define VFIO_PLATFORM_PGOFF_SHIFT	(VFIO_PLATFORM_OFFSET_SHIFT - PAGE_SHIFT)
#define VFIO_PLATFORM_PGOFF_MASK	(BIT_ULL(VFIO_PLATFORM_PGOFF_SHIFT) - 1)

/**
 * vfio_platform_region_from_resource() - describe a resource as a VFIO region
 * @reg: the region to fill in
 * @res: an MMIO or port resource of the device
 *
 * Return: 0, or -EINVAL if @res is neither MMIO nor port I/O.
 */
VISIBLE_IF_KUNIT int
vfio_platform_region_from_resource(struct vfio_platform_region *reg,
				   const struct resource *res)
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

	reg->start = res->start;
	reg->size = resource_size(res);
	reg->mmio = NULL;
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
 * vfio_platform_regions_init() - build the region table of a device at probe
 * @vpdev: the device, whose bus is set
 *
 * Return: 0, -ENOMEM, or -EINVAL if the bus reports a resource that is neither
 * MMIO nor port I/O. On error @vpdev is left without regions.
 */
int vfio_platform_regions_init(struct vfio_platform_device *vpdev)
{
	struct device *dev = vpdev->vdev.dev;
	struct vfio_platform_region *regions;
	struct resource *res;
	unsigned int i, n;
	int ret;

	for (n = 0; vpdev->bus->get_resource(dev, n); n++)
		;
	if (!n)
		return 0;

	regions = kcalloc(n, sizeof(*regions), GFP_KERNEL);
	if (!regions)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		res = vpdev->bus->get_resource(dev, i);
		ret = vfio_platform_region_from_resource(&regions[i], res);
		if (ret) {
			dev_err(dev, "resource %pR cannot be a VFIO region\n", res);
			kfree(regions);
			return ret;
		}
	}

	vpdev->regions = regions;
	vpdev->num_regions = n;
	return 0;
}

void vfio_platform_regions_release(struct vfio_platform_device *vpdev)
{
	kfree(vpdev->regions);
	vpdev->regions = NULL;
	vpdev->num_regions = 0;
}

/**
 * vfio_platform_regions_map() - map the MMIO regions for an opening of the device
 * @vpdev: the device
 *
 * read() and write() use these mappings for as long as the device is open, so
 * that no access has to map anything.
 *
 * Return: 0 or -ENOMEM, in which case nothing stays mapped.
 */
int vfio_platform_regions_map(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_region *reg;
	unsigned int i;

	for (i = 0; i < vpdev->num_regions; i++) {
		reg = &vpdev->regions[i];
		if (reg->pio || !reg->size)
			continue;
		reg->mmio = ioremap(reg->start, reg->size);
		if (!reg->mmio)
			goto err_unmap;
	}
	return 0;

err_unmap:
	dev_err(vpdev->vdev.dev, "cannot map region %u (%pa, size %pa)\n", i,
		&reg->start, &reg->size);
	vfio_platform_regions_unmap(vpdev);
	return -ENOMEM;
}

void vfio_platform_regions_unmap(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_region *reg;
	unsigned int i;

	for (i = 0; i < vpdev->num_regions; i++) {
		reg = &vpdev->regions[i];
		if (reg->mmio) {
			iounmap(reg->mmio);
			reg->mmio = NULL;
		}
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

	reg = &vpdev->regions[info->index];
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
 * @pos: offset of the access in the region
 * @count: bytes left to move, at least 1
 * @max: the widest access the region allows, a power of two
 *
 * Return: the largest power of two up to @max that @pos is aligned to and that
 * does not exceed @count.
 */
VISIBLE_IF_KUNIT unsigned int vfio_platform_access_width(u64 pos, size_t count,
							 unsigned int max)
{
	unsigned int width = max;

	while (width > 1 && (width > count || (pos & (width - 1))))
		width >>= 1;
	return width;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_access_width);

/*
 * The accessors convert between the CPU's order and the bus's little-endian
 * order twice, once in read*() and once in the unaligned helpers, so that the
 * bytes stay in device order in @buf on any CPU.
 */
static void vfio_platform_mmio_read(void __iomem *addr, void *buf,
				    unsigned int width)
{
	switch (width) {
	case 1:
		*(u8 *)buf = readb(addr);
		break;
	case 2:
		put_unaligned_le16(readw(addr), buf);
		break;
	case 4:
		put_unaligned_le32(readl(addr), buf);
		break;
#ifdef CONFIG_64BIT
	case 8:
		put_unaligned_le64(readq(addr), buf);
		break;
#endif
	}
}

static void vfio_platform_mmio_write(void __iomem *addr, const void *buf,
				     unsigned int width)
{
	switch (width) {
	case 1:
		writeb(*(const u8 *)buf, addr);
		break;
	case 2:
		writew(get_unaligned_le16(buf), addr);
		break;
	case 4:
		writel(get_unaligned_le32(buf), addr);
		break;
#ifdef CONFIG_64BIT
	case 8:
		writeq(get_unaligned_le64(buf), addr);
		break;
#endif
	}
}

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

/* Move @count bytes at @pos of @reg from or to @buf. The range is inside @reg. */
static void vfio_platform_region_access(struct vfio_platform_region *reg,
					u64 pos, void *buf, size_t count,
					bool write)
{
	unsigned int max = reg->pio ? VFIO_PLATFORM_PIO_MAX_WIDTH :
				      VFIO_PLATFORM_MMIO_MAX_WIDTH;
	unsigned int width;

	while (count) {
		width = vfio_platform_access_width(pos, count, max);
		if (reg->pio)
			vfio_platform_pio_access(reg->start + pos, buf, width,
						 write);
		else if (write)
			vfio_platform_mmio_write(reg->mmio + pos, buf, width);
		else
			vfio_platform_mmio_read(reg->mmio + pos, buf, width);
		pos += width;
		buf += width;
		count -= width;
	}
}

static ssize_t vfio_platform_rw(struct vfio_platform_device *vpdev,
				char __user *ubuf, size_t count, loff_t *ppos,
				bool write)
{
	u32 index = vfio_platform_offset_to_index(*ppos);
	u64 pos = vfio_platform_offset_in_region(*ppos);
	struct vfio_platform_region *reg;
	size_t chunk, done = 0;
	ssize_t ret = 0;
	void *bounce;

	if (!count)
		return 0;
	if (*ppos < 0 || index >= vpdev->num_regions)
		return -EINVAL;

	reg = &vpdev->regions[index];
	if (write && !(reg->flags & VFIO_REGION_INFO_FLAG_WRITE))
		return -EINVAL;
	/* Nothing outside the region, not even part of the request, is touched. */
	if (pos >= reg->size || count > reg->size - pos)
		return -EINVAL;
	if (reg->pio && !IS_ENABLED(CONFIG_HAS_IOPORT))
		return -EINVAL;
	if (!reg->pio && WARN_ON_ONCE(!reg->mmio))
		return -EIO;

	bounce = kmalloc(min_t(size_t, count, VFIO_PLATFORM_BOUNCE_SIZE),
			 GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	while (done < count) {
		/*
		 * Chunks end at multiples of the bounce size in the region, never
		 * in the middle of an access the whole request would have made.
		 */
		chunk = VFIO_PLATFORM_BOUNCE_SIZE -
			((pos + done) & (VFIO_PLATFORM_BOUNCE_SIZE - 1));
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

	reg = &vpdev->regions[index];
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
