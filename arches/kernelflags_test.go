package arches

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestKernelLinkFlags pins the kernel link flags: x86_64's 2 MiB from
// arch/x86/Makefile, the 64 KiB linker default arm64's and ppc64's
// kernels get, none elsewhere; and a max page size is never below a
// kernel page size of the target, which its segments must be aligned to.
func TestKernelLinkFlags(t *testing.T) {
	want := map[string]uint64{"x86_64": 0x200000, "arm64": 0x10000, "arm64be": 0x10000, "ppc64le": 0x10000, "ppc64": 0x10000}
	for _, a := range All() {
		if want[a.Name] == 0 {
			if len(a.KernelLinkFlags) > 0 {
				t.Errorf("%s: kernel link flags %q, want none", a.Name, a.KernelLinkFlags)
			}
			continue
		}
		if len(a.KernelLinkFlags) != 2 || a.KernelLinkFlags[0] != "-z" || !strings.HasPrefix(a.KernelLinkFlags[1], "max-page-size=") {
			t.Fatalf("%s: kernel link flags %q, want -z max-page-size=N", a.Name, a.KernelLinkFlags)
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(a.KernelLinkFlags[1], "max-page-size="), 0, 64)
		if err != nil || n != want[a.Name] {
			t.Errorf("%s: max page size %s (%v), want %#x", a.Name, a.KernelLinkFlags[1], err, want[a.Name])
		}
		if p := slices.Max(a.PageSizes); n < p {
			t.Errorf("%s: max page size %#x is below the kernel page size %#x", a.Name, n, p)
		}
	}
}

func TestKernelLinkFlagsAreCopied(t *testing.T) {
	a, _ := Lookup("x86_64")
	a.KernelLinkFlags[1] = "changed"
	if b, _ := Lookup("x86_64"); b.KernelLinkFlags[1] == "changed" {
		t.Error("changing a looked-up row's KernelLinkFlags changed the table")
	}
}
