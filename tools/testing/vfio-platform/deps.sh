#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the build and the tests need, and only those missing.
#
#   deps.sh [x86_64|arm64]
#
# Needs root (or sudo) only when something is missing. Debian 12 (bookworm) with its
# security suite enabled provides every package, linux-source-6.12 included.
#
# arm64 also makes arm64 a dpkg foreign architecture, so that initramfs.sh can fetch
# the guest's busybox-static and bash-static with apt-get download. Those two are not
# installed: their arm64 builds would replace the host's own.
#
# Both fetch QEMU 10.0 (qemu-system-arm, -common, -data) from bookworm-backports with
# apt-get download and unpack it with dpkg-deb into the cache (VP_QEMU_DIR), for the
# arm64 guests and for vfio_platform_qemu_test's QEMU 10.0 client in the x86_64 guest.
# arm64 also fetches that test's clients inside the arm64 guest, arm64 builds unpacked
# into VP_CLIENT_ROOT: QEMU 7.2 and dtc from bookworm with every library they need, and
# QEMU 10.0. The machine's apt sources are never changed: a private apt state there
# names the suites of the mirror the machine's sources use for bookworm, and
# `apt-get update` in it reads and writes nothing of the machine's. An unpacked copy is
# reused; a new one is fetched only when it is missing, too old, or (the arm64 clients)
# was fetched for other suites or packages.
#
# Both fetch Debian's own amd64 kernel for the Debian-kernel lane (fetch_debian_kernel,
# below); arm64 also its arm64 kernel, for vmtests-arm64-debian.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch=${1:-x86_64}

packages=(
	"$VP_SRC_PKG" xz-utils
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio rsync dwarves python3
	ccache sparse shellcheck procps
	qemu-system-x86 qemu-system-data
	qemu-system-arm device-tree-compiler
	acpica-tools
	gnuplot-nox
)
case $arch in
arm64|aarch64)
	packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
	;;
esac

sudo=
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
fi
updated=0

case $arch in
arm64|aarch64)
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		[ -z "$sudo" ] || command -v sudo >/dev/null ||
			vp_die "arm64 is not a dpkg foreign architecture and not root"
		vp_log "adding arm64 as a dpkg foreign architecture"
		$sudo dpkg --add-architecture arm64
		$sudo apt-get update -qq
		updated=1
	fi
	;;
esac

