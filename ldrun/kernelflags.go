package ldrun

import (
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

// How elfsynth sets the linker's max page size, which aligns segments
// (p_align) and their contents' file offsets, and so decides where a
// linker without PHDRS starts a new segment:
//
//   - By default, to the kernel page size (-z max-page-size=PAGE), so that
//     a layout does not depend on which linker's default applies.
//   - In a link with a script, built-in or real, where the target's row
//     says the kernel's own link sets it (arches.Arch.KernelLinkFlags:
//     x86_64's 2 MiB from arch/x86/Makefile, or the 64 KiB default arm64's
//     and ppc64's kernels get from bfd and lld alike), to that: the link
//     then lays out as the kernel's does. A link without a script shows a
//     linker's own default layout, which the kernel never uses, and keeps
//     the kernel page size.
//   - Where the user passes it (--ld-flag, Options.Flags), to that: the
//     user's flags come last and win.
//
// elfsynth leaves its own flag out when a later one sets the size, so
// the command line reads as the kernel's.

// kernelFlags are the target's kernel link flags for a link with a
// script, none for one without.
func kernelFlags(a *arches.Arch, script bool) []string {
	if !script {
		return nil
	}
	return a.KernelLinkFlags
}

// setsMaxPageSize reports whether flags set the max page size
// ("-z max-page-size=N" or "-zmax-page-size=N").
func setsMaxPageSize(flags []string) bool {
	for _, f := range flags {
		if strings.Contains(f, "max-page-size=") {
			return true
		}
	}
	return false
}
