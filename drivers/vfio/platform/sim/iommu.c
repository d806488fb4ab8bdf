// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: the software IOMMU.
 *
 * It translates for the simulated devices and for real devices named in the
 * claim= parameter. Devices bound to host drivers run in a static identity
 * domain; VFIO and iommufd get paging domains whose page tables record every
 * mapping with the exact protection it was made with, so that tests can see
 * what type1 and iommufd asked for and the simulated DMA engine can fault the
 * way hardware does. What the IOMMU reports (IOMMU_CAP_NOEXEC,
 * IOMMU_CAP_CACHE_COHERENCY, an MSI reserved region) and whether a paging
 * domain can serve more than one IOMMU group are set through debugfs, where
 * the page tables and a history of attaches can be read as well.
 *
 * It also stands for the platform's MSI controller: one that does not isolate
 * MSIs, as GICv2m does not. A device probed while the msi_devices knob is set
 * gets its interrupt domain as MSI domain, as if firmware had named the
 * controller its msi-parent, so that type1 counts it as able to issue MSIs.
 * Nothing allocates MSIs from it: whether the MSI layer could map a doorbell
 * for a device is what a domain's MSI cookie tells, and debugfs shows it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/panic.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "vfio_platform_sim.h"

static char *vfio_psim_claim;
module_param_named(claim, vfio_psim_claim, charp, 0444);
MODULE_PARM_DESC(claim, "Comma-separated names of real devices to translate for, e.g. 9010000.pl031");

/*
 * A paging domain keeps one xarray value per IO page it maps, at the index of
 * the page's first 4 KiB: bits 5:0 hold the IOMMU_* protection exactly as it
 * was mapped, bits 7:6 the page size as an index in vfio_psim_pgshift[], the
 * bits above the physical address in 4 KiB units.
 */
#define VFIO_PSIM_IO_SHIFT	12
#define VFIO_PSIM_PTE_PROT	GENMASK(5, 0)
#define VFIO_PSIM_PTE_SIZE	GENMASK(7, 6)
#define VFIO_PSIM_PTE_PFN_SHIFT	8
#define VFIO_PSIM_PGSIZES	(SZ_4K | SZ_2M | SZ_1G)
#define VFIO_PSIM_IOVA_BITS	48

static const unsigned int vfio_psim_pgshift[] = { 12, 21, 30 };

static_assert((IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | IOMMU_NOEXEC |
	       IOMMU_MMIO | IOMMU_PRIV) == VFIO_PSIM_PTE_PROT);

/* What the history and debugfs call domains that have no number. */
#define VFIO_PSIM_DOMAIN_NONE		0
#define VFIO_PSIM_DOMAIN_IDENTITY	UINT_MAX
#define VFIO_PSIM_DOMAIN_BLOCKED	(UINT_MAX - 1)

/*
 * The MSI windows get_resv_regions() can report: where Arm SMMU drivers put
 * their software-managed one, and where x86 decodes MSI writes.
 */
enum vfio_psim_msi {
	VFIO_PSIM_MSI_NONE,
	VFIO_PSIM_MSI_SW,
	VFIO_PSIM_MSI_HW,
};

static const char * const vfio_psim_msi_names[] = {
	[VFIO_PSIM_MSI_NONE] = "none",
	[VFIO_PSIM_MSI_SW] = "sw_msi",
	[VFIO_PSIM_MSI_HW] = "msi",
};

#define VFIO_PSIM_SW_MSI_BASE	0x08000000
#define VFIO_PSIM_HW_MSI_BASE	0xfee00000
#define VFIO_PSIM_MSI_SIZE	SZ_1M

enum vfio_psim_event_type {
	VFIO_PSIM_EV_PROBE,
	VFIO_PSIM_EV_RELEASE,
	VFIO_PSIM_EV_ALLOC,
	VFIO_PSIM_EV_FREE,
	VFIO_PSIM_EV_ATTACH,
};

static const char * const vfio_psim_event_names[] = {
	[VFIO_PSIM_EV_PROBE] = "probe",
	[VFIO_PSIM_EV_RELEASE] = "release",
	[VFIO_PSIM_EV_ALLOC] = "alloc",
	[VFIO_PSIM_EV_FREE] = "free",
	[VFIO_PSIM_EV_ATTACH] = "attach",
};

/* The history keeps the newest events; the sequence numbers show any gap. */
#define VFIO_PSIM_HISTORY_LEN	1024

struct vfio_psim_event {
	u64 seq;
	enum vfio_psim_event_type type;
	unsigned int from;
	unsigned int to;
	char dev[48];
};

/**
 * struct vfio_psim_iommu_group - an IOMMU group devices join by name
 * @node: entry in the IOMMU's list of named groups
 * @group: the group; this structure holds a reference
 * @users: devices probed into the group
 * @name: the name, also the group's sysfs name attribute
 */
struct vfio_psim_iommu_group {
	struct list_head node;
	struct iommu_group *group;
	unsigned int users;
	char name[];
};

