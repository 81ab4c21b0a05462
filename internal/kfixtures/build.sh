#!/usr/bin/env bash
# build.sh regenerates the real-kernel test fixtures in testdata/ from Debian's
# linux-source-6.1: full tinyconfig builds of x86_64 and arm64 (vmlinux, link
# map, preprocessed linker script, the objects holding .data..ro_after_init or
# .rodata..page_aligned) and preprocessed linker scripts of riscv64, s390x and
# ppc64le, each for three source variants:
#
#   base    the unmodified sources;
#   change  the founding change: a page-aligned __ro_after_init array
#           (zp_test_page) and a __ro_after_init pfn (zp_test_pfn) in
#           mm/mm_init.c, the pfn first in the section;
#   fix     the array in .rodata..page_aligned, placed right after
#           `__start_rodata = .;` by RO_DATA.
#
# Usage: build.sh [ARCH/VARIANT ...]
#   With no arguments everything is built and testdata/FACTS.md is rewritten;
#   with arguments (e.g. x86_64/base) only those fixtures are (re)written.
#
# Environment:
#   KFIXTURES_WORK     work folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/elfsynth-kernel):
#                      the unpacked sources, the build trees and their logs
#   KFIXTURES_JOBS     make -j (default: nproc)
#   KFIXTURES_CLEAN=1  rebuild every tree from scratch (otherwise make is incremental)
#   KFIXTURES_INSTALL=1  install missing Debian packages (as root only)
#
# On 2 idle cores a full build takes 4 to 8 minutes, a script-only one about a
# minute; a rerun without KFIXTURES_CLEAN only checks the trees (about 2 minutes).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$here/testdata
work=${KFIXTURES_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/elfsynth-kernel}
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${KFIXTURES_JOBS:-$(nproc)}

# Reproducible builds: kbuild stamps these into the image.
export KBUILD_BUILD_TIMESTAMP='Mon Jan  1 00:00:00 UTC 2024'
export KBUILD_BUILD_USER=elfsynth
export KBUILD_BUILD_HOST=elfsynth
export KBUILD_BUILD_VERSION=1
export LC_ALL=C
unset ARCH CROSS_COMPILE KBUILD_OUTPUT KCONFIG_CONFIG O

full_arches=(x86_64 arm64)
script_arches=(riscv64 s390x ppc64le)
variants=(base change fix)

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# karch, cross and srcarch describe a fixture arch in kbuild's terms.
karch() {
	case $1 in
	x86_64) echo x86_64 ;; arm64) echo arm64 ;; riscv64) echo riscv ;;
	s390x) echo s390 ;; ppc64le) echo powerpc ;; *) die "unknown arch $1" ;;
	esac
}
cross() {
	case $1 in
	x86_64) echo "" ;; arm64) echo aarch64-linux-gnu- ;; riscv64) echo riscv64-linux-gnu- ;;
	s390x) echo s390x-linux-gnu- ;; ppc64le) echo powerpc64le-linux-gnu- ;;
	esac
}
srcarch() { case $1 in x86_64) echo x86 ;; *) karch "$1" ;; esac; }
# tools is the prefix of the binutils that read this arch's objects.
tools() { case $1 in x86_64) echo x86_64-linux-gnu- ;; *) cross "$1" ;; esac; }

# config_tweaks prints the scripts/config arguments applied after tinyconfig.
config_tweaks() {
	case $1 in
	x86_64 | arm64) echo "-e VMLINUX_MAP" ;;
	ppc64le) echo "-e PPC64 -e CPU_LITTLE_ENDIAN -d CPU_BIG_ENDIAN" ;;
	*) echo "" ;;
	esac
}

# ---------------------------------------------------------------- packages

check_packages() {
	local pkgs=(linux-source-6.1 build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils
		gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu gcc-s390x-linux-gnu gcc-powerpc64le-linux-gnu)
	local missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" = 0 ] && [ "${KFIXTURES_INSTALL:-}" = 1 ]; then
		log "installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
		return 0
	fi
	echo "build.sh: missing Debian packages; run:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	echo "(or run build.sh as root with KFIXTURES_INSTALL=1)" >&2
	exit 1
}

