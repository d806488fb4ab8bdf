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
# arm64 guests and for vfio_platform_qemu_test's QEMU 10.0 client in the x86_64 guest. The machine's apt sources are never changed: a private apt state there
# names bookworm-backports of the mirror the machine's sources use for bookworm, and
# `apt-get update` in it reads and writes nothing of the machine's. An unpacked copy is
# reused; a new one is fetched only when it is missing or too old.

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

# fetch_qemu: QEMU from $VP_QEMU_SUITE, unpacked in $VP_QEMU_ROOT.
fetch_qemu()
{
	local apt=$VP_QEMU_DIR/apt debs=$VP_QEMU_DIR/debs mirror key major p tmp
	local pkgs=(qemu-system-arm qemu-system-common qemu-system-data)

	major=$(qemu_major)
	[ "${major:-0}" -ge "$VP_QEMU_MAJOR" ] && return 0

	if ! compgen -G "$debs/qemu-system-arm_*.deb" >/dev/null; then
		read -r mirror key < <(debian_mirror) ||
			vp_die "no Debian source for $(. /etc/os-release && echo "$VERSION_CODENAME") in /etc/apt"
		key=${key:-/usr/share/keyrings/debian-archive-keyring.gpg}
		vp_log "fetching QEMU from $VP_QEMU_SUITE of $mirror into $VP_QEMU_DIR"
		mkdir -p "$apt/apt.conf.d" "$apt/sources.list.d" "$apt/preferences.d" \
			"$apt/state/lists/partial" "$apt/cache/archives/partial" "$debs"
		: >"$apt/status"
		echo "deb [signed-by=$key] $mirror $VP_QEMU_SUITE main" >"$apt/sources.list"
		# Read instead of the machine's apt.conf: its hooks (PackageKit, appstream)
		# must not run for an index of ours. No installed package is visible
		# (an empty status), so the candidates are the suite's own.
		cat >"$apt/apt.conf" <<-EOF
		Dir::Etc::Parts "$apt/apt.conf.d";
		Dir::Etc::SourceList "$apt/sources.list";
		Dir::Etc::SourceParts "$apt/sources.list.d";
		Dir::Etc::Preferences "$apt/preferences";
		Dir::Etc::PreferencesParts "$apt/preferences.d";
		Dir::State "$apt/state";
		Dir::State::status "$apt/status";
		Dir::Cache "$apt/cache";
		APT::Architectures { "$(dpkg --print-architecture)"; "all"; };
		Acquire::Languages "none";
		APT::Sandbox::User "$(id -un)";
		EOF
		export APT_CONFIG=$apt/apt.conf
		apt-get update -qq || vp_die "apt-get update of $VP_QEMU_SUITE failed"
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
	# sees half a QEMU.
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