/**
 * struct vfio_psim_domain - a paging domain
 * @domain: the core's view
 * @ptes: the page table; its lock serialises map and unmap, and the DMA
 *	engine holds it while it accesses memory through a mapping, so that a
 *	page is never touched after unmap_pages() returned
 * @id: the domain's number in debugfs and in the history
 * @noexec: whether IOMMU_NOEXEC is enforced: the IOMMU reported
 *	IOMMU_CAP_NOEXEC when the domain was allocated
 * @users: devices attached, under the IOMMU's attach_lock
 * @group: the IOMMU group of the devices attached, under the IOMMU's
 *	attach_lock; only compared, as an attached device holds it
 * @dentry: the domain's file in debugfs
 * @msi_dentry: the domain's file in the debugfs msi_cookies/ directory
 */
struct vfio_psim_domain {
	struct iommu_domain domain;
	struct xarray ptes;
	unsigned int id;
	bool noexec;
	unsigned int users;
	const struct iommu_group *group;
	struct dentry *dentry;
	struct dentry *msi_dentry;
};

struct vfio_psim_pte {
	u64 iova;
	u64 size;
	phys_addr_t phys;
	int prot;
};

/**
 * struct vfio_psim_iommu - the IOMMU
 * @iommu: the core's view
 * @groups_lock: see beside it
 * @groups: named groups that have devices
 * @noexec: report IOMMU_CAP_NOEXEC and enforce IOMMU_NOEXEC
 * @cache_coherency: report IOMMU_CAP_CACHE_COHERENCY
 * @msi: the MSI window get_resv_regions() reports
 * @separate_domains: refuse to attach a device to a paging domain that serves
 *	another IOMMU group
 * @msi_devices: give simulated devices probed from now on @msi_domain
 * @msi_domain: the interrupt domain of the MSI controller that does not
 *	isolate MSIs
 * @attach_lock: see beside it
 * @domain_ids: the number of the newest paging domain
 * @dir: debugfs directory
 * @domains: debugfs directory of the paging domains
 * @msi_cookies: debugfs directory of the paging domains' MSI cookies
 * @devices: debugfs directory of the devices
 * @history_lock: see beside it
 * @history: ring of the newest events
 * @history_first: index of the oldest event in @history
 * @history_len: events in @history
 * @seq: sequence number of the newest event
 */
struct vfio_psim_iommu {
	struct iommu_device iommu;
	/* Protects @groups and the users count of each entry. */
	struct mutex groups_lock;
	struct list_head groups;
	bool noexec;
	bool cache_coherency;
	enum vfio_psim_msi msi;
	bool separate_domains;
	bool msi_devices;
	struct irq_domain *msi_domain;
	/* Protects the users and group of every paging domain. */
	spinlock_t attach_lock;
	atomic_t domain_ids;
	struct dentry *dir;
	struct dentry *domains;
	struct dentry *msi_cookies;
	struct dentry *devices;
	/* Protects @history, @history_first, @history_len and @seq. */
	spinlock_t history_lock;
	struct vfio_psim_event *history;
	unsigned int history_first;
	unsigned int history_len;
	u64 seq;
};

static struct vfio_psim_iommu vfio_psim_iommu = {
	.groups_lock = __MUTEX_INITIALIZER(vfio_psim_iommu.groups_lock),
	.groups = LIST_HEAD_INIT(vfio_psim_iommu.groups),
	.noexec = true,
	.cache_coherency = true,
	.attach_lock = __SPIN_LOCK_UNLOCKED(vfio_psim_iommu.attach_lock),
	.history_lock = __SPIN_LOCK_UNLOCKED(vfio_psim_iommu.history_lock),
};

static const struct iommu_ops vfio_psim_iommu_ops;
static const struct iommu_domain_ops vfio_psim_paging_ops;
static struct iommu_domain vfio_psim_identity_domain;
static struct iommu_domain vfio_psim_blocked_domain;

static struct vfio_psim_domain *to_vfio_psim_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct vfio_psim_domain, domain);
}

static unsigned int vfio_psim_domain_id(struct iommu_domain *domain)
{
	if (!domain)
		return VFIO_PSIM_DOMAIN_NONE;
	if (domain == &vfio_psim_identity_domain)
		return VFIO_PSIM_DOMAIN_IDENTITY;
	if (domain == &vfio_psim_blocked_domain)
		return VFIO_PSIM_DOMAIN_BLOCKED;
	return to_vfio_psim_domain(domain)->id;
}

static void vfio_psim_seq_domain(struct seq_file *s, unsigned int id)
{
	switch (id) {
	case VFIO_PSIM_DOMAIN_NONE:
		seq_puts(s, "none");
		break;
	case VFIO_PSIM_DOMAIN_IDENTITY:
		seq_puts(s, "identity");
		break;
	case VFIO_PSIM_DOMAIN_BLOCKED:
		seq_puts(s, "blocked");
		break;
	default:
		seq_printf(s, "%u", id);
		break;
	}
}

static void vfio_psim_log(enum vfio_psim_event_type type, struct device *dev,
			  unsigned int from, unsigned int to)
{
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;
	struct vfio_psim_event *ev;

	spin_lock(&sim->history_lock);
	if (sim->history_len == VFIO_PSIM_HISTORY_LEN) {
		sim->history_first = (sim->history_first + 1) % VFIO_PSIM_HISTORY_LEN;
		sim->history_len--;
	}
	ev = &sim->history[(sim->history_first + sim->history_len) %
			   VFIO_PSIM_HISTORY_LEN];
	sim->history_len++;
	ev->seq = ++sim->seq;
	ev->type = type;
	ev->from = from;
	ev->to = to;
	strscpy(ev->dev, dev ? dev_name(dev) : "-");
	spin_unlock(&sim->history_lock);
}

