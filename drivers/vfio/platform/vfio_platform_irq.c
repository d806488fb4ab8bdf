// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts of VFIO platform devices: each interrupt of the device is one VFIO
 * IRQ index with a single vector, delivered to an eventfd.
 *
 * The Linux IRQ is requested only while userspace has a trigger eventfd set, so
 * an unused interrupt costs nothing and an unbound one is never left requested.
 * Userspace masks and unmasks with SET_IRQS or with eventfds; a level-triggered
 * line is also masked by its handler before userspace is signalled, because the
 * device keeps it asserted until userspace has serviced it. Masking disables the
 * Linux IRQ, so the line must not be shared. A line whose trigger type the
 * firmware leaves unspecified is treated as edge-triggered.
 *
 * An eventfd that unmasks a line must never be signalled by that line itself:
 * the unmask would run in the line's own handler, while a level line is still
 * asserted, and the interrupt would fire again at once, for ever. SET_IRQS
 * refuses a trigger that is also a mask or unmask eventfd of the line, and a
 * mask or unmask eventfd that is the trigger, to tell an honest user at once.
 * That check alone cannot hold: virqfd looks the eventfd up again by its fd
 * number, and another thread of the owner can dup2() the trigger onto that
 * number in between. So signalling the trigger, from the handler or for a
 * loopback, also notes in a per-CPU slot which line signals it; the eventfd's
 * wake-ups run synchronously on that CPU, and the line's own unmask eventfd,
 * woken from there, ignores the unmask. Any other unmask that an eventfd asks
 * for from anywhere but a user task (another line's handler, in hard
 * interrupt context or in its IRQ thread) is deferred to a workqueue, so that
 * no chain of eventfds can keep a CPU in an interrupt handler.
 */
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/local_lock.h>
#include <linux/nospec.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include <kunit/visibility.h>

#include "vfio_platform_priv.h"

/* Every index has one vector; userspace cannot change that. */
#define VFIO_PLATFORM_IRQ_COUNT		1

/**
 * struct vfio_platform_irq_signaller - who signals a trigger on this CPU
 * @lock: gives the slot to one signaller at a time. Outside PREEMPT_RT it
 *	disables interrupts, as eventfd_signal() does anyway, so that nothing
 *	else runs on the CPU while the slot is set but what the signal wakes
 *	up; on PREEMPT_RT it keeps the signaller on the CPU and other
 *	signallers off the slot, and eventfd_signal() may still sleep.
 * @irq: the interrupt whose trigger is being signalled, or NULL
 * @task: the task that signals it, the interrupted one in hard interrupt
 *	context: on PREEMPT_RT, another task may run on the CPU meanwhile and
 *	write to an eventfd of the same line.
 */
struct vfio_platform_irq_signaller {
	local_lock_t lock;
	struct vfio_platform_irq *irq;
	struct task_struct *task;
};

static DEFINE_PER_CPU(struct vfio_platform_irq_signaller,
		      vfio_platform_irq_signaller) = {
	.lock = INIT_LOCAL_LOCK(lock),
};

/**
 * vfio_platform_irqs_init() - build the IRQ table of a device at probe
 * @vpdev: the device, whose bus is set
 *
 * Return: 0, -ENOMEM, or the bus's error for an interrupt it cannot resolve
 * (-EPROBE_DEFER...). On error @vpdev is left without IRQs.
 */
int vfio_platform_irqs_init(struct vfio_platform_device *vpdev)
{
	struct device *dev = vpdev->vdev.dev;
	struct vfio_platform_irq *irqs = NULL, *irq;
	unsigned int i, n;
	int *hwirqs = NULL, *grown;
	int hwirq, ret = 0;

	/*
	 * The bus is asked once per interrupt: its answer may have a cost
	 * (vfio_platform_get_fresh_irq() maps an interrupt again), and need
	 * not be the same twice.
	 */
	for (n = 0; ; n++) {
		hwirq = vpdev->bus->get_irq(dev, n);
		if (hwirq == -ENXIO)
			break;
		if (hwirq < 0) {
			ret = dev_err_probe(dev, hwirq, "cannot get IRQ %u\n", n);
			goto out;
		}
		grown = krealloc_array(hwirqs, n + 1, sizeof(*hwirqs), GFP_KERNEL);
		if (!grown) {
			ret = -ENOMEM;
			goto out;
		}
		hwirqs = grown;
		hwirqs[n] = hwirq;
	}
	if (!n)
		goto out;

	irqs = kcalloc(n, sizeof(*irqs), GFP_KERNEL);
	if (!irqs) {
		ret = -ENOMEM;
		goto out;
	}

	for (i = 0; i < n; i++) {
		irq = &irqs[i];
		hwirq = hwirqs[i];
		irq->name = kasprintf(GFP_KERNEL, "vfio:%s:%u", dev_name(dev), i);
		if (!irq->name) {
			ret = -ENOMEM;
			goto err_free;
		}
		irq->hwirq = hwirq;
		irq->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;
		if (irq_get_trigger_type(hwirq) & IRQ_TYPE_LEVEL_MASK)
			irq->flags |= VFIO_IRQ_INFO_AUTOMASKED;
		else if (irq_get_trigger_type(hwirq) == IRQ_TYPE_NONE)
			dev_info(dev, "IRQ %u (Linux IRQ %d) has no trigger type: treated as edge-triggered, not automasked\n",
				 i, hwirq);
		mutex_init(&irq->lock);
		spin_lock_init(&irq->mask_lock);
	}

	vpdev->irqs = irqs;
	vpdev->num_irqs = n;
	goto out;

err_free:
	while (i--) {
		mutex_destroy(&irqs[i].lock);
		kfree(irqs[i].name);
	}
	kfree(irqs);
out:
	kfree(hwirqs);
	return ret;
}

