// SPDX-License-Identifier: GPL-2.0
/*
 * Taking simulated devices from their host driver to vfio-platform and back
 * through driver_override, IOMMU group viability, DMA ownership, and the
 * lifetime of devices, groups, domains and interrupts across many cycles.
 *
 * The simulator's own rules come first: how configfs makes devices and what
 * it refuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define MAX_DEVS	3

FIXTURE(bind) {
	struct sim_dev dev[MAX_DEVS];
	char group_name[64];
	int group, container, device[MAX_DEVS];
};

FIXTURE_SETUP(bind)
{
	unsigned int i;

	memset(self, 0, sizeof(*self));
	self->group = -1;
	self->container = -1;
	for (i = 0; i < MAX_DEVS; i++)
		self->device[i] = -1;
	snprintf(self->group_name, sizeof(self->group_name), "shared-%d", getpid());
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, sim_knob("cache_coherency", "Y"));
}

FIXTURE_TEARDOWN(bind)
{
	unsigned int i;

	for (i = 0; i < MAX_DEVS; i++)
		if (self->device[i] >= 0)
			close(self->device[i]);
	if (self->container >= 0)
		close(self->container);
	if (self->group >= 0)
		close(self->group);
	for (i = 0; i < MAX_DEVS; i++)
		sim_destroy(&self->dev[i]);
	sim_knob("cache_coherency", "Y");
	sim_knob("msi_window", "none");
}

static int make(struct sim_dev *d, const char *group)
{
	struct sim_config cfg;

	sim_config_init(&cfg);
	cfg.group = group;
	cfg.num_irqs = 1;
	cfg.level[0] = true;
	return sim_create(d, &cfg);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Lines of @file containing @text. */
static int grep_count(const char *file, const char *text)
{
	char line[512];
	int n = 0;
	FILE *f;

	f = fopen(file, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, text))
			n++;
	fclose(f);
	return n;
}

TEST_F(bind, configfs_refuses_a_device_without_region0)
{
	char path[256];

	snprintf(self->dev[0].dir, sizeof(self->dev[0].dir), "%s/t%d-empty",
		 SIM_CONFIGFS, getpid());
	ASSERT_EQ(0, mkdir(self->dev[0].dir, 0755));
	snprintf(path, sizeof(path), "%s/live", self->dev[0].dir);
	EXPECT_EQ(-EINVAL, vp_write(path, "1"));
	snprintf(path, sizeof(path), "%s/region1", self->dev[0].dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/live", self->dev[0].dir);
	EXPECT_EQ(-EINVAL, vp_write(path, "1")) TH_LOG("region1 without region0");
}

TEST_F(bind, configfs_refuses_changes_while_live)
{
	char path[256];

	ASSERT_EQ(0, make(&self->dev[0], NULL));
	snprintf(path, sizeof(path), "%s/region0/size", self->dev[0].dir);
	EXPECT_EQ(-EBUSY, vp_write(path, "0x2000"));
	snprintf(path, sizeof(path), "%s/compatible", self->dev[0].dir);
	EXPECT_EQ(-EBUSY, vp_write(path, "other,device"));
	snprintf(path, sizeof(path), "%s/irq1", self->dev[0].dir);
	EXPECT_EQ(-1, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/region0", self->dev[0].dir);
	EXPECT_EQ(-1, rmdir(path));
	EXPECT_EQ(EBUSY, errno);
}

TEST_F(bind, configfs_refuses_resettable_and_fixed_devices_sharing_a_compatible)
{
	struct sim_config cfg;
	char compat[64];

	snprintf(compat, sizeof(compat), "test,compat-%d", getpid());
	sim_config_init(&cfg);
	cfg.compatible = compat;
	ASSERT_EQ(0, sim_create(&self->dev[0], &cfg));
	cfg.no_reset = true;
	EXPECT_EQ(-EINVAL, sim_create(&self->dev[1], &cfg));
	cfg.no_reset = false;
	EXPECT_EQ(0, sim_create(&self->dev[1], &cfg));
}

/* The IOMMU reports the MSI window the knob asks for as the group's reserved region. */
TEST_F(bind, msi_window_becomes_the_groups_reserved_region)
{
	static const struct {
		const char *knob, *region;
	} cases[] = {
		{ "none", "" },
		{ "sw_msi", "0x0000000008000000 0x00000000080fffff msi" },
		{ "msi", "0x00000000fee00000 0x00000000feefffff msi" },
	};
	char path[128], buf[256];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, sim_knob("msi_window", cases[i].knob));
		ASSERT_EQ(0, make(&self->dev[i], NULL));
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/reserved_regions",
			 vp_iommu_group(self->dev[i].name));
		ASSERT_LE(0, vp_read(path, buf, sizeof(buf)));
		EXPECT_STREQ(cases[i].region, buf) TH_LOG("msi_window %s", cases[i].knob);
	}
}

