// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: the interrupt controller of a simulated device.
 *
 * Each device has an IRQ domain of its own whose lines behave like wires into
 * a real controller. A level line is asserted by the device until software
 * acks it in the device's registers; while it is asserted it fires whenever
 * it is unmasked. An edge line fires once per raise; a raise while the line
 * is masked at the controller is lost, as the controller keeps no pending
 * state (the core's lazy disable still replays an edge that arrives while
 * the interrupt is only disabled). Interrupts are delivered from an irq_work
 * in hard interrupt context, as from a real controller.
 */
#include <linux/bitops.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/seq_file.h>

#include "vfio_platform_sim.h"

static void vfio_psim_irq_deliver(struct irq_work *work)
{
	struct vfio_psim_irqs *irqs = container_of(work, struct vfio_psim_irqs, work);
	unsigned long pending, flags;
	unsigned int line;
	bool fire;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	pending = irqs->pending;
	irqs->pending = 0;
	raw_spin_unlock_irqrestore(&irqs->lock, flags);

	for_each_set_bit(line, &pending, irqs->num) {
		raw_spin_lock_irqsave(&irqs->lock, flags);
		if (irqs->level & BIT(line)) {
			/* It may have been acked or masked since it was queued. */
			fire = (irqs->asserted & ~irqs->masked) & BIT(line);
		} else {
			fire = irqs->edges & BIT(line);
			irqs->edges &= ~BIT(line);
		}
		raw_spin_unlock_irqrestore(&irqs->lock, flags);

		if (fire) {
			generic_handle_domain_irq(irqs->domain, line);
			atomic_inc(&irqs->delivered);
		}
	}
}

/* Called with irqs->lock held. */
static void vfio_psim_irq_queue(struct vfio_psim_irqs *irqs, u32 lines)
{
	if (irqs->dead || !lines)
		return;
	irqs->pending |= lines;
	irq_work_queue(&irqs->work);
}

static void vfio_psim_irq_mask(struct irq_data *d)
{
	struct vfio_psim_irqs *irqs = irq_data_get_irq_chip_data(d);
	unsigned long flags;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	irqs->masked |= BIT(irqd_to_hwirq(d));
	raw_spin_unlock_irqrestore(&irqs->lock, flags);
}

static void vfio_psim_irq_unmask(struct irq_data *d)
{
	struct vfio_psim_irqs *irqs = irq_data_get_irq_chip_data(d);
	u32 line = BIT(irqd_to_hwirq(d));
	unsigned long flags;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	irqs->masked &= ~line;
	/* A level line still asserted fires again. */
	vfio_psim_irq_queue(irqs, irqs->level & irqs->asserted & line);
	raw_spin_unlock_irqrestore(&irqs->lock, flags);
}

/* The device keeps the line asserted: acking happens in its registers. */
static void vfio_psim_irq_ack_chip(struct irq_data *d)
{
}

/* The trigger type of @hwirq in Linux: none for an untyped line. */
static unsigned int vfio_psim_irq_type(struct vfio_psim_irqs *irqs,
				       irq_hw_number_t hwirq)
{
	if (irqs->level & BIT(hwirq))
		return IRQ_TYPE_LEVEL_HIGH;
	if (irqs->untyped & BIT(hwirq))
		return IRQ_TYPE_NONE;
	return IRQ_TYPE_EDGE_RISING;
}

static int vfio_psim_irq_set_type(struct irq_data *d, unsigned int type)
{
	struct vfio_psim_irqs *irqs = irq_data_get_irq_chip_data(d);
	unsigned int wired = vfio_psim_irq_type(irqs, irqd_to_hwirq(d));

	/*
	 * The wiring is fixed when the device is made. An untyped line is an
	 * edge line whose type firmware did not describe: a driver may say so.
	 */
	if (type == wired ||
	    (wired == IRQ_TYPE_NONE && type == IRQ_TYPE_EDGE_RISING))
		return IRQ_SET_MASK_OK;
	return -EINVAL;
}