static int vfio_psim_history_show(struct seq_file *s, void *unused)
{
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;
	struct vfio_psim_event *ev;
	unsigned int i;

	spin_lock(&sim->history_lock);
	for (i = 0; i < sim->history_len; i++) {
		ev = &sim->history[(sim->history_first + i) % VFIO_PSIM_HISTORY_LEN];
		seq_printf(s, "%llu %s ", ev->seq, vfio_psim_event_names[ev->type]);
		switch (ev->type) {
		case VFIO_PSIM_EV_PROBE:
		case VFIO_PSIM_EV_RELEASE:
			seq_puts(s, ev->dev);
			break;
		case VFIO_PSIM_EV_ALLOC:
		case VFIO_PSIM_EV_FREE:
			vfio_psim_seq_domain(s, ev->to);
			break;
		case VFIO_PSIM_EV_ATTACH:
			seq_printf(s, "%s ", ev->dev);
			vfio_psim_seq_domain(s, ev->from);
			seq_putc(s, ' ');
			vfio_psim_seq_domain(s, ev->to);
			break;
		}
		seq_putc(s, '\n');
	}
	spin_unlock(&sim->history_lock);
	return 0;
}

static int vfio_psim_history_open(struct inode *inode, struct file *file)
{
	return single_open(file, vfio_psim_history_show, inode->i_private);
}

/* Any write empties the history; the sequence numbers go on. */
static ssize_t vfio_psim_history_write(struct file *file, const char __user *buf,
				       size_t count, loff_t *ppos)
{
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;

	spin_lock(&sim->history_lock);
	sim->history_first = 0;
	sim->history_len = 0;
	spin_unlock(&sim->history_lock);
	return count;
}

static const struct file_operations vfio_psim_history_fops = {
	.owner = THIS_MODULE,
	.open = vfio_psim_history_open,
	.read = seq_read,
	.write = vfio_psim_history_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int vfio_psim_msi_show(struct seq_file *s, void *unused)
{
	seq_printf(s, "%s\n", vfio_psim_msi_names[READ_ONCE(vfio_psim_iommu.msi)]);
	return 0;
}

static int vfio_psim_msi_open(struct inode *inode, struct file *file)
{
	return single_open(file, vfio_psim_msi_show, inode->i_private);
}

static ssize_t vfio_psim_msi_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char buf[16];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	ret = sysfs_match_string(vfio_psim_msi_names, buf);
	if (ret < 0)
		return ret;
	WRITE_ONCE(vfio_psim_iommu.msi, ret);
	return count;
}

static const struct file_operations vfio_psim_msi_fops = {
	.owner = THIS_MODULE,
	.open = vfio_psim_msi_open,
	.read = seq_read,
	.write = vfio_psim_msi_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * vfio_psim_iommu_show_domain() - print the domain a device translates through
 * @s: where to print
 * @mdev: the device
 *
 * Prints a paging domain's number, or "identity", "blocked" or "none" (not
 * attached yet, or released), and a newline.
 */
void vfio_psim_iommu_show_domain(struct seq_file *s,
				 struct vfio_psim_iommu_dev *mdev)
{
	unsigned int id;

	spin_lock(&mdev->lock);
	id = mdev->domain_id;
	spin_unlock(&mdev->lock);

	vfio_psim_seq_domain(s, id);
	seq_putc(s, '\n');
}