TEST_F(bind, host_driver_binds_a_new_device)
{
	char drv[64];

	ASSERT_EQ(0, make(&self->dev[0], NULL));
	ASSERT_EQ(0, vp_driver(self->dev[0].name, drv, sizeof(drv)));
	EXPECT_STREQ(SIM_HOST_DRIVER, drv);
}

TEST_F(bind, new_devices_get_groups_of_their_own)
{
	int a, b;

	ASSERT_EQ(0, make(&self->dev[0], NULL));
	ASSERT_EQ(0, make(&self->dev[1], NULL));
	a = vp_iommu_group(self->dev[0].name);
	b = vp_iommu_group(self->dev[1].name);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_NE(a, b);
}

TEST_F(bind, devices_with_one_group_name_share_a_named_group)
{
	char path[128], name[64];
	int a, b;

	ASSERT_EQ(0, make(&self->dev[0], self->group_name));
	ASSERT_EQ(0, make(&self->dev[1], self->group_name));
	a = vp_iommu_group(self->dev[0].name);
	b = vp_iommu_group(self->dev[1].name);
	ASSERT_LE(0, a);
	EXPECT_EQ(a, b);
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/name", a);
	ASSERT_LT(0, vp_read(path, name, sizeof(name)));
	EXPECT_STREQ(self->group_name, name);
}

TEST_F(bind, device_on_its_host_driver_uses_the_identity_domain)
{
	ASSERT_EQ(0, make(&self->dev[0], NULL));
	EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(self->dev[0].name));
}

TEST_F(bind, driver_override_moves_the_device_to_vfio_platform)
{
	char path[256];
	int group;

	ASSERT_EQ(0, make(&self->dev[0], NULL));
	ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	group = vp_iommu_group(self->dev[0].name);
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	EXPECT_TRUE(vp_exists(path));
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/vfio-dev",
		 self->dev[0].name);
	EXPECT_TRUE(vp_exists(path));
}

TEST_F(bind, host_driver_takes_the_device_back)
{
	ASSERT_EQ(0, make(&self->dev[0], NULL));
	ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(0, sim_bind_host(self->dev[0].name));
	EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(self->dev[0].name));
}

TEST_F(bind, group_with_a_member_on_its_host_driver_is_not_viable)
{
	int container;

	ASSERT_EQ(0, make(&self->dev[0], self->group_name));
	ASSERT_EQ(0, make(&self->dev[1], self->group_name));
	ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	self->group = vfio_group_open(vp_iommu_group(self->dev[0].name));
	ASSERT_LE(0, self->group);
	EXPECT_EQ(0, vfio_group_viable(self->group));

	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, container);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_SET_CONTAINER, &container));
	EXPECT_EQ(EPERM, errno);
	close(container);
}

TEST_F(bind, group_whose_members_are_all_on_vfio_is_viable_and_attaches)
{
	ASSERT_EQ(0, make(&self->dev[0], self->group_name));
	ASSERT_EQ(0, make(&self->dev[1], self->group_name));
	ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(0, vp_bind(self->dev[1].name, VFIO_PLATFORM_DRIVER));
	self->group = vfio_group_open(vp_iommu_group(self->dev[0].name));
	ASSERT_LE(0, self->group);
	EXPECT_EQ(1, vfio_group_viable(self->group));
	self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
	EXPECT_LE(0, self->container);
}