# ---------------------------------------------------------------- sources

# unpack puts the pristine sources in $work/src/base, once.
unpack() {
	if [ -f "$work/src/base/Makefile" ]; then return 0; fi
	log "unpacking $tarball into $work/src/base"
	mkdir -p "$work/src"
	rm -rf "$work/src/.unpack"
	mkdir "$work/src/.unpack"
	tar -xJf "$tarball" -C "$work/src/.unpack"
	mv "$work/src/.unpack/linux-source-6.1" "$work/src/base"
	rmdir "$work/src/.unpack"
}

# The text the variants add to mm/mm_init.c, after `#include "internal.h"`.
# GCC 12 emits file-scope variables in reverse definition order, so the array
# is defined first to get the pfn first in .data..ro_after_init.
change_decls='
/* elfsynth kfixtures, "change": the array first, so that GCC 12 (which emits
 * in reverse definition order) puts zp_test_pfn first in the section. */
uint8_t zp_test_page[PAGE_SIZE] __ro_after_init __aligned(PAGE_SIZE);
unsigned long zp_test_pfn __ro_after_init;'
fix_decls='
/* elfsynth kfixtures, "fix": the array in .rodata..page_aligned. */
const uint8_t zp_test_page[PAGE_SIZE] __section(".rodata..page_aligned") __aligned(PAGE_SIZE);
unsigned long zp_test_pfn __ro_after_init;'

# put_file installs $2 as $1 unless it already has that content; a new inode,
# so a hard link into the base tree is broken rather than written through.
put_file() {
	local dst=$1 tmp=$2
	if cmp -s "$tmp" "$dst" && [ "$(stat -c %h "$dst")" = 1 ]; then rm -f "$tmp"; return 0; fi
	rm -f "$dst"
	mv "$tmp" "$dst"
}

# edit_mm_init writes base's mm/mm_init.c plus $2 into variant tree $1.
edit_mm_init() {
	local tree=$1 decls=$2 tmp
	tmp=$(mktemp "$tree/mm/.mm_init.c.XXXXXX")
	awk -v decls="$decls" '
		{ print }
		!done && $0 == "#include \"internal.h\"" { print "#include <linux/cache.h>"; print decls; done = 1 }
		END { if (!done) exit 1 }' "$work/src/base/mm/mm_init.c" >"$tmp" ||
		die "mm/mm_init.c: no #include \"internal.h\" line"
	put_file "$tree/mm/mm_init.c" "$tmp"
}

# edit_lds adds *(.rodata..page_aligned) right after __start_rodata = .; in RO_DATA.
edit_lds() {
	local tree=$1 f=include/asm-generic/vmlinux.lds.h tmp
	tmp=$(mktemp "$tree/include/asm-generic/.vmlinux.lds.h.XXXXXX")
	awk '
		{ print }
		/^\t\t__start_rodata = \.;[ \t]*\\$/ { print "\t\t*(.rodata..page_aligned)\t\t\t\t\t\\"; n++ }
		END { if (n != 1) exit 1 }' "$work/src/base/$f" >"$tmp" ||
		die "$f: expected exactly one '__start_rodata = .;' line"
	put_file "$tree/$f" "$tmp"
}

# variant_tree makes $work/src/VARIANT: hard links to base, edited files copied.
variant_tree() {
	local v=$1 tree=$work/src/$1
	[ "$v" = base ] && return 0
	if [ ! -d "$tree" ]; then
		log "making source tree $v (hard links to base)"
		rm -rf "$work/src/.$v.tmp"
		cp -al "$work/src/base" "$work/src/.$v.tmp"
		mv "$work/src/.$v.tmp" "$tree"
	fi
	case $v in
	change)
		edit_mm_init "$tree" "$change_decls"
		# An unchanged copy of its own: no edited file is shared with base.
		put_file "$tree/include/asm-generic/vmlinux.lds.h" "$(tmpcopy include/asm-generic/vmlinux.lds.h "$tree")"
		;;
	fix)
		edit_mm_init "$tree" "$fix_decls"
		edit_lds "$tree"
		;;
	esac
}