static int vfio_psim_dev_domain_show(struct seq_file *s, void *unused)
{
	vfio_psim_iommu_show_domain(s, s->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_psim_dev_domain);

static void vfio_psim_pte_decode(unsigned long index, void *entry,
				 struct vfio_psim_pte *pte)
{
	unsigned long v = xa_to_value(entry);

	pte->iova = (u64)index << VFIO_PSIM_IO_SHIFT;
	pte->size = 1ULL << vfio_psim_pgshift[FIELD_GET(VFIO_PSIM_PTE_SIZE, v)];
	pte->phys = (phys_addr_t)(v >> VFIO_PSIM_PTE_PFN_SHIFT) << VFIO_PSIM_IO_SHIFT;
	pte->prot = FIELD_GET(VFIO_PSIM_PTE_PROT, v);
}

/* The entry mapping @iova, whatever its page size. */
static bool vfio_psim_lookup(struct vfio_psim_domain *pdom, u64 iova,
			     struct vfio_psim_pte *pte)
{
	unsigned long index;
	unsigned int i;
	void *entry;

	if (iova >> VFIO_PSIM_IOVA_BITS)
		return false;

	for (i = 0; i < ARRAY_SIZE(vfio_psim_pgshift); i++) {
		index = (iova >> vfio_psim_pgshift[i]) <<
			(vfio_psim_pgshift[i] - VFIO_PSIM_IO_SHIFT);
		entry = xa_load(&pdom->ptes, index);
		if (entry &&
		    FIELD_GET(VFIO_PSIM_PTE_SIZE, xa_to_value(entry)) == i) {
			vfio_psim_pte_decode(index, entry, pte);
			return true;
		}
	}
	return false;
}

static const char * const vfio_psim_prot_names[] = {
	"read", "write", "cache", "noexec", "mmio", "priv",
};

static void vfio_psim_pte_show(struct seq_file *s, struct vfio_psim_pte *pte)
{
	const char *sep = " ";
	unsigned int i;

	seq_printf(s, "iova=%#llx size=%#llx phys=%#llx prot=%#x", pte->iova,
		   pte->size, (u64)pte->phys, pte->prot);
	for (i = 0; i < ARRAY_SIZE(vfio_psim_prot_names); i++) {
		if (pte->prot & BIT(i)) {
			seq_printf(s, "%s%s", sep, vfio_psim_prot_names[i]);
			sep = ",";
		}
	}
	seq_putc(s, '\n');
}

/*
 * One line per run of IO pages that are contiguous in IOVA and in physical
 * memory and have the same protection.
 */
static int vfio_psim_domain_show(struct seq_file *s, void *unused)
{
	struct vfio_psim_domain *pdom = s->private;
	struct vfio_psim_pte run = {}, pte;
	unsigned long index;
	void *entry;

	xa_for_each(&pdom->ptes, index, entry) {
		vfio_psim_pte_decode(index, entry, &pte);
		if (run.size && run.iova + run.size == pte.iova &&
		    run.phys + run.size == pte.phys && run.prot == pte.prot) {
			run.size += pte.size;
			continue;
		}
		if (run.size)
			vfio_psim_pte_show(s, &run);
		run = pte;
	}
	if (run.size)
		vfio_psim_pte_show(s, &run);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_psim_domain);

/*
 * Whether the domain has an MSI cookie: only then does the MSI layer map the
 * doorbell of an MSI it gives a device attached to the domain. Without one,
 * the device's MSI writes go untranslated to an IOVA nothing maps.
 */
static int vfio_psim_msi_cookie_show(struct seq_file *s, void *unused)
{
	struct vfio_psim_domain *pdom = s->private;

	seq_printf(s, "%c\n", READ_ONCE(pdom->domain.iova_cookie) ? 'Y' : 'N');
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vfio_psim_msi_cookie);

static struct vfio_psim_domain *vfio_psim_paging(struct iommu_domain *domain)
{
	if (!domain || domain->ops != &vfio_psim_paging_ops)
		return NULL;
	return to_vfio_psim_domain(domain);
}

/*
 * Counts the devices of each paging domain, so that separate_domains can
 * behave like IOMMUs whose domains cannot be shared: attaching a second group
 * fails with -EINVAL, the error that makes VFIO and iommufd allocate the group
 * a domain of its own and replay their mappings into it.
 */
static int vfio_psim_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct vfio_psim_iommu_dev *mdev = dev_iommu_priv_get(dev);
	struct vfio_psim_domain *pto = vfio_psim_paging(domain), *pfrom;
	unsigned int from, to = vfio_psim_domain_id(domain);
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;
	struct iommu_group *group;
	int ret = 0;

	group = iommu_group_get(dev);

	spin_lock(&sim->attach_lock);
	if (pto && pto->users && pto->group != group &&
	    READ_ONCE(sim->separate_domains)) {
		ret = -EINVAL;
		goto out_unlock;
	}

	spin_lock(&mdev->lock);
	pfrom = vfio_psim_paging(mdev->domain);
	from = mdev->domain_id;
	mdev->domain = domain;
	mdev->domain_id = to;
	spin_unlock(&mdev->lock);

	if (pfrom && !--pfrom->users)
		pfrom->group = NULL;
	if (pto) {
		pto->users++;
		pto->group = group;
	}
out_unlock:
	spin_unlock(&sim->attach_lock);
	iommu_group_put(group);

	if (!ret)
		vfio_psim_log(VFIO_PSIM_EV_ATTACH, dev, from, to);
	return ret;
}

static const struct iommu_domain_ops vfio_psim_static_ops = {
	.attach_dev = vfio_psim_attach_dev,
};

static struct iommu_domain vfio_psim_identity_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &vfio_psim_static_ops,
};

static struct iommu_domain vfio_psim_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &vfio_psim_static_ops,
};

static struct iommu_domain *vfio_psim_domain_alloc_paging(struct device *dev)
{
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;
	struct vfio_psim_domain *pdom;
	char name[16];

	pdom = kzalloc(sizeof(*pdom), GFP_KERNEL);
	if (!pdom)
		return ERR_PTR(-ENOMEM);

	xa_init(&pdom->ptes);
	pdom->id = atomic_inc_return(&sim->domain_ids);
	pdom->noexec = READ_ONCE(sim->noexec);
	pdom->domain.ops = &vfio_psim_paging_ops;
	pdom->domain.pgsize_bitmap = VFIO_PSIM_PGSIZES;
	pdom->domain.geometry.aperture_start = 0;
	pdom->domain.geometry.aperture_end = BIT_ULL(VFIO_PSIM_IOVA_BITS) - 1;
	pdom->domain.geometry.force_aperture = true;