TEST_F(bind, two_devices_of_one_group_work_together)
{
	struct sim_regs regs[2] = {};
	__u8 *buf;
	unsigned int i;
	long dom[2];

	ASSERT_EQ(0, make(&self->dev[0], self->group_name));
	ASSERT_EQ(0, make(&self->dev[1], self->group_name));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, vp_bind(self->dev[i].name, VFIO_PLATFORM_DRIVER));
	self->group = vfio_group_open(vp_iommu_group(self->dev[0].name));
	ASSERT_LE(0, self->group);
	self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, self->container);
	buf = dma_buffer(2 * PAGE);
	ASSERT_NE(NULL, buf);
	memset(buf, 0xab, PAGE);
	memset(buf + PAGE, 0, PAGE);
	ASSERT_EQ(0, vfio_dma_map(self->container, buf, 0x100000, 2 * PAGE,
				  VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));

	for (i = 0; i < 2; i++) {
		self->device[i] = vfio_device_get(self->group, self->dev[i].name);
		ASSERT_LE(0, self->device[i]);
		ASSERT_EQ(0, sim_regs_map(self->device[i], &regs[i]));
		dom[i] = sim_domain_id(self->dev[i].name);
	}
	EXPECT_LT(0, dom[0]);
	EXPECT_EQ(dom[0], dom[1]);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(VFIO_PSIM_DMA_DONE,
			  sim_dma(&regs[i], VFIO_PSIM_DMA_CMD_COPY, 0x100000,
				  0x101000 + i * 256, 256));
	for (i = 0; i < 512; i++)
		ASSERT_EQ(0xab, buf[PAGE + i]) TH_LOG("byte %u", i);
	EXPECT_EQ(0, buf[PAGE + 512]);
	for (i = 0; i < 2; i++)
		sim_regs_unmap(&regs[i]);
	dma_buffer_free(buf, 2 * PAGE);
}

TEST_F(bind, device_can_be_closed_and_opened_again)
{
	struct sim_regs regs;
	unsigned int round;

	ASSERT_EQ(0, make(&self->dev[0], NULL));
	ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	self->group = vfio_group_open(vp_iommu_group(self->dev[0].name));
	ASSERT_LE(0, self->group);
	self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, self->container);
	for (round = 0; round < 3; round++) {
		self->device[0] = vfio_device_get(self->group, self->dev[0].name);
		ASSERT_LE(0, self->device[0]);
		ASSERT_EQ(0, sim_regs_map(self->device[0], &regs));
		EXPECT_EQ((__u32)VFIO_PSIM_ID, sim_reg_read(&regs, VFIO_PSIM_REG_ID));
		sim_regs_unmap(&regs);
		close(self->device[0]);
		self->device[0] = -1;
	}
}

TEST_F(bind, device_fd_is_refused_for_a_device_outside_the_group)
{
	ASSERT_EQ(0, make(&self->dev[0], NULL));
	ASSERT_EQ(0, make(&self->dev[1], NULL));
	ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(0, vp_bind(self->dev[1].name, VFIO_PLATFORM_DRIVER));
	self->group = vfio_group_open(vp_iommu_group(self->dev[0].name));
	ASSERT_LE(0, self->group);
	self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, self->container);
	EXPECT_EQ(-1, ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, self->dev[1].name));
	EXPECT_EQ(ENODEV, errno);
}

TEST_F(bind, unbind_waits_until_the_device_is_closed)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char path[256], drv[64];
	int status;
	pid_t pid;

	ASSERT_EQ(0, make(&self->dev[0], NULL));
	ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	self->group = vfio_group_open(vp_iommu_group(self->dev[0].name));
	ASSERT_LE(0, self->group);
	self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, self->container);
	self->device[0] = vfio_device_get(self->group, self->dev[0].name);
	ASSERT_LE(0, self->device[0]);

	snprintf(path, sizeof(path), "/sys/bus/platform/drivers/%s/unbind",
		 VFIO_PLATFORM_DRIVER);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(self->device[0]);
		close(self->container);
		close(self->group);
		_exit(vp_write(path, "%s", self->dev[0].name) ? 1 : 0);
	}

	sleep_ms(300);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG)) TH_LOG("unbind returned while open");
	/* The driver is on its way out, but the device still works for its user. */
	EXPECT_EQ(0, ioctl(self->device[0], VFIO_DEVICE_GET_INFO, &info));

	close(self->device[0]);
	self->device[0] = -1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(0, vp_driver(self->dev[0].name, drv, sizeof(drv)));
	EXPECT_STREQ("", drv);
}

