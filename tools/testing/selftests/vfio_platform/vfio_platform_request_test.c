// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_REQUEST: an unbind of an open device signals the
 * eventfd its owner connected, and completes once the owner closes the
 * device; without an eventfd it waits all the same. The unbind runs in a
 * thread of the test, blocked in its write to sysfs until the last close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

/* How long an unbind may take once the device is closed, and a "not yet". */
#define DONE_MS		10000
#define QUIET_MS	500

struct feature_request {
	struct vfio_device_feature hdr;
	struct vfio_device_feature_request req;
};

static int set_request(int device, int efd)
{
	struct feature_request f = {
		.hdr.argsz = sizeof(f),
		.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_REQUEST,
		.req.eventfd = efd,
	};

	return ioctl(device, VFIO_DEVICE_FEATURE, &f) ? -errno : 0;
}

/* An unbind (or a removal of the device) blocked until the device is closed. */
struct unbind {
	pthread_t thread;
	char dev[64];
	struct sim_dev *remove;	/* live=0 rather than unbind */
	int ret;
	bool started;
};

static void *unbind_thread(void *arg)
{
	struct unbind *u = arg;
	char path[128];

	if (u->remove) {
		u->ret = sim_set_live(u->remove, false);
	} else {
		snprintf(path, sizeof(path), "/sys/bus/platform/drivers/%s/unbind",
			 VFIO_PLATFORM_DRIVER);
		u->ret = vp_write(path, "%s", u->dev);
	}
	return NULL;
}

static int unbind_start(struct unbind *u, const char *dev, struct sim_dev *remove)
{
	snprintf(u->dev, sizeof(u->dev), "%s", dev);
	u->remove = remove;
	u->ret = -EINPROGRESS;
	u->started = !pthread_create(&u->thread, NULL, unbind_thread, u);
	return u->started ? 0 : -EAGAIN;
}

/* 0 once the unbind has returned, -ETIMEDOUT while it still waits. */
static int unbind_wait(struct unbind *u, int timeout_ms)
{
	struct timespec ts;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	err = pthread_clockjoin_np(u->thread, NULL, CLOCK_MONOTONIC, &ts);
	if (err)
		return -err;
	u->started = false;
	return 0;
}

FIXTURE(request) {
	struct sim_dev dev;
	int group, container, device, iommufd, efd;
	struct unbind unbind;
	struct vp_saved unsafe;
	pid_t owner;		/* a child holding the device, or 0 */
};

