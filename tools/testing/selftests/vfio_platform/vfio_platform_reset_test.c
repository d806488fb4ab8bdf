// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform's reset sources on simulated devices, and the device-tree
 * nodes the simulator gives them.
 *
 * A device whose configfs "reset" holds "controller" gets a "resets"
 * property naming its line of the simulator's reset controller, and no
 * vendor handler: vfio-platform must then reset it through the reset
 * controller framework, which the simulator counts per line in debugfs
 * (controller_resets) besides the device's own count of resets (resets).
 * The registers show that the device was really reset.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define COMPATIBLE	"linux,vfio-platform-sim-reset-test"
#define RESET_REQUIRED	"/sys/module/vfio_platform/parameters/reset_required"
#define DT_BASE		"/sys/firmware/devicetree/base"
#define DT_SIM		DT_BASE "/vfio-platform-sim"
#define SCRATCH		0x5eed0001U

FIXTURE(reset) {
	struct vp_dev vd;
	struct vp_saved reset_required;
};

FIXTURE_SETUP(reset)
{
	memset(self, 0, sizeof(*self));
	vp_init(&self->vd);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	if (!vp_exists(DT_SIM "/reset-controller"))
		SKIP(return, "vfio-platform-sim has no %s: %s",
		     DT_SIM "/reset-controller",
		     "it needs OF_DYNAMIC and RESET_CONTROLLER");
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_save_and_set(&self->reset_required, RESET_REQUIRED, "Y"));
}

FIXTURE_TEARDOWN(reset)
{
	vp_close(&self->vd);
	vp_restore(&self->reset_required);
}

/*
 * A live device whose reset attribute holds @reset. sim_create() knows only
 * "a handler or none", so the device is made again with @reset.
 */
static int make(struct sim_dev *d, const char *reset, unsigned int num_irqs)
{
	struct sim_config cfg;
	char path[256];
	unsigned int i;
	int ret;

	sim_config_init(&cfg);
	cfg.compatible = COMPATIBLE;
	cfg.no_reset = true;
	cfg.num_irqs = num_irqs;
	for (i = 0; i < num_irqs; i++)
		cfg.level[i] = true;
	ret = sim_create(d, &cfg);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/reset", d->dir);
	ret = sim_set_live(d, false);
	if (!ret)
		ret = vp_write(path, "%s\n", reset);
	if (!ret)
		ret = sim_set_live(d, true);
	if (ret)
		sim_destroy(d);
	return ret;
}

/* make(), bound to vfio-platform, its group attached to a Type1v2 container. */
static int open_group(struct vp_dev *vd, const char *reset, unsigned int num_irqs)
{
	int ret, group;

	vp_init(vd);
	ret = make(&vd->sim, reset, num_irqs);
	if (ret)
		return ret;
	ret = vp_bind(vd->sim.name, VFIO_PLATFORM_DRIVER);
	if (ret)
		goto err;
	group = vp_iommu_group(vd->sim.name);
	if (group < 0) {
		ret = group;
		goto err;
	}
	vd->group = vfio_group_open(group);
	if (vd->group < 0) {
		ret = vd->group;
		goto err;
	}
	vd->container = vfio_container_attach(vd->group, VFIO_TYPE1v2_IOMMU);
	if (vd->container < 0) {
		ret = vd->container;
		goto err;
	}
	return 0;

err:
	vp_close(vd);
	return ret;
}

static int open_device(struct vp_dev *vd, const char *reset, unsigned int num_irqs)
{
	int ret;

	ret = open_group(vd, reset, num_irqs);
	if (!ret)
		ret = vp_open_device(vd);
	return ret;
}

static void close_device(struct vp_dev *vd)
{
	sim_regs_unmap(&vd->regs);
	close(vd->device);
	vd->device = -1;
}

/* A counter of the device's debugfs directory, or ULLONG_MAX. */
static unsigned long long counter(const char *dev, const char *name)
{
	unsigned long long n;
	char path[256];

	snprintf(path, sizeof(path), "%s/devices/%s/%s", SIM_DEBUGFS, dev, name);
	return vp_read_ull(path, &n) ? ULLONG_MAX : n;
}