	snprintf(name, sizeof(name), "%u", pdom->id);
	pdom->dentry = debugfs_create_file(name, 0444, sim->domains, pdom,
					   &vfio_psim_domain_fops);
	pdom->msi_dentry = debugfs_create_file(name, 0444, sim->msi_cookies,
					       pdom, &vfio_psim_msi_cookie_fops);
	vfio_psim_log(VFIO_PSIM_EV_ALLOC, NULL, VFIO_PSIM_DOMAIN_NONE, pdom->id);
	return &pdom->domain;
}

static void vfio_psim_domain_free(struct iommu_domain *domain)
{
	struct vfio_psim_domain *pdom = to_vfio_psim_domain(domain);

	/* Waits for readers of the files, which walk the page table. */
	debugfs_remove(pdom->dentry);
	debugfs_remove(pdom->msi_dentry);
	vfio_psim_log(VFIO_PSIM_EV_FREE, NULL, VFIO_PSIM_DOMAIN_NONE, pdom->id);
	xa_destroy(&pdom->ptes);
	kfree(pdom);
}

/* Called with the page table locked. */
static bool vfio_psim_range_used(struct vfio_psim_domain *pdom, u64 iova, u64 size)
{
	unsigned long first = iova >> VFIO_PSIM_IO_SHIFT;
	unsigned long last = (iova + size - 1) >> VFIO_PSIM_IO_SHIFT;
	struct vfio_psim_pte pte;

	/* Entries are aligned to their size: one that overlaps and starts first covers @iova. */
	return vfio_psim_lookup(pdom, iova, &pte) ||
	       xa_find(&pdom->ptes, &first, last, XA_PRESENT);
}

static int vfio_psim_map_one(struct vfio_psim_domain *pdom, u64 iova,
			     phys_addr_t paddr, unsigned int size_idx, int prot,
			     gfp_t gfp)
{
	unsigned long v;
	void *old;
	int ret = 0;

	v = (unsigned long)(paddr >> VFIO_PSIM_IO_SHIFT) << VFIO_PSIM_PTE_PFN_SHIFT |
	    FIELD_PREP(VFIO_PSIM_PTE_SIZE, size_idx) |
	    FIELD_PREP(VFIO_PSIM_PTE_PROT, prot & VFIO_PSIM_PTE_PROT);

	xa_lock(&pdom->ptes);
	if (vfio_psim_range_used(pdom, iova, BIT_ULL(vfio_psim_pgshift[size_idx]))) {
		ret = -EEXIST;
	} else {
		old = __xa_store(&pdom->ptes, iova >> VFIO_PSIM_IO_SHIFT,
				 xa_mk_value(v), gfp);
		ret = xa_err(old);
	}
	xa_unlock(&pdom->ptes);
	return ret;
}

static int vfio_psim_map_pages(struct iommu_domain *domain, unsigned long iova,
			       phys_addr_t paddr, size_t pgsize, size_t pgcount,
			       int prot, gfp_t gfp, size_t *mapped)
{
	struct vfio_psim_domain *pdom = to_vfio_psim_domain(domain);
	unsigned int size_idx;
	int ret = 0;

	for (size_idx = 0; size_idx < ARRAY_SIZE(vfio_psim_pgshift); size_idx++)
		if (pgsize == BIT_ULL(vfio_psim_pgshift[size_idx]))
			break;
	if (size_idx == ARRAY_SIZE(vfio_psim_pgshift) ||
	    !IS_ALIGNED(iova | paddr, pgsize) ||
	    (iova + pgsize * pgcount - 1) >> VFIO_PSIM_IOVA_BITS)
		return -EINVAL;

	while (pgcount--) {
		ret = vfio_psim_map_one(pdom, iova, paddr, size_idx, prot, gfp);
		if (ret)
			break;
		iova += pgsize;
		paddr += pgsize;
		*mapped += pgsize;
	}
	return ret;
}

/*
 * Unmaps the entries that start inside the range, in order, and stops at a
 * hole or at an entry that starts before its IOVA: a page is never split. An
 * entry bigger than what was asked for goes whole, as on x86 IOMMUs.
 */
static size_t vfio_psim_unmap_pages(struct iommu_domain *domain,
				    unsigned long iova, size_t pgsize,
				    size_t pgcount,
				    struct iommu_iotlb_gather *gather)
{
	struct vfio_psim_domain *pdom = to_vfio_psim_domain(domain);
	u64 end = iova + pgsize * pgcount;
	struct vfio_psim_pte pte;
	size_t unmapped = 0;
	u64 cur = iova;

	while (cur < end) {
		xa_lock(&pdom->ptes);
		if (!vfio_psim_lookup(pdom, cur, &pte) || pte.iova != cur) {
			xa_unlock(&pdom->ptes);
			break;
		}
		__xa_erase(&pdom->ptes, cur >> VFIO_PSIM_IO_SHIFT);
		xa_unlock(&pdom->ptes);
		unmapped += pte.size;
		cur += pte.size;
	}
	return unmapped;
}