static struct irq_chip vfio_psim_irq_chip = {
	.name = "vfio-psim",
	/* Wake-up settings succeed without a callback: no line wakes anything. */
	.flags = IRQCHIP_SKIP_SET_WAKE,
	/* Masking is the controller's; acking is done in the device. */
	.irq_mask = vfio_psim_irq_mask,
	.irq_unmask = vfio_psim_irq_unmask,
	.irq_ack = vfio_psim_irq_ack_chip,
	/* A line takes only the trigger its configuration wired. */
	.irq_set_type = vfio_psim_irq_set_type,
};

static int vfio_psim_irq_map(struct irq_domain *domain, unsigned int virq,
			     irq_hw_number_t hwirq)
{
	struct vfio_psim_irqs *irqs = domain->host_data;
	unsigned int type = vfio_psim_irq_type(irqs, hwirq);

	irq_set_chip_data(virq, irqs);
	irq_set_chip_and_handler(virq, &vfio_psim_irq_chip,
				 type == IRQ_TYPE_LEVEL_HIGH ?
				 handle_level_irq : handle_edge_irq);
	/* An untyped line keeps IRQ_TYPE_NONE, as firmware left it. */
	if (type != IRQ_TYPE_NONE)
		irqd_set_trigger_type(irq_get_irq_data(virq), type);
	return 0;
}

static void vfio_psim_irq_unmap(struct irq_domain *domain, unsigned int virq)
{
	irq_set_chip_and_handler(virq, NULL, NULL);
	irq_set_chip_data(virq, NULL);
}

static const struct irq_domain_ops vfio_psim_irq_domain_ops = {
	.map = vfio_psim_irq_map,
	.unmap = vfio_psim_irq_unmap,
	.xlate = irq_domain_xlate_onecell,
};

/**
 * vfio_psim_irq_init() - make the interrupt lines of a device
 * @irqs: the lines, zeroed
 * @name: name of the IRQ domain
 * @num: number of lines, at most VFIO_PSIM_MAX_IRQS
 * @level: bit n set: line n is level-triggered
 * @untyped: bit n set: line n, not level-triggered, has no trigger type in
 *	Linux (IRQ_TYPE_NONE) and is delivered as an edge
 *
 * Every line gets a Linux interrupt, in @irqs->virq, and starts deasserted
 * and masked.
 *
 * Return: 0 or a negative errno.
 */
int vfio_psim_irq_init(struct vfio_psim_irqs *irqs, const char *name,
		       unsigned int num, u32 level, u32 untyped)
{
	unsigned int i;
	int ret;

	irqs->num = num;
	irqs->level = level;
	irqs->untyped = untyped & ~level;
	irqs->masked = ~0U;
	raw_spin_lock_init(&irqs->lock);
	irqs->work = IRQ_WORK_INIT_HARD(vfio_psim_irq_deliver);
	if (!num)
		return 0;

	irqs->fwnode = irq_domain_alloc_named_fwnode(name);
	if (!irqs->fwnode)
		return -ENOMEM;

	irqs->domain = irq_domain_create_linear(irqs->fwnode, num,
						&vfio_psim_irq_domain_ops, irqs);
	if (!irqs->domain) {
		ret = -ENOMEM;
		goto err_fwnode;
	}

	for (i = 0; i < num; i++) {
		irqs->virq[i] = irq_create_mapping(irqs->domain, i);
		if (!irqs->virq[i]) {
			ret = -ENOMEM;
			goto err_dispose;
		}
	}
	return 0;

err_dispose:
	while (i--)
		irq_dispose_mapping(irqs->virq[i]);
	irq_domain_remove(irqs->domain);
err_fwnode:
	irq_domain_free_fwnode(irqs->fwnode);
	return ret;
}