void vfio_platform_irqs_release(struct vfio_platform_device *vpdev)
{
	unsigned int i;

	for (i = 0; i < vpdev->num_irqs; i++) {
		mutex_destroy(&vpdev->irqs[i].lock);
		kfree(vpdev->irqs[i].name);
	}
	kfree(vpdev->irqs);
	vpdev->irqs = NULL;
	vpdev->num_irqs = 0;
}

/**
 * vfio_platform_irq_info() - answer VFIO_DEVICE_GET_IRQ_INFO
 * @vpdev: the device
 * @info: the request; flags and count are filled in
 *
 * Return: 0, or -EINVAL if @info->index names no interrupt, leaving @info as it
 * was.
 */
VISIBLE_IF_KUNIT int vfio_platform_irq_info(struct vfio_platform_device *vpdev,
					    struct vfio_irq_info *info)
{
	if (info->index >= vpdev->num_irqs)
		return -EINVAL;

	info->flags = vpdev->irqs[array_index_nospec(info->index,
						     vpdev->num_irqs)].flags;
	info->count = VFIO_PLATFORM_IRQ_COUNT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_irq_info);

int vfio_platform_ioctl_get_irq_info(struct vfio_platform_device *vpdev,
				     struct vfio_irq_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	ret = vfio_platform_irq_info(vpdev, &info);
	if (ret)
		return ret;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static void vfio_platform_irq_mask(struct vfio_platform_irq *irq)
{
	unsigned long flags;

	spin_lock_irqsave(&irq->mask_lock, flags);
	if (!irq->masked) {
		if (irq->requested)
			disable_irq_nosync(irq->hwirq);
		irq->masked = true;
	}
	spin_unlock_irqrestore(&irq->mask_lock, flags);
}

static void vfio_platform_irq_unmask(struct vfio_platform_irq *irq)
{
	unsigned long flags;

	spin_lock_irqsave(&irq->mask_lock, flags);
	if (irq->masked) {
		if (irq->requested)
			enable_irq(irq->hwirq);
		irq->masked = false;
	}
	spin_unlock_irqrestore(&irq->mask_lock, flags);
}

/*
 * virqfd callbacks, run when the mask or unmask eventfd is signalled: at once
 * in the signaller's context, except for an unmask. One that the line's own
 * trigger signals is ignored; one signalled from anything but a user task
 * returns 1 to have virqfd run the thread callback from a workqueue instead.
 * A mask eventfd that is the trigger after all only masks the line after each
 * interrupt, which is harmless.
 */
static int vfio_platform_irq_mask_fd(void *opaque, void *unused)
{
	vfio_platform_irq_mask(opaque);
	return 0;
}

/*
 * Whether @irq is signalling its own trigger in this context, which is then
 * waking up one of its own eventfds: the trigger is that eventfd too.
 */
static bool vfio_platform_irq_self_signalled(struct vfio_platform_irq *irq)
{
	return this_cpu_read(vfio_platform_irq_signaller.irq) == irq &&
	       this_cpu_read(vfio_platform_irq_signaller.task) == current;
}

static int vfio_platform_irq_unmask_fd(void *opaque, void *unused)
{
	struct vfio_platform_irq *irq = opaque;

	/*
	 * The line's trigger is its unmask eventfd: SET_IRQS refused that,
	 * but the fd changed under it. Unmasking, now or later, would let a
	 * level line still asserted fire again for ever.
	 */
	if (vfio_platform_irq_self_signalled(irq)) {
		pr_warn_ratelimited("%s (IRQ %u): its trigger eventfd is its unmask eventfd: unmask ignored\n",
				    irq->name, irq->hwirq);
		return 0;
	}
	/*
	 * Only a user task (a write() to the eventfd, KVM's resampler in a
	 * vCPU thread) unmasks at once. Anything else may be an interrupt
	 * handler, in hard interrupt context or, with threaded interrupts, in
	 * an IRQ thread: defer.
	 */
	if (!in_task() || (current->flags & PF_KTHREAD))
		return 1;
	vfio_platform_irq_unmask(irq);
	return 0;
}

static void vfio_platform_irq_unmask_thread(void *opaque, void *unused)
{
	vfio_platform_irq_unmask(opaque);
}

/*
 * Signal the trigger of @irq, from its handler or for a loopback. The
 * eventfd's wake-ups run here, on this CPU, before eventfd_signal() returns:
 * the slot tells them who is signalling.
 */
static void vfio_platform_irq_signal(struct vfio_platform_irq *irq)
{
	struct eventfd_ctx *trigger = READ_ONCE(irq->trigger);
	unsigned long flags;

	if (!trigger)
		return;

	local_lock_irqsave(&vfio_platform_irq_signaller.lock, flags);
	__this_cpu_write(vfio_platform_irq_signaller.irq, irq);
	__this_cpu_write(vfio_platform_irq_signaller.task, current);
	eventfd_signal(trigger);
	__this_cpu_write(vfio_platform_irq_signaller.task, NULL);
	__this_cpu_write(vfio_platform_irq_signaller.irq, NULL);
	local_unlock_irqrestore(&vfio_platform_irq_signaller.lock, flags);
}

static irqreturn_t vfio_platform_irq_handler(int hwirq, void *data)
{
	struct vfio_platform_irq *irq = data;
	unsigned long flags;
	bool masked;

	if (irq->flags & VFIO_IRQ_INFO_AUTOMASKED) {
		/*
		 * The line stays asserted until userspace services the device:
		 * keep it disabled until userspace unmasks it. Found masked, a
		 * mask raced with this interrupt, which fires again on unmask.
		 */
		spin_lock_irqsave(&irq->mask_lock, flags);
		masked = irq->masked;
		if (!masked) {
			disable_irq_nosync(hwirq);
			irq->masked = true;
		}
		spin_unlock_irqrestore(&irq->mask_lock, flags);
		if (masked)
			return IRQ_HANDLED;
	}

	vfio_platform_irq_signal(irq);
	return IRQ_HANDLED;
}

/**
 * vfio_platform_irq_enable() - request the Linux IRQ of an interrupt
 * @irq: the interrupt, not requested, with its lock held
 * @trigger: the eventfd to signal, whose reference the interrupt takes over on
 *	success; NULL to signal nothing
 *
 * The IRQ is requested disabled and enabled only if userspace has not masked
 * it, so its disable depth matches the mask state from the start.
 *
 * Return: 0 or the error of request_irq().
 */
VISIBLE_IF_KUNIT int vfio_platform_irq_enable(struct vfio_platform_irq *irq,
					      struct eventfd_ctx *trigger)
{
	unsigned long flags;
	int ret;

	lockdep_assert_held(&irq->lock);

	irq->trigger = trigger;
	ret = request_irq(irq->hwirq, vfio_platform_irq_handler, IRQF_NO_AUTOEN,
			  irq->name, irq);
	if (ret) {
		irq->trigger = NULL;
		return ret;
	}

	/*
	 * A level-triggered line stays asserted after its handler disabled it:
	 * mask it at the irqchip at once, rather than lazily on the interrupt
	 * it would raise again right away. Only now that the line is ours: a
	 * failed request must leave another driver's line as it was.
	 */
	if ((irq->flags & VFIO_IRQ_INFO_AUTOMASKED) &&
	    !irq_check_status_bit(irq->hwirq, IRQ_DISABLE_UNLAZY)) {
		irq_set_status_flags(irq->hwirq, IRQ_DISABLE_UNLAZY);
		irq->set_unlazy = true;
	}

	spin_lock_irqsave(&irq->mask_lock, flags);
	irq->requested = true;
	if (!irq->masked)
		enable_irq(irq->hwirq);
	spin_unlock_irqrestore(&irq->mask_lock, flags);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_irq_enable);

/**
 * vfio_platform_irq_disable() - free the Linux IRQ of an interrupt
 * @irq: the interrupt, with its lock held
 *
 * Drops the trigger too. The mask state is kept for the next trigger.
 */
VISIBLE_IF_KUNIT void vfio_platform_irq_disable(struct vfio_platform_irq *irq)
{
	unsigned long flags;

	lockdep_assert_held(&irq->lock);

	if (!irq->requested)
		return;

	spin_lock_irqsave(&irq->mask_lock, flags);
	irq->requested = false;
	spin_unlock_irqrestore(&irq->mask_lock, flags);

	/* free_irq() resets the disable depth: the next request starts afresh. */
	free_irq(irq->hwirq, irq);
	/* Only what was set here: the irqchip may want the flag for itself. */
	if (irq->set_unlazy)
		irq_clear_status_flags(irq->hwirq, IRQ_DISABLE_UNLAZY);
	irq->set_unlazy = false;
	if (irq->trigger)
		eventfd_ctx_put(irq->trigger);
	irq->trigger = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_irq_disable);

static int vfio_platform_irq_set_trigger(struct vfio_platform_irq *irq, s32 fd)
{
	struct eventfd_ctx *trigger, *old;
	int ret;

	if (fd == -1) {
		vfio_platform_irq_disable(irq);
		return 0;
	}
	if (fd < 0)
		return -EINVAL;

	trigger = eventfd_ctx_fdget(fd);
	if (IS_ERR(trigger))
		return PTR_ERR(trigger);
	/* The line would unmask itself from its own handler: see the top. */
	if (trigger == irq->mask_fd.ctx || trigger == irq->unmask_fd.ctx) {
		eventfd_ctx_put(trigger);
		return -EINVAL;
	}

	if (!irq->requested) {
		ret = vfio_platform_irq_enable(irq, trigger);
		if (ret)
			eventfd_ctx_put(trigger);
		return ret;
	}

	/* Replace the eventfd and keep the line as it is. */
	old = irq->trigger;
	WRITE_ONCE(irq->trigger, trigger);
	synchronize_irq(irq->hwirq);
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/* Stop the mask or unmask eventfd of an interrupt, and forget its context. */
static void vfio_platform_irqfd_clear(struct vfio_platform_irqfd *irqfd)
{
	vfio_virqfd_disable(&irqfd->virqfd[irqfd->cur]);
	if (irqfd->ctx) {
		eventfd_ctx_put(irqfd->ctx);
		irqfd->ctx = NULL;
	}
}

/*
 * Set the mask or unmask eventfd of @irq, or clear it for @fd -1. Whatever
 * fails leaves the eventfd that was set working: the new one is looked up,
 * checked and enabled before the old one is stopped.
 */
static int vfio_platform_irqfd_set(struct vfio_platform_irq *irq,
				   struct vfio_platform_irqfd *irqfd,
				   int (*handler)(void *, void *),
				   void (*thread)(void *, void *), s32 fd)
{
	unsigned int next = !irqfd->cur;
	struct eventfd_ctx *ctx;
	int ret;

	if (fd < -1)
		return -EINVAL;
	if (fd == -1) {
		vfio_platform_irqfd_clear(irqfd);
		return 0;
	}

	ctx = eventfd_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	/* The line would unmask itself from its own handler: see the top. */
	if (ctx == irq->trigger) {
		eventfd_ctx_put(ctx);
		return -EINVAL;
	}

	/*
	 * In the free slot, beside the one in use: virqfd keeps the address
	 * of the slot for as long as the eventfd is set.
	 */
	ret = vfio_virqfd_enable(irq, handler, thread, NULL,
				 &irqfd->virqfd[next], fd);
	if (ret) {
		eventfd_ctx_put(ctx);
		return ret;
	}

	vfio_platform_irqfd_clear(irqfd);
	irqfd->cur = next;
	irqfd->ctx = ctx;
	return 0;
}

static int vfio_platform_irq_set_trigger_action(struct vfio_platform_irq *irq,
						u32 type, u32 count,
						const void *data)
{
	if (!count)
		return type == VFIO_IRQ_SET_DATA_NONE ?
			vfio_platform_irq_set_trigger(irq, -1) : -EINVAL;

	switch (type) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		return vfio_platform_irq_set_trigger(irq, *(const s32 *)data);
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!*(const u8 *)data)
			return 0;
		fallthrough;
	case VFIO_IRQ_SET_DATA_NONE:
		/*
		 * Loopback: signal userspace as the interrupt would, masking a
		 * level-triggered line first like the handler does.
		 */
		if (!irq->requested)
			return -EINVAL;
		if (irq->flags & VFIO_IRQ_INFO_AUTOMASKED)
			vfio_platform_irq_mask(irq);
		vfio_platform_irq_signal(irq);
		return 0;
	}
	return -EINVAL;
}