static phys_addr_t vfio_psim_iova_to_phys(struct iommu_domain *domain,
					  dma_addr_t iova)
{
	struct vfio_psim_domain *pdom = to_vfio_psim_domain(domain);
	struct vfio_psim_pte pte;

	if (!vfio_psim_lookup(pdom, iova, &pte))
		return 0;
	return pte.phys + (iova - pte.iova);
}

static const struct iommu_domain_ops vfio_psim_paging_ops = {
	.attach_dev = vfio_psim_attach_dev,
	.map_pages = vfio_psim_map_pages,
	.unmap_pages = vfio_psim_unmap_pages,
	.iova_to_phys = vfio_psim_iova_to_phys,
	.free = vfio_psim_domain_free,
};

/* The fault an access of kind @access meets in a mapping with protection @prot. */
static int vfio_psim_check_prot(struct vfio_psim_domain *pdom, int prot,
				unsigned int access)
{
	switch (access) {
	case VFIO_PSIM_ACCESS_WRITE:
		return prot & IOMMU_WRITE ? 0 : VFIO_PSIM_FAULT_WRITE;
	case VFIO_PSIM_ACCESS_FETCH:
		if (!(prot & IOMMU_READ))
			return VFIO_PSIM_FAULT_READ;
		return pdom->noexec && (prot & IOMMU_NOEXEC) ? VFIO_PSIM_FAULT_EXEC : 0;
	default:
		return prot & IOMMU_READ ? 0 : VFIO_PSIM_FAULT_READ;
	}
}

/**
 * vfio_psim_iommu_rw() - a DMA access of a simulated device
 * @mdev: the device
 * @iova: the address the device puts on the bus
 * @buf: bytes to write, or room for the bytes read
 * @len: bytes to move
 * @access: a VFIO_PSIM_ACCESS_* kind: data read, data write or instruction
 *	fetch (a read of @buf's size)
 * @done: set to the bytes moved before a fault
 * @fault_iova: set to the IOVA of the access that faulted
 *
 * Translates through the domain the device is attached to at the time of the
 * call, page by page, and checks every page's protection before it touches
 * memory. The domain cannot change and no page can be unmapped during the
 * call; @len should be small, as the call holds spinlocks.
 *
 * Return: 0, or the VFIO_PSIM_FAULT_* code of the first access that failed.
 */
int vfio_psim_iommu_rw(struct vfio_psim_iommu_dev *mdev, u64 iova, void *buf,
		       size_t len, unsigned int access, size_t *done,
		       u64 *fault_iova)
{
	struct vfio_psim_domain *pdom;
	struct vfio_psim_pte pte;
	phys_addr_t pa;
	int fault = 0;
	size_t n;

	*done = 0;
	spin_lock(&mdev->lock);
	if (!mdev->domain || mdev->domain->ops != &vfio_psim_paging_ops) {
		*fault_iova = iova;
		spin_unlock(&mdev->lock);
		return VFIO_PSIM_FAULT_BLOCKED;
	}
	pdom = to_vfio_psim_domain(mdev->domain);

	xa_lock(&pdom->ptes);
	while (len) {
		if (!vfio_psim_lookup(pdom, iova, &pte)) {
			fault = VFIO_PSIM_FAULT_UNMAPPED;
			break;
		}
		fault = vfio_psim_check_prot(pdom, pte.prot, access);
		if (fault)
			break;

		pa = pte.phys + (iova - pte.iova);
		n = min3(len, pte.iova + pte.size - iova,
			 PAGE_SIZE - offset_in_page(pa));
		if (vfio_psim_phys_rw(pa, buf, n, access == VFIO_PSIM_ACCESS_WRITE)) {
			fault = VFIO_PSIM_FAULT_BUS;
			break;
		}
		iova += n;
		buf += n;
		len -= n;
		*done += n;
	}
	xa_unlock(&pdom->ptes);
	spin_unlock(&mdev->lock);

	if (fault)
		*fault_iova = iova;
	return fault;
}

static bool vfio_psim_capable(struct device *dev, enum iommu_cap cap)
{
	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		return READ_ONCE(vfio_psim_iommu.cache_coherency);
	case IOMMU_CAP_NOEXEC:
		return READ_ONCE(vfio_psim_iommu.noexec);
	default:
		return false;
	}
}

static bool vfio_psim_claimed(struct device *dev)
{
	const char *name = dev_name(dev);
	size_t len = strlen(name);
	const char *p, *end;

	for (p = vfio_psim_claim; p && *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		if (end - p == len && !strncmp(p, name, len))
			return true;
	}
	return false;
}

static struct vfio_psim_iommu_group *vfio_psim_group_get(const char *name)
{
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;
	struct vfio_psim_iommu_group *g;
	size_t len = strlen(name) + 1;
	int ret;

	mutex_lock(&sim->groups_lock);
	list_for_each_entry(g, &sim->groups, node) {
		if (!strcmp(g->name, name)) {
			g->users++;
			goto out_unlock;
		}
	}

	g = kzalloc(struct_size(g, name, len), GFP_KERNEL);
	if (!g) {
		g = ERR_PTR(-ENOMEM);
		goto out_unlock;
	}
	memcpy(g->name, name, len);

