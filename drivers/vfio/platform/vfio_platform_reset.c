// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset of VFIO platform devices.
 *
 * A device is reset when it is first opened, when it is last closed and on
 * VFIO_DEVICE_RESET, so that no user sees state a previous one left behind. The
 * source of the reset is chosen once, at probe, in this order:
 *
 *  1. a handler a vendor module registered for one of the device's compatible
 *     strings (include/linux/vfio_platform.h), loaded on demand through its
 *     "vfio-reset:<compatible>" alias;
 *  2. the reset controller framework, for a device with a "resets" property
 *     (or a reset lookup entry on boards without firmware description);
 *  3. the _RST method of the device's ACPI companion.
 */
#include <linux/acpi.h>
#include <linux/device.h>
#include <linux/kmod.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/property.h>
#include <linux/reset.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/vfio_platform.h>

#include <kunit/visibility.h>

#include "vfio_platform_priv.h"

/*
 * Protects the list of vendor handlers, the list of devices bound with one,
 * and the updates of the reset_handler pointers of those devices. A reset
 * reads its device's pointer under vfio_platform_reset_srcu, so that
 * withdrawing a handler waits for the resets running through it without
 * holding this lock, which every probe takes, across a slow reset.
 */
static DEFINE_MUTEX(vfio_platform_reset_handlers_lock);
static LIST_HEAD(vfio_platform_reset_handlers);
static LIST_HEAD(vfio_platform_reset_users);
DEFINE_STATIC_SRCU(vfio_platform_reset_srcu);

/**
 * __vfio_platform_register_reset_handler() - offer a device-specific reset
 * @handler: the handler, with @compat and @reset set
 * @owner: the module providing @handler
 *
 * Use vfio_platform_register_reset_handler(), which passes THIS_MODULE, or
 * module_vfio_platform_reset_handler(). Devices bound after this call use the
 * handler if their compatible strings match; devices already bound keep the
 * reset source they were bound with.
 *
 * Return: 0, -EINVAL if @handler lacks a compatible string or a reset
 * function, -EBUSY if a handler is already registered for the same compatible.
 */
int __vfio_platform_register_reset_handler(struct vfio_platform_reset_handler *handler,
					   struct module *owner)
{
	struct vfio_platform_reset_handler *iter;
	int ret = 0;

	if (!handler->compat || !handler->reset)
		return -EINVAL;