static int vfio_platform_irq_set_mask_action(struct vfio_platform_irq *irq,
					     bool mask, u32 type, u32 count,
					     const void *data)
{
	if (count != VFIO_PLATFORM_IRQ_COUNT)
		return -EINVAL;

	switch (type) {
	case VFIO_IRQ_SET_DATA_EVENTFD:
		if (mask)
			return vfio_platform_irqfd_set(irq, &irq->mask_fd,
						       vfio_platform_irq_mask_fd,
						       NULL, *(const s32 *)data);
		return vfio_platform_irqfd_set(irq, &irq->unmask_fd,
					       vfio_platform_irq_unmask_fd,
					       vfio_platform_irq_unmask_thread,
					       *(const s32 *)data);
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!*(const u8 *)data)
			return 0;
		fallthrough;
	case VFIO_IRQ_SET_DATA_NONE:
		if (mask)
			vfio_platform_irq_mask(irq);
		else
			vfio_platform_irq_unmask(irq);
		return 0;
	}
	return -EINVAL;
}

/**
 * vfio_platform_irq_set() - carry out VFIO_DEVICE_SET_IRQS on one interrupt
 * @irq: the interrupt
 * @flags: one VFIO_IRQ_SET_ACTION_* and one VFIO_IRQ_SET_DATA_* flag
 * @count: 0 or 1
 * @data: @count elements of the data type in @flags
 *
 * vfio_platform_set_irqs_validate() checked the header; what it cannot see is
 * checked here.
 *
 * Return: 0; -EINVAL for a combination of action, data type, count and data
 * that means nothing; the error of looking up or using an eventfd.
 */