/* The whole of a sysfs file, or -errno. */
static ssize_t read_all(const char *path, void *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/* A device-tree property of cells, in host order; returns the cell count. */
static int read_cells(const char *path, __u32 *cells, unsigned int max)
{
	__u8 raw[256];
	ssize_t n;
	int i;

	n = read_all(path, raw, sizeof(raw));
	if (n < 0 || n % 4 || n / 4 > max)
		return -EINVAL;
	for (i = 0; i < n / 4; i++)
		cells[i] = (__u32)raw[4 * i] << 24 | raw[4 * i + 1] << 16 |
			   raw[4 * i + 2] << 8 | raw[4 * i + 3];
	return n / 4;
}

/* The device's node in /sys/firmware/devicetree, resolved. */
static int of_node_path(const char *dev, char *buf, size_t size)
{
	char path[256], real[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node", dev);
	if (!realpath(path, real))
		return -errno;
	snprintf(buf, size, "%s", real);
	return 0;
}

TEST_F(reset, attribute_takes_the_sources_and_nothing_else)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "controller", "controller" },
		{ "controller,handler", "handler controller" },
		{ "handler controller", "handler controller" },
		{ "none", "none" },
		{ "handler", "handler" },
	};
	struct sim_dev *d = &self->vd.sim;
	char path[256], buf[64];
	unsigned int i;

	ASSERT_EQ(0, make(d, "none", 0));
	ASSERT_EQ(0, sim_set_live(d, false));
	snprintf(path, sizeof(path), "%s/reset", d->dir);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, vp_write(path, "%s\n", cases[i].in));
		ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
		EXPECT_STREQ(cases[i].out, buf);
	}
	EXPECT_NE(0, vp_write(path, "bogus\n"));
	EXPECT_NE(0, vp_write(path, "handler,bogus\n"));
	EXPECT_NE(0, vp_write(path, "\n"));
	/* The words of a bool this attribute was before it was released. */
	EXPECT_EQ(-EINVAL, vp_write(path, "1\n"));
	EXPECT_EQ(-EINVAL, vp_write(path, "0\n"));
	ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("handler", buf);
}

TEST_F(reset, of_node_compatible_is_the_configured_string)
{
	char path[256], buf[128];
	ssize_t n;

	ASSERT_EQ(0, make(&self->vd.sim, "none", 0));
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node/compatible",
		 self->vd.sim.name);
	n = read_all(path, buf, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(COMPATIBLE), n);
	EXPECT_EQ(0, memcmp(buf, COMPATIBLE, sizeof(COMPATIBLE)));
}

TEST_F(reset, of_node_reg_describes_the_regions_and_no_interrupts)
{
	struct sim_config cfg;
	char node[PATH_MAX], path[PATH_MAX + 16], regions[256], *line;
	unsigned long long start, size;
	__u32 reg[4 * VFIO_PSIM_MAX_REGIONS];
	unsigned int i, idx;
	int n, fields;

	sim_config_init(&cfg);
	cfg.num_regions = 3;
	cfg.regions[1].size = 2 * PAGE;
	cfg.regions[2].size = 0x100;
	cfg.regions[2].offset = 0x80;
	ASSERT_EQ(0, sim_create(&self->vd.sim, &cfg));
	ASSERT_EQ(0, of_node_path(self->vd.sim.name, node, sizeof(node)));

	snprintf(path, sizeof(path), "%s/reg", node);
	n = read_cells(path, reg, ARRAY_SIZE(reg));
	ASSERT_EQ(4 * 3, n);
	snprintf(path, sizeof(path), "%s/interrupts", node);
	EXPECT_FALSE(vp_exists(path));
	snprintf(path, sizeof(path), "%s/dma-coherent", node);
	EXPECT_TRUE(vp_exists(path));

	snprintf(path, sizeof(path), "%s/devices/%s/regions", SIM_DEBUGFS,
		 self->vd.sim.name);
	ASSERT_LT(0, read_all(path, regions, sizeof(regions) - 1));
	regions[sizeof(regions) - 1] = '\0';
	line = regions;
	for (i = 0; i < 3; i++) {
		fields = sscanf(line, "%u start=%llx size=%llx", &idx, &start, &size);
		ASSERT_EQ(3, fields);
		ASSERT_EQ(i, idx);
		EXPECT_EQ(start, (unsigned long long)reg[4 * i] << 32 | reg[4 * i + 1]);
		EXPECT_EQ(size, (unsigned long long)reg[4 * i + 2] << 32 | reg[4 * i + 3]);
		line = strchr(line, '\n');
		ASSERT_NE(NULL, line);
		line++;
	}
}

