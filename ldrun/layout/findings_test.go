package layout_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	. "github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
	"github.com/elfsynth/elfsynth/synth"
)

// linkScenario synthesizes a scenario written inline and links it.
func linkScenario(t *testing.T, a *arches.Arch, l arches.Linker, script, src string) *ldrun.Result {
	t.Helper()
	needLinker(t, a, l)
	s, err := synth.Parse("inline.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	in, err := synth.BuildInputs(s, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	return link(t, ldrun.Options{Arch: a, Linker: l, Script: script}, in)
}

// A page-aligned array of three pages and 100 bytes, another object's
// unaligned variable after it in .bss..page_aligned, and read-only data
// beside writable data in one .rodata.
const arrayScenario = `
units:
  - name: array.o
    sections:
      - name: .text
        symbols:
          - {name: _start, size: 16, align: 16}
      - name: .bss..page_aligned
        symbols:
          - {name: big_array, size: 3*page+100, align: page}
      - name: .rodata
        symbols:
          - {name: banner, size: 40}
  - name: other.o
    sections:
      - name: .bss..page_aligned
        symbols:
          - {name: other_var, size: 8, align: 8}
      - name: .rodata
        flags: aw
        symbols:
          - {name: table, size: 64, align: 8}
`

func findingsOf(l *Layout, kind FindingKind) []Finding {
	var out []Finding
	for _, f := range l.Findings {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// TestFindingRecords: findings are records with the page, symbols and
// sections involved, in JSON as in text; read from the image alone
// (no objects) the layout says less but still reads.
func TestFindingRecords(t *testing.T) {
	a := mustArch(t, "x86_64")
	res := linkScenario(t, a, arches.LinkerBFD, ldrun.ScriptNone, arrayScenario)
	lay := res.Layout
	big, _ := lay.Symbol("big_array")
	other, _ := lay.Symbol("other_var")
	lastPage := (uint64(big.Addr) + big.Size - 1) &^ 4095

	shared := findingsOf(lay, FindingSharedPage)
	if len(shared) != 1 {
		t.Fatalf("shared-page findings: %+v", lay.Findings)
	}
	f := shared[0]
	if uint64(f.Page) != lastPage || uint64(other.Addr)&^4095 != lastPage ||
		strings.Join(f.Symbols, " ") != "big_array other_var" ||
		strings.Join(f.Sections, " ") != "array.o(.bss..page_aligned) other.o(.bss..page_aligned) .bss" {
		t.Errorf("shared-page finding %+v; big_array %s, other_var %s", f, big.Addr, other.Addr)
	}
	ro := findingsOf(lay, FindingReadOnlyWritable)
	if len(ro) != 1 || strings.Join(ro[0].Sections, " ") != "array.o(.rodata) .rodata" || strings.Join(ro[0].Symbols, " ") != "banner" {
		t.Errorf("read-only-in-writable findings: %+v", ro)
	}

	var j struct {
		Findings []map[string]any `json:"findings"`
	}
	b, err := json.Marshal(lay)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatal(err)
	}
	var sawShared bool
	for _, m := range j.Findings {
		if m["kind"] == string(FindingSharedPage) {
			sawShared = m["page"] == Addr(lastPage).String() && m["message"] == f.Message && len(m["symbols"].([]any)) == 2
		}
	}
	if !sawShared {
		t.Errorf("JSON findings: %s", b)
	}
	var text bytes.Buffer
	if err := report.Layout(&text, lay); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "shared-page") || !strings.Contains(text.String(), Addr(lastPage).String()+"  "+f.Message) {
		t.Errorf("text report:\n%s", text.String())
	}

	// The image alone: no objects say which symbol asked for page
	// alignment, and the output .rodata is writable as a whole.
	bare, err := Read(bytes.NewReader(res.Image), Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if len(bare.Findings) != 0 {
		t.Errorf("image-only findings: %+v", bare.Findings)
	}
}

// TestFindingsFollowKernelRWX: a kernel whose script aligns its boundaries
// to cache lines has no STRICT_KERNEL_RWX where that is optional (riscv64)
// and maps itself RWX: no page needs two permissions, and code in rodata
// is no finding; where it is always on (arm64) both are findings.
func TestFindingsFollowKernelRWX(t *testing.T) {
	const src = `
units:
  - name: main.o
    sections:
      - name: .text
        symbols:
          - {name: start_kernel, size: 100, align: 16}
      - name: .rodata
        symbols:
          - {name: linux_banner, size: 72, align: 8}
      - name: .rodata.trampoline
        flags: ax
        symbols:
          - {name: trampoline, size: 32, align: 16}
      - name: .data
        symbols:
          - {name: jiffies, size: 8, align: 8}
`
	for _, tc := range []struct {
		arch      string
		strict    bool
		mixed     int
		execCount int
	}{
		{"riscv64", false, 0, 0},
		{"arm64", true, 2, 1},
	} {
		a := mustArch(t, tc.arch)
		lay := linkScenario(t, a, arches.LinkerBFD, "testdata/cacheline.lds", src).Layout
		if got := len(findingsOf(lay, FindingMixedPermissions)); got != tc.mixed {
			t.Errorf("%s: %d mixed-permissions findings, want %d: %+v", tc.arch, got, tc.mixed, lay.Findings)
		}
		if got := len(findingsOf(lay, FindingExecOutsideText)); got != tc.execCount {
			t.Errorf("%s: %d exec-outside-text findings, want %d: %+v", tc.arch, got, tc.execCount, lay.Findings)
		}
		banner, _ := lay.Symbol("linux_banner")
		want := PermRO
		if !tc.strict {
			want = PermUnprotected
		}
		if banner.RuntimePerm != want {
			t.Errorf("%s: linux_banner runtime %s, want %s", tc.arch, banner.RuntimePerm, want)
		}
	}
}
