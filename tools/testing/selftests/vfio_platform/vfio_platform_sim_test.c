// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's own behaviour, as other tests rely on it: its configfs
 * attributes while a device goes away, region offsets, interrupt triggers,
 * compatible lists, the device-tree nodes devices borrow from the firmware
 * and shared reset lines.
 *
 * Removing a device that user space holds open waits until it is closed.
 * The steps that may wait run in child processes holding none of the test's
 * VFIO file descriptors, so that the test closes the device itself when an
 * assertion fails and never hangs.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

/* How long a configfs read may take while the device is going away. */
#define QUICK_MS	1000
/* How long removal may take once the device is closed. */
#define REMOVAL_MS	10000

/*
 * A configfs read or write done by a child process. Its result comes back
 * through a pipe as "<0 or -errno> <text read>".
 */
struct job {
	pid_t pid;
	int out;
	bool done;
	int ret;
	char text[128];
};

static void job_init(struct job *j)
{
	memset(j, 0, sizeof(*j));
	j->pid = -1;
	j->out = -1;
}

/* Reads @path, or writes @value to it when @value is not NULL. */
static int job_start(struct job *j, const char *path, const char *value)
{
	int pipefd[2], fd, ret;
	char buf[128] = "";

	job_init(j);
	if (pipe(pipefd))
		return -errno;
	j->pid = fork();
	if (j->pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	if (j->pid) {
		close(pipefd[1]);
		j->out = pipefd[0];
		return 0;
	}

	/* Holding the device open here would keep its removal waiting. */
	for (fd = 3; fd < 1024; fd++)
		if (fd != pipefd[1])
			close(fd);
	if (value)
		ret = vp_write(path, "%s", value);
	else
		ret = vp_read(path, buf, sizeof(buf));
	dprintf(pipefd[1], "%d %s", ret < 0 ? ret : 0, buf);
	_exit(0);
}

/* 0 once the job has finished, -ETIMEDOUT if it has not after @ms. */
static int job_wait(struct job *j, int ms)
{
	struct pollfd pfd = { .fd = j->out, .events = POLLIN };
	char buf[160];
	ssize_t n, len = 0;
	int status;

	if (j->done)
		return 0;
	if (j->pid < 0)
		return -ECHILD;
	for (;;) {
		if (poll(&pfd, 1, ms) <= 0)
			return -ETIMEDOUT;
		n = read(j->out, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(j->out);
	j->out = -1;
	waitpid(j->pid, &status, 0);
	j->pid = -1;
	j->done = true;
	j->text[0] = '\0';
	if (sscanf(buf, "%d %127[^\n]", &j->ret, j->text) < 1)
		j->ret = -EPROTO;
	return 0;
}

/* Waits for a job that may still block behind the device; then forgets it. */
static void job_reap(struct job *j)
{
	if (j->pid >= 0 && job_wait(j, REMOVAL_MS)) {
		fprintf(stderr, "# job %d did not finish: leaving it\n", j->pid);
		kill(j->pid, SIGKILL);
	}
	if (j->out >= 0)
		close(j->out);
	job_init(j);
}

#define MAX_JOBS	4

#define MAX_EXTRA	8

FIXTURE(sim) {
	struct vp_dev vd;
	struct job jobs[MAX_JOBS];
	struct sim_dev extra[MAX_EXTRA];	/* more devices, not opened */
};

FIXTURE_SETUP(sim)
{
	unsigned int i;

	memset(self, 0, sizeof(*self));
	vp_init(&self->vd);
	for (i = 0; i < MAX_JOBS; i++)
		job_init(&self->jobs[i]);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
}

FIXTURE_TEARDOWN(sim)
{
	unsigned int i;

	/* Closing the device lets a pending live=0 finish, and the jobs behind it. */
	sim_regs_unmap(&self->vd.regs);
	if (self->vd.device >= 0)
		close(self->vd.device);
	self->vd.device = -1;
	for (i = 0; i < MAX_JOBS; i++)
		job_reap(&self->jobs[i]);
	vp_close(&self->vd);
	for (i = 0; i < MAX_EXTRA; i++)
		sim_destroy(&self->extra[i]);
}

static void attr_path(struct sim_dev *d, const char *attr, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", d->dir, attr);
}

/*
 * A device opened through a Type1v2 container, then live=0 written from a
 * job: the write waits, as vfio-platform waits for the device to be closed.
 */
static int open_and_remove(struct vp_dev *vd, struct job *writer)
{
	struct sim_config cfg;
	char path[256];
	int ret;

	sim_config_init(&cfg);
	ret = vp_open(vd, &cfg, VFIO_TYPE1v2_IOMMU);
	if (ret)
		return ret;
	/* A job would inherit the mapping, and with it the open device. */
	sim_regs_unmap(&vd->regs);
	attr_path(&vd->sim, "live", path, sizeof(path));
	ret = job_start(writer, path, "0\n");
	if (ret)
		return ret;
	/* The write must still wait when the checks below start. */
	if (!job_wait(writer, 300)) {
		fprintf(stderr, "# live=0 did not wait for the open device: %d\n",
			writer->ret);
		return -EALREADY;
	}
	return 0;
}

/* Reads @attr of @d in a job that must answer within QUICK_MS. */
static int quick_read(struct sim_dev *d, struct job *j, const char *attr,
		      char *buf, size_t size)
{
	char path[256];
	int ret;

	attr_path(d, attr, path, sizeof(path));
	ret = job_start(j, path, NULL);
	if (ret)
		return ret;
	ret = job_wait(j, QUICK_MS);
	if (ret) {
		fprintf(stderr, "# reading %s took more than %d ms\n", attr, QUICK_MS);
		return ret;
	}
	snprintf(buf, size, "%s", j->text);
	return j->ret;
}

/* Writes @value to @attr of @d in a job that must answer within QUICK_MS. */
static int quick_write(struct sim_dev *d, struct job *j, const char *attr,
		       const char *value)
{
	char path[256];
	int ret;

	attr_path(d, attr, path, sizeof(path));
	ret = job_start(j, path, value);
	if (ret)
		return ret;
	ret = job_wait(j, QUICK_MS);
	if (ret) {
		fprintf(stderr, "# writing %s took more than %d ms\n", attr, QUICK_MS);
		return ret;
	}
	return j->ret;
}

TEST_F(sim, attributes_stay_readable_while_an_open_device_goes_away)
{
	struct job *writer = &self->jobs[0], *reader = &self->jobs[1];
	struct sim_dev *d = &self->vd.sim;
	char buf[128], path[256];

	ASSERT_EQ(0, open_and_remove(&self->vd, writer));

	ASSERT_EQ(0, quick_read(d, reader, "dev_name", buf, sizeof(buf)));
	EXPECT_STREQ(d->name, buf);
	job_reap(reader);
	ASSERT_EQ(0, quick_read(d, reader, "compatible", buf, sizeof(buf)));
	EXPECT_STREQ("linux,vfio-platform-sim", buf);
	job_reap(reader);
	/* Still the device: it exists until its owner lets it go. */
	ASSERT_EQ(0, quick_read(d, reader, "live", buf, sizeof(buf)));
	EXPECT_STREQ("1", buf);
	job_reap(reader);

	close(self->vd.device);
	self->vd.device = -1;
	ASSERT_EQ(0, job_wait(writer, REMOVAL_MS)) {
		TH_LOG("live=0 did not finish within %d ms of the close", REMOVAL_MS);
	}
	EXPECT_EQ(0, writer->ret);
	d->name[0] = '\0';

	attr_path(d, "live", path, sizeof(path));
	ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	attr_path(d, "dev_name", path, sizeof(path));
	ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("none", buf);
}

TEST_F(sim, changes_are_refused_while_an_open_device_goes_away)
{
	struct job *writer = &self->jobs[0], *j = &self->jobs[1];
	struct sim_dev *d = &self->vd.sim;
	char path[256];

	ASSERT_EQ(0, open_and_remove(&self->vd, writer));

	EXPECT_EQ(-EBUSY, quick_write(d, j, "live", "1\n"));
	job_reap(j);
	EXPECT_EQ(-EBUSY, quick_write(d, j, "live", "0\n"));
	job_reap(j);
	EXPECT_EQ(-EBUSY, quick_write(d, j, "compatible", "vendor,other\n"));
	job_reap(j);
	EXPECT_EQ(-EBUSY, quick_write(d, j, "region0/size", "0x2000\n"));
	job_reap(j);

	close(self->vd.device);
	self->vd.device = -1;
	ASSERT_EQ(0, job_wait(writer, REMOVAL_MS));
	EXPECT_EQ(0, writer->ret);
	d->name[0] = '\0';

	/* Gone: the configuration is the user's again, and makes it anew. */
	attr_path(d, "region0/size", path, sizeof(path));
	EXPECT_EQ(0, vp_write(path, "0x2000\n"));
	EXPECT_EQ(0, sim_set_live(d, true));
	EXPECT_NE('\0', d->name[0]);
}

/* The kernel log holds a record with @text (the simulator names the device). */
static bool kmsg_has(const char *text)
{
	char rec[2048];
	bool found = false;
	ssize_t n;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, text)) {
			found = true;
			break;
		}
	}
	close(fd);
	return found;
}

