#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: our vfio-platform against upstream 6.12's, side by side, in the test VM.
#
#   bench.sh [--arch ARCH] [--quick] [--debug] [--no-build] [--out DIR]
#            [--expect FILE] [--timeout SECONDS] [-- BENCHMARK ARGS...]
#   bench.sh [--arch ARCH] [--debug] [--out DIR] manifest
#
# Builds the performance kernel (VP_FLAVOUR=perf: the test kernel without the debug
# checkers, in build/<arch>-perf), its selftests (among them the benchmark program,
# vfio_platform_bench) and upstream's vfio-platform renamed (upstream-modules.sh), boots
# the VM on that kernel and runs the program there (bench-guest.sh), which binds its
# simulated devices to each driver set in turn. --debug runs on the test kernel
# (build/<arch>) instead, labelled as such: its checkers inflate every figure. --quick
# asks the program for one round on a short time per figure: a smoke test, not a measurement.
# --no-build takes the kernel and the selftests as they are built (make check has just
# built them); upstream's modules are built in any case.
#
# The program's output travels out on the guest's stdout. Its text (the table and the
# "goal NAME: met|missed" lines) goes, under a header naming the date, the kernel, the
# machine and QEMU, to DIR/bench.txt (default build/results) and is printed; its plot
# data ("plotdef NAME logx|linx TITLE|X LABEL|Y LABEL", "plot NAME SERIES X Y") to
# DIR/bench-NAME.dat, drawn by gnuplot into DIR/bench-NAME.svg. DIR/bench.log keeps
# everything the VM printed.
#
# The exit status is non-zero when the program fails or cannot run, the guest's kernel
# log shows a splat, the program prints no table, a goal line says neither "met" nor
# "missed", or a plot line is malformed. With --expect FILE, also when the goals and
# plot series printed are not exactly those FILE lists, one "goal NAME" or
# "plot NAME SERIES" per line (make check's bench-quick lane, expected/bench-quick):
# no timing is ever judged. `manifest` prints that list for the last run in DIR, to
# review and commit when the program's figures change.
#
# Environment: VP_BENCH_PROG runs that program instead of the one the selftests build
# made (it must be visible in the guest: any host path on x86_64; on arm64, a path in
# the checkout or build/).

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch=x86_64
quick=0
debug=0
build=1
out=
expect=
timeout=
action=run
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--debug) debug=1; shift ;;
	--no-build) build=0; shift ;;
	--out) out=$2; shift 2 ;;
	--expect) expect=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	manifest) action=manifest; shift ;;
	--) shift; break ;;
	*) sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
bench_args=("$@")
[ $quick -eq 0 ] || bench_args=(--quick "${bench_args[@]}")

if [ $debug -eq 1 ]; then
	VP_FLAVOUR="test"
	flavour="test kernel (KASAN, lockdep, kmemleak...): ratios only, inflated by the checkers"
else
	VP_FLAVOUR="perf"
	flavour="performance kernel (the test kernel's configuration without the debug checkers)"
fi
# The scripts run below take the flavour from the environment.
export VP_FLAVOUR
vp_arch_setup "$arch"
out=${out:-$VP_BUILD/results}
log=$out/bench.log
[ -z "$expect" ] || [ -f "$expect" ] || vp_die "no manifest $expect"

# The goals and plot series a run printed, as --expect reads them.
manifest()
{
	[ -f "$log" ] || vp_die "no benchmark run in ${out#"$VP_TOP"/} to take a manifest from"
	echo "# The figures of bench.sh --quick (bench.sh --expect): goal NAME | plot NAME SERIES"
	awk '
	/^# vp-bench-run: / { on = 1; next }
	/^# vp-bench-exit: / { on = 0; next }
	on && /^goal [^:]+:/ { name = substr($0, 6); sub(/:.*/, "", name); print "goal " name }
	on && /^plot / && NF == 5 { print "plot " $2 " " $3 }
	' "$log" | awk '!seen[$0]++'
}

if [ $action = manifest ]; then
	manifest
	exit
fi

# The builds: each is incremental and serialised on its directory.
if [ $build -eq 1 ]; then
	bash "$VP_SCRIPTS/kbuild.sh" "$VP_ARCH"
	bash "$VP_SCRIPTS/selftests.sh" --arch "$VP_ARCH" build
fi
bash "$VP_SCRIPTS/upstream-modules.sh" "$VP_ARCH"
prog=${VP_BENCH_PROG:-$VP_OBJ/selftests/vfio_platform/vfio_platform_bench}
[ -x "$prog" ] || vp_die "no benchmark program $prog: build the selftests"
command -v gnuplot >/dev/null || vp_die "no gnuplot: run deps.sh"