TEST_F(reset, of_node_goes_with_the_device)
{
	char node[PATH_MAX];
	int before;

	before = vp_count_dir(DT_SIM);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, make(&self->vd.sim, "controller", 0));
	ASSERT_EQ(0, of_node_path(self->vd.sim.name, node, sizeof(node)));
	EXPECT_EQ(0, strncmp(node, DT_SIM "/device@", strlen(DT_SIM "/device@")));
	EXPECT_TRUE(vp_exists(node));
	EXPECT_EQ(before + 1, vp_count_dir(DT_SIM));

	ASSERT_EQ(0, sim_set_live(&self->vd.sim, false));
	EXPECT_FALSE(vp_exists(node));
	EXPECT_EQ(before, vp_count_dir(DT_SIM));

	/* Made again, it gets a node again. */
	ASSERT_EQ(0, sim_set_live(&self->vd.sim, true));
	ASSERT_EQ(0, of_node_path(self->vd.sim.name, node, sizeof(node)));
	EXPECT_TRUE(vp_exists(node));
}

TEST_F(reset, resets_property_names_a_line_of_the_controller)
{
	char node[PATH_MAX], path[PATH_MAX + 16];
	__u32 ctrl, resets[2];

	ASSERT_EQ(1, read_cells(DT_SIM "/reset-controller/phandle", &ctrl, 1));
	ASSERT_EQ(1, read_cells(DT_SIM "/reset-controller/#reset-cells", resets, 1));
	EXPECT_EQ(1U, resets[0]);

	ASSERT_EQ(0, make(&self->vd.sim, "controller", 0));
	ASSERT_EQ(0, of_node_path(self->vd.sim.name, node, sizeof(node)));
	snprintf(path, sizeof(path), "%s/resets", node);
	ASSERT_EQ(2, read_cells(path, resets, 2));
	EXPECT_EQ(ctrl, resets[0]);
	EXPECT_EQ(0U, counter(self->vd.sim.name, "controller_resets"));

	/* A device reset by its handler alone has neither property nor line. */
	sim_destroy(&self->vd.sim);
	ASSERT_EQ(0, make(&self->vd.sim, "handler", 0));
	ASSERT_EQ(0, of_node_path(self->vd.sim.name, node, sizeof(node)));
	snprintf(path, sizeof(path), "%s/resets", node);
	EXPECT_FALSE(vp_exists(path));
	EXPECT_EQ(ULLONG_MAX, counter(self->vd.sim.name, "controller_resets"));
}

TEST_F(reset, controller_device_binds_and_reports_reset)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };

	ASSERT_EQ(0, open_device(&self->vd, "controller", 2));
	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(!!(info.flags & VFIO_DEVICE_FLAGS_PLATFORM));
	EXPECT_TRUE(!!(info.flags & VFIO_DEVICE_FLAGS_RESET));
	EXPECT_EQ(1U, info.num_regions);
	/* Without "interrupts" in the node, the IRQ resources still count. */
	EXPECT_EQ(2U, info.num_irqs);
	irq.index = 1;
	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(1U, irq.count);
	EXPECT_EQ((__u32)VFIO_PSIM_CAPS_RESET,
		  sim_reg_read(&self->vd.regs, VFIO_PSIM_REG_CAPS) & VFIO_PSIM_CAPS_RESET);
}

