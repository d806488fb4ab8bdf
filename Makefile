# SPDX-License-Identifier: GPL-2.0
#
# vfio-platform: build a Linux 6.12 tree with our drivers, boot it, test it.
# The README explains the targets; `make help` lists them.
#
# Not kbuild's Makefile: kbuild runs on the prepared tree in build/linux.

ARCH ?= x86_64
# The interrupt controller of an arm64 guest: 3 (GICv3 with an ITS) or 2.
GIC ?= 3
S := tools/testing/vfio-platform

# `make vm CMD=...`, `make vmtests T=...` and `make kunit K=...` hand these to the scripts.
export CMD T K

# COMPAT=1: the compat kernel in build/<arch>-compat, where iommufd's compat container
# serves /dev/vfio/vfio (VFIO_CONTAINER=n, IOMMUFD_VFIO_CONTAINER=y), for kernel,
# selftests, vm, vmtests and manifest.
ifneq ($(filter-out 0,$(COMPAT)),)
export VP_FLAVOUR := compat
endif

.PHONY: all deps tree kernel selftests demo vm check check-arm64 static kunit vmtests \
	fuzz bench manifest clean help modules modules_install modules-clean

all: demo

deps:
	@bash $(S)/deps.sh $(ARCH)

tree: deps
	@bash $(S)/prepare-tree.sh

kernel: tree
	@bash $(S)/kbuild.sh $(ARCH)

selftests: kernel
	@bash $(S)/selftests.sh --arch $(ARCH) build

demo: selftests
ifeq ($(ARCH),x86_64)
	@bash $(S)/vm-run.sh -- $(CURDIR)/$(S)/demo.sh
else
	@echo "$(ARCH) kernel, modules and selftests built in build/$(ARCH)"
endif

vm: kernel
	@test -n "$$CMD" || { echo "usage: make vm CMD='shell command'"; exit 2; }
	@bash $(S)/vm-run.sh --arch $(ARCH) --gic $(GIC) -- "$$CMD"

# Every lane needs the arm64 cross toolchain and QEMU as well.
check:
	@bash $(S)/deps.sh arm64
	@bash $(S)/check.sh

check-arm64:
	@bash $(S)/deps.sh arm64
	@bash $(S)/check.sh --arm64

static: kernel
	@bash $(S)/static-check.sh --arch $(ARCH)

kunit: tree
	@bash $(S)/kunit.sh $$K

vmtests: selftests
	@bash $(S)/selftests.sh --arch $(ARCH) --gic $(GIC) run $$T

# The fuzzer alone for longer than make check runs it, in the lane's VM, from a
# random seed unless SEED is given; a failure prints how to replay it.
N ?= 1000000
fuzz: selftests
	@seed=$${SEED:-0x$$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')}; \
	echo "fuzz: $(N) calls from seed $$seed"; \
	bash $(S)/vm-run.sh --arch $(ARCH) --gic $(GIC) --timeout 7200 -- \
		VP_SEED=$$seed VP_CALLS=$(N) VP_PROG_TIMEOUT=7000 $(CURDIR)/$(S)/run-selftests.sh \
		$(CURDIR)/build/$(ARCH)/selftests/vfio_platform vfio_platform_fuzz_test || \
	{ echo "fuzz: FAILED; replay: make fuzz ARCH=$(ARCH) SEED=$$seed N=$(N)"; exit 1; }

# Our vfio-platform against upstream 6.12's, side by side in the VM, on the performance
# kernel (DEBUG=1: the test kernel, its checkers inflating every figure); QUICK=1 for
# one round on small sizes. Table and plots in build/results/.
bench: tree
	@bash $(S)/bench.sh --arch $(ARCH) $(if $(filter-out 0,$(DEBUG)),--debug) \
		$(if $(filter-out 0,$(QUICK)),--quick)

# The tests the lane's last run ran, as a manifest for $(S)/expected/.
manifest:
	@bash $(S)/selftests.sh --arch $(ARCH) --gic $(GIC) manifest

# Out of tree, against an installed Linux 6.12 kernel's headers (by default the
# running kernel's): the modules the top-level Kconfig gives that kernel. No
# kernel tree is prepared; dkms.conf runs these.
KDIR ?= /lib/modules/$(shell uname -r)/build

modules:
	@bash $(S)/modules.sh $(KDIR)

# What `make modules` built, into updates/vfio-platform of that kernel's modules,
# which depmod prefers to the kernel's own: our vfio_iommu_type1 serves
# /dev/vfio/vfio. Builds nothing (run it as root after building as yourself).
modules_install:
	@bash $(S)/modules.sh --install $(KDIR)

modules-clean:
	@bash $(S)/modules.sh --clean $(KDIR)

clean:
	rm -rf build

help:
	@echo 'make                 build kernel, modules, selftests; run the demo in the VM'
	@echo 'make check           all test lanes; last line: N passed, M failed'
	@echo 'make check-arm64     the arm64 lanes alone (static, GICv3 VM, GICv2 VM)'
	@echo 'make ARCH=arm64      cross-build the arm64 kernel, modules and selftests'
	@echo 'make vmtests ARCH=arm64 [GIC=2] [T=...]  VM selftests in the arm64 VM'
	@echo 'make vm CMD=...      run a shell command as root in the test VM'
	@echo 'make static          checkpatch, kernel-doc, sparse, W=1, shellcheck'
	@echo 'make kunit [K=glob]  KUnit suites (kunit.py, x86_64)'
	@echo 'make vmtests [T="prog [harness args]"]  VM selftests, or one program'
	@echo 'make vmtests COMPAT=1 [T=...]  VM selftests on the compat kernel, whose'
	@echo '                     /dev/vfio/vfio is iommufd'"'"'s compat container'
	@echo 'make fuzz [ARCH=arm64] [SEED=n] [N=calls]  the fuzzer alone, 1000000 calls'
	@echo '                     from a random seed unless given; prints how to replay'
	@echo 'make bench [ARCH=arm64] [DEBUG=1] [QUICK=1]  our vfio-platform against'
	@echo '                     upstream 6.12 in the VM; table and SVG plots in build/results'
	@echo 'make manifest [ARCH=arm64] [GIC=2]  the tests of the last full VM run, as'
	@echo '                     the lane manifest make check expects (expected/LANE)'
	@echo 'make modules [KDIR=dir]  out of tree, against an installed 6.12 kernel'"'"'s'
	@echo '                     headers (default: the running kernel'"'"'s); modules_install,'
	@echo '                     modules-clean; dkms.conf does the same for DKMS'
	@echo 'make tree | kernel | selftests | deps | clean'
