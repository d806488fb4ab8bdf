# SPDX-License-Identifier: GPL-2.0
#
# libvfio_platform, for the Makefile of a program that uses it:
#
#   LIBVFIO_PLATFORM_OUTPUT := <directory for the library's objects>
#   include <path to>/tools/lib/vfio_platform/libvfio_platform.mk
#   CFLAGS += $(LIBVFIO_PLATFORM_CFLAGS)
#   prog: $(LIBVFIO_PLATFORM_O)
#
# The objects are built with the program's CC and CFLAGS.

ifeq ($(LIBVFIO_PLATFORM_OUTPUT),)
$(error set LIBVFIO_PLATFORM_OUTPUT before including libvfio_platform.mk)
endif

# Its rules come before the program's: include it after the program's first
# target, or that target is no longer the default.
LIBVFIO_PLATFORM_SRCDIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
LIBVFIO_PLATFORM_TOOLS_INCLUDE := $(LIBVFIO_PLATFORM_SRCDIR)/../../include

LIBVFIO_PLATFORM_C := log.c sysfs.c vfio.c sim_regs.c
LIBVFIO_PLATFORM_O := $(LIBVFIO_PLATFORM_C:%.c=$(LIBVFIO_PLATFORM_OUTPUT)/%.o)
LIBVFIO_PLATFORM_H := $(LIBVFIO_PLATFORM_SRCDIR)/libvfio_platform.h \
	$(LIBVFIO_PLATFORM_TOOLS_INCLUDE)/linux/vfio_platform_sim_regs.h

# tools/include is searched after the system's headers, not before: the few
# it has of its own are all we need from it, and some of the others
# (linux/types.h, linux/const.h) are not the uAPI headers of the same name
# that <linux/vfio.h> wants.
LIBVFIO_PLATFORM_CFLAGS := -I$(LIBVFIO_PLATFORM_SRCDIR) \
	-idirafter $(LIBVFIO_PLATFORM_TOOLS_INCLUDE)

$(LIBVFIO_PLATFORM_O): $(LIBVFIO_PLATFORM_OUTPUT)/%.o: \
		$(LIBVFIO_PLATFORM_SRCDIR)/%.c $(LIBVFIO_PLATFORM_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<