TEST_F(bind, device_that_cannot_be_reset_is_refused_by_vfio_platform)
{
	struct sim_config cfg;
	char drv[64];

	sim_config_init(&cfg);
	cfg.no_reset = true;
	ASSERT_EQ(0, sim_create(&self->dev[0], &cfg));
	EXPECT_NE(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(0, vp_driver(self->dev[0].name, drv, sizeof(drv)));
	EXPECT_STREQ("", drv);
	EXPECT_EQ(0, sim_bind_host(self->dev[0].name));
}

TEST_F(bind, iommu_without_cache_coherency_is_refused_by_vfio)
{
	char drv[64];

	ASSERT_EQ(0, make(&self->dev[0], NULL));
	ASSERT_EQ(0, sim_knob("cache_coherency", "N"));
	EXPECT_NE(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(0, vp_driver(self->dev[0].name, drv, sizeof(drv)));
	EXPECT_STREQ("", drv);
	ASSERT_EQ(0, sim_knob("cache_coherency", "Y"));
	EXPECT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
}

TEST_F(bind, dma_ownership_stays_balanced_across_rebinding)
{
	unsigned int round;
	int group;

	ASSERT_EQ(0, make(&self->dev[0], self->group_name));
	ASSERT_EQ(0, make(&self->dev[1], self->group_name));
	group = vp_iommu_group(self->dev[0].name);
	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER));
		ASSERT_EQ(0, vp_bind(self->dev[1].name, VFIO_PLATFORM_DRIVER));
		self->group = vfio_group_open(group);
		ASSERT_LE(0, self->group);
		ASSERT_EQ(1, vfio_group_viable(self->group)) TH_LOG("round %u", round);
		self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
		ASSERT_LE(0, self->container) TH_LOG("round %u", round);
		close(self->container);
		close(self->group);
		self->container = -1;
		self->group = -1;
		ASSERT_EQ(0, sim_bind_host(self->dev[0].name)) TH_LOG("round %u", round);
		ASSERT_EQ(0, sim_bind_host(self->dev[1].name)) TH_LOG("round %u", round);
		EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(self->dev[0].name));
	}
}

TEST_F_TIMEOUT(bind, bind_unbind_cycles_leak_no_group_domain_or_irq, 600)
{
	char path[128];
	int group, efd, i;

	ASSERT_EQ(0, make(&self->dev[0], NULL));
	group = vp_iommu_group(self->dev[0].name);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, sim_history_clear());
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, vp_bind(self->dev[0].name, VFIO_PLATFORM_DRIVER))
			TH_LOG("cycle %d", i);
		self->group = vfio_group_open(group);
		ASSERT_LE(0, self->group);
		self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
		ASSERT_LE(0, self->container) TH_LOG("cycle %d", i);
		self->device[0] = vfio_device_get(self->group, self->dev[0].name);
		ASSERT_LE(0, self->device[0]);
		ASSERT_EQ(0, vfio_irq_eventfd(self->device[0], 0,
					      VFIO_IRQ_SET_ACTION_TRIGGER, efd));
		close(self->device[0]);
		close(self->container);
		close(self->group);
		self->device[0] = -1;
		self->container = -1;
		self->group = -1;
		ASSERT_EQ(0, sim_bind_host(self->dev[0].name)) TH_LOG("cycle %d", i);
		ASSERT_EQ(group, vp_iommu_group(self->dev[0].name));
	}
	close(efd);

	EXPECT_EQ(0, grep_count("/proc/interrupts", self->dev[0].name));
	EXPECT_EQ(SIM_DOMAIN_IDENTITY, sim_domain_id(self->dev[0].name));
	/* Every paging domain allocated was freed: none is left in debugfs. */
	EXPECT_EQ(0, vp_count_dir(SIM_DEBUGFS "/iommu/domains"));
	EXPECT_EQ(100, sim_history_count_prefix("alloc "));
	EXPECT_EQ(100, sim_history_count_prefix("free "));
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	EXPECT_FALSE(vp_exists(path));
}

TEST_F_TIMEOUT(bind, create_remove_cycles_leave_nothing_behind, 600)
{
	int groups, i;

	groups = vp_count_dir("/sys/kernel/iommu_groups");
	ASSERT_LE(0, groups);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, make(&self->dev[0], i % 2 ? self->group_name : NULL))
			TH_LOG("cycle %d", i);
		ASSERT_EQ(groups + 1, vp_count_dir("/sys/kernel/iommu_groups"));
		ASSERT_EQ(0, sim_destroy(&self->dev[0])) TH_LOG("cycle %d", i);
	}
	EXPECT_EQ(groups, vp_count_dir("/sys/kernel/iommu_groups"));
	EXPECT_EQ(0, grep_count("/proc/iomem", "vfio-platform-sim."));
	EXPECT_EQ(0, vp_count_dir(SIM_DEBUGFS "/devices"));
}

TEST_HARNESS_MAIN