	g->group = iommu_group_alloc();
	if (IS_ERR(g->group)) {
		ret = PTR_ERR(g->group);
		goto err_free;
	}
	ret = iommu_group_set_name(g->group, name);
	if (ret)
		goto err_put;
	g->users = 1;
	list_add_tail(&g->node, &sim->groups);
	goto out_unlock;

err_put:
	iommu_group_put(g->group);
err_free:
	kfree(g);
	g = ERR_PTR(ret);
out_unlock:
	mutex_unlock(&sim->groups_lock);
	return g;
}

static void vfio_psim_group_put(struct vfio_psim_iommu_group *g)
{
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;

	mutex_lock(&sim->groups_lock);
	if (--g->users) {
		mutex_unlock(&sim->groups_lock);
		return;
	}
	list_del(&g->node);
	mutex_unlock(&sim->groups_lock);

	/* The core still holds the releasing device's reference. */
	iommu_group_put(g->group);
	kfree(g);
}

static struct iommu_device *vfio_psim_probe_device(struct device *dev)
{
	struct vfio_psim_dev *sdev = vfio_psim_dev_from_device(dev);
	struct vfio_psim_iommu_dev *mdev;
	const char *group = NULL;
	int ret;

	if (sdev) {
		mdev = &sdev->iommu;
		mdev->allocated = false;
		group = sdev->group;
		if (READ_ONCE(vfio_psim_iommu.msi_devices))
			dev_set_msi_domain(dev, vfio_psim_iommu.msi_domain);
	} else if (vfio_psim_claimed(dev)) {
		/*
		 * Its driver bound without an IOMMU group and so took no DMA
		 * ownership: its unbind would release ownership it never held.
		 */
		if (dev->driver) {
			dev_warn(dev, "not claimed: bound to %s; unbind it before loading %s\n",
				 dev->driver->name, KBUILD_MODNAME);
			return ERR_PTR(-EBUSY);
		}
		mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
		if (!mdev)
			return ERR_PTR(-ENOMEM);
		mdev->allocated = true;
		dev_warn(dev, "claimed by %s: it gets an IOMMU group, but its DMA is not translated\n",
			 KBUILD_MODNAME);
	} else {
		return ERR_PTR(-ENODEV);
	}

	mdev->dev = dev;
	spin_lock_init(&mdev->lock);
	mdev->domain = NULL;
	mdev->domain_id = VFIO_PSIM_DOMAIN_NONE;
	mdev->group = NULL;
	if (group && *group) {
		mdev->group = vfio_psim_group_get(group);
		if (IS_ERR(mdev->group)) {
			ret = PTR_ERR(mdev->group);
			goto err_free;
		}
	}

	mdev->dentry = debugfs_create_file(dev_name(dev), 0444,
					   vfio_psim_iommu.devices, mdev,
					   &vfio_psim_dev_domain_fops);
	dev_iommu_priv_set(dev, mdev);
	vfio_psim_log(VFIO_PSIM_EV_PROBE, dev, 0, 0);
	return &vfio_psim_iommu.iommu;

err_free:
	if (mdev->allocated)
		kfree(mdev);
	else
		dev_set_msi_domain(dev, NULL);
	return ERR_PTR(ret);
}

/* The core attached the blocked domain (release_domain) just before. */
static void vfio_psim_release_device(struct device *dev)
{
	struct vfio_psim_iommu_dev *mdev = dev_iommu_priv_get(dev);

	debugfs_remove(mdev->dentry);

	spin_lock(&mdev->lock);
	mdev->domain = NULL;
	mdev->domain_id = VFIO_PSIM_DOMAIN_NONE;
	spin_unlock(&mdev->lock);

	if (mdev->group)
		vfio_psim_group_put(mdev->group);
	if (!mdev->allocated)
		dev_set_msi_domain(dev, NULL);
	vfio_psim_log(VFIO_PSIM_EV_RELEASE, dev, 0, 0);
	if (mdev->allocated)
		kfree(mdev);
}

static struct iommu_group *vfio_psim_device_group(struct device *dev)
{
	struct vfio_psim_iommu_dev *mdev = dev_iommu_priv_get(dev);

	if (mdev->group)
		return iommu_group_ref_get(mdev->group->group);
	return generic_device_group(dev);
}

static void vfio_psim_get_resv_regions(struct device *dev, struct list_head *head)
{
	struct iommu_resv_region *region;
	enum iommu_resv_type type;
	phys_addr_t base;

	switch (READ_ONCE(vfio_psim_iommu.msi)) {
	case VFIO_PSIM_MSI_SW:
		type = IOMMU_RESV_SW_MSI;
		base = VFIO_PSIM_SW_MSI_BASE;
		break;
	case VFIO_PSIM_MSI_HW:
		type = IOMMU_RESV_MSI;
		base = VFIO_PSIM_HW_MSI_BASE;
		break;
	default:
		return;
	}

	region = iommu_alloc_resv_region(base, VFIO_PSIM_MSI_SIZE,
					 IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
					 type, GFP_KERNEL);
	if (region)
		list_add_tail(&region->list, head);
}

/* Nothing maps or allocates interrupts in it: only its presence counts. */
static const struct irq_domain_ops vfio_psim_msi_domain_ops = {};

