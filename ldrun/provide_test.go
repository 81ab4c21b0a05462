package ldrun_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// x86Like has what x86_64's Linux 6.1 vmlinux.lds needs from its inputs,
// cut down: the entry point computed from startup_64, which the kernel
// puts in .head.text right after `_text = .`, symbols named in
// assignments inside and outside SECTIONS, a PROVIDE and a DEFINED.
const x86Like = `ENTRY(phys_startup_64)
jiffies = jiffies_64;
PHDRS { text PT_LOAD FLAGS(5); data PT_LOAD FLAGS(6); }
SECTIONS
{
 . = 0xffffffff81000000;
 phys_startup_64 = ABSOLUTE(startup_64 - 0xffffffff80000000);
 .text : { _text = .; KEEP(*(.head.text)) *(.text .text.*) } :text
 . = ALIGN(4096);
 .rodata : { __start_rodata = .; *(.rodata) *(.rodata.*) . = ALIGN(8); *(.data..ro_after_init) } :text
 . = ALIGN(4096);
 .data : { *(.data) } :data
 __per_cpu_load = .;
 PROVIDE(__efistub_size = efi_only_sym - _text);
 maybe_vdso = DEFINED(vdso_image) ? vdso_image : 0;
 /DISCARD/ : { *(.note.GNU-stack) *(.comment) *(.eh_frame) }
}
init_per_cpu__gdt_page = ABSOLUTE(gdt_page) + __per_cpu_load;
`

// provisions lists what x86Like needs for a scenario, as "SYMBOL@SECTION"
// with "!" marking an entry point.
func provisions(t *testing.T, script string, s *synth.Scenario) []string {
	t.Helper()
	a, _ := arches.Lookup("x86_64")
	in, err := synth.BuildInputs(s, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ldrun.ScriptProvisions("x86.lds", script, in.Objects)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		mark := ""
		if p.Entry {
			mark = "!"
		}
		out = append(out, p.Symbol+"@"+p.Section+mark)
		if p.Why == "" {
			t.Errorf("%s has no reason", p.Symbol)
		}
	}
	return out
}

// scenario is the founding case before the fix plus one unit of extra
// symbols in .data, each "NAME" or "NAME:BIND".
func scenario(t *testing.T, extra ...string) *synth.Scenario {
	t.Helper()
	s, err := ldrun.FoundingScenario("zero-page-before.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		sec := synth.Section{Name: ".data"}
		for _, e := range extra {
			name, bind, _ := strings.Cut(e, ":")
			sec.Symbols = append(sec.Symbols, synth.Symbol{Name: name, Bind: bind, Size: synth.Bytes(8), Align: synth.Bytes(8)})
		}
		s.Units = append(s.Units, synth.Unit{Name: "extra.o", Sections: []synth.Section{sec}})
	}
	return s
}

func TestScriptProvisionsReadTheScript(t *testing.T) {
	got := provisions(t, x86Like, scenario(t))
	// In the order the script names them; the entry point in .head.text,
	// the first input section placed; not the PROVIDE's symbol nobody
	// wants, nor vdso_image, which DEFINED() tests.
	want := []string{"jiffies_64@.data", "startup_64@.head.text!", "gdt_page@.data"}
	if !slices.Equal(got, want) {
		t.Errorf("provisions %v, want %v", got, want)
	}
}

func TestScriptProvisionsNeverReplaceTheScenarios(t *testing.T) {
	// A global or weak definition satisfies the script; a local one
	// does not, and stays the scenario's own.
	got := provisions(t, x86Like, scenario(t, "jiffies_64", "startup_64:weak", "gdt_page:local"))
	if want := []string{"gdt_page@.data"}; !slices.Equal(got, want) {
		t.Errorf("provisions %v, want %v", got, want)
	}
}

func TestScriptProvisionsFollowWantedProvides(t *testing.T) {
	// A script statement that wants __efistub_size makes the PROVIDE
	// count, and with it the symbol its expression names.
	got := provisions(t, x86Like+"want_size = __efistub_size;\n", scenario(t))
	want := []string{"jiffies_64@.data", "startup_64@.head.text!", "gdt_page@.data", "efi_only_sym@.data"}
	if !slices.Equal(got, want) {
		t.Errorf("provisions %v, want %v", got, want)
	}
}

