#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM selftest lane: build the kselftest harness programs of
# tools/testing/selftests/vfio_platform on the host, run them inside the test VM
# (vm-run.sh) and count their TAP results.
#
#   selftests.sh [--arch ARCH] [--gic 2|3] build
#   selftests.sh [--arch ARCH] [--gic 2|3] run [--expect] [PROGRAM [HARNESS ARGS...]]
#   selftests.sh [--arch ARCH] [--gic 2|3] manifest
#
# The lane is vmtests-ARCH. An arm64 guest has a GICv3 with an ITS, or with --gic 2 a
# GICv2, in lane vmtests-arm64-gicv2. With VP_FLAVOUR=compat the guest boots the compat
# kernel (iommufd's compat container serves /dev/vfio/vfio), in lane vmtests-ARCH-compat.
#
# A test counts as failed when it reports "not ok", when its program exits non-zero
# without reporting a failure (a crash), when it reports fewer results than its plan,
# and when the VM run fails (kernel splat, hang, no status). The counts are recorded for
# the summary of `make check`, with the QEMU the guest ran on (results/LANE.qemu).
#
# With --expect (make check), the lane must also run exactly the tests its manifest,
# expected/LANE beside this script, lists: one "PROGRAM TEST" per line, or
# "PROGRAM TEST skip: REASON" for a test the lane is expected to skip. A listed test
# that did not run, a test that is not listed, and a skip that is not listed each count
# as one failure, so that a lost program, a stale binary or a broken environment
# cannot pass as a smaller green run. `manifest` prints the manifest of the lane's last
# run (results/LANE.log), to review and commit when tests are added or renamed.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch=x86_64
gic=3
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--gic) gic=$2; shift 2 ;;
	*) break ;;
	esac
done
vp_arch_setup "$arch"
lane=vmtests-$VP_ARCH
# The compat kernel's lane: iommufd serves /dev/vfio/vfio.
[ "$VP_FLAVOUR" = compat ] && lane=$lane-compat
[ "$VP_FLAVOUR" = debian ] && lane=$lane-debian
if [ "$gic" = 2 ]; then
	[ "$VP_ARCH" = arm64 ] || vp_die "--gic 2 is for arm64 guests"
	lane=$lane-gicv2
fi
suite=vfio_platform
# Debian's kernel runs the programs built for our test kernel: the uAPI they are
# built against is the driver set's, whichever kernel serves it.
hdr_obj=$VP_OBJ
[ "$VP_FLAVOUR" != debian ] || hdr_obj=$VP_BUILD/$VP_ARCH
out=$hdr_obj/selftests/$suite
tools=$hdr_obj/tools/vfio

build()
{
	local ldflags=

	[ -f "$hdr_obj/usr/include/linux/vfio.h" ] ||
		vp_die "no uAPI headers in ${hdr_obj#"$VP_TOP"/}/usr: build the kernel first"
	[ "$VP_ARCH" = arm64 ] && ldflags=-static
	vp_log "building selftests into ${out#"$VP_TOP"/}"
	mkdir -p "$out"
	make -C "$VP_TREE/tools/testing/selftests/$suite" -s \
		OUTPUT="$out" CC="${VP_CROSS}gcc" LDFLAGS="$ldflags" \
		KHDR_INCLUDES="-isystem $hdr_obj/usr/include"
	# The example userspace driver of tools/vfio, which the demo runs.
	vp_log "building tools/vfio into ${tools#"$VP_TOP"/}"
	mkdir -p "$tools"
	make -C "$VP_TREE/tools/vfio" -s \
		OUTPUT="$tools" CC="${VP_CROSS}gcc" LDFLAGS="$ldflags" \
		KHDR_INCLUDES="-isystem $hdr_obj/usr/include"
}