static const char *config_name(struct sim_dev *d)
{
	return strrchr(d->dir, '/') + 1;
}

TEST_F(sim, regions_after_the_first_start_at_their_byte_offset)
{
	static const unsigned int offsets[] = { 1, 2, 4, 0xffc };
	unsigned long long start, size;
	struct sim_config cfg;
	unsigned int i;

	sim_config_init(&cfg);
	cfg.num_regions = 1 + ARRAY_SIZE(offsets);
	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		cfg.regions[1 + i].size = 0x100;
		cfg.regions[1 + i].offset = offsets[i];
	}
	ASSERT_EQ(0, sim_create(&self->vd.sim, &cfg));

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		ASSERT_EQ(0, sim_region(self->vd.sim.name, 1 + i, &start, &size));
		EXPECT_EQ(offsets[i], start % PAGE)
			TH_LOG("region %u starts at %#llx", 1 + i, start);
		EXPECT_EQ(0x100U, size);
	}
}

TEST_F(sim, region0_offset_keeps_the_registers_aligned)
{
	static const unsigned int bad[] = { 1, 2, 3, 4, 0x804 };
	struct sim_dev *d = &self->vd.sim;
	unsigned long long start, size;
	char path[256], drv[64], msg[128];
	struct sim_config cfg;
	unsigned int i;

	sim_config_init(&cfg);
	ASSERT_EQ(0, sim_create(d, &cfg));
	ASSERT_EQ(0, sim_set_live(d, false));
	attr_path(d, "region0/offset", path, sizeof(path));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Stored, as other regions take it; refused when made live. */
		ASSERT_EQ(0, vp_write(path, "%#x\n", bad[i]));
		EXPECT_EQ(-EINVAL, sim_set_live(d, true))
			TH_LOG("region0 offset %#x was accepted", bad[i]);
	}
	snprintf(msg, sizeof(msg), "%s: region 0 holds the registers: its offset",
		 config_name(d));
	EXPECT_TRUE(kmsg_has(msg)) TH_LOG("no \"%s\" in the kernel log", msg);

	/* Aligned: the host driver finds the ID register at the region's start. */
	ASSERT_EQ(0, vp_write(path, "0x808\n"));
	ASSERT_EQ(0, sim_set_live(d, true));
	ASSERT_EQ(0, sim_region(d->name, 0, &start, &size));
	EXPECT_EQ(0x808U, start % PAGE);
	ASSERT_EQ(0, vp_driver(d->name, drv, sizeof(drv)));
	EXPECT_STREQ(SIM_HOST_DRIVER, drv);
}