func TestScriptProvisionsWithoutData(t *testing.T) {
	// Without a .data to hold them, symbols go to the first section the
	// script places; ENTRY's own symbol is the entry point.
	script := "ENTRY(go)\nSECTIONS { .text : { *(.text.*) *(.boot) } x = y; }"
	got := provisions(t, script, scenario(t))
	if want := []string{"go@.boot!", "y@.boot"}; !slices.Equal(got, want) {
		t.Errorf("provisions %v, want %v", got, want)
	}
}

func TestBuiltinScriptsNeedNothing(t *testing.T) {
	forEachBuiltinScript(t, func(a *arches.Arch, name, text string) {
		ps, err := ldrun.ScriptProvisions(name, text, nil)
		if err != nil || len(ps) > 0 {
			t.Errorf("%s on %s: provisions %v, error %v; want none", name, a.Name, ps, err)
		}
	})
}

// TestRealScriptLinksWithProvisions links a scenario that defines one of
// the symbols x86Like needs: the scenario's definition stays, the others
// come from elfsynth-provided.o, and the entry point lands on _text.
func TestRealScriptLinksWithProvisions(t *testing.T) {
	a, _ := arches.Lookup("x86_64")
	dir := t.TempDir()
	script := dir + "/x86.lds"
	writeFile(t, script, x86Like)
	s := scenario(t, "jiffies_64")
	in, err := synth.BuildInputs(s, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []arches.Linker{arches.LinkerBFD, arches.LLDVersion(ldrun.DefaultLLD)} {
		t.Run(l.String(), func(t *testing.T) {
			needLinkerOf(t, a, l)
			r, err := ldrun.Link(context.Background(), ldrun.Options{Arch: a, Linker: l, Script: script}, in)
			if err != nil {
				t.Fatal(err)
			}
			lay := r.Layout
			if j, ok := lay.Symbol("jiffies_64"); !ok || j.Size != 8 {
				t.Errorf("jiffies_64 = %+v, want the scenario's 8-byte one", j)
			}
			got := strings.Join(lay.Provided, "\n")
			for _, want := range []string{"startup_64 in .head.text: the entry point", "gdt_page in .data: named in `init_per_cpu__gdt_page = ...` (script line 18)"} {
				if !strings.Contains(got, want) {
					t.Errorf("provided:\n%s\nwant a line with %q", got, want)
				}
			}
			if strings.Contains(got, "jiffies_64") {
				t.Errorf("provided:\n%s\nreplaces the scenario's jiffies_64", got)
			}
			text, _ := lay.Symbol("_text")
			if st, ok := lay.Symbol("startup_64"); !ok || st.Addr != text.Addr {
				t.Errorf("startup_64 at %v, want it at _text, %v", st.Addr, text.Addr)
			}
			if !strings.Contains(lay.Linker.Command, " "+ldrun.ProvidedObject) {
				t.Errorf("command %q does not link %s", lay.Linker.Command, ldrun.ProvidedObject)
			}
			if h := holeSizes(lay.Holes, "zero_page_pfn", "empty_zero_page"); fmt.Sprint(h) != "[4088]" {
				t.Errorf("holes before empty_zero_page %v, want [4088]", h)
			}
		})
	}
}

// TestScriptAssignmentsOverInputsAreWarned: a symbol the scenario defines
// and the script assigns gets the script's value from the linker; the
// report says so.
func TestScriptAssignmentsOverInputsAreWarned(t *testing.T) {
	a, _ := arches.Lookup("x86_64")
	needLinkerOf(t, a, arches.LinkerBFD)
	script := t.TempDir() + "/x86.lds"
	writeFile(t, script, x86Like)
	plan, err := synth.Build(scenario(t, "_text"), a, 0)
	if err != nil {
		t.Fatal(err)
	}
	in, err := plan.Inputs()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ldrun.Link(context.Background(), ldrun.Options{Arch: a, Linker: arches.LinkerBFD, Script: script}, in)
	if err != nil {
		t.Fatal(err)
	}
	want := "the script assigns _text (line 8), which an input defines: the linker takes the script's value"
	if !slices.Contains(r.Layout.Warnings, want) {
		t.Errorf("warnings %q, want %q", r.Layout.Warnings, want)
	}
}
