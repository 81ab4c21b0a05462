package ldrun

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
)

// fakeLinkers makes PATH a fresh folder holding fake executables that
// print the given version lines, by program name.
func fakeLinkers(t *testing.T, progs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, v := range progs {
		script := "#!/bin/sh\necho '" + v + "'\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return dir
}

// TestInstalledListsEveryVersion: each installed lld is a linker of its
// own with its own path and version line; versions the target does not
// support are left out; the default lld is marked.
func TestInstalledListsEveryVersion(t *testing.T) {
	t.Setenv(EnvDefaultLLD, "")
	dir := fakeLinkers(t, map[string]string{
		"ld.lld-13":                  "Debian LLD 13.0.1 (compatible with GNU linkers)",
		"ld.lld-19":                  "Debian LLD 19.1.7 (compatible with GNU linkers)",
		"ld.lld-22":                  "Debian LLD 22.1.8 (compatible with GNU linkers)",
		"s390x-linux-gnu-ld.bfd":     "GNU ld (GNU Binutils for Debian) 2.40",
		"x86_64-linux-gnu-ld.gold":   "GNU gold (GNU Binutils for Debian 2.40) 1.16",
		"x86_64-linux-gnu-ld.bfd":    "GNU ld (GNU Binutils for Debian) 2.40",
		"riscv64-linux-gnu-ld.bfd":   "GNU ld (GNU Binutils for Debian) 2.40",
		"aarch64-linux-gnu-ld.other": "not a linker elfsynth knows",
	})
	cases := map[string][]string{
		"x86_64": {"bfd 2.40", "gold 1.16", "lld-13 13.0.1", "lld-19 19.1.7", "lld-22 22.1.8"},
		// s390x links with lld from 18 on: lld-13 is not its linker.
		"s390x":   {"bfd 2.40", "lld-19 19.1.7", "lld-22 22.1.8"},
		"riscv64": {"bfd 2.40", "lld-13 13.0.1", "lld-19 19.1.7", "lld-22 22.1.8"},
	}
	for name, want := range cases {
		tools, err := Installed(mustArch(t, name))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tool := range tools {
			got = append(got, tool.Linker.String()+" "+ShortVersion(tool.Version))
			if filepath.Dir(tool.Path) != dir {
				t.Errorf("%s: %s at %s, not in the fake PATH", name, tool.Linker, tool.Path)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: Installed = %q, want %q", name, got, want)
		}
	}
	if !IsDefaultLLD(arches.LLDVersion(19)) || IsDefaultLLD(arches.LLDVersion(22)) || !IsDefaultLLD(arches.LinkerLLD) || IsDefaultLLD(arches.LinkerBFD) {
		t.Error("IsDefaultLLD: want lld and lld-19 only")
	}
	t.Setenv(EnvDefaultLLD, "22")
	if !IsDefaultLLD(arches.LLDVersion(22)) || IsDefaultLLD(arches.LLDVersion(19)) {
		t.Errorf("IsDefaultLLD with %s=22: want lld-22 only", EnvDefaultLLD)
	}
	tool, err := Find(mustArch(t, "x86_64"), arches.LinkerLLD)
	if err != nil || tool.Path != filepath.Join(dir, "ld.lld-22") {
		t.Errorf("Find(lld) with %s=22: %+v, %v", EnvDefaultLLD, tool, err)
	}
}

func TestShortVersion(t *testing.T) {
	for line, want := range map[string]string{
		"GNU ld (GNU Binutils for Debian) 2.40":           "2.40",
		"GNU gold (GNU Binutils for Debian 2.40) 1.16":    "1.16",
		"Debian LLD 16.0.6 (compatible with GNU linkers)": "16.0.6",
		"mold 1.10.1 (compatible with GNU ld)":            "1.10.1",
		"LLD 22.1.8":                                      "22.1.8",
		"a linker without numbers":                        "a linker without numbers",
		"version 2. or .3 or 4..5":                        "version 2. or .3 or 4..5",
	} {
		if got := ShortVersion(line); got != want {
			t.Errorf("ShortVersion(%q) = %q, want %q", line, got, want)
		}
	}
}