static int vfio_psim_msi_domain_create(struct vfio_psim_iommu *sim)
{
	struct fwnode_handle *fwnode;

	fwnode = irq_domain_alloc_named_fwnode(VFIO_PSIM_NAME "-msi");
	if (!fwnode)
		return -ENOMEM;
	sim->msi_domain = irq_domain_create_tree(fwnode, &vfio_psim_msi_domain_ops,
						 NULL);
	if (!sim->msi_domain) {
		irq_domain_free_fwnode(fwnode);
		return -ENOMEM;
	}
	return 0;
}

static void vfio_psim_msi_domain_remove(struct vfio_psim_iommu *sim)
{
	struct fwnode_handle *fwnode = sim->msi_domain->fwnode;

	irq_domain_remove(sim->msi_domain);
	irq_domain_free_fwnode(fwnode);
}

static const struct iommu_ops vfio_psim_iommu_ops = {
	.capable = vfio_psim_capable,
	.domain_alloc_paging = vfio_psim_domain_alloc_paging,
	.probe_device = vfio_psim_probe_device,
	.release_device = vfio_psim_release_device,
	.device_group = vfio_psim_device_group,
	.get_resv_regions = vfio_psim_get_resv_regions,
	.default_domain_ops = &vfio_psim_paging_ops,
	.pgsize_bitmap = VFIO_PSIM_PGSIZES,
	.owner = THIS_MODULE,
	.identity_domain = &vfio_psim_identity_domain,
	.blocked_domain = &vfio_psim_blocked_domain,
	.release_domain = &vfio_psim_blocked_domain,
	.default_domain = &vfio_psim_identity_domain,
};

/**
 * vfio_psim_iommu_init() - register the IOMMU
 *
 * Devices present now are probed at once; devices added later are probed
 * by the core's bus notifier when they appear.
 *
 * Return: 0 or a negative errno.
 */
int vfio_psim_iommu_init(void)
{
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;
	int ret;

	sim->history = kcalloc(VFIO_PSIM_HISTORY_LEN, sizeof(*sim->history),
			       GFP_KERNEL);
	if (!sim->history)
		return -ENOMEM;

	/*
	 * VFIO trusts an IOMMU group to confine the device's DMA; a claimed
	 * real device gets one while its DMA still goes straight to memory,
	 * so whoever owns it through VFIO can reach all of memory. Fine for a
	 * test machine, and the kernel log and taint must say it was done.
	 */
	if (vfio_psim_claim && *vfio_psim_claim) {
		pr_warn("claim=%s: for testing only! These devices will look IOMMU-protected to VFIO, but nothing translates their DMA: their VFIO user can read and write all of memory. Each claimed device pins this module until it goes away.\n",
			vfio_psim_claim);
		add_taint(TAINT_TEST, LOCKDEP_STILL_OK);
	}

	sim->dir = debugfs_create_dir("iommu", vfio_psim_debugfs);
	sim->domains = debugfs_create_dir("domains", sim->dir);
	sim->msi_cookies = debugfs_create_dir("msi_cookies", sim->dir);
	sim->devices = debugfs_create_dir("devices", sim->dir);
	debugfs_create_bool("noexec", 0644, sim->dir, &sim->noexec);
	debugfs_create_bool("cache_coherency", 0644, sim->dir,
			    &sim->cache_coherency);
	debugfs_create_bool("separate_domains", 0644, sim->dir,
			    &sim->separate_domains);
	/* Without the MSI layer, a device has no MSI domain to be given. */
	if (IS_ENABLED(CONFIG_GENERIC_MSI_IRQ))
		debugfs_create_bool("msi_devices", 0644, sim->dir,
				    &sim->msi_devices);
	debugfs_create_file("msi_window", 0644, sim->dir, NULL,
			    &vfio_psim_msi_fops);
	debugfs_create_file("history", 0644, sim->dir, NULL,
			    &vfio_psim_history_fops);

	ret = vfio_psim_msi_domain_create(sim);
	if (ret)
		goto err_debugfs;

	ret = iommu_device_sysfs_add(&sim->iommu, NULL, NULL, "%s", VFIO_PSIM_NAME);
	if (ret)
		goto err_msi;

	/*
	 * Without a firmware node, the core hands this IOMMU every device that
	 * has no IOMMU described by firmware; probe_device() keeps only ours.
	 */
	ret = iommu_device_register(&sim->iommu, &vfio_psim_iommu_ops, NULL);
	if (ret)
		goto err_sysfs;
	return 0;

err_sysfs:
	iommu_device_sysfs_remove(&sim->iommu);
err_msi:
	vfio_psim_msi_domain_remove(sim);
err_debugfs:
	debugfs_remove_recursive(sim->dir);
	kfree(sim->history);
	return ret;
}

/**
 * vfio_psim_iommu_exit() - unregister the IOMMU
 *
 * Every simulated device is gone by now; claimed real devices are released.
 */
void vfio_psim_iommu_exit(void)
{
	struct vfio_psim_iommu *sim = &vfio_psim_iommu;

	iommu_device_unregister(&sim->iommu);
	iommu_device_sysfs_remove(&sim->iommu);
	vfio_psim_msi_domain_remove(sim);
	debugfs_remove_recursive(sim->dir);
	kfree(sim->history);
}