# tmpcopy copies base's file $1 to a temporary file in tree $2 and prints its name.
tmpcopy() {
	local tmp
	tmp=$(mktemp "$2/$(dirname "$1")/.kfx.XXXXXX")
	cat "$work/src/base/$1" >"$tmp"
	echo "$tmp"
}

# check_trees makes sure base is pristine and each variant has its own copy
# of the files it edits.
check_trees() {
	local f
	for f in mm/mm_init.c include/asm-generic/vmlinux.lds.h; do
		if grep -q 'zp_test\|rodata\.\.page_aligned' "$work/src/base/$f"; then
			die "$work/src/base/$f is modified; delete $work/src and rerun"
		fi
	done
	for v in change fix; do
		[ -d "$work/src/$v" ] || continue
		for f in mm/mm_init.c include/asm-generic/vmlinux.lds.h; do
			if [ "$(stat -c %i "$work/src/$v/$f")" = "$(stat -c %i "$work/src/base/$f")" ]; then
				die "$work/src/$v/$f is still a hard link to base"
			fi
		done
	done
	grep -q '^unsigned long zp_test_pfn __ro_after_init;' "$work/src/change/mm/mm_init.c" || die "change: no zp_test_pfn"
	grep -q '^uint8_t zp_test_page\[PAGE_SIZE\] __ro_after_init' "$work/src/change/mm/mm_init.c" || die "change: no zp_test_page"
	grep -q '^const uint8_t zp_test_page\[PAGE_SIZE\] __section(".rodata..page_aligned")' "$work/src/fix/mm/mm_init.c" || die "fix: no zp_test_page"
	cmp -s "$work/src/base/include/asm-generic/vmlinux.lds.h" "$work/src/change/include/asm-generic/vmlinux.lds.h" || die "change: vmlinux.lds.h differs from base"
	grep -q 'rodata\.\.page_aligned' "$work/src/fix/include/asm-generic/vmlinux.lds.h" || die "fix: no script line"
}

# ---------------------------------------------------------------- builds

# kmake ARCH VARIANT BUILDDIR make-args... runs kbuild, output to the build log.
kmake() {
	local a=$1 v=$2 b=$3
	shift 3
	make -C "$work/src/$v" O="$b" ARCH="$(karch "$a")" CROSS_COMPILE="$(cross "$a")" "$@" >>"$b.log" 2>&1 ||
		{ tail -n 30 "$b.log" >&2; die "make $* failed for $a/$v; log: $b.log"; }
}

# configure ARCH VARIANT BUILDDIR: tinyconfig plus the tweaks, unless the
# tree already has exactly this configuration recipe.
configure() {
	local a=$1 v=$2 b=$3 recipe
	recipe=tinyconfig
	[ -z "$(config_tweaks "$a")" ] || recipe="tinyconfig; scripts/config $(config_tweaks "$a"); olddefconfig"
	if [ "${KFIXTURES_CLEAN:-}" = 1 ] || [ ! -f "$b/.config" ] || [ "$(cat "$b/.kfixtures-config" 2>/dev/null)" != "$recipe" ]; then
		rm -rf "$b" "$b.log"
		mkdir -p "$b"
		kmake "$a" "$v" "$b" tinyconfig
		if [ -n "$(config_tweaks "$a")" ]; then
			# shellcheck disable=SC2046
			"$work/src/$v/scripts/config" --file "$b/.config" $(config_tweaks "$a")
			kmake "$a" "$v" "$b" olddefconfig
		fi
		echo "$recipe" >"$b/.kfixtures-config"
	fi
	case $a in
	x86_64 | arm64) grep -qx 'CONFIG_VMLINUX_MAP=y' "$b/.config" || die "$a/$v: CONFIG_VMLINUX_MAP did not stick" ;;
	ppc64le) grep -qx 'CONFIG_PPC64=y' "$b/.config" && grep -qx 'CONFIG_CPU_LITTLE_ENDIAN=y' "$b/.config" ||
		die "ppc64le/$v: not a little-endian 64-bit config" ;;
	esac
}