TEST_F(sim, trigger_none_has_no_linux_type_and_fires_as_an_edge)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = 0 };
	struct sim_config cfg;
	unsigned int type = ~0U;
	char path[256], buf[32];
	__u64 events;
	int efd;

	sim_config_init(&cfg);
	cfg.num_irqs = 1;
	cfg.untyped[0] = true;
	ASSERT_EQ(0, vp_open(&self->vd, &cfg, VFIO_TYPE1v2_IOMMU));

	attr_path(&self->vd.sim, "irq0/trigger", path, sizeof(path));
	ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("none", buf);
	ASSERT_EQ(0, sim_irq_type(self->vd.sim.name, 0, &type));
	EXPECT_EQ(0U, type) TH_LOG("the Linux interrupt has type %#x", type);

	/* Not level: vfio-platform does not automask it. */
	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_GET_IRQ_INFO, &info));
	EXPECT_EQ((__u32)(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE), info.flags);

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_irq_eventfd(self->vd.device, 0,
				      VFIO_IRQ_SET_ACTION_TRIGGER, efd));
	/* Two raises, no unmask between them: two events, as an edge gives. */
	ASSERT_EQ(0, sim_ring(&self->vd.regs, VFIO_PSIM_REG_IRQ_RAISE, 1));
	EXPECT_EQ(1, efd_wait(efd, SIM_TIMEOUT_MS));
	ASSERT_EQ(0, sim_ring(&self->vd.regs, VFIO_PSIM_REG_IRQ_RAISE, 1));
	EXPECT_EQ(1, efd_wait(efd, SIM_TIMEOUT_MS));
	EXPECT_EQ(-1, read(efd, &events, sizeof(events)));
	/* Still no type after the interrupt was requested and fired. */
	ASSERT_EQ(0, sim_irq_type(self->vd.sim.name, 0, &type));
	EXPECT_EQ(0U, type);
	vfio_irq_eventfd(self->vd.device, 0, VFIO_IRQ_SET_ACTION_TRIGGER, -1);
	close(efd);
}

