/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device-specific resets for devices owned through vfio-platform and vfio-amba.
 *
 * A device is only handed to userspace when it can be put back into a known state
 * (see the reset_required parameter of vfio-platform). When neither a reset
 * controller nor ACPI describes how to reset a device, a small module can do it
 * instead: it registers a handler keyed by one of the device's compatible
 * strings, and vfio-platform calls it at first open, at last close and on
 * VFIO_DEVICE_RESET.
 */
#ifndef LINUX_VFIO_PLATFORM_H
#define LINUX_VFIO_PLATFORM_H

#include <linux/device/driver.h>
#include <linux/list.h>
#include <linux/module.h>

struct device;

/**
 * struct vfio_platform_reset_handler - a device-specific reset
 * @compat: the compatible string of the devices the handler resets; a device
 *	matches on any of its compatible strings, its most specific one first
 * @reset: puts @dev back into its reset state. Called in process context, not
 *	concurrently with itself for one device, while the device is powered; may
 *	sleep. Returns 0 or a negative errno.
 * @owner: the module of @reset; set by vfio_platform_register_reset_handler()
 * @node: entry in the core's list of handlers; private to the core
 *
 * A device bound while the handler is registered keeps using it until it is
 * unbound or the handler is unregistered, whichever comes first; the module
 * that registered the handler stays pinned meanwhile. Once
 * vfio_platform_unregister_reset_handler() returns, no device calls the
 * handler any more, so its memory may be freed.
 */
struct vfio_platform_reset_handler {
	const char *compat;
	int (*reset)(struct device *dev);
	struct module *owner;
	struct list_head node;
};

int __vfio_platform_register_reset_handler(struct vfio_platform_reset_handler *handler,
					   struct module *owner);
void vfio_platform_unregister_reset_handler(struct vfio_platform_reset_handler *handler);

/**
 * vfio_platform_register_reset_handler() - offer a device-specific reset
 * @handler: the struct vfio_platform_reset_handler, with @compat and @reset set
 *
 * Registers @handler on behalf of the calling module, which devices bound with
 * the handler keep pinned. See __vfio_platform_register_reset_handler().
 *
 * Return: 0, -EINVAL or -EBUSY.
 */
#define vfio_platform_register_reset_handler(handler) \
	__vfio_platform_register_reset_handler(handler, THIS_MODULE)

/**
 * module_vfio_platform_reset_handler() - declare a module that only offers a reset
 * @__handler: the struct vfio_platform_reset_handler, a variable
 *
 * Registers @__handler at module load and unregisters it at unload. Pair it
 * with VFIO_PLATFORM_RESET_ALIAS() so that vfio-platform can load the module.
 */
#define module_vfio_platform_reset_handler(__handler)			\
	module_driver(__handler, vfio_platform_register_reset_handler,	\
		      vfio_platform_unregister_reset_handler)

/**
 * VFIO_PLATFORM_RESET_ALIAS() - let vfio-platform load a reset module on demand
 * @compat: the compatible string the module's handler resets, a string literal
 *
 * When vfio-platform binds a device for which no handler is registered, it asks
 * for the module aliased "vfio-reset:<compatible>" for each of its compatible
 * strings.
 */
#define VFIO_PLATFORM_RESET_ALIAS(compat)	MODULE_ALIAS("vfio-reset:" compat)

#endif /* LINUX_VFIO_PLATFORM_H */