# full_build ARCH VARIANT builds vmlinux; the wall time of a build from
# scratch is kept in BUILDDIR/.kfixtures-seconds.
full_build() {
	local a=$1 v=$2 b=$work/build/$1-$2 t0 fresh=0
	t0=$(date +%s.%N)
	configure "$a" "$v" "$b" # a new configuration starts from an empty tree
	[ -f "$b/vmlinux" ] || fresh=1
	log "building $a/$v vmlinux (log: $b.log)"
	kmake "$a" "$v" "$b" -j"$jobs" vmlinux
	if [ $fresh = 1 ]; then
		awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f\n", b - a }' >"$b/.kfixtures-seconds"
		cut -d' ' -f1-3 /proc/loadavg >"$b/.kfixtures-load"
	fi
	[ -f "$b/vmlinux.map" ] || die "$a/$v: CONFIG_VMLINUX_MAP=y but no vmlinux.map"
}

# script_build ARCH VARIANT makes only the preprocessed linker script.
script_build() {
	local a=$1 v=$2 b=$work/build/$1-$2 t0 fresh=0
	t0=$(date +%s.%N)
	configure "$a" "$v" "$b"
	[ -f "$b/arch/$(srcarch "$a")/kernel/vmlinux.lds" ] || fresh=1
	log "building $a/$v arch/$(srcarch "$a")/kernel/vmlinux.lds (log: $b.log)"
	kmake "$a" "$v" "$b" -j"$jobs" prepare
	kmake "$a" "$v" "$b" -j"$jobs" "arch/$(srcarch "$a")/kernel/vmlinux.lds"
	if [ $fresh = 1 ]; then
		awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f\n", b - a }' >"$b/.kfixtures-seconds"
		cut -d' ' -f1-3 /proc/loadavg >"$b/.kfixtures-load"
	fi
}

# ---------------------------------------------------------------- map

# parse_map turns a GNU ld map into tab-separated records, in map order:
#   OUT name addr size | IN outsec insec addr size file line | FILL outsec addr size line | SYM outsec addr name line
parse_map() {
	awk 'BEGIN { OFS = "\t" }
	/^Linker script and memory map/ { on = 1; next }
	!on { next }
	pend != "" {
		if ($0 ~ /^ +0x/) {
			if (pend == "OUT") { outsec = name; print "OUT", outsec, $1, $2 }
			else if (NF >= 3) print "IN", outsec, name, $1, $2, $3, NR
			pend = ""; next
		}
		pend = ""
	}
	/^[^ ]/ {
		if (NF == 1) { name = $1; pend = "OUT" }
		else if ($2 ~ /^0x/) { outsec = $1; print "OUT", outsec, $2, $3 }
		next
	}
	/^ \*fill\*/ { print "FILL", outsec, $2, $3, NR; next }
	/^ [^ *]/ {
		if (NF == 1) { name = $1; pend = "IN" }
		else if ($2 ~ /^0x/ && NF >= 4) print "IN", outsec, $1, $2, $3, $4, NR
		next
	}
	/^ +0x/ && NF == 2 { print "SYM", outsec, $1, $2, NR }' "$1"
}

# objpath turns a map file name (maybe ARCHIVE(MEMBER)) into the object's path.
objpath() {
	local f=$1
	if [[ $f =~ ^.*\.a\((.*)\)$ ]]; then f=${BASH_REMATCH[1]}; fi
	echo "$f"
}

# ---------------------------------------------------------------- fixtures