TEST_F(reset, device_reset_pulses_the_controller_line)
{
	struct sim_regs *regs = &self->vd.regs;
	unsigned long long ctrl, total, after;
	const char *dev;

	ASSERT_EQ(0, open_device(&self->vd, "controller", 1));
	dev = self->vd.sim.name;
	ctrl = counter(dev, "controller_resets");
	ASSERT_EQ(0, sim_resets(dev, &total));

	/* State a reset must undo: a register, a level line, the DMA setup. */
	sim_reg_write(regs, VFIO_PSIM_REG_SCRATCH0, SCRATCH);
	sim_reg_write(regs, VFIO_PSIM_REG_DMA_IRQ, VFIO_PSIM_DMA_IRQ(0, 0));
	ASSERT_EQ(0, sim_ring(regs, VFIO_PSIM_REG_IRQ_RAISE, 1));
	ASSERT_EQ(0, sim_wait_reg(regs, VFIO_PSIM_REG_IRQ_STATUS, 1, 1));

	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_RESET));
	EXPECT_EQ(ctrl + 1, counter(dev, "controller_resets"));
	EXPECT_EQ(0U, counter(dev, "controller_asserts"));
	EXPECT_EQ(0U, counter(dev, "controller_deasserts"));
	ASSERT_EQ(0, sim_resets(dev, &after));
	EXPECT_EQ(total + 1, after);

	EXPECT_EQ(0U, sim_reg_read(regs, VFIO_PSIM_REG_SCRATCH0));
	EXPECT_EQ(0U, sim_reg_read(regs, VFIO_PSIM_REG_IRQ_STATUS));
	EXPECT_EQ((__u32)VFIO_PSIM_DMA_IRQ(0, 0),
		  sim_reg_read(regs, VFIO_PSIM_REG_DMA_IRQ));
	EXPECT_EQ((__u32)VFIO_PSIM_ID, sim_reg_read(regs, VFIO_PSIM_REG_ID));
	EXPECT_EQ((__u32)VFIO_PSIM_DMA_IDLE, sim_reg_read(regs, VFIO_PSIM_REG_DMA_STATUS));
}

TEST_F(reset, controller_line_resets_at_first_open_and_last_close)
{
	struct vp_dev *vd = &self->vd;
	unsigned long long total;
	int second;

	ASSERT_EQ(0, open_group(vd, "controller", 0));
	EXPECT_EQ(0U, counter(vd->sim.name, "controller_resets"));
	ASSERT_EQ(0, sim_resets(vd->sim.name, &total));
	EXPECT_EQ(0U, total);

	ASSERT_EQ(0, vp_open_device(vd));
	EXPECT_EQ(1U, counter(vd->sim.name, "controller_resets"));
	sim_reg_write(&vd->regs, VFIO_PSIM_REG_SCRATCH1, SCRATCH);

	/* A second open of the same device is not a first open. */
	second = vfio_device_get(vd->group, vd->sim.name);
	ASSERT_LE(0, second);
	EXPECT_EQ(1U, counter(vd->sim.name, "controller_resets"));
	close(second);
	EXPECT_EQ(1U, counter(vd->sim.name, "controller_resets"));
	EXPECT_EQ(SCRATCH, sim_reg_read(&vd->regs, VFIO_PSIM_REG_SCRATCH1));

	close_device(vd);
	EXPECT_EQ(2U, counter(vd->sim.name, "controller_resets"));

	ASSERT_EQ(0, vp_open_device(vd));
	EXPECT_EQ(3U, counter(vd->sim.name, "controller_resets"));
	EXPECT_EQ(0U, sim_reg_read(&vd->regs, VFIO_PSIM_REG_SCRATCH1));

	/* Every reset came through the line: no handler is registered. */
	ASSERT_EQ(0, sim_resets(vd->sim.name, &total));
	EXPECT_EQ(3U, total);
}

