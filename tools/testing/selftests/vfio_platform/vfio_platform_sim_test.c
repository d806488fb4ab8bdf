// SPDX-License-Identifier: GPL-2.0
/*
 * The simulator's own behaviour, as other tests rely on it: its configfs
 * attributes while a device goes away, region offsets, interrupt triggers,
 * compatible lists and shared reset lines.
 *
 * Removing a device that user space holds open waits until it is closed.
 * The steps that may wait run in child processes holding none of the test's
 * VFIO file descriptors, so that the test closes the device itself when an
 * assertion fails and never hangs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

FIXTURE(sim) {
	struct vp_dev vd;
	struct job jobs[MAX_JOBS];
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

TEST_HARNESS_MAIN
