// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: a software IOMMU and platform devices created through
 * configfs, so that vfio-platform and vfio_iommu_type1 can be tested without
 * hardware.
 *
 * This file owns the module and the MMIO window the devices' regions are
 * carved from. The window must be physical memory that is not System RAM,
 * for instance guest RAM the kernel was told to leave alone with
 * memmap=64M$0x60000000: then ioremap() and remap_pfn_range() treat the
 * regions as they treat the registers of real hardware.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "vfio_platform_sim.h"

static unsigned long long vfio_psim_mmio_base;
module_param_named(mmio_base, vfio_psim_mmio_base, ullong, 0444);
MODULE_PARM_DESC(mmio_base, "Physical address of the non-RAM window MMIO regions are carved from");

static unsigned long long vfio_psim_mmio_size;
module_param_named(mmio_size, vfio_psim_mmio_size, ullong, 0444);
MODULE_PARM_DESC(mmio_size, "Bytes of the MMIO window (0: no window, no devices)");

struct dentry *vfio_psim_debugfs;

/**
 * struct vfio_psim_window - the physical memory the devices' regions live in
 * @res: the window in the iomem resource tree; the regions nest inside it
 * @va: the whole window mapped for the devices' own accesses
 * @lock: see beside it
 * @map: bit n set: page n of the window belongs to a region
 * @pages: pages in the window
 */
struct vfio_psim_window {
	struct resource res;
	void __iomem *va;
	/* Protects @map. */
	struct mutex lock;
	unsigned long *map;
	unsigned long pages;
};

static struct vfio_psim_window vfio_psim_window = {
	.res = {
		.name = VFIO_PSIM_NAME,
		.flags = IORESOURCE_MEM,
	},
	.lock = __MUTEX_INITIALIZER(vfio_psim_window.lock),
};

static bool vfio_psim_in_window(phys_addr_t pa, size_t len)
{
	struct vfio_psim_window *win = &vfio_psim_window;

	return win->pages && pa >= win->res.start && pa <= win->res.end &&
	       len <= win->res.end - pa + 1;
}

/**
 * vfio_psim_mmio_alloc() - carve pages for a region out of the MMIO window
 * @size: bytes needed, rounded up to whole pages
 * @base: set to the physical address of the first page
 *
 * Return: 0, -ENODEV without a window, -ENOSPC when the window is full.
 */
int vfio_psim_mmio_alloc(resource_size_t size, phys_addr_t *base)
{
	struct vfio_psim_window *win = &vfio_psim_window;
	unsigned long n = DIV_ROUND_UP(size, PAGE_SIZE);
	unsigned long first;

	if (!win->pages) {
		pr_err("no MMIO window: load the module with mmio_base= and mmio_size= set to non-RAM memory\n");
		return -ENODEV;
	}

	mutex_lock(&win->lock);
	first = bitmap_find_next_zero_area(win->map, win->pages, 0, n, 0);
	if (first >= win->pages) {
		mutex_unlock(&win->lock);
		pr_err("MMIO window full: no %lu free pages in a row\n", n);
		return -ENOSPC;
	}
	bitmap_set(win->map, first, n);
	mutex_unlock(&win->lock);

	*base = win->res.start + ((phys_addr_t)first << PAGE_SHIFT);
	return 0;
}

/**
 * vfio_psim_mmio_free() - give pages from vfio_psim_mmio_alloc() back
 * @base: what vfio_psim_mmio_alloc() returned
 * @size: what was asked of vfio_psim_mmio_alloc()
 */
void vfio_psim_mmio_free(phys_addr_t base, resource_size_t size)
{
	struct vfio_psim_window *win = &vfio_psim_window;

	mutex_lock(&win->lock);
	bitmap_clear(win->map, (base - win->res.start) >> PAGE_SHIFT,
		     DIV_ROUND_UP(size, PAGE_SIZE));
	mutex_unlock(&win->lock);
}

/**
 * vfio_psim_mmio_va() - the simulator's own mapping of window memory
 * @pa: a physical address inside the window
 *
 * Return: the kernel virtual address @pa is mapped at.
 */
void __iomem *vfio_psim_mmio_va(phys_addr_t pa)
{
	return vfio_psim_window.va + (pa - vfio_psim_window.res.start);
}

/**
 * vfio_psim_phys_rw() - a bus access by a simulated device
 * @pa: physical address the IOMMU translated to
 * @buf: bytes to write, or room for the bytes read
 * @len: bytes to move; the access does not cross a page boundary
 * @write: store @buf at @pa rather than load from it
 *
 * Reaches RAM, such as the pages VFIO pinned for a DMA mapping, and the MMIO
 * window, so that one device can DMA into another's registers as on a real
 * interconnect. Atomic: called with the IOMMU's locks held.
 *
 * Return: 0, or -EFAULT for memory no device can reach.
 */