TEST_F(reset, handler_comes_before_the_controller)
{
	struct vp_dev *vd = &self->vd;
	unsigned long long total;

	ASSERT_EQ(0, open_device(vd, "handler controller", 0));
	ASSERT_EQ(0, ioctl(vd->device, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, sim_resets(vd->sim.name, &total));
	/* First open and VFIO_DEVICE_RESET, both through the handler. */
	EXPECT_EQ(2U, total);
	EXPECT_EQ(0U, counter(vd->sim.name, "controller_resets"));
	EXPECT_EQ(0U, counter(vd->sim.name, "controller_asserts"));
}

/* Records of the kernel log from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether a record read from @fd holds both @a and @b. */
static bool kmsg_find(int fd, const char *a, const char *b)
{
	char rec[1024];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records were overwritten */
		if (n <= 0)
			return false;
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b))
			return true;
	}
}

TEST_F(reset, no_source_is_refused_naming_the_device_and_parameter)
{
	char drv[64];
	int fd;

	ASSERT_EQ(0, make(&self->vd.sim, "none", 0));
	fd = kmsg_open();
	ASSERT_LE(0, fd);
	EXPECT_NE(0, vp_bind(self->vd.sim.name, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(0, vp_driver(self->vd.sim.name, drv, sizeof(drv)));
	EXPECT_STREQ("", drv);
	EXPECT_TRUE(kmsg_find(fd, self->vd.sim.name, "reset_required"));
	close(fd);
	EXPECT_EQ(0, sim_bind_host(self->vd.sim.name));
}

TEST_F(reset, no_source_binds_without_reset_required)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_EQ(0, vp_write(RESET_REQUIRED, "N"));
	ASSERT_EQ(0, open_device(&self->vd, "none", 0));
	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_FALSE(!!(info.flags & VFIO_DEVICE_FLAGS_RESET));
	EXPECT_NE(0, ioctl(self->vd.device, VFIO_DEVICE_RESET));
}

/*
 * Reset lines are often shared on SoCs: two devices on one line both bind,
 * each holding the line released and acquiring it around its resets. A pulse
 * of the line resets both devices, so vfio-platform pulses it only while the
 * other device is closed or has the same owner: same IOMMU group, or bound
 * to the same iommufd.
 */
#define SHARED_LINE	"62"

/* Two devices on SHARED_LINE, and the files their owners hold. */
struct line_pair {
	struct sim_dev sim[2];
	int group[2];
	int container[2];
	int device[2];
	int iommufd[2];
};

FIXTURE(shared_line) {
	struct line_pair p;
	struct vp_saved unsafe_irqs;
};

FIXTURE_SETUP(shared_line)
{
	int i;

	memset(self, 0, sizeof(*self));
	for (i = 0; i < 2; i++) {
		self->p.group[i] = -1;
		self->p.container[i] = -1;
		self->p.device[i] = -1;
		self->p.iommufd[i] = -1;
	}
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	if (!vp_exists(DT_SIM "/reset-controller"))
		SKIP(return, "%s: %s", "no simulated reset controller",
		     "it needs OF_DYNAMIC and RESET_CONTROLLER");
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
}

FIXTURE_TEARDOWN(shared_line)
{
	struct line_pair *p = &self->p;
	int i;

	for (i = 0; i < 2; i++) {
		if (p->device[i] >= 0)
			close(p->device[i]);
		if (p->container[i] >= 0)
			close(p->container[i]);
		if (p->group[i] >= 0)
			close(p->group[i]);
		if (p->iommufd[i] >= 0)
			close(p->iommufd[i]);
		sim_destroy(&p->sim[i]);
	}
	vp_restore(&self->unsafe_irqs);
}

/* Two devices on SHARED_LINE, bound to vfio-platform; @group NULL: apart. */
static int shared_line_create(struct line_pair *p, const char *group)
{
	struct sim_config cfg;
	int i, ret;

	sim_config_init(&cfg);
	cfg.reset = "controller";
	cfg.reset_line = SHARED_LINE;
	cfg.group = group;
	for (i = 0; i < 2; i++) {
		ret = sim_create(&p->sim[i], &cfg);
		if (!ret)
			ret = vp_bind(p->sim[i].name, VFIO_PLATFORM_DRIVER);
		if (ret)
			return ret;
	}
	return 0;
}

/* Device @i through a group and a type1 container of its own. */
static int shared_line_open_apart(struct line_pair *p, int i)
{
	int group = vp_iommu_group(p->sim[i].name);

	if (group < 0)
		return group;
	p->group[i] = vfio_group_open(group);
	if (p->group[i] < 0)
		return p->group[i];
	p->container[i] = vfio_container_attach(p->group[i], VFIO_TYPE1v2_IOMMU);
	if (p->container[i] < 0)
		return p->container[i];
	p->device[i] = vfio_device_get(p->group[i], p->sim[i].name);
	return p->device[i] < 0 ? p->device[i] : 0;
}

static void line_counts(struct __test_metadata *_metadata,
			struct line_pair *p, unsigned long long count[2])
{
	ASSERT_EQ(0, sim_counter(p->sim[0].name, "controller_resets", &count[0]));
	ASSERT_EQ(0, sim_counter(p->sim[1].name, "controller_resets", &count[1]));
}

static void expect_pulses(struct __test_metadata *_metadata,
			  struct line_pair *p, const unsigned long long before[2],
			  unsigned long long n, int line)
{
	unsigned long long now[2];

	line_counts(_metadata, p, now);
	EXPECT_EQ(before[0] + n, now[0])
		TH_LOG("line %d: device 0 saw %llu pulses, not %llu", line,
		       now[0] - before[0], n);
	EXPECT_EQ(before[1] + n, now[1])
		TH_LOG("line %d: device 1 saw %llu pulses, not %llu", line,
		       now[1] - before[1], n);
}

/* The line was pulsed @n times since @before, as both devices saw it. */
#define EXPECT_PULSES(before, n) \
	expect_pulses(_metadata, &self->p, before, n, __LINE__)

/*
 * Owners apart. The second device opens without a reset, as the first one's
 * pulsed the line while it was closed. Neither owner may then reset the
 * other's device. The first to close leaves its device dirty, even one its
 * owner reset while it was open, and it cannot be opened again until the
 * other owner has closed too.
 */
TEST_F(shared_line, another_owner_can_neither_reset_nor_reopen_a_dirty_device)
{
	unsigned long long count[2];
	int i, fd;

	ASSERT_EQ(0, shared_line_create(&self->p, NULL));
	ASSERT_NE(vp_iommu_group(self->p.sim[0].name),
		  vp_iommu_group(self->p.sim[1].name));

	line_counts(_metadata, &self->p, count);
	ASSERT_EQ(0, shared_line_open_apart(&self->p, 0));
	EXPECT_PULSES(count, 1);
	/* Device 1 is closed: the first owner may pulse the line. */
	EXPECT_EQ(0, ioctl(self->p.device[0], VFIO_DEVICE_RESET));
	EXPECT_PULSES(count, 2);
	ASSERT_EQ(0, shared_line_open_apart(&self->p, 1));
	EXPECT_PULSES(count, 2);

	for (i = 0; i < 2; i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->p.device[i], VFIO_DEVICE_RESET))
			TH_LOG("device %d reset its neighbour's owner's device", i);
		EXPECT_EQ(EBUSY, errno);
	}
	EXPECT_PULSES(count, 2);

	/* Closed while the other owner works: left dirty, not reset. */
	close(self->p.device[0]);
	self->p.device[0] = -1;
	EXPECT_PULSES(count, 2);
	errno = 0;
	fd = ioctl(self->p.group[0], VFIO_GROUP_GET_DEVICE_FD, self->p.sim[0].name);
	EXPECT_EQ(-1, fd)
		TH_LOG("a dirty device opened without a reset");
	EXPECT_EQ(EBUSY, errno);
	if (fd >= 0)
		close(fd);
	EXPECT_PULSES(count, 2);

	/* The last close pulses the line: both devices are clean again. */
	close(self->p.device[1]);
	self->p.device[1] = -1;
	EXPECT_PULSES(count, 3);
	self->p.device[0] = vfio_device_get(self->p.group[0], self->p.sim[0].name);
	ASSERT_LE(0, self->p.device[0]);
	EXPECT_PULSES(count, 4);
	EXPECT_EQ(0, ioctl(self->p.device[0], VFIO_DEVICE_RESET));
	EXPECT_PULSES(count, 5);
}