write_full() {
	local a=$1 v=$2 b=$work/build/$1-$2 d=$out/$1/$2 f list=()
	log "writing $d"
	mkdir -p "$d"
	gzip -9 -n -c "$b/vmlinux" >"$d/vmlinux.gz.tmp" && mv "$d/vmlinux.gz.tmp" "$d/vmlinux.gz"
	gzip -9 -n -c "$b/vmlinux.map" >"$d/vmlinux.map.gz.tmp" && mv "$d/vmlinux.map.gz.tmp" "$d/vmlinux.map.gz"
	cp "$b/arch/$(srcarch "$a")/kernel/vmlinux.lds" "$d/vmlinux.lds"
	parse_map "$b/vmlinux.map" >"$b/.kfixtures-map.tsv"
	while IFS= read -r f; do list+=("$f"); done < <(awk -F'\t' '
		$1 == "IN" && ($3 == ".data..ro_after_init" || $3 == ".rodata..page_aligned") && $5 !~ /^0x0+$/ && !seen[$6]++ { print $6 }' \
		"$b/.kfixtures-map.tsv")
	[ ${#list[@]} -gt 0 ] || die "$a/$v: no object with .data..ro_after_init in the map"
	rm -rf "$d/objects"
	mkdir "$d/objects"
	for f in "${list[@]}"; do
		f=$(objpath "$f")
		[ -f "$b/$f" ] || die "$a/$v: map names $f, not in $b"
		gzip -9 -n -c "$b/$f" >"$d/objects/${f//\//__}.gz"
		echo "$f" >>"$d/objects/LIST"
	done
	verify_image "$a" "$v"
}

write_script() {
	local a=$1 v=$2 b=$work/build/$1-$2 d=$out/$1/$2
	log "writing $d"
	mkdir -p "$d"
	cp "$b/arch/$(srcarch "$a")/kernel/vmlinux.lds" "$d/vmlinux.lds"
	verify_script "$a" "$v"
}

# symaddr IMAGE-NM-FILE NAME prints a symbol's address (hex, no 0x), or nothing.
symaddr() { awk -v s="$2" '$NF == s { print $1; exit }' "$1"; }

verify_script() {
	local a=$1 v=$2 s=$out/$1/$2/vmlinux.lds
	if [ "$v" = fix ]; then
		grep -q '__start_rodata = \.; \*(\.rodata\.\.page_aligned)' "$s" || die "$s: no *(.rodata..page_aligned) after __start_rodata"
	else
		! grep -q 'rodata\.\.page_aligned' "$s" || die "$s: has .rodata..page_aligned"
	fi
}

# verify_image checks the symbols and their order in a full build.
verify_image() {
	local a=$1 v=$2 b=$work/build/$1-$2 nmf pfn page start
	verify_script "$a" "$v"
	nmf=$b/.kfixtures-nm
	"$(tools "$a")nm" -n -S "$b/vmlinux" >"$nmf"
	pfn=$(symaddr "$nmf" zp_test_pfn)
	page=$(symaddr "$nmf" zp_test_page)
	start=$(symaddr "$nmf" __start_rodata)
	case $v in
	base) [ -z "$pfn$page" ] || die "$a/base: has zp_test symbols" ;;
	change)
		[ -n "$pfn" ] && [ -n "$page" ] || die "$a/change: zp_test symbols missing from vmlinux"
		[[ $pfn < $page ]] || die "$a/change: GCC put zp_test_page ($page) before zp_test_pfn ($pfn); swap the definitions in change_decls"
		;;
	fix)
		[ -n "$pfn" ] && [ -n "$page" ] || die "$a/fix: zp_test symbols missing from vmlinux"
		[ "$page" = "$start" ] || die "$a/fix: zp_test_page at $page, __start_rodata at $start"
		;;
	esac
}

# ---------------------------------------------------------------- FACTS.md

hex() { printf '0x%x' "$1"; }
size_of() { stat -c %s "$1"; }

# section_of ARCH VARIANT SYMBOL prints three map records: the non-empty input
# section holding SYMBOL, the one before it and the one after it.
section_of() {
	awk -F'\t' -v s="$3" '
		$1 == "IN" && $5 !~ /^0x0+$/ { if (found) { nxt = $0; exit } prev = cur; cur = $0 }
		$1 == "SYM" && $4 == s { found = 1 }
		END { if (found) { print cur; print prev; print nxt } }' "$work/build/$1-$2/.kfixtures-map.tsv"
}