int vfio_psim_phys_rw(phys_addr_t pa, void *buf, size_t len, bool write)
{
	unsigned long pfn = PHYS_PFN(pa);
	struct page *page;
	void *va;

	if (vfio_psim_in_window(pa, len)) {
		if (write)
			memcpy_toio(vfio_psim_mmio_va(pa), buf, len);
		else
			memcpy_fromio(buf, vfio_psim_mmio_va(pa), len);
		return 0;
	}

	if (!pfn_valid(pfn))
		return -EFAULT;
	page = pfn_to_page(pfn);
	/*
	 * A reserved page is firmware's, the kernel image's or a hole; only the
	 * shared zero page is one a user can map (read-only) for DMA.
	 */
	if (is_zero_pfn(pfn)) {
		if (write)
			return -EFAULT;
	} else if (PageReserved(page)) {
		return -EFAULT;
	}

	va = kmap_local_page(page);
	if (write)
		memcpy(va + offset_in_page(pa), buf, len);
	else
		memcpy(buf, va + offset_in_page(pa), len);
	kunmap_local(va);
	return 0;
}

static int vfio_psim_window_init(void)
{
	struct vfio_psim_window *win = &vfio_psim_window;
	phys_addr_t base = vfio_psim_mmio_base;
	resource_size_t size = vfio_psim_mmio_size;
	int ret;

	if (!size) {
		pr_info("no MMIO window given: devices cannot be created\n");
		return 0;
	}
	if (base != vfio_psim_mmio_base || size != vfio_psim_mmio_size ||
	    !PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) || base + size - 1 < base) {
		pr_err("MMIO window %#llx+%#llx is not page aligned or does not fit\n",
		       vfio_psim_mmio_base, vfio_psim_mmio_size);
		return -EINVAL;
	}
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("MMIO window %pa+%pa overlaps System RAM: reserve it first (memmap=)\n",
		       &base, &size);
		return -EINVAL;
	}

	win->pages = size >> PAGE_SHIFT;
	win->map = bitmap_zalloc(win->pages, GFP_KERNEL);
	if (!win->map) {
		ret = -ENOMEM;
		goto err_pages;
	}

	win->res.start = base;
	win->res.end = base + size - 1;
	ret = insert_resource(&iomem_resource, &win->res);
	if (ret) {
		pr_err("MMIO window %pR conflicts with another resource\n",
		       &win->res);
		goto err_map;
	}

	win->va = ioremap(base, size);
	if (!win->va) {
		ret = -ENOMEM;
		goto err_resource;
	}
	return 0;

err_resource:
	remove_resource(&win->res);
err_map:
	bitmap_free(win->map);
err_pages:
	win->pages = 0;
	return ret;
}

static void vfio_psim_window_exit(void)
{
	struct vfio_psim_window *win = &vfio_psim_window;

	if (!win->pages)
		return;
	iounmap(win->va);
	remove_resource(&win->res);
	bitmap_free(win->map);
	win->pages = 0;
}

static int __init vfio_psim_init(void)
{
	int ret;

	vfio_psim_debugfs = debugfs_create_dir(VFIO_PSIM_NAME, NULL);

	ret = vfio_psim_window_init();
	if (ret)
		goto err_debugfs;

	ret = vfio_psim_iommu_init();
	if (ret)
		goto err_window;

	ret = vfio_psim_dev_init();
	if (ret)
		goto err_iommu;

	ret = vfio_psim_configfs_init();
	if (ret)
		goto err_dev;
	return 0;

err_dev:
	vfio_psim_dev_exit();
err_iommu:
	vfio_psim_iommu_exit();
err_window:
	vfio_psim_window_exit();
err_debugfs:
	debugfs_remove_recursive(vfio_psim_debugfs);
	return ret;
}
module_init(vfio_psim_init);

static void __exit vfio_psim_exit(void)
{
	vfio_psim_configfs_exit();
	vfio_psim_dev_exit();
	vfio_psim_iommu_exit();
	vfio_psim_window_exit();
	debugfs_remove_recursive(vfio_psim_debugfs);
}
module_exit(vfio_psim_exit);

MODULE_DESCRIPTION("Simulated IOMMU and platform devices for testing VFIO platform");
/* A test module: loading it taints the kernel with TAINT_TEST. */
MODULE_INFO(test, "Y");
MODULE_LICENSE("GPL");