FIXTURE_SETUP(request)
{
	struct sim_config cfg;

	memset(self, 0, sizeof(*self));
	self->group = -1;
	self->container = -1;
	self->device = -1;
	self->iommufd = -1;
	self->efd = -1;
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	sim_config_init(&cfg);
	cfg.num_irqs = 1;
	ASSERT_EQ(0, sim_create(&self->dev, &cfg));
	ASSERT_EQ(0, vp_bind(self->dev.name, VFIO_PLATFORM_DRIVER));
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

/* The helpers below take the fixture's data: FIXTURE_DATA(request) spelled out. */
static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_device(struct _test_data_request *self)
{
	close_fd(&self->device);
	close_fd(&self->container);
	close_fd(&self->group);
	close_fd(&self->iommufd);
}

FIXTURE_TEARDOWN(request)
{
	close_device(self);
	if (self->owner > 0) {
		kill(self->owner, SIGKILL);
		waitpid(self->owner, NULL, 0);
	}
	/* Closing let any unbind still waiting finish. */
	if (self->unbind.started)
		unbind_wait(&self->unbind, DONE_MS);
	close_fd(&self->efd);
	vp_restore(&self->unsafe);
	sim_destroy(&self->dev);
}

static int open_group(struct _test_data_request *self)
{
	self->group = vfio_group_open(vp_iommu_group(self->dev.name));
	if (self->group < 0)
		return self->group;
	self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
	if (self->container < 0)
		return self->container;
	self->device = vfio_device_get(self->group, self->dev.name);
	return self->device < 0 ? self->device : 0;
}

static int open_cdev(struct _test_data_request *self)
{
	__u32 ioas;
	int ret;

	/* No MSI doorbell is reachable: iommufd needs no parameter. */
	ret = vp_save_and_set(&self->unsafe, IOMMUFD_UNSAFE_IRQS, "N");
	if (ret)
		return ret;
	self->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (self->iommufd < 0)
		return -errno;
	self->device = vfio_cdev_open(self->dev.name);
	if (self->device < 0)
		return self->device;
	ret = vfio_cdev_bind(self->device, self->iommufd);
	ret = ret ?: iommufd_ioas_alloc(self->iommufd, &ioas);
	return ret ?: vfio_cdev_attach(self->device, ioas);
}

/*
 * Until the unbind has removed the VFIO device, it has not asked yet: a
 * window in which no signal came proves nothing before that.
 */
static int unbind_asking(struct _test_data_request *self)
{
	char path[128];
	int i;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/vfio-dev",
		 self->unbind.dev);
	for (i = 0; i < DONE_MS / 20; i++) {
		if (!vp_exists(path))
			return 0;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

static bool unbound(struct _test_data_request *self)
{
	char drv[64];

	return !vp_driver(self->dev.name, drv, sizeof(drv)) && !drv[0];
}

TEST_F(request, probe_offers_set_only)
{
	struct vfio_device_feature f = { .argsz = sizeof(f) };

	ASSERT_EQ(0, open_group(self));
	f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
		  VFIO_DEVICE_FEATURE_REQUEST;
	EXPECT_EQ(0, ioctl(self->device, VFIO_DEVICE_FEATURE, &f));
	f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		  VFIO_DEVICE_FEATURE_REQUEST;
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_FEATURE, &f));
	EXPECT_EQ(EINVAL, errno);
	f.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_REQUEST;
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_FEATURE, &f));
	EXPECT_EQ(EINVAL, errno);
	/* A feature number nobody offers stays unknown. */
	f.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET | 0xfff0;
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_FEATURE, &f));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(request, set_refuses_bad_arguments)
{
	struct feature_request f = {
		.hdr.argsz = sizeof(f),
		.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_REQUEST,
	};
	long page = sysconf(_SC_PAGESIZE);
	struct vfio_device_feature *edge;
	int null_fd;
	char *map;

	ASSERT_EQ(0, open_group(self));
	f.req.eventfd = self->efd;
	f.req.flags = 1;
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_FEATURE, &f));
	EXPECT_EQ(EINVAL, errno);
	f.req.flags = 0;
	f.hdr.argsz = sizeof(f) - 1;
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_FEATURE, &f));
	EXPECT_EQ(EINVAL, errno);
	f.hdr.argsz = sizeof(f);

	EXPECT_EQ(-EINVAL, set_request(self->device, -2));
	EXPECT_EQ(-EINVAL, set_request(self->device, INT_MIN));
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null_fd);
	EXPECT_EQ(-EINVAL, set_request(self->device, null_fd));
	close(null_fd);
	EXPECT_EQ(-EBADF, set_request(self->device, null_fd));

	/* The header readable, the eventfd and flags past the end of the mapping. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page, page));
	edge = (void *)(map + page - sizeof(*edge));
	edge->argsz = sizeof(f);
	edge->flags = f.hdr.flags;
	EXPECT_EQ(-1, ioctl(self->device, VFIO_DEVICE_FEATURE, edge));
	EXPECT_EQ(EFAULT, errno);
	munmap(map, page);

	/* Nothing refused changed anything: the device still unbinds at close. */
	ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
	ASSERT_EQ(0, unbind_asking(self));
	EXPECT_EQ(0, efd_wait(self->efd, QUIET_MS));
	close_device(self);
	EXPECT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
	EXPECT_TRUE(unbound(self));
}

static void owner_is_asked_then_closes(struct __test_metadata *_metadata,
				       struct _test_data_request *self, bool remove)
{
	ASSERT_EQ(0, set_request(self->device, self->efd));
	ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name,
				  remove ? &self->dev : NULL));
	ASSERT_EQ(1, efd_wait(self->efd, DONE_MS)) TH_LOG("the owner was not asked");
	/* Asked, not forced: the unbind waits and the device keeps working. */
	EXPECT_EQ(-ETIMEDOUT, unbind_wait(&self->unbind, QUIET_MS));
	if (self->iommufd < 0) {
		struct vfio_device_info info = { .argsz = sizeof(info) };

		EXPECT_EQ(0, ioctl(self->device, VFIO_DEVICE_GET_INFO, &info));
	}
	close_device(self);
	ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
	EXPECT_EQ(0, self->unbind.ret);
	if (!remove)
		EXPECT_TRUE(unbound(self));
}

TEST_F(request, unbind_asks_the_owner_through_the_group_path)
{
	ASSERT_EQ(0, open_group(self));
	owner_is_asked_then_closes(_metadata, self, false);
}

TEST_F(request, unbind_asks_the_owner_through_the_cdev_path)
{
	if (iommufd_missing())
		SKIP(return, "%s", iommufd_missing());
	ASSERT_EQ(0, open_cdev(self));
	owner_is_asked_then_closes(_metadata, self, false);
}

TEST_F(request, removing_the_device_asks_the_owner)
{
	ASSERT_EQ(0, open_group(self));
	owner_is_asked_then_closes(_metadata, self, true);
}

TEST_F(request, without_an_eventfd_the_unbind_waits_for_the_close)
{
	ASSERT_EQ(0, open_group(self));
	ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
	ASSERT_EQ(0, unbind_asking(self));
	EXPECT_EQ(-ETIMEDOUT, unbind_wait(&self->unbind, QUIET_MS));
	close_device(self);
	ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
	EXPECT_TRUE(unbound(self));
}