# section_holes ARCH VARIANT SYMBOL... prints, for each input section holding
# one of the symbols, the holes before and after it (from the map).
section_holes() {
	local a=$1 v=$2 s rec seen="" cur prev nxt syms
	local cout csec caddr csize cfile pout paddr psize pfile psec naddr nfile nsec where
	shift 2
	for s in "$@"; do
		rec=$(section_of "$a" "$v" "$s")
		[ -n "$rec" ] || { echo "- $s: not in the map"; continue; }
		cur=$(sed -n 1p <<<"$rec")
		prev=$(sed -n 2p <<<"$rec")
		nxt=$(sed -n 3p <<<"$rec")
		case $seen in *"|$cur|"*) continue ;; esac
		seen="$seen|$cur|"
		syms=""
		for s2 in "$@"; do [ "$(section_of "$a" "$v" "$s2" | head -n1)" = "$cur" ] && syms="$syms $s2"; done
		IFS=$'\t' read -r _ cout csec caddr csize cfile _ <<<"$cur"
		IFS=$'\t' read -r _ pout psec paddr psize pfile _ <<<"$prev"
		IFS=$'\t' read -r _ _ nsec naddr _ nfile _ <<<"$nxt"
		echo "- input section $(objpath "$cfile")($csec) at $caddr, size $((csize)), holds$syms:"
		where=""
		[ "$pout" = "$cout" ] || where=" in output section $pout (it starts output section $cout)"
		echo "  - hole before it: $((caddr - paddr - psize)) B, after $(objpath "$pfile")($psec)$where ending at $(hex $((paddr + psize)))"
		[ -z "$naddr" ] || echo "  - hole after it: $((naddr - caddr - csize)) B, before $(objpath "$nfile")($nsec) at $naddr"
	done
}

# sym_hole ARCH VARIANT SYMBOL prints the gap between the end of the symbols
# before SYMBOL (nm -n -S, sized symbols within 128 KiB) and SYMBOL.
sym_hole() {
	local nmf=$work/build/$1-$2/.kfixtures-nm s=$3 addr prevend=0 prevname="" sa sz name
	addr=$(symaddr "$nmf" "$s")
	[ -n "$addr" ] || return 0
	addr=0x$addr
	while read -r sa sz _ name; do
		if [ $((0x$sa + 0x$sz)) -gt $((prevend)) ] || [ -z "$prevname" ]; then
			prevend=$((0x$sa + 0x$sz))
			prevname=$name
		fi
	done < <(awk -v lo="$(printf '%016x' $((addr - 0x20000)))" -v hi="${addr#0x}" 'NF == 4 && ($1 "") >= (lo "") && ($1 "") < (hi "")' "$nmf")
	[ -n "$prevname" ] || { echo "- hole before $s: no sized symbol in the 128 KiB before it"; return 0; }
	echo "- hole before $s: $((addr - prevend)) B, after $prevname ending at $(hex $prevend)"
}

# deltas ARCH VARIANT prints how far the variant moved key symbols from base's.
deltas() {
	local a=$1 v=$2 s x y line=""
	for s in __end_rodata __end_ro_after_init __init_begin _sdata _end; do
		x=$(symaddr "$work/build/$a-base/.kfixtures-nm" "$s")
		y=$(symaddr "$work/build/$a-$v/.kfixtures-nm" "$s")
		[ -n "$x" ] && [ -n "$y" ] && line="$line $s $((0x$y - 0x$x)),"
	done
	x=$(awk -F'\t' '$1 == "OUT" && $2 == ".rodata" { print $4; exit }' "$work/build/$a-base/.kfixtures-map.tsv")
	y=$(awk -F'\t' '$1 == "OUT" && $2 == ".rodata" { print $4; exit }' "$work/build/$a-$v/.kfixtures-map.tsv")
	echo "- moved from base (B):$line .rodata output section size $((y - x))"
}