	mutex_lock(&vfio_platform_reset_handlers_lock);
	list_for_each_entry(iter, &vfio_platform_reset_handlers, node) {
		if (!strcmp(iter->compat, handler->compat)) {
			ret = -EBUSY;
			goto out_unlock;
		}
	}
	handler->owner = owner;
	list_add_tail(&handler->node, &vfio_platform_reset_handlers);
out_unlock:
	mutex_unlock(&vfio_platform_reset_handlers_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(__vfio_platform_register_reset_handler);

/**
 * vfio_platform_unregister_reset_handler() - withdraw a device-specific reset
 * @handler: a handler registered with vfio_platform_register_reset_handler()
 *
 * Devices bound from now on no longer find @handler, and devices bound with it
 * let go of it before this returns: it is never called again, and may be
 * freed. Those devices can no longer be reset (their resets fail with
 * -ENODEV) until they are bound again.
 */
void vfio_platform_unregister_reset_handler(struct vfio_platform_reset_handler *handler)
{
	struct vfio_platform_reset_handler *bound;
	struct vfio_platform_device *vpdev, *next;
	unsigned int users = 0;

	mutex_lock(&vfio_platform_reset_handlers_lock);
	list_del(&handler->node);
	/* Under the lock that every update of reset_handler takes. */
	list_for_each_entry_safe(vpdev, next, &vfio_platform_reset_users,
				 reset_node) {
		bound = rcu_dereference_protected(vpdev->reset_handler, true);
		if (bound != handler)
			continue;
		RCU_INIT_POINTER(vpdev->reset_handler, NULL);
		list_del_init(&vpdev->reset_node);
		users++;
		dev_warn(vpdev->vdev.dev, "its reset handler for \"%s\" was withdrawn: it cannot be reset until bound again\n",
			 handler->compat);
	}
	mutex_unlock(&vfio_platform_reset_handlers_lock);

	if (!users)
		return;
	/* Resets that found @handler before it was withdrawn finish first. */
	synchronize_srcu(&vfio_platform_reset_srcu);
	while (users--)
		module_put(handler->owner);
}
EXPORT_SYMBOL_GPL(vfio_platform_unregister_reset_handler);

static struct vfio_platform_reset_handler *
__vfio_platform_reset_handler_get(const char * const *compat, unsigned int n)
{
	struct vfio_platform_reset_handler *iter;
	unsigned int i;

	lockdep_assert_held(&vfio_platform_reset_handlers_lock);

	for (i = 0; i < n; i++) {
		list_for_each_entry(iter, &vfio_platform_reset_handlers, node) {
			/* A module on its way out no longer offers its handler. */
			if (!strcmp(iter->compat, compat[i]) &&
			    try_module_get(iter->owner))
				return iter;
		}
	}
	return NULL;
}

/* Only the KUnit suite looks a handler up without attaching to it. */
#if IS_ENABLED(CONFIG_KUNIT)
/**
 * vfio_platform_reset_handler_get() - find the reset handler of a device
 * @compat: the device's compatible strings, most specific first
 * @n: the number of strings in @compat
 *
 * Return: the handler of the first string that has one, with a reference on
 * its module; NULL if none has.
 */
VISIBLE_IF_KUNIT struct vfio_platform_reset_handler *
vfio_platform_reset_handler_get(const char * const *compat, unsigned int n)
{
	struct vfio_platform_reset_handler *found;

	mutex_lock(&vfio_platform_reset_handlers_lock);
	found = __vfio_platform_reset_handler_get(compat, n);
	mutex_unlock(&vfio_platform_reset_handlers_lock);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_reset_handler_get);
#endif

/*
 * Bind @vpdev to the handler of @compat, if one is registered: found and
 * recorded under one hold of the lock, so that an unregistration cannot slip
 * in between and leave @vpdev with a handler that is gone.
 */
static bool vfio_platform_reset_handler_attach(struct vfio_platform_device *vpdev,
					       const char *compat)
{
	struct vfio_platform_reset_handler *handler;

	mutex_lock(&vfio_platform_reset_handlers_lock);
	handler = __vfio_platform_reset_handler_get(&compat, 1);
	if (handler) {
		rcu_assign_pointer(vpdev->reset_handler, handler);
		list_add_tail(&vpdev->reset_node, &vfio_platform_reset_users);
	}
	mutex_unlock(&vfio_platform_reset_handlers_lock);
	return handler;
}

/* With the device closed for good: no reset can be running through it. */
static void vfio_platform_reset_handler_detach(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_reset_handler *handler;

	mutex_lock(&vfio_platform_reset_handlers_lock);
	handler = rcu_dereference_protected(vpdev->reset_handler,
					    lockdep_is_held(&vfio_platform_reset_handlers_lock));
	if (handler) {
		list_del_init(&vpdev->reset_node);
		RCU_INIT_POINTER(vpdev->reset_handler, NULL);
		module_put(handler->owner);
	}
	mutex_unlock(&vfio_platform_reset_handlers_lock);
}

/*
 * The handler of the most specific compatible string that has one wins: each
 * string in turn is looked up, then its module loaded and looked up again,
 * before a less specific string is tried.
 */
static int vfio_platform_reset_find_vendor(struct vfio_platform_device *vpdev)
{
	struct device *dev = vpdev->vdev.dev;
	const char **compat;
	bool found = false;
	int i, n;

	n = device_property_string_array_count(dev, "compatible");
	if (n <= 0)
		return 0;

	compat = kcalloc(n, sizeof(*compat), GFP_KERNEL);
	if (!compat)
		return -ENOMEM;
	n = device_property_read_string_array(dev, "compatible", compat, n);
	if (n < 0) {
		kfree(compat);
		return n;
	}

	for (i = 0; i < n && !found; i++) {
		found = vfio_platform_reset_handler_attach(vpdev, compat[i]);
		/* Failing to load a module only means there is none. */
		if (!found && !request_module("vfio-reset:%s", compat[i]))
			found = vfio_platform_reset_handler_attach(vpdev, compat[i]);
	}
	kfree(compat);
	return found;
}

static int vfio_platform_reset_find_controller(struct vfio_platform_device *vpdev)
{
	struct device *dev = vpdev->vdev.dev;
	struct reset_control *rstc;

	/*
	 * Every reset the firmware lists for the device, or the one a lookup
	 * names. Released: the lines may be shared with other devices, and are
	 * only acquired around each reset.
	 */
	if (dev_of_node(dev))
		rstc = of_reset_control_array_get(dev_of_node(dev),
						  RESET_CONTROL_OPTIONAL_EXCLUSIVE_RELEASED);
	else
		rstc = __reset_control_get(dev, NULL, 0,
					   RESET_CONTROL_OPTIONAL_EXCLUSIVE_RELEASED);
	if (IS_ERR(rstc))
		return dev_err_probe(dev, PTR_ERR(rstc),
				     "cannot get its reset controller\n");
	if (!rstc)
		return 0;
	vpdev->reset_control = rstc;
	return 1;
}

static int vfio_platform_reset_controller(struct device *dev,
					  struct reset_control *rstc)
{
	int ret;

	ret = reset_control_acquire(rstc);
	if (ret) {
		dev_err_ratelimited(dev, "its reset line is held by another device: %d\n",
				    ret);
		return ret;
	}

	ret = reset_control_reset(rstc);
	/*
	 * The framework's -ENOTSUPP: the controller has no self-clearing reset,
	 * only a line to assert and deassert.
	 */
	if (ret == -ENOTSUPP) {
		ret = reset_control_assert(rstc);
		if (!ret)
			ret = reset_control_deassert(rstc);
	}
	reset_control_release(rstc);
	return ret;
}

#ifdef CONFIG_ACPI
static bool vfio_platform_acpi_has_reset(struct device *dev)
{
	acpi_handle handle = ACPI_HANDLE(dev);

	return handle && acpi_has_method(handle, "_RST");
}

static int vfio_platform_acpi_reset(struct device *dev)
{
	acpi_status status;

	status = acpi_evaluate_object(ACPI_HANDLE(dev), "_RST", NULL, NULL);
	if (ACPI_FAILURE(status)) {
		dev_err(dev, "ACPI _RST failed: %s\n",
			acpi_format_exception(status));
		return -EIO;
	}
	return 0;
}
#else
static bool vfio_platform_acpi_has_reset(struct device *dev)
{
	return false;
}

static int vfio_platform_acpi_reset(struct device *dev)
{
	return -ENODEV;
}
#endif

/**
 * vfio_platform_reset_init() - choose the reset source of a device at probe
 * @vpdev: the device
 * @required: refuse the device when it has no reset source
 *
 * Return: 0, with the source (possibly none) recorded in @vpdev; -ENODEV when
 * @required and there is no source; another errno when a source could not be
 * looked up (-EPROBE_DEFER for a reset controller not probed yet...).
 */
int vfio_platform_reset_init(struct vfio_platform_device *vpdev, bool required)
{
	struct device *dev = vpdev->vdev.dev;
	int ret;

	mutex_init(&vpdev->reset_lock);
	INIT_LIST_HEAD(&vpdev->reset_node);
	INIT_LIST_HEAD(&vpdev->line_node);

	ret = vfio_platform_reset_find_vendor(vpdev);
	if (ret < 0)
		return ret;
	if (ret) {
		vpdev->reset_source = VFIO_PLATFORM_RESET_VENDOR;
		return 0;
	}

	ret = vfio_platform_reset_find_controller(vpdev);
	if (ret < 0)
		return ret;
	if (ret) {
		vpdev->reset_source = VFIO_PLATFORM_RESET_CONTROLLER;
		return vfio_platform_reset_lines_init(vpdev);
	}

	if (vfio_platform_acpi_has_reset(dev)) {
		vpdev->reset_source = VFIO_PLATFORM_RESET_ACPI;
		return 0;
	}

	vpdev->reset_source = VFIO_PLATFORM_RESET_NONE;
	if (required) {
		dev_err(dev, "no reset function (vendor reset handler, reset controller or ACPI _RST) and reset_required is set: refusing the device\n");
		return -ENODEV;
	}
	dev_info(dev, "no reset function; bound without reset as reset_required is not set\n");
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_reset_init);

/**
 * vfio_platform_reset_release() - let go of the reset source of a device
 * @vpdev: the device, initialised by vfio_platform_reset_init() or zeroed
 */
void vfio_platform_reset_release(struct vfio_platform_device *vpdev)
{
	vfio_platform_reset_lines_release(vpdev);
	vfio_platform_reset_handler_detach(vpdev);
	reset_control_put(vpdev->reset_control);
	vpdev->reset_control = NULL;
	vpdev->reset_source = VFIO_PLATFORM_RESET_NONE;
	mutex_destroy(&vpdev->reset_lock);
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_reset_release);

/**
 * vfio_platform_reset() - reset a device through its chosen source
 * @vpdev: the device, powered
 *
 * Return: 0, -EINVAL if the device has no reset source, -ENODEV if its vendor
 * handler was withdrawn, -EBUSY if its reset line is held by another device,
 * or the source's error.
 */
int vfio_platform_reset(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_reset_handler *handler;
	struct device *dev = vpdev->vdev.dev;
	int ret, idx;

	mutex_lock(&vpdev->reset_lock);
	switch (vpdev->reset_source) {
	case VFIO_PLATFORM_RESET_VENDOR:
		idx = srcu_read_lock(&vfio_platform_reset_srcu);
		handler = srcu_dereference(vpdev->reset_handler,
					   &vfio_platform_reset_srcu);
		ret = handler ? handler->reset(dev) : -ENODEV;
		srcu_read_unlock(&vfio_platform_reset_srcu, idx);
		break;
	case VFIO_PLATFORM_RESET_CONTROLLER:
		ret = vfio_platform_reset_controller(dev, vpdev->reset_control);
		break;
	case VFIO_PLATFORM_RESET_ACPI:
		ret = vfio_platform_acpi_reset(dev);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	mutex_unlock(&vpdev->reset_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_reset);

/**
 * vfio_platform_can_reset() - whether a reset of the device can succeed
 * @vpdev: the device
 *
 * Return: true when the device has a reset source that is still there: a
 * device whose vendor handler was withdrawn cannot be reset any more.
 */
bool vfio_platform_can_reset(struct vfio_platform_device *vpdev)
{
	if (vpdev->reset_source == VFIO_PLATFORM_RESET_VENDOR)
		return rcu_access_pointer(vpdev->reset_handler);
	return vfio_platform_has_reset(vpdev);
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_can_reset);