TEST_F(request, a_disconnected_eventfd_is_not_signalled)
{
	ASSERT_EQ(0, open_group(self));
	ASSERT_EQ(0, set_request(self->device, self->efd));
	ASSERT_EQ(0, set_request(self->device, -1));
	/* Disconnecting what is not connected is no error. */
	ASSERT_EQ(0, set_request(self->device, -1));
	ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
	ASSERT_EQ(0, unbind_asking(self));
	EXPECT_EQ(0, efd_wait(self->efd, QUIET_MS));
	close_device(self);
	ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
}

TEST_F(request, a_replaced_eventfd_is_not_signalled)
{
	int efd2 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_LE(0, efd2);
	ASSERT_EQ(0, open_group(self));
	ASSERT_EQ(0, set_request(self->device, self->efd));
	ASSERT_EQ(0, set_request(self->device, efd2));
	ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
	EXPECT_EQ(1, efd_wait(efd2, DONE_MS));
	EXPECT_EQ(0, efd_wait(self->efd, 0));
	close(efd2);
	close_device(self);
	ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
}

TEST_F(request, the_last_close_drops_the_eventfd)
{
	ASSERT_EQ(0, open_group(self));
	ASSERT_EQ(0, set_request(self->device, self->efd));
	close_fd(&self->device);
	/* A new opening, by whoever holds the group next, connected nothing. */
	self->device = vfio_device_get(self->group, self->dev.name);
	ASSERT_LE(0, self->device);
	ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
	ASSERT_EQ(0, unbind_asking(self));
	EXPECT_EQ(0, efd_wait(self->efd, QUIET_MS));
	close_device(self);
	ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
}

TEST_F_TIMEOUT(request, an_owner_that_stays_is_asked_again, 60)
{
	ASSERT_EQ(0, open_group(self));
	ASSERT_EQ(0, set_request(self->device, self->efd));
	ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
	ASSERT_EQ(1, efd_wait(self->efd, DONE_MS));
	/* The VFIO core asks about every ten seconds. */
	EXPECT_EQ(1, efd_wait(self->efd, 3 * DONE_MS)) TH_LOG("asked only once");
	close_device(self);
	ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
}

TEST_F(request, an_owner_killed_after_the_request_lets_the_unbind_finish)
{
	int ready[2], status;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The owner: opens, connects the test's eventfd, and stays. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		if (open_group(self) || set_request(self->device, self->efd))
			_exit(1);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	/* Teardown kills it if the test stops half-way. */
	self->owner = pid;
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the owner could not open the device");
	close(ready[0]);

	ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
	EXPECT_EQ(1, efd_wait(self->efd, DONE_MS));
	EXPECT_EQ(-ETIMEDOUT, unbind_wait(&self->unbind, QUIET_MS));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	self->owner = 0;
	ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
	EXPECT_TRUE(unbound(self));
}

TEST_F(request, bind_open_ask_close_cycles)
{
	unsigned int i;

	for (i = 0; i < 5; i++) {
		if (i)
			ASSERT_EQ(0, vp_bind(self->dev.name, VFIO_PLATFORM_DRIVER));
		ASSERT_EQ(0, open_group(self));
		ASSERT_EQ(0, set_request(self->device, self->efd));
		ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
		ASSERT_EQ(1, efd_wait(self->efd, DONE_MS)) TH_LOG("cycle %u", i);
		close_device(self);
		ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
		ASSERT_TRUE(unbound(self));
	}
}

/* Connecting and disconnecting as fast as it can, racing the request op. */
struct flipper {
	int device, efd[2];
	bool stop;
	unsigned long flips;
};

static void *flip_thread(void *arg)
{
	struct flipper *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
		set_request(f->device, f->efd[f->flips % 2]);
		set_request(f->device, -1);
		f->flips++;
	}
	return NULL;
}

/*
 * Each cycle's unbind asks while the thread connects and disconnects, then
 * the close drops whatever the race left connected. What it proves is for
 * lockdep, KASAN and kmemleak to say: the request op, SET and the last close
 * share the eventfd without a race.
 */
TEST_F(request, connecting_races_the_request)
{
	struct flipper f = { .efd = { self->efd, -1 } };
	pthread_t thread;
	unsigned int i;

	f.efd[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, f.efd[1]);
	for (i = 0; i < 3; i++) {
		if (i)
			ASSERT_EQ(0, vp_bind(self->dev.name, VFIO_PLATFORM_DRIVER));
		ASSERT_EQ(0, open_group(self));
		f.device = self->device;
		__atomic_store_n(&f.stop, false, __ATOMIC_RELAXED);
		ASSERT_EQ(0, pthread_create(&thread, NULL, flip_thread, &f));
		ASSERT_EQ(0, unbind_start(&self->unbind, self->dev.name, NULL));
		ASSERT_EQ(0, unbind_asking(self));
		usleep(100000);
		__atomic_store_n(&f.stop, true, __ATOMIC_RELAXED);
		pthread_join(thread, NULL);
		close_device(self);
		ASSERT_EQ(0, unbind_wait(&self->unbind, DONE_MS));
		EXPECT_TRUE(unbound(self));
	}
	EXPECT_LT(0UL, f.flips);
	close(f.efd[1]);
}

TEST_HARNESS_MAIN