# map_excerpt prints the map lines from the input section before SYMBOL's to SYMBOL.
map_excerpt() {
	local b=$work/build/$1-$2 s=$3 from to
	read -r from to < <(awk -F'\t' -v s="$s" '
		$1 == "IN" && $5 !~ /^0x0+$/ { prev = cur; cur = $7 }
		$1 == "SYM" && $4 == s { print prev - 1, $5; exit }' "$b/.kfixtures-map.tsv")
	[ -n "${from:-}" ] || return 0
	[ $((to - from)) -le 25 ] || from=$((to - 25))
	echo '```'
	sed -n "${from},${to}p" "$b/vmlinux.map" | sed 's/[[:space:]]*$//'
	echo '```'
}

# loadnote BUILDDIR prints the load average recorded when the build ended, if any.
loadnote() { [ ! -f "$1/.kfixtures-load" ] || echo "; load average then: $(cat "$1/.kfixtures-load")"; }

facts_build() {
	local a=$1 v=$2 b=$work/build/$1-$2 d=$out/$1/$2 s secs addr size
	secs=$(cat "$b/.kfixtures-seconds" 2>/dev/null || echo '?')
	echo "### $a/$v"
	echo
	echo "- wall time (config + vmlinux, from scratch, make -j$jobs): $secs s$(loadnote "$b")"
	echo "- vmlinux $(size_of "$b/vmlinux") B (gz $(size_of "$d/vmlinux.gz") B); vmlinux.map $(size_of "$b/vmlinux.map") B (gz $(size_of "$d/vmlinux.map.gz") B); nm: $("$(tools "$a")nm" "$b/vmlinux" | wc -l) symbols"
	echo "- objects with .data..ro_after_init or .rodata..page_aligned (objects/LIST): $(wc -l <"$d/objects/LIST")"
	echo "- PT_LOAD segments (vaddr, memsz, flags): $("$(tools "$a")readelf" -lW "$b/vmlinux" | awk '$1 == "LOAD" { f = $7; for (i = 8; i < NF; i++) f = f $i; printf "%s%s %s %s", sep, $3, $6, f; sep = "; " }')"
	echo "- .rodata output section: $(awk -F'\t' '$1 == "OUT" && $2 == ".rodata" { print $3 ", size " $4; exit }' "$b/.kfixtures-map.tsv")"
	echo
	echo '| symbol | address | size |'
	echo '|---|---|---|'
	for s in zp_test_pfn zp_test_page __start_rodata __end_rodata __start_ro_after_init __end_ro_after_init __init_begin _sdata _end; do
		read -r addr size < <(awk -v s="$s" '$NF == s { if (NF == 4) print $1, $2; else print $1, "-"; exit }' "$b/.kfixtures-nm") || true
		[ -n "${addr:-}" ] || { echo "| $s | - | - |"; continue; }
		[ "$size" = - ] || size=$((0x$size))
		echo "| $s | 0x$addr | $size |"
		addr=""
	done
	echo
	if [ "$v" != base ]; then
		deltas "$a" "$v"
		section_holes "$a" "$v" zp_test_pfn zp_test_page
		sym_hole "$a" "$v" zp_test_pfn
		sym_hole "$a" "$v" zp_test_page
		echo
		echo "The map, up to zp_test_page:"
		echo
		map_excerpt "$a" "$v" zp_test_page
		echo
	fi
}

facts_script() {
	local a=$1 v=$2 b=$work/build/$1-$2 secs
	secs=$(cat "$b/.kfixtures-seconds" 2>/dev/null || echo '?')
	echo "- $a/$v: vmlinux.lds $(size_of "$out/$a/$v/vmlinux.lds") B, $secs s (config + prepare + script)$(loadnote "$b")"
}

write_facts() {
	local f=$out/FACTS.md a v
	log "writing $f"
	{
		echo "# Kernel fixtures: facts"
		echo
		echo "Written by build.sh; do not edit. Numbers are bytes unless marked."
		echo
		echo "- Linux $(make -s -C "$work/src/base" kernelversion 2>/dev/null) from Debian linux-source-6.1 $(dpkg-query -W -f='${Version}' linux-source-6.1)"
		for a in "${full_arches[@]}" "${script_arches[@]}"; do
			echo "- $a: $("$(cross "$a")gcc" --version | head -n1); $("$(tools "$a")ld" --version | head -n1)"
		done
		echo "- make -j$jobs; KBUILD_BUILD_TIMESTAMP='$KBUILD_BUILD_TIMESTAMP' KBUILD_BUILD_USER=$KBUILD_BUILD_USER KBUILD_BUILD_HOST=$KBUILD_BUILD_HOST KBUILD_BUILD_VERSION=$KBUILD_BUILD_VERSION"
		echo
		echo "## Configs"
		echo
		for a in "${full_arches[@]}" "${script_arches[@]}"; do
			echo "- $a (ARCH=$(karch "$a") CROSS_COMPILE=$(cross "$a")): $(cat "$work/build/$a-base/.kfixtures-config")"
		done
		echo
		echo "The resulting lines that matter (x86_64, riscv64 and s390x have 4 KiB pages only):"
		echo
		for a in "${full_arches[@]}" "${script_arches[@]}"; do
			echo "- $a: $(grep -E '^CONFIG_(VMLINUX_MAP|STRICT_KERNEL_RWX|PPC64|PPC_BOOK3S_64|CPU_LITTLE_ENDIAN|64BIT|SMP|MODULES|ARM64_[0-9]+K_PAGES|PPC_[0-9]+K_PAGES)=' "$work/build/$a-base/.config" | tr '\n' ' ' | sed 's/ $//')"
		done
		echo
		echo "## Variants"
		echo
		echo "- base: the unmodified sources."
		echo "- change: in mm/mm_init.c, after \`#include \"internal.h\"\`:"
		echo '```c'
		sed -n '/^#include "internal.h"/,/^unsigned long zp_test_pfn/p' "$work/src/change/mm/mm_init.c" | tail -n +2
		echo '```'
		echo "  GCC 12 emits the two in reverse definition order, so zp_test_pfn comes first (build.sh checks this with nm -n)."
		echo "  None of the variants needed __used or a reader: the symbols are global and tinyconfig links without --gc-sections."
		echo "- fix: in mm/mm_init.c:"
		echo '```c'
		sed -n '/^#include "internal.h"/,/^unsigned long zp_test_pfn/p' "$work/src/fix/mm/mm_init.c" | tail -n +2
		echo '```'
		echo "  and in include/asm-generic/vmlinux.lds.h (RO_DATA):"
		echo '```'
		grep -B1 -A1 -F '*(.rodata..page_aligned)' "$work/src/fix/include/asm-generic/vmlinux.lds.h"
		echo '```'
		echo
		echo "## Full builds"
		echo
		for a in "${full_arches[@]}"; do
			for v in "${variants[@]}"; do facts_build "$a" "$v"; done
		done
		echo "## Script-only builds"
		echo
		for a in "${script_arches[@]}"; do
			for v in base fix; do facts_script "$a" "$v"; done
		done
	} >"$f.tmp"
	mv "$f.tmp" "$f"
}

# ---------------------------------------------------------------- main

main() {
	local targets=() t a v
	if [ $# -gt 0 ]; then
		targets=("$@")
	else
		for a in "${full_arches[@]}"; do for v in "${variants[@]}"; do targets+=("$a/$v"); done; done
		for a in "${script_arches[@]}"; do for v in base fix; do targets+=("$a/$v"); done; done
	fi
	check_packages
	[ -f "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.1)"
	mkdir -p "$work/build" "$out"
	unpack
	for v in "${variants[@]}"; do variant_tree "$v"; done
	check_trees
	for t in "${targets[@]}"; do
		a=${t%%/*} v=${t#*/}
		case " ${full_arches[*]} " in
		*" $a "*) full_build "$a" "$v" && write_full "$a" "$v" ;;
		*) script_build "$a" "$v" && write_script "$a" "$v" ;;
		esac
	done
	if [ $# -eq 0 ]; then write_facts; fi
	log "done: $(du -sh "$out" | cut -f1) in $out"
}

main "$@"