if [ -z "$timeout" ]; then
	timeout=7200
	[ $quick -eq 0 ] || timeout=1800
fi

# A failed run must not leave the last run's results looking current.
mkdir -p "$out"
rm -f "$out/bench.txt" "$out/bench.log" "$out"/bench-*.dat "$out"/bench-*.svg
tmp=$(mktemp -d "$out/.bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

vp_log "benchmark on the $VP_ARCH $VP_FLAVOUR kernel (${VP_OBJ#"$VP_TOP"/}): ${prog##*/} ${bench_args[*]}"
start=$SECONDS
# Everything shows as it comes, but the plot data, which bench.log keeps.
set +e
"$VP_SCRIPTS/vm-run.sh" --arch "$VP_ARCH" --timeout "$timeout" -- \
	"$VP_SCRIPTS/bench-guest.sh" "$prog" "$VP_OBJ/upstream-vfio-platform" "${bench_args[@]}" \
	2>&1 | tee "$log" | awk '!/^plot(def)? / { print; fflush() }'
vm_status=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))

# Split the program's output: its text, its plot definitions and points (tab-separated),
# its status. Malformed lines are counted in $tmp/bad.
awk -v dir="$tmp" '
function bad(why) {
	printf "bench: %s: %s\n", why, $0 > "/dev/stderr"
	nbad++
}
/^# vp-bench-run: / { on = 1; next }
/^# vp-bench-exit: / { on = 0; print $3 > (dir "/status"); next }
!on { next }
/^#/ { next }
/^plotdef / {
	rest = $0
	sub(/^plotdef[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", rest)
	n = split(rest, f, "|")
	if (NF < 4 || $2 !~ /^[A-Za-z0-9_-]+$/ || ($3 != "logx" && $3 != "linx") || n != 3)
		bad("malformed plotdef")
	else if ($2 in def)
		bad("plot defined twice")
	else {
		def[$2] = 1
		printf "%s\t%s\t%s\t%s\t%s\n", $2, $3, f[1], f[2], f[3] > (dir "/plotdefs")
	}
	next
}
/^plot / {
	num = "^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$"
	if (NF != 5 || $3 !~ /^[A-Za-z0-9_.+-]+$/ || $4 !~ num || $5 !~ num)
		bad("malformed plot line")
	else if (!($2 in def))
		bad("plot line before its plotdef")
	else
		printf "%s\t%s\t%s\t%s\n", $2, $3, $4, $5 > (dir "/points")
	next
}
/^goal / && !/^goal [^:]+: (met|missed)( |$)/ { bad("a goal neither met nor missed") }
{ print > (dir "/text") }
END { print nbad + 0 > (dir "/bad") }
' "$log"
touch "$tmp/text" "$tmp/plotdefs" "$tmp/points"
status=$(cat "$tmp/status" 2>/dev/null || true)
failed=()
if [ -z "$status" ]; then
	failed+=("the benchmark did not finish (VM status $vm_status)")
elif [ "$status" -ne 0 ]; then
	failed+=("the benchmark failed in the guest (status $status)")
elif [ "$vm_status" -ne 0 ]; then
	failed+=("the VM run failed (status $vm_status: a kernel splat or leak, shown above)")
fi
# The guest script's own errors: a module that would not load or unload.
while read -r line; do
	failed+=("$line")
done < <(sed -n 's/^# vp-error: //p' "$log")
[ "$(cat "$tmp/bad")" -eq 0 ] || failed+=("$(cat "$tmp/bad") malformed lines, shown above")
if ! grep -Evq '^[[:space:]]*$|^goal ' "$tmp/text"; then
	failed+=("the benchmark printed no table")
fi

# The text, under what a reader needs to weigh it.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
qemu=$(sed -n 's/^# vm-run: qemu: [^:]*: //p' "$log" | head -n 1)
guest=$(sed -n 's/^# vm-run: guest: //p' "$log" | head -n 1)
{
	echo "vfio-platform benchmark: ours against upstream 6.12's vfio-platform"
	echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel:    $(cat "$VP_OBJ/kernelrelease") $VP_ARCH, $flavour"
	if [ $quick -eq 1 ]; then
		echo "mode:      quick (one round, a short time per figure): a smoke test, not a measurement"
	fi
	echo "program:   ${prog##*/} ${bench_args[*]}"
	echo "machine:   $(nproc) CPUs, ${cpu:-$(uname -m)}; guest: ${guest:-unknown}"
	echo "qemu:      ${qemu:-unknown}, TCG"
	echo "upstream:  loaded with reset_required=0: ours resets at open, upstream does not"
	echo "note:      TCG-emulated and shared machine: only ratios measured in the same run mean anything"
	echo "reproduce: make bench$([ "$VP_ARCH" = x86_64 ] || echo " ARCH=$VP_ARCH")$([ $debug -eq 0 ] || echo " DEBUG=1")$([ $quick -eq 0 ] || echo " QUICK=1")   (took ${elapsed}s)"
	echo
	cat "$tmp/text"
} >"$out/bench.txt"

# q STRING: STRING as a gnuplot single-quoted string (no escapes but a doubled quote).
q()
{
	printf "'%s'" "${1//\'/\'\'}"
}

# plot_one NAME SCALE TITLE XLABEL YLABEL: DIR/bench-NAME.dat, one block per series
# with its points in X order, and DIR/bench-NAME.svg.
plot_one()
{
	local name=$1 scale=$2 dat=$out/bench-$1.dat svg=$out/bench-$1.svg
	local series=() xs=() s i cmd sep=

	mapfile -t series < <(awk -F'\t' -v n="$name" '$1 == n && !seen[$2]++ { print $2 }' "$tmp/points")
	if [ ${#series[@]} -eq 0 ]; then
		echo "bench: plot $name has no data"
		return 1
	fi
	for s in "${series[@]}"; do
		echo "# $s"
		awk -F'\t' -v n="$name" -v s="$s" '$1 == n && $2 == s { print $3, $4 }' "$tmp/points" |
			sort -g -k1,1
		printf '\n\n'
	done >"$dat"
	mapfile -t xs < <(awk -F'\t' -v n="$name" '$1 == n { print $3 }' "$tmp/points" | sort -gu)

	{
		echo "set terminal svg size 900,500 noenhanced font 'sans,12' background 'white'"
		echo "set output $(q "$svg")"
		echo "set title $(q "$3")"
		echo "set xlabel $(q "$4")"
		echo "set ylabel $(q "$5")"
		echo "set grid"
		echo "set key outside right top"
		# Figures spanning orders of magnitude (throughput from 4 B to 64 KiB)
		# would flatten all but the largest on a linear axis.
		awk -F'\t' -v n="$name" '$1 == n {
			if (!k++ || $4 < lo) lo = $4
			if (k == 1 || $4 > hi) hi = $4
		} END { if (k && lo > 0 && hi / lo >= 100) print "set logscale y 10" }' "$tmp/points"
		# A margin around the points, so that the outer tics show.
		if [ "$scale" = linx ]; then
			awk -v a="${xs[0]}" -v b="${xs[-1]}" 'BEGIN {
				m = (b - a) / 20; if (m == 0) m = 1
				printf "set xrange [%g:%g]\n", a - m, b + m }'
		else
			echo "set logscale x 2"
			awk -v a="${xs[0]}" -v b="${xs[-1]}" 'BEGIN {
				printf "set xrange [%g:%g]\n", a / 1.4, b * 1.4 }'
		fi
		# Tics at the sizes measured, when they are few enough to read.
		if [ ${#xs[@]} -le 12 ]; then
			printf 'set xtics ('
			printf '%s' "$(IFS=,; echo "${xs[*]}")"
			printf ')\n'
		fi
		cmd="plot"
		for i in "${!series[@]}"; do
			cmd+="$sep $(q "$dat") index $i using 1:2 with linespoints title $(q "${series[$i]}")"
			sep=","
		done
		echo "$cmd"
	} >"$tmp/plot.gp"
	gnuplot "$tmp/plot.gp"
}

while IFS=$'\t' read -r name scale title xlabel ylabel; do
	plot_one "$name" "$scale" "$title" "$xlabel" "$ylabel" || failed+=("plot $name was not drawn")
done <"$tmp/plotdefs"

# The figures the manifest lists, no more, no fewer; whether a goal was met is the
# program's verdict, never judged here.
if [ -n "$expect" ]; then
	while read -r line; do
		failed+=("$line")
	done < <(
		{ sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$expect" | sed 's/^/want /'
		  manifest | sed -e '/^#/d' -e 's/^/got /'; } |
		awk '
		$1 == "want" { $1 = ""; want[substr($0, 2)] = 1; next }
		{ $1 = ""; got[substr($0, 2)] = 1 }
		END {
			for (k in want) if (!(k in got)) print "missing from the output: " k
			for (k in got) if (!(k in want)) print "not in the manifest: " k
		}' | sort)
fi

echo
cat "$out/bench.txt"
echo
shopt -s nullglob
svgs=("$out"/bench-*.svg)
echo "bench: results in ${out#"$VP_TOP"/}/bench.txt${svgs[*]:+, plots: ${svgs[*]##*/}}"
if [ ${#failed[@]} -gt 0 ]; then
	printf 'bench: FAILED: %s\n' "${failed[@]}"
	exit 1
fi