/**
 * vfio_psim_irq_fini() - remove the interrupt lines of a device
 * @irqs: the lines; no driver has any of them requested
 */
void vfio_psim_irq_fini(struct vfio_psim_irqs *irqs)
{
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	irqs->dead = true;
	raw_spin_unlock_irqrestore(&irqs->lock, flags);
	irq_work_sync(&irqs->work);

	if (!irqs->num)
		return;
	for (i = 0; i < irqs->num; i++)
		irq_dispose_mapping(irqs->virq[i]);
	irq_domain_remove(irqs->domain);
	irq_domain_free_fwnode(irqs->fwnode);
}

/**
 * vfio_psim_irq_raise() - the device signals interrupts
 * @irqs: its lines
 * @lines: bit n set: raise line n; bits of lines it lacks are ignored
 *
 * Level lines stay asserted until vfio_psim_irq_ack(); edge lines are
 * latched in the status only for software to see.
 */
void vfio_psim_irq_raise(struct vfio_psim_irqs *irqs, u32 lines)
{
	unsigned long flags;
	u32 edges;

	if (!irqs->num)
		return;
	lines &= (u32)GENMASK(irqs->num - 1, 0);
	if (!lines)
		return;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	irqs->asserted |= lines;
	edges = lines & ~irqs->level & ~irqs->masked;
	irqs->edges |= edges;
	vfio_psim_irq_queue(irqs, (lines & irqs->level & ~irqs->masked) | edges);
	raw_spin_unlock_irqrestore(&irqs->lock, flags);
}

/**
 * vfio_psim_irq_ack() - software acks interrupts in the device's registers
 * @irqs: the device's lines
 * @lines: bit n set: deassert line n
 */
void vfio_psim_irq_ack(struct vfio_psim_irqs *irqs, u32 lines)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	irqs->asserted &= ~lines;
	raw_spin_unlock_irqrestore(&irqs->lock, flags);
}

/**
 * vfio_psim_irq_status() - the lines the device asserts
 * @irqs: its lines
 *
 * Return: bit n set: line n is asserted (IRQ_STATUS).
 */
u32 vfio_psim_irq_status(struct vfio_psim_irqs *irqs)
{
	unsigned long flags;
	u32 status;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	status = irqs->asserted;
	raw_spin_unlock_irqrestore(&irqs->lock, flags);
	return status;
}

/**
 * vfio_psim_irq_reset() - the device is reset: every line is deasserted
 * @irqs: its lines
 *
 * Edges raised and not yet delivered are dropped too; the mask state belongs
 * to the interrupt controller and stays.
 */
void vfio_psim_irq_reset(struct vfio_psim_irqs *irqs)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	irqs->asserted = 0;
	irqs->edges = 0;
	raw_spin_unlock_irqrestore(&irqs->lock, flags);
	atomic_set(&irqs->delivered, 0);
}

/**
 * vfio_psim_irq_show() - print the state of each line for debugfs
 * @s: where to print
 * @irqs: the lines
 *
 * One line per interrupt: its number, Linux interrupt, how it is wired,
 * whether it is asserted, whether it is masked at the controller, and the
 * trigger type Linux has for it.
 */
void vfio_psim_irq_show(struct seq_file *s, struct vfio_psim_irqs *irqs)
{
	u32 asserted, masked;
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&irqs->lock, flags);
	asserted = irqs->asserted;
	masked = irqs->masked;
	raw_spin_unlock_irqrestore(&irqs->lock, flags);

	for (i = 0; i < irqs->num; i++)
		seq_printf(s, "%u irq=%u %s %s %s type=%#x\n", i, irqs->virq[i],
			   irqs->level & BIT(i) ? "level" :
			   irqs->untyped & BIT(i) ? "none" : "edge",
			   asserted & BIT(i) ? "asserted" : "deasserted",
			   masked & BIT(i) ? "masked" : "unmasked",
			   irq_get_trigger_type(irqs->virq[i]));
}