# The URI and keyring of the machine's source for the Debian release itself (deb822
# .sources or one-line .list): "URI KEYRING", the keyring empty when the entry names none.
debian_mirror()
{
	local codename f files=()

	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ -n "$codename" ] && [ ${#files[@]} -gt 0 ] || return 1
	awk -v want="$codename" '
	function emit(uri, key) {
		# An inline key block is not a file apt can be given: use the default.
		if (key !~ /^\//)
			key = ""
		if (!found)
			print uri, key
		found = 1
	}
	function stanza(  i, n, s, u) {
		if (types ~ /(^| )deb( |$)/ && enabled != "no" && comps ~ /(^| )main( |$)/) {
			n = split(suites, s, " ")
			split(uris, u, " ")
			for (i = 1; i <= n; i++)
				if (s[i] == want)
					emit(u[1], key)
		}
		types = uris = suites = comps = key = enabled = ""
	}
	FILENAME ~ /\.sources$/ {
		if (FNR == 1)
			stanza()
		if ($0 ~ /^[ \t]*$/)
			stanza()
		if ($0 ~ /^[A-Za-z-]+:/) {
			field = tolower($1)
			sub(/:$/, "", field)
			$1 = ""
			sub(/^ +/, "")
			if (field == "types") types = $0
			else if (field == "uris") uris = $0
			else if (field == "suites") suites = $0
			else if (field == "components") comps = $0
			else if (field == "signed-by") key = $0
			else if (field == "enabled") enabled = tolower($0)
		}
		next
	}
	$1 == "deb" {
		key = ""
		i = 2
		if ($2 ~ /^\[/) {
			for (; i <= NF; i++) {
				if ($i ~ /^\[?signed-by=/) {
					key = $i
					sub(/^\[?signed-by=/, "", key)
					sub(/\]$/, "", key)
				}
				if ($i ~ /\]$/) {
					i++
					break
				}
			}
		}
		if ($(i + 1) == want)
			for (j = i + 2; j <= NF; j++)
				if ($j == "main")
					emit($i, key)
	}
	END { stanza() }
	' "${files[@]}" | grep .
}

# The major version of an unpacked QEMU, or nothing when it does not run.
qemu_major()
{
	local version

	version=$("$VP_QEMU_ROOT/usr/bin/qemu-system-aarch64" --version 2>/dev/null) || return 0
	sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p' <<<"$version"
}

# private_apt DIR ARCH SUITE...: an apt state of our own in DIR, naming SUITE... of
# the mirror the machine's sources use for its release, with ARCH's packages; updated,
# and in APT_CONFIG. The machine's apt sources and state are never read or written.
private_apt()
{
	local apt=$1 arch=$2 mirror key suite

	shift 2
	read -r mirror key < <(debian_mirror) ||
		vp_die "no Debian source for $(. /etc/os-release && echo "$VERSION_CODENAME") in /etc/apt"
	key=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}
	vp_log "reading $* ($arch) of $mirror into $apt"
	mkdir -p "$apt/apt.conf.d" "$apt/sources.list.d" "$apt/preferences.d" \
		"$apt/state/lists/partial" "$apt/cache/archives/partial"
	: >"$apt/status"
	for suite in "$@"; do
		echo "deb [signed-by=$key] $mirror $suite main"
	done >"$apt/sources.list"
	# Read instead of the machine's apt.conf: its hooks (PackageKit, appstream)
	# must not run for an index of ours. No installed package is visible (an
	# empty status), so the candidates are the suites' own, and a download-only
	# install resolves the whole dependency closure without locking dpkg.
	cat >"$apt/apt.conf" <<-EOF
	Dir::Etc::Parts "$apt/apt.conf.d";
	Dir::Etc::SourceList "$apt/sources.list";
	Dir::Etc::SourceParts "$apt/sources.list.d";
	Dir::Etc::Preferences "$apt/preferences";
	Dir::Etc::PreferencesParts "$apt/preferences.d";
	Dir::State "$apt/state";
	Dir::State::status "$apt/status";
	Dir::Cache "$apt/cache";
	APT::Architecture "$arch";
	APT::Architectures { "$arch"; "all"; };
	Acquire::Languages "none";
	APT::Sandbox::User "$(id -un)";
	Debug::NoLocking "true";
	EOF
	export APT_CONFIG=$apt/apt.conf
	apt-get update -qq || vp_die "apt-get update of $* ($arch) failed"
}

# fetch_qemu: QEMU from $VP_QEMU_SUITE, unpacked in $VP_QEMU_ROOT.
fetch_qemu()
{
	local debs=$VP_QEMU_DIR/debs major p tmp
	local pkgs=(qemu-system-arm qemu-system-common qemu-system-data)

	major=$(qemu_major)
	[ "${major:-0}" -ge "$VP_QEMU_MAJOR" ] && return 0

	if ! compgen -G "$debs/qemu-system-arm_*.deb" >/dev/null; then
		vp_log "fetching QEMU from $VP_QEMU_SUITE into $VP_QEMU_DIR"
		private_apt "$VP_QEMU_DIR/apt" "$(dpkg --print-architecture)" "$VP_QEMU_SUITE"
		mkdir -p "$debs"
		tmp=$(mktemp -d "$debs/.new.XXXXXX")
		for p in "${pkgs[@]}"; do
			(cd "$tmp" && apt-get download -q "$p/$VP_QEMU_SUITE" >/dev/null) ||
				vp_die "cannot fetch $p from $VP_QEMU_SUITE"
		done
		mv "$tmp"/*.deb "$debs"/
		rmdir "$tmp"
		unset APT_CONFIG
	fi

	# Unpacked beside, then swapped in, so that a guest booting meanwhile never
	# sees half a QEMU; what an interrupted run left goes first.
	rm -rf "$VP_QEMU_DIR"/.root.*
	tmp=$(mktemp -d "$VP_QEMU_DIR/.root.XXXXXX")
	for p in "$debs"/*.deb; do
		dpkg-deb -x "$p" "$tmp"
	done
	rm -rf "$VP_QEMU_ROOT"
	mv "$tmp" "$VP_QEMU_ROOT"
	major=$(qemu_major)
	[ "${major:-0}" -ge "$VP_QEMU_MAJOR" ] ||
		vp_die "the QEMU unpacked in $VP_QEMU_ROOT is not version $VP_QEMU_MAJOR or later"
	vp_log "unpacked in $VP_QEMU_ROOT: $("$VP_QEMU_ROOT/usr/bin/qemu-system-aarch64" --version | head -n 1)"
}

# fetch_clients: the arm64 guest's VFIO clients (vfio_platform_qemu_test), arm64 builds
# unpacked in $VP_CLIENT_ROOT: bookworm's QEMU 7.2 and dtc with every library they need
# (the dependency closure of the two packages, resolved by apt from an empty status),
# and QEMU 10.0 from $VP_QEMU_SUITE in $VP_CLIENT_QEMU10, checked to need no package
# beyond that closure, version for version. The tree is usr-merged, so that the guest
# finds every library in one directory (vm-run.sh links it into place), and stripped
# of set-user-ID and set-group-ID bits, which nothing in the guest needs. Both the
# downloads and the tree carry the key of what was asked for: a change of suites,
# packages or QEMU major fetches again.
fetch_clients()
{
	local apt=$VP_CLIENT_DIR/apt debs=$VP_CLIENT_DIR/debs p v tmp q10 major=
	local pkgs=(qemu-system-arm qemu-system-common qemu-system-data)
	local want=() key

	key="$VP_CLIENT_SUITE $VP_QEMU_SUITE $VP_QEMU_MAJOR ${pkgs[*]} device-tree-compiler"
	[ "$(cat "$VP_CLIENT_ROOT/.vp-complete" 2>/dev/null)" = "$key" ] && return 0

	# What an interrupted run left (deps.sh holds the cache's lock).
	rm -rf "$VP_CLIENT_DIR"/.root.*
	if [ "$(cat "$debs/.vp-complete" 2>/dev/null)" != "$key" ]; then
		vp_log "fetching the arm64 guest's QEMU 7.2, QEMU 10.0 and dtc into $VP_CLIENT_DIR"
		private_apt "$apt" arm64 "$VP_CLIENT_SUITE" "$VP_CLIENT_SUITE-updates" \
			"$VP_QEMU_SUITE"
		rm -rf "$debs"
		mkdir -p "$debs/qemu10"
		apt-get install -d -y -qq --no-install-recommends \
			-o "Dir::Cache::archives=$debs" \
			"${pkgs[0]}/$VP_CLIENT_SUITE" device-tree-compiler >/dev/null ||
			vp_die "cannot fetch QEMU 7.2 and dtc (arm64) from $VP_CLIENT_SUITE"
		for p in "${pkgs[@]}"; do
			want+=("$p/$VP_QEMU_SUITE")
		done
		# The newer QEMU must run on the libraries of the older one: every other
		# package it would install is one already fetched, at the same version
		# (apt names a download PACKAGE_VERSION_ARCH.deb, a colon as %3a).
		apt-get install -s -qq --no-install-recommends "${want[@]}" |
			awk '$1 == "Inst" { v = $3; sub(/^\(/, "", v); print $2, v }' \
			>"$debs/qemu10.list" ||
			vp_die "cannot resolve QEMU 10.0 (arm64) from $VP_QEMU_SUITE"
		while read -r p v; do
			case $p in
			qemu-system-*)
				[ "$p" != qemu-system-arm ] || major=${v#*:}
				;;
			*)	compgen -G "$debs/${p}_${v//:/%3a}_*.deb" >/dev/null ||
					vp_die "QEMU 10.0 (arm64) needs $p $v, which QEMU 7.2 does not"
				;;
			esac
		done <"$debs/qemu10.list"
		[ "${major%%.*}" -ge "$VP_QEMU_MAJOR" ] 2>/dev/null ||
			vp_die "$VP_QEMU_SUITE has no QEMU $VP_QEMU_MAJOR for arm64 (${major:-none})"
		(cd "$debs/qemu10" && apt-get download -q "${want[@]}" >/dev/null) ||
			vp_die "cannot fetch QEMU 10.0 (arm64) from $VP_QEMU_SUITE"
		unset APT_CONFIG
		echo "$key" >"$debs/.vp-complete"
	fi

	tmp=$(mktemp -d "$VP_CLIENT_DIR/.root.XXXXXX")
	for p in "$debs"/*.deb; do
		dpkg-deb -x "$p" "$tmp"
	done
	q10=$tmp${VP_CLIENT_QEMU10#"$VP_CLIENT_ROOT"}
	mkdir -p "$q10"
	for p in "$debs"/qemu10/*.deb; do
		dpkg-deb -x "$p" "$q10"
	done
	# usr-merge: /lib, /bin and /sbin into /usr.
	for p in lib bin sbin; do
		if [ -d "$tmp/$p" ] && [ ! -L "$tmp/$p" ]; then
			mkdir -p "$tmp/usr/$p"
			cp -a "$tmp/$p/." "$tmp/usr/$p/"
			rm -rf "${tmp:?}/$p"
			ln -s "usr/$p" "$tmp/$p"
		fi
	done
	find "$tmp" -type f -perm /6000 -exec chmod ug-s {} +
	for p in "$tmp/usr/lib/$VP_CLIENT_LOADER" "$tmp/usr/bin/qemu-system-aarch64" \
		 "$tmp/usr/bin/dtc" "$q10/usr/bin/qemu-system-aarch64"; do
		[ -e "$p" ] || vp_die "no ${p#"$tmp"/} among the arm64 clients unpacked in $tmp"
	done
	echo "$key" >"$tmp/.vp-complete"
	rm -rf "$VP_CLIENT_ROOT"
	mv "$tmp" "$VP_CLIENT_ROOT"
	vp_log "arm64 guest clients unpacked in $VP_CLIENT_ROOT ($(find "$debs" -name '*.deb' | wc -l) packages)"
}

# fetch_debian_kernel ARCH: Debian's own kernel for ARCH (amd64 or arm64) built from
# the linux-source-6.12 we build from, its headers, the host's kbuild (its programs
# run on the host, also for an arm64 kernel), busybox-static for ARCH (the amd64
# lane's initramfs; the arm64 one adds to initramfs.sh's) and dkms, fetched with apt-get download at exactly that version and
# unpacked in $VP_DEBIAN_ROOT. The headers' Makefile names its common part by
# absolute path: it is pointed into the tree, and modules.dep is made as the
# package's postinst would. Fetched again when linux-source-6.12 changes version.
# Only the Debian-kernel lanes need it: when the archive no longer has that version,
# say so and go on (the lane then fails, naming deps.sh).
fetch_debian_kernel()
{
	local dir debs tmp p pkgs host

	vp_debian_setup "$1"
	dir=$VP_DEBIAN_DIR/$VP_DEBIAN_RELEASE
	debs=$dir/debs
	[ "$(cat "$VP_DEBIAN_ROOT/.vp-complete" 2>/dev/null)" = "$VP_DEBIAN_VERSION" ] &&
		return 0

	host=$(dpkg --print-architecture)
	pkgs=("linux-image-$VP_DEBIAN_RELEASE-unsigned:$VP_DEBIAN_ARCH=$VP_DEBIAN_VERSION"
	      "linux-headers-$VP_DEBIAN_RELEASE:$VP_DEBIAN_ARCH=$VP_DEBIAN_VERSION"
	      "linux-headers-$VP_DEBIAN_ABI-common=$VP_DEBIAN_VERSION"
	      "linux-kbuild-$VP_DEBIAN_ABI:$host=$VP_DEBIAN_VERSION"
	      "busybox-static:$VP_DEBIAN_ARCH" dkms)
	if [ "$(cat "$debs/.vp-complete" 2>/dev/null)" != "$VP_DEBIAN_VERSION" ]; then
		vp_log "fetching Debian's kernel $VP_DEBIAN_RELEASE ($VP_DEBIAN_VERSION) into $dir"
		rm -rf "$debs"
		mkdir -p "$debs"
		# As root apt hands a download to its _apt user, who cannot write here.
		if ! (cd "$debs" && apt-get download -q -o "APT::Sandbox::User=$(id -un)" \
			"${pkgs[@]}" >/dev/null); then
			echo "warning: cannot fetch ${pkgs[*]}: no Debian-kernel lane for $1" >&2
			rm -rf "$debs"
			return 0
		fi
		echo "$VP_DEBIAN_VERSION" >"$debs/.vp-complete"
	fi

	rm -rf "$dir"/.root.*
	tmp=$(mktemp -d "$dir/.root.XXXXXX")
	for p in "$debs"/*.deb; do
		dpkg-deb -x "$p" "$tmp"
	done
	sed -i "s|^include /usr/src/|include $VP_DEBIAN_ROOT/usr/src/|" \
		"$tmp/usr/src/linux-headers-$VP_DEBIAN_RELEASE/Makefile"
	# The package leaves modules.dep to its postinst.
	depmod -b "$tmp" "$VP_DEBIAN_RELEASE" ||
		vp_die "depmod failed on Debian's modules in $tmp"
	for p in "boot/vmlinuz-$VP_DEBIAN_RELEASE" "lib/modules/$VP_DEBIAN_RELEASE/modules.dep" \
		 "usr/src/linux-headers-$VP_DEBIAN_RELEASE/.config" bin/busybox usr/sbin/dkms; do
		[ -e "$tmp/$p" ] || vp_die "no $p among the packages unpacked in $tmp"
	done
	echo "$VP_DEBIAN_VERSION" >"$tmp/.vp-complete"
	rm -rf "$VP_DEBIAN_ROOT"
	mv "$tmp" "$VP_DEBIAN_ROOT"
	vp_log "Debian's kernel $VP_DEBIAN_RELEASE unpacked in $VP_DEBIAN_ROOT"
}

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
		vp_die "missing packages (${missing[*]}) and not root"
	fi
	vp_log "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	[ $updated -eq 1 ] || $sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	vp_log "packages installed"
fi

# Both: the arm64 guests run on it, and the x86_64 guest runs it as a VFIO client.
# Every clone on the machine shares the cache: one fetch at a time.
mkdir -p "$VP_QEMU_DIR"
exec {lock}>"$VP_QEMU_DIR/.lock"
flock "$lock"
fetch_qemu
case $arch in
arm64|aarch64) fetch_clients ;;
esac
exec {lock}>&-
mkdir -p "$VP_DEBIAN_DIR"
exec {lock}>"$VP_DEBIAN_DIR/.lock"
flock "$lock"
fetch_debian_kernel x86_64
case $arch in
arm64|aarch64) fetch_debian_kernel arm64 ;;
esac