TEST_F(sim, compatible_takes_a_list_most_specific_first)
{
	static const char want[] = "vendor,sim-v2\0vendor,sim\0linux,vfio-platform-sim";
	struct sim_dev *d = &self->vd.sim;
	char path[256], buf[256];
	struct sim_config cfg;
	ssize_t n;
	int fd;

	sim_config_init(&cfg);
	cfg.compatible = " vendor,sim-v2  vendor,sim\tlinux,vfio-platform-sim ";
	ASSERT_EQ(0, sim_create(d, &cfg));
	attr_path(d, "compatible", path, sizeof(path));
	ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("vendor,sim-v2 vendor,sim linux,vfio-platform-sim", buf);

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node/compatible",
		 d->name);
	if (vp_exists(path)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		n = read(fd, buf, sizeof(buf));
		close(fd);
		ASSERT_EQ((ssize_t)sizeof(want), n);
		EXPECT_EQ(0, memcmp(want, buf, sizeof(want)));
	} else {
		TH_LOG("no of_node: the software node alone carries the list");
	}

	ASSERT_EQ(0, sim_set_live(d, false));
	attr_path(d, "compatible", path, sizeof(path));
	EXPECT_EQ(-EINVAL, vp_write(path, "\n"));
	EXPECT_EQ(-EINVAL, vp_write(path, "\t\t\n"));
	EXPECT_EQ(-EINVAL, vp_write(path, "a b c d e f g h i\n"));
	EXPECT_EQ(0, vp_write(path, "a b c d e f g h\n"));
}

#define DT_SIM_NODE	"/sys/firmware/devicetree/base/vfio-platform-sim"
#define SIM_COMPATIBLE	"linux,vfio-platform-sim"

/*
 * Why devices here borrow no node of the firmware's tree, or NULL. The
 * simulator adds nodes of its own, with a reset controller among them, on a
 * kernel with OF_DYNAMIC.
 */
static const char *firmware_nodes_missing(void)
{
	if (!vp_exists("/sys/firmware/devicetree"))
		return "no /sys/firmware/devicetree: the kernel has no OF";
	if (vp_exists(DT_SIM_NODE "/reset-controller"))
		return "the simulator adds the nodes itself (OF_DYNAMIC)";
	if (!vp_exists(DT_SIM_NODE))
		return "no " DT_SIM_NODE " in the firmware's tree";
	return NULL;
}