VISIBLE_IF_KUNIT int vfio_platform_irq_set(struct vfio_platform_irq *irq,
					   u32 flags, u32 count,
					   const void *data)
{
	u32 type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	int ret;

	mutex_lock(&irq->lock);
	switch (flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) {
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		ret = vfio_platform_irq_set_trigger_action(irq, type, count, data);
		break;
	case VFIO_IRQ_SET_ACTION_MASK:
		ret = vfio_platform_irq_set_mask_action(irq, true, type, count,
							data);
		break;
	case VFIO_IRQ_SET_ACTION_UNMASK:
		ret = vfio_platform_irq_set_mask_action(irq, false, type, count,
							data);
		break;
	default:
		/* No action, or more than one. */
		ret = -EINVAL;
		break;
	}
	mutex_unlock(&irq->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_irq_set);

/**
 * vfio_platform_set_irqs_validate() - check a VFIO_DEVICE_SET_IRQS header
 * @vpdev: the device
 * @hdr: the header
 * @data_size: set to the number of bytes of data that follow the header
 *
 * The index must exist, start and count stay within its single vector, the
 * flags name one data type and nothing unknown, and argsz cover the data.
 *
 * Return: 0 or -EINVAL.
 */
VISIBLE_IF_KUNIT int vfio_platform_set_irqs_validate(struct vfio_platform_device *vpdev,
						     struct vfio_irq_set *hdr,
						     size_t *data_size)
{
	return vfio_set_irqs_validate_and_prepare(hdr, VFIO_PLATFORM_IRQ_COUNT,
						  vpdev->num_irqs, data_size);
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_set_irqs_validate);

int vfio_platform_ioctl_set_irqs(struct vfio_platform_device *vpdev,
				 struct vfio_irq_set __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size;
	void *data = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;

	ret = vfio_platform_set_irqs_validate(vpdev, &hdr, &data_size);
	if (ret)
		return ret;

	if (data_size) {
		data = memdup_user(&arg->data, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	ret = vfio_platform_irq_set(&vpdev->irqs[array_index_nospec(hdr.index,
								    vpdev->num_irqs)],
				    hdr.flags, hdr.count, data);
	kfree(data);
	return ret;
}

/**
 * vfio_platform_irqs_close() - return every interrupt to its state at probe
 * @vpdev: the device, at its last close
 *
 * Stops the mask and unmask eventfds, frees the Linux IRQs with their triggers
 * and unmasks, so that the next user starts from a clean state.
 */
void vfio_platform_irqs_close(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_irq *irq;
	unsigned int i;

	for (i = 0; i < vpdev->num_irqs; i++) {
		irq = &vpdev->irqs[i];
		mutex_lock(&irq->lock);
		vfio_platform_irqfd_clear(&irq->mask_fd);
		vfio_platform_irqfd_clear(&irq->unmask_fd);
		vfio_platform_irq_disable(irq);
		irq->masked = false;
		mutex_unlock(&irq->lock);
	}
}
EXPORT_SYMBOL_IF_KUNIT(vfio_platform_irqs_close);