/*
 * One IOMMU group has one owner, who may reset its devices on the line at
 * will; but closing one of them does not reset the other, still in use.
 */
TEST_F(shared_line, devices_of_one_group_reset_their_line)
{
	char name[64];
	unsigned long long count[2];
	int i, group;

	snprintf(name, sizeof(name), "line-%d", getpid());
	ASSERT_EQ(0, shared_line_create(&self->p, name));
	group = vp_iommu_group(self->p.sim[0].name);
	ASSERT_LE(0, group);
	ASSERT_EQ(group, vp_iommu_group(self->p.sim[1].name));

	self->p.group[0] = vfio_group_open(group);
	ASSERT_LE(0, self->p.group[0]);
	self->p.container[0] = vfio_container_attach(self->p.group[0],
						     VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, self->p.container[0]);

	/* The second open finds its device clean from the first's pulse. */
	line_counts(_metadata, &self->p, count);
	for (i = 0; i < 2; i++) {
		self->p.device[i] = vfio_device_get(self->p.group[0],
						    self->p.sim[i].name);
		ASSERT_LE(0, self->p.device[i]);
	}
	EXPECT_PULSES(count, 1);

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, ioctl(self->p.device[i], VFIO_DEVICE_RESET))
			TH_LOG("reset of device %d: %s", i, strerror(errno));
		EXPECT_PULSES(count, 2 + i);
	}

	close(self->p.device[1]);
	self->p.device[1] = -1;
	EXPECT_PULSES(count, 3);
	close(self->p.device[0]);
	self->p.device[0] = -1;
	EXPECT_PULSES(count, 4);
}