/* Reads the property @prop of DT_SIM_NODE's child @name into @buf. */
static ssize_t firmware_prop(const char *name, const char *prop, char *buf,
			     size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", DT_SIM_NODE, name, prop);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

/*
 * Whether the firmware's node @name below DT_SIM_NODE fits a default device:
 * available, coherent, and of exactly the default compatible.
 */
static bool firmware_node_fits(const char *name)
{
	static const char want[] = SIM_COMPATIBLE;
	char buf[64];
	ssize_t n;

	n = firmware_prop(name, "status", buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = '\0';
		if (strcmp(buf, "okay") && strcmp(buf, "ok"))
			return false;
	}
	if (firmware_prop(name, "dma-coherent", buf, sizeof(buf)) < 0)
		return false;
	n = firmware_prop(name, "compatible", buf, sizeof(buf));
	return n == sizeof(want) && !memcmp(buf, want, sizeof(want));
}

/* The nodes below DT_SIM_NODE that fit a default device; all of them in @all. */
static int count_fitting_firmware_nodes(int *all)
{
	struct dirent *de;
	int n = 0;
	DIR *dir;

	*all = 0;
	dir = opendir(DT_SIM_NODE);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		++*all;
		if (firmware_node_fits(de->d_name))
			n++;
	}
	closedir(dir);
	return n;
}

/* The node @d's platform device stands for, as a path, or "" for none. */
static void borrowed_node(struct sim_dev *d, char *buf, size_t size)
{
	char path[256], *real;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node", d->name);
	real = realpath(path, NULL);
	snprintf(buf, size, "%s", real ? real : "");
	free(real);
}

/*
 * On a kernel where the simulator cannot add nodes (no OF_DYNAMIC), a device
 * borrows a node the firmware's tree holds under /vfio-platform-sim: one
 * nobody else has, available, coherent and with exactly its compatible list,
 * given back when the device goes. With none free, a device has no node; the
 * test VM's tree (vm-run.sh) has nodes it must not take besides those it may.
 */
TEST_F(sim, devices_borrow_the_firmware_nodes_that_fit_them)
{
	static const char prefix[] = "/sys/firmware/devicetree/base/vfio-platform-sim/";
	char node[MAX_EXTRA][512], again[512];
	const char *why = firmware_nodes_missing();
	struct sim_config cfg;
	int i, j, n, all;

	if (why)
		SKIP(return, "%s", why);
	n = count_fitting_firmware_nodes(&all);
	TH_LOG("%d of the firmware's %d nodes fit a device of " SIM_COMPATIBLE,
	       n, all);
	ASSERT_LE(1, n);
	ASSERT_GT(MAX_EXTRA - 1, n);

	sim_config_init(&cfg);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, sim_create(&self->extra[i], &cfg));
		borrowed_node(&self->extra[i], node[i], sizeof(node[i]));
		ASSERT_EQ(0, strncmp(node[i], prefix, sizeof(prefix) - 1))
			TH_LOG("%s: of_node \"%s\"", self->extra[i].name, node[i]);
		for (j = 0; j < i; j++)
			EXPECT_STRNE(node[j], node[i]);
	}

	/* One more: every node is taken. */
	ASSERT_EQ(0, sim_create(&self->extra[n], &cfg));
	borrowed_node(&self->extra[n], again, sizeof(again));
	EXPECT_STREQ("", again);

	/* The first device's node is free again, for the next device to live. */
	ASSERT_EQ(0, sim_destroy(&self->extra[0]));
	ASSERT_EQ(0, sim_set_live(&self->extra[n], false));
	ASSERT_EQ(0, sim_set_live(&self->extra[n], true));
	borrowed_node(&self->extra[n], again, sizeof(again));
	EXPECT_STREQ(node[0], again);

	/* A free node whose compatible list is not exactly the device's is none. */
	ASSERT_EQ(0, sim_destroy(&self->extra[1]));
	cfg.compatible = "vendor,sim " SIM_COMPATIBLE;
	ASSERT_EQ(0, sim_create(&self->extra[0], &cfg));
	borrowed_node(&self->extra[0], again, sizeof(again));
	EXPECT_STREQ("", again);
}

/*
 * The simulator's reset handler is registered for the last, most generic,
 * string alone: a device reset by it opens with reset_required set, and a
 * device with no reset whose only string is the first one of the other
 * device is no conflict.
 */