# Count the TAP results of the programs in a run's output, one summary line each,
# against the manifest $expect when it is set.
count()
{
	awk -v lane="$lane" -v expect="${expect:-}" '
	BEGIN {
		while (expect != "" && (getline line < expect) > 0) {
			if (line ~ /^[ \t]*(#|$)/)
				continue
			split(line, f, " ")
			key = f[1] " " f[2]
			want[key] = line ~ / skip: / ? "skip" : "run"
		}
	}
	function check(name, skipped,   key) {
		if (expect == "")
			return
		key = prog " " name
		if (!(key in want)) {
			printf "%s: %s: %s is not in the manifest\n", lane, prog, name
			fail++
		} else if (skipped && want[key] != "skip") {
			printf "%s: %s: %s was skipped, which the manifest does not expect\n", lane, prog, name
			fail++
		}
		got[key] = 1
	}
	function finish(status) {
		if (prog == "")
			return
		if (plan > seen) {
			printf "%s: %s reported %d of %d results\n", lane, prog, seen, plan
			fail += plan - seen
		}
		if (status != 0 && status != 4 && pfail == 0) {
			printf "%s: %s exited with status %s\n", lane, prog, status
			fail++
		}
		printf "%s: %s: %d passed, %d failed, %d skipped\n", lane, prog,
			ppass, pfail, pskip
		prog = ""
	}
	/^# vp-run: / { prog = $3; plan = 0; seen = 0; ppass = pfail = pskip = 0; next }
	/^# vp-exit: / { finish($4); next }
	/^# vp-error: / { print lane ": " substr($0, 14); fail++; next }
	prog != "" && /^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
	prog != "" && /^(not )?ok [0-9]+/ {
		seen++
		name = $0
		sub(/^(not )?ok [0-9]+ /, "", name)
		sub(/ # .*/, "", name)
		skipped = $0 ~ /# [Ss][Kk][Ii][Pp]/
		check(name, skipped)
		if (skipped) { skip++; pskip++ }
		else if ($1 == "ok") { pass++; ppass++ }
		else { fail++; pfail++ }
	}
	END {
		if (prog != "") {
			printf "%s: %s did not finish\n", lane, prog
			fail++
		}
		for (key in want)
			if (!(key in got)) {
				split(key, f, " ")
				printf "%s: %s: %s did not run\n", lane, f[1], f[2]
				fail++
			}
		printf "%d %d %d\n", pass, fail, skip > "/dev/stderr"
	}'
}

run()
{
	local log=$VP_BUILD/results/$lane.log status=0 pass=0 fail=0 skip=0 tmp
	local expect='' qemu10

	if [ "${1:-}" = --expect ]; then
		expect=$VP_SCRIPTS/expected/$lane
		shift
		[ -f "$expect" ] || vp_die "no manifest for $lane: ${expect#"$VP_TOP"/}"
	fi
	build
	mkdir -p "$VP_BUILD/results"
	vp_log "running selftests in the $VP_ARCH VM ($lane)"
	# Each run counts its own output, even when another run shares the checkout.
	tmp=$(mktemp "$VP_BUILD/results/.vmtests.XXXXXX")
	# The lane's programs are bounded one by one (run-selftests.sh); this bounds the VM.
	# VP_QEMU10_ROOT: QEMU 10.0, the newer client of vfio_platform_qemu_test, built
	# for the guest's architecture.
	qemu10=$VP_QEMU_ROOT
	[ "$VP_ARCH" = x86_64 ] || qemu10=$VP_CLIENT_QEMU10
	"$VP_SCRIPTS/vm-run.sh" --arch "$VP_ARCH" --gic "$gic" --timeout 3600 -- \
		env "VP_QEMU10_ROOT=$qemu10" \
		"$VP_SCRIPTS/run-selftests.sh" "$out" "$@" | tee "$tmp" || status=$?
	# Which QEMU the guest ran on, for the summary of make check.
	sed -n 's/^# vm-run: qemu: //p' "$tmp" >"$VP_BUILD/results/$lane.qemu"
	read -r pass fail skip < <(count <"$tmp" 2>&1 >/dev/null) || true
	count <"$tmp" 2>/dev/null
	mv "$tmp" "$log"
	if [ "$status" -ne 0 ]; then
		echo "$lane: the VM run failed (status $status)"
		fail=$((${fail:-0} + 1))
	fi
	if [ $((${pass:-0} + ${fail:-0} + ${skip:-0})) -eq 0 ]; then
		echo "$lane: no test ran"
		fail=1
	fi
	vp_result "$lane" "${pass:-0}" "${fail:-0}" "${skip:-0}"
	[ "${fail:-0}" -eq 0 ]
}

# The manifest of the lane's last run: what it ran, and what it skipped and why.
manifest()
{
	local log=$VP_BUILD/results/$lane.log

	[ -f "$log" ] || vp_die "no run of $lane to take a manifest from"
	echo "# The tests lane $lane runs (selftests.sh --expect): PROGRAM TEST [skip: REASON]"
	awk '
	/^# vp-run: / { prog = $3; next }
	/^# vp-exit: / { prog = ""; next }
	prog != "" && /^(not )?ok [0-9]+/ {
		name = $0
		sub(/^(not )?ok [0-9]+ /, "", name)
		reason = ""
		if (match(name, / # [Ss][Kk][Ii][Pp] ?/)) {
			reason = substr(name, RSTART + RLENGTH)
			name = substr(name, 1, RSTART - 1)
			print prog, name, "skip:", reason
		} else {
			sub(/ # .*/, "", name)
			print prog, name
		}
	}' "$log"
}

case ${1:-} in
build) build ;;
run) shift; run "$@" ;;
manifest) manifest ;;
*) sed -n '8,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