/*
 * Through the device cdev, the owner is the iommufd: devices bound to one
 * reset each other, devices bound to two do not.
 */
TEST_F(shared_line, cdev_owner_is_the_iommufd)
{
	unsigned long long count[2];
	int i;

	ASSERT_EQ(0, shared_line_create(&self->p, NULL));
	/* No MSI doorbell is reachable: iommufd needs no parameter. */
	ASSERT_EQ(0, vp_save_and_set(&self->unsafe_irqs, IOMMUFD_UNSAFE_IRQS, "N"));
	for (i = 0; i < 2; i++) {
		self->p.iommufd[i] = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->p.iommufd[i]);
		self->p.device[i] = vfio_cdev_open(self->p.sim[i].name);
		ASSERT_LE(0, self->p.device[i]);
	}

	/* One iommufd. */
	line_counts(_metadata, &self->p, count);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, vfio_cdev_bind(self->p.device[i], self->p.iommufd[0]));
	EXPECT_PULSES(count, 1);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, ioctl(self->p.device[i], VFIO_DEVICE_RESET))
			TH_LOG("reset of device %d: %s", i, strerror(errno));
		EXPECT_PULSES(count, 2 + i);
	}

	/* Device 1, closed while device 0 is open, is dirty for another owner. */
	close(self->p.device[1]);
	EXPECT_PULSES(count, 3);
	self->p.device[1] = vfio_cdev_open(self->p.sim[1].name);
	ASSERT_LE(0, self->p.device[1]);
	EXPECT_EQ(-EBUSY, vfio_cdev_bind(self->p.device[1], self->p.iommufd[1]));
	EXPECT_PULSES(count, 3);

	/* Both closed: pulsed; then each bound to an iommufd of its own. */
	for (i = 0; i < 2; i++)
		close(self->p.device[i]);
	EXPECT_PULSES(count, 4);
	for (i = 0; i < 2; i++) {
		self->p.device[i] = vfio_cdev_open(self->p.sim[i].name);
		ASSERT_LE(0, self->p.device[i]);
		ASSERT_EQ(0, vfio_cdev_bind(self->p.device[i], self->p.iommufd[i]));
	}
	EXPECT_PULSES(count, 5);
	for (i = 0; i < 2; i++) {
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->p.device[i], VFIO_DEVICE_RESET));
		EXPECT_EQ(EBUSY, errno);
	}
	EXPECT_PULSES(count, 5);
}

TEST_HARNESS_MAIN