TEST_F(sim, reset_handler_is_registered_for_the_last_compatible)
{
	struct sim_dev *other = &self->extra[0];
	struct sim_config cfg;

	sim_config_init(&cfg);
	cfg.compatible = "test,sim-first test,sim-last";
	ASSERT_EQ(0, vp_open(&self->vd, &cfg, VFIO_TYPE1v2_IOMMU));

	sim_config_init(&cfg);
	cfg.compatible = "test,sim-first";
	cfg.no_reset = true;
	EXPECT_EQ(0, sim_create(other, &cfg));
	sim_destroy(other);

	/* A device without a reset and the same last string is a conflict. */
	sim_config_init(&cfg);
	cfg.compatible = "test,sim-last";
	cfg.no_reset = true;
	EXPECT_EQ(-EINVAL, sim_create(other, &cfg));
}

static int of_resets(const char *dev, __u32 cells[2])
{
	char path[256];
	__u32 be[2];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/of_node/resets", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, be, sizeof(be));
	close(fd);
	if (n != sizeof(be))
		return -EIO;
	cells[0] = ntohl(be[0]);
	cells[1] = ntohl(be[1]);
	return 0;
}

TEST_F(sim, reset_line_takes_auto_or_a_line_number)
{
	struct sim_dev *d = &self->vd.sim;
	char path[256], buf[32];
	struct sim_config cfg;

	sim_config_init(&cfg);
	cfg.no_reset = true;
	ASSERT_EQ(0, sim_create(d, &cfg));
	ASSERT_EQ(0, sim_set_live(d, false));
	attr_path(d, "reset_line", path, sizeof(path));
	ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("auto", buf);
	EXPECT_EQ(-EINVAL, vp_write(path, "64\n"));
	EXPECT_EQ(-EINVAL, vp_write(path, "-1\n"));
	EXPECT_EQ(-EINVAL, vp_write(path, "one\n"));
	ASSERT_EQ(0, vp_write(path, "63\n"));
	ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("63", buf);
	/* A line it is not reset by. */
	EXPECT_EQ(-EINVAL, sim_set_live(d, true));
	ASSERT_EQ(0, vp_write(path, "auto\n"));
	ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
	EXPECT_STREQ("auto", buf);
}

/*
 * Two devices asking for the same line share it: a reset of one through
 * vfio-platform pulses the line, and the other device's counters and its
 * own count of resets show it. A line given as "auto" is not shared.
 */
TEST_F(sim, devices_with_one_reset_line_are_reset_together)
{
	unsigned long long pulses, resets, after;
	struct sim_dev *other = &self->extra[0], *alone = &self->extra[1];
	__u32 a[2], b[2], c[2];
	struct sim_config cfg;
	char path[256];

	if (!vp_exists("/sys/firmware/devicetree/base/vfio-platform-sim/reset-controller"))
		SKIP(return, "%s: %s", "no simulated reset controller",
		     "it needs OF_DYNAMIC and RESET_CONTROLLER");

	sim_config_init(&cfg);
	cfg.reset = "controller";
	cfg.reset_line = "61";
	ASSERT_EQ(0, vp_open(&self->vd, &cfg, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, sim_create(other, &cfg));

	ASSERT_EQ(0, of_resets(self->vd.sim.name, a));
	ASSERT_EQ(0, of_resets(other->name, b));
	EXPECT_EQ(61U, a[1]);
	EXPECT_EQ(a[0], b[0]);
	EXPECT_EQ(a[1], b[1]);

	ASSERT_EQ(0, sim_counter(other->name, "controller_resets", &pulses));
	ASSERT_EQ(0, sim_resets(other->name, &resets));
	ASSERT_EQ(0, ioctl(self->vd.device, VFIO_DEVICE_RESET));
	ASSERT_EQ(0, sim_counter(other->name, "controller_resets", &after));
	EXPECT_EQ(pulses + 1, after);
	ASSERT_EQ(0, sim_resets(other->name, &after));
	EXPECT_EQ(resets + 1, after);

	/* A device on a line of its own; nobody may ask for that line. */
	cfg.reset_line = NULL;
	ASSERT_EQ(0, sim_create(alone, &cfg));
	ASSERT_EQ(0, of_resets(alone->name, c));
	EXPECT_NE(61U, c[1]);
	sim_destroy(other);
	snprintf(path, sizeof(path), "%u", c[1]);
	cfg.reset_line = path;
	EXPECT_EQ(-EBUSY, sim_create(other, &cfg));
	sim_destroy(alone);
}

TEST_HARNESS_MAIN
