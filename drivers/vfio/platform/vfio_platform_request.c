// SPDX-License-Identifier: GPL-2.0-only
/*
 * Asking the owner to give the device back.
 *
 * Unbinding a device its owner holds open waits until the owner closes it;
 * the VFIO core calls the request op meanwhile, at once and then about every
 * ten seconds. The owner learns of it through an eventfd it connects with
 * VFIO_DEVICE_FEATURE_REQUEST. vfio-pci asks through an interrupt index of
 * its own, which we cannot add: userspace drivers map every interrupt index
 * of a platform device to one of the device's interrupts.
 *
 * The eventfd belongs to one opening of the device: the last close drops it,
 * so that the next owner is not signalled through the previous owner's.
 */
#include <linux/eventfd.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_platform_priv.h"

static int vfio_platform_request_set(struct vfio_platform_device *vpdev,
				     struct vfio_device_feature_request __user *arg)
{
	struct vfio_device_feature_request req;
	struct eventfd_ctx *trigger = NULL, *old;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.eventfd < -1)
		return -EINVAL;
	if (req.eventfd >= 0) {
		trigger = eventfd_ctx_fdget(req.eventfd);
		if (IS_ERR(trigger))
			return PTR_ERR(trigger);
	}

	mutex_lock(&vpdev->request_lock);
	old = vpdev->request_trigger;
	vpdev->request_trigger = trigger;
	mutex_unlock(&vpdev->request_lock);

	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/**
 * vfio_platform_device_feature() - the device_feature op
 * @vdev: the device
 * @flags: the request's flags, with the feature number
 * @arg: the feature's data in userspace
 * @argsz: its size
 *
 * Return: 0, -ENOTTY for a feature we do not offer, or the error of the
 * feature's checks.
 */
int vfio_platform_device_feature(struct vfio_device *vdev, u32 flags,
				 void __user *arg, size_t argsz)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);
	int ret;

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_REQUEST:
		ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
					 sizeof(struct vfio_device_feature_request));
		if (ret != 1)
			return ret;
		return vfio_platform_request_set(vpdev, arg);
	default:
		return -ENOTTY;
	}
}

/**
 * vfio_platform_request() - the request op: ask the owner to close the device
 * @vdev: the device, being unregistered while it is open
 * @count: how many times it was asked before
 */
void vfio_platform_request(struct vfio_device *vdev, unsigned int count)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);

	mutex_lock(&vpdev->request_lock);
	if (vpdev->request_trigger)
		eventfd_signal(vpdev->request_trigger);
	else
		dev_notice_ratelimited(vdev->dev,
				       "in use, with no request eventfd connected: waiting for it to be closed (%u)\n",
				       count);
	mutex_unlock(&vpdev->request_lock);
}

/**
 * vfio_platform_request_close() - drop the eventfd at the last close
 * @vpdev: the device
 */
void vfio_platform_request_close(struct vfio_platform_device *vpdev)
{
	struct eventfd_ctx *trigger;

	mutex_lock(&vpdev->request_lock);
	trigger = vpdev->request_trigger;
	vpdev->request_trigger = NULL;
	mutex_unlock(&vpdev->request_lock);

	if (trigger)
		eventfd_ctx_put(trigger);
}
