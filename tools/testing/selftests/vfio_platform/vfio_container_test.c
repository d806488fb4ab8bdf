// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO container interface as the test kernel serves it: /dev/vfio/vfio belongs to
 * vfio_iommu_type1 (not to iommufd's compatibility container), and /dev/iommu exists
 * beside it for the device cdev path.
 *
 * The vfio, vfio_iommu_type1 and iommufd modules are loaded by the test runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"

FIXTURE(container) {
	int fd;
};

FIXTURE_SETUP(container)
{
	self->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/vfio/vfio: %s", strerror(errno));
}

FIXTURE_TEARDOWN(container)
{
	close(self->fd);
}

TEST_F(container, reports_the_current_api_version)
{
	EXPECT_EQ(VFIO_API_VERSION, ioctl(self->fd, VFIO_GET_API_VERSION));
}

TEST_F(container, offers_type1_and_type1v2)
{
	EXPECT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
}

TEST_F(container, denies_an_unknown_extension)
{
	EXPECT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION, 0x7fff));
}

/* Only a group brings the privilege to pick an IOMMU model. */
TEST_F(container, refuses_set_iommu_without_a_group)
{
	EXPECT_EQ(-1, ioctl(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(EINVAL, errno);
}

/* Without an IOMMU model nothing else is passed through. */
TEST_F(container, refuses_other_ioctls_before_set_iommu)
{
	EXPECT_EQ(-1, ioctl(self->fd, VFIO_IOMMU_GET_INFO, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST(iommufd_is_available_for_the_device_cdev_path)
{
	int fd;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no /dev/iommu: this kernel has no iommufd (CONFIG_IOMMUFD)");
	ASSERT_LE(0, fd) TH_LOG("open /dev/iommu: %s", strerror(errno));
	close(fd);
}

TEST_HARNESS_MAIN
