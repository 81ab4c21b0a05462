package ldrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

func mustArch(t *testing.T, name string) *arches.Arch {
	t.Helper()
	a, err := arches.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// needLinker skips (or fails) t when l is not installed for a.
func needLinker(t *testing.T, a *arches.Arch, l arches.Linker) {
	t.Helper()
	if _, err := Find(a, l); err != nil {
		toolcheck.Missing(t, "%v", err)
	}
}

// privateTemp points TMPDIR at a fresh directory and returns a function
// listing what Link left in it.
func privateTemp(t *testing.T) func() []string {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	return func() []string {
		es, _ := os.ReadDir(dir)
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		return names
	}
}

func holeWith(lay *Layout, after string) *Hole {
	for i := range lay.Holes {
		if lay.Holes[i].After == after {
			return &lay.Holes[i]
		}
	}
	return nil
}

// TestFoundingCaseX86 checks the founding case with GNU ld on x86_64 hole
// by hole: 3936 B before mm_init.o's page-aligned input section and 4088 B
// before empty_zero_page; none with the fix.
func TestFoundingCaseX86(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.BFD)
	ctx := context.Background()
	before, err := Link(ctx, Options{Arch: a, Linker: arches.BFD, Script: ScriptKernel}, assemble(t, a, founding(4096, false)))
	if err != nil {
		t.Fatal(err)
	}
	after, err := Link(ctx, Options{Arch: a, Linker: arches.BFD, Script: ScriptKernelFixed}, assemble(t, a, founding(4096, true)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Hole{
		"zero_page_pfn":   {Size: 3936, Before: "a2", Cause: "mm_init.o(.data..ro_after_init) aligned to 4096"},
		"empty_zero_page": {Size: 4088, Before: "zero_page_pfn", Cause: "symbol empty_zero_page aligned to 4096"},
	}
	for name, w := range want {
		h := holeWith(before.Layout, name)
		if h == nil || h.Size != w.Size || h.Before != w.Before || h.Cause != w.Cause {
			t.Errorf("hole before %s = %+v, want %+v", name, h, w)
		}
	}
	if got := roaiPadding(t, before.Layout); got != 8024 {
		t.Errorf("before the fix: ro_after_init padding %d, want 8024", got)
	}
	if got := roaiPadding(t, after.Layout); got != 0 {
		t.Errorf("after the fix: ro_after_init padding %d, want 0", got)
	}
	t.Logf("padding before %d (total %d), after %d (total %d)", roaiPadding(t, before.Layout), before.Layout.Padding,
		roaiPadding(t, after.Layout), after.Layout.Padding)
	// Rounded to whole pages at __end_rodata, the fix saves two pages.
	if d := before.Layout.Padding - after.Layout.Padding; d != 8192 {
		t.Errorf("the fix saves %d bytes of padding, want 8192", d)
	}
	if b, a := symAddr(t, before.Layout, endRodata), symAddr(t, after.Layout, endRodata); b-a != 8192 {
		t.Errorf("__end_rodata moves from %#x to %#x, want two pages down", b, a)
	}
	// The kernel maps all of ro_after_init read-only once booted.
	for _, s := range before.Layout.Symbols {
		if s.Name == "empty_zero_page" && (s.Perm != "R-X" || s.RuntimePerm != permROAfter) {
			t.Errorf("empty_zero_page perm %q runtime %q", s.Perm, s.RuntimePerm)
		}
	}
	var buf bytes.Buffer
	if err := before.Layout.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"linker: bfd (GNU ld", "symbol empty_zero_page aligned to 4096", "padding: ", "R-- after init"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("text report lacks %q:\n%s", s, buf.String())
		}
	}
	js, err := json.Marshal(before.Layout)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"addr":"0xffffffff81202000"`, `"runtime_perm":"R-- after init"`, `"page_size":4096`, `"padding":`} {
		if !bytes.Contains(js, []byte(s)) {
			t.Errorf("JSON lacks %s", s)
		}
	}
}

func TestLinkerFailure(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.BFD)
	inputs := assemble(t, a, founding(4096, false))
	left := privateTemp(t)
	bogus := filepath.Join(t.TempDir(), "bogus.lds")
	if err := os.WriteFile(bogus, []byte("SECTIONS { .text : { *(.text) \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD, Script: bogus}, inputs)
	if err == nil {
		t.Fatal("a bogus script linked")
	}
	for _, s := range []string{"x86_64-linux-gnu-ld.bfd -m elf_x86_64", "-T link.lds", "mm_init.o", "syntax error"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, err)
		}
	}
	if l := left(); len(l) != 0 {
		t.Errorf("left in TMPDIR: %v", l)
	}
}

// fakeLinker puts an x86_64-linux-gnu-ld.bfd on PATH that answers
// --version and otherwise runs the shell commands body.
func fakeLinker(t *testing.T, body string) {
	dir := t.TempDir()
	script := "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fake ld 1.0'; exit 0; fi\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "x86_64-linux-gnu-ld.bfd"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestLinkerHangs(t *testing.T) {
	toolcheck.Require(t, "sleep")
	a := mustArch(t, "x86_64")
	fakeLinker(t, "exec sleep 100")
	left := privateTemp(t)
	in := []Input{{Name: "x.o", Data: []byte("not linked")}}
	_, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD, Timeout: time.Second}, in)
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || !strings.Contains(err.Error(), "x.o") {
		t.Errorf("timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	_, err = Link(ctx, Options{Arch: a, Linker: arches.BFD}, in)
	if err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancel: %v", err)
	}
	if l := left(); len(l) != 0 {
		t.Errorf("left in TMPDIR: %v", l)
	}
}

// TestLinkerWritesGarbage: a linker that exits 0 but leaves an image that
// is no ELF file is an error naming its command, and leaves nothing behind.
func TestLinkerWritesGarbage(t *testing.T) {
	a := mustArch(t, "x86_64")
	fakeLinker(t, "echo 'not an ELF image' > image")
	left := privateTemp(t)
	_, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD}, []Input{{Name: "x.o", Data: []byte("x")}})
	if err == nil || !strings.Contains(err.Error(), "reading the image of") || !strings.Contains(err.Error(), "x.o") {
		t.Errorf("garbage image: %v", err)
	}
	fakeLinker(t, "exit 0")
	_, err = Link(context.Background(), Options{Arch: a, Linker: arches.BFD}, []Input{{Name: "x.o", Data: []byte("x")}})
	if err == nil || !strings.Contains(err.Error(), "linker made no image") {
		t.Errorf("no image: %v", err)
	}
	fakeLinker(t, "echo 'ld: cannot do that' >&2; exit 3")
	_, err = Link(context.Background(), Options{Arch: a, Linker: arches.BFD}, []Input{{Name: "x.o", Data: []byte("x")}})
	var le *LinkError
	if !errors.As(err, &le) || le.Reason != "exit status 3" || !strings.Contains(le.Stderr, "cannot do that") {
		t.Errorf("exit 3: %v", err)
	}
	if l := left(); len(l) != 0 {
		t.Errorf("left in TMPDIR: %v", l)
	}
}

func TestMissingLinker(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	a := mustArch(t, "arm64")
	for l, pkg := range map[arches.Linker]string{arches.BFD: a.Package, arches.Gold: a.Package, arches.LLD: "lld-19", arches.Mold: "mold"} {
		_, err := Find(a, l)
		if err == nil || !strings.Contains(err.Error(), "apt-get install "+pkg) {
			t.Errorf("Find(%v) with an empty PATH: %v", l, err)
		}
	}
	if got := Available(a); len(got) != 0 {
		t.Errorf("Available with an empty PATH = %v", got)
	}
	if _, err := Link(context.Background(), Options{Arch: a, Linker: arches.LLD}, nil); err == nil || !strings.Contains(err.Error(), "lld-19") {
		t.Errorf("Link without lld: %v", err)
	}
}

func TestUnsupportedLinker(t *testing.T) {
	a := mustArch(t, "riscv64")
	if _, err := Find(a, arches.Gold); err == nil || !strings.Contains(err.Error(), "does not link for riscv64") {
		t.Errorf("gold for riscv64: %v", err)
	}
	x := mustArch(t, "x86_64")
	needLinker(t, x, arches.Mold)
	if _, err := Link(context.Background(), Options{Arch: x, Linker: arches.Mold, Script: ScriptKernel}, nil); err == nil ||
		!strings.Contains(err.Error(), "mold takes no linker script") {
		t.Errorf("mold with a script: %v", err)
	}
}

func TestScripts(t *testing.T) {
	x, err := Script(ScriptKernel, mustArch(t, "x86_64"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"PHDRS", ". = 0xffffffff81000000;", ". = ALIGN(2097152);", "} :text", "} :data",
		"__start_ro_after_init = .;\n\t\t*(.data..ro_after_init)"} {
		if !strings.Contains(x, s) {
			t.Errorf("x86_64 kernel script lacks %q", s)
		}
	}
	if strings.Contains(x, ".rodata..page_aligned") {
		t.Error("the kernel script places .rodata..page_aligned first")
	}
	f, err := Script(ScriptKernelFixed, mustArch(t, "arm64"), 16384)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"__start_rodata = .;\n\t\t*(.rodata..page_aligned)", ".data..ro_after_init : {", ". = ALIGN(16384);"} {
		if !strings.Contains(f, s) {
			t.Errorf("arm64 kernel-fixed script lacks %q:\n%s", s, f)
		}
	}
	if strings.Contains(f, "PHDRS") {
		t.Error("arm64 script has PHDRS")
	}
	if _, err := Script(ScriptNone, mustArch(t, "x86_64"), 0); err == nil {
		t.Error("Script(none) returned text")
	}
	if _, err := Script("/no/such/script.lds", mustArch(t, "x86_64"), 0); err == nil || !strings.Contains(err.Error(), "/no/such/script.lds") {
		t.Errorf("missing script file: %v", err)
	}
	if _, err := Script(ScriptKernel, mustArch(t, "x86_64"), 3000); err == nil {
		t.Error("page size 3000 accepted")
	}
}

// TestMIPSAttributesAfterMemory checks that the MIPS sections GNU as adds
// land after _end, not inside the kernel image.
func TestMIPSAttributesAfterMemory(t *testing.T) {
	a := mustArch(t, "mips64el")
	for _, l := range Available(a) {
		res, err := Link(context.Background(), Options{Arch: a, Linker: l}, assemble(t, a, founding(4096, false)))
		if err != nil {
			t.Fatal(err)
		}
		end := symAddr(t, res.Layout, "_end")
		for _, s := range res.Layout.Sections {
			if strings.HasPrefix(s.Name, ".MIPS.") && uint64(s.Addr) < end {
				t.Errorf("%v: %s at %s, before _end %#x", l, s.Name, s.Addr, end)
			}
		}
	}
}

// TestDiffGoldAbsolute checks Diff on bfd and gold: gold makes script
// symbols assigned between output sections absolute.
func TestDiffGoldAbsolute(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.BFD)
	needLinker(t, a, arches.Gold)
	in := assemble(t, a, founding(4096, false))
	b, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD}, in)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Link(context.Background(), Options{Arch: a, Linker: arches.Gold}, in)
	if err != nil {
		t.Fatal(err)
	}
	d := strings.Join(Diff(b.Layout, g.Layout), "\n")
	if !strings.Contains(d, "symbol __end_rodata: bfd 0xffffffff81204000 size 0 in .data, gold 0xffffffff81204000 size 0 in *ABS*") {
		t.Errorf("diff:\n%s", d)
	}
	if len(Diff(b.Layout, b.Layout)) != 0 {
		t.Error("a layout differs from itself")
	}
}

func TestReadGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("garbage"), []byte("\x7fELF\x02\x01\x01"), bytes.Repeat([]byte{0x7f}, 200)} {
		if _, err := Read(b, nil); err == nil {
			t.Errorf("Read(%q) succeeded", b)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("\x7fELF"))
	// A real image, when a linker is at hand, lets the fuzzer mutate
	// valid headers, sections and symbols.
	if a, _ := arches.Lookup("i386"); a != nil {
		if _, err := Find(a, arches.BFD); err == nil {
			if res, err := linkI386(f, a); err == nil {
				f.Add(res.Image)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lay, err := Read(b, nil)
		if err == nil {
			// Whatever it reads must be writable.
			if err := lay.WriteText(&bytes.Buffer{}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// linkI386 links a small founding-case image without a script, for a seed.
func linkI386(f *testing.F, a *arches.Arch) (*Result, error) {
	as := a.Tool("as")
	if _, err := exec.LookPath(as); err != nil {
		return nil, err
	}
	dir := f.TempDir()
	src := filepath.Join(dir, "c.s")
	if err := os.WriteFile(src, []byte(founding(4096, false)["c.o"]), 0o644); err != nil {
		return nil, err
	}
	obj := filepath.Join(dir, "c.o")
	if err := exec.Command(as, append(append([]string{}, a.AsFlags...), "-o", obj, src)...).Run(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(obj)
	if err != nil {
		return nil, err
	}
	return Link(context.Background(), Options{Arch: a, Linker: arches.BFD, Script: ScriptNone}, []Input{{Name: "c.o", Data: data}})
}

// TestScriptFileFindingsOrphans links with a script file that ends rodata
// off a page boundary and places no .init.data.
func TestScriptFileFindingsOrphans(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.BFD)
	srcs := founding(4096, false)
	srcs["c.o"] += "\t.section .init.data,\"aw\"\n\t.globl init_x\ninit_x:\n\t.space 8\n\t.size init_x, 8\n"
	res, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD, Script: "testdata/unaligned.lds"}, assemble(t, a, srcs))
	if err != nil {
		t.Fatal(err)
	}
	lay := res.Layout
	if len(lay.Orphans) != 1 || lay.Orphans[0] != "c.o(.init.data)" {
		t.Errorf("orphans %q, want [c.o(.init.data)]", lay.Orphans)
	}
	found := false
	for _, f := range lay.Findings {
		found = found || strings.HasPrefix(f, "__end_rodata at ") && strings.Contains(f, "R-- and RW-")
	}
	if !found {
		t.Errorf("no finding for the unaligned __end_rodata: %q", lay.Findings)
	}
	checkTiling(t, lay)
}

func TestVersionAtLeast(t *testing.T) {
	for line, want := range map[string]bool{
		"GNU ld (GNU Binutils for Debian) 2.40": true,
		"GNU ld (GNU Binutils) 2.39":            true,
		"GNU ld (GNU Binutils) 2.38.50":         false,
		"GNU ld version 3.1":                    true,
		"":                                      false,
		"fake ld":                               false,
	} {
		if got := versionAtLeast(line, 2, 39); got != want {
			t.Errorf("versionAtLeast(%q, 2, 39) = %v", line, got)
		}
	}
}

// TestVersionCacheOnDisk: a second process asks no linker for its version;
// a changed linker file is asked again.
func TestVersionCacheOnDisk(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	ld := filepath.Join(dir, "ld")
	counter := filepath.Join(dir, "asked")
	writeLD := func(v string) {
		script := "#!/bin/sh\necho x >> " + counter + "\necho '" + v + "'\n"
		if err := os.WriteFile(ld, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	asked := func() int {
		b, _ := os.ReadFile(counter)
		return strings.Count(string(b), "x")
	}
	writeLD("fake ld 1.0")
	for i := 0; i < 2; i++ {
		versions.Delete(ld) // as in a new process
		if v, err := version(ld); err != nil || v != "fake ld 1.0" {
			t.Fatalf("version = %q, %v", v, err)
		}
	}
	if asked() != 1 {
		t.Errorf("asked the linker %d times, want 1", asked())
	}
	time.Sleep(10 * time.Millisecond) // a new modification time
	writeLD("fake ld 2.0 (a longer version line)")
	versions.Delete(ld)
	if v, _ := version(ld); v != "fake ld 2.0 (a longer version line)" || asked() != 2 {
		t.Errorf("after an upgrade: %q, asked %d times", v, asked())
	}
}

// TestMain keeps the fake linkers' versions out of the user's cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "elfsynth-test-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestTempOnTmpfs: without TMPDIR, small links work in the tmpfs folder and
// leave nothing there, after success and after failure; with TMPDIR set,
// nothing goes to tmpfs.
func TestTempOnTmpfs(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.BFD)
	inputs := assemble(t, a, founding(4096, false))
	shm := t.TempDir()
	defer func(old string) { shmDir = old }(shmDir)
	shmDir = shm
	t.Setenv("TMPDIR", "")
	if _, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD}, inputs); err != nil {
		t.Fatal(err)
	}
	if _, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD, Script: "/nonexistent.lds"}, inputs); err == nil {
		t.Fatal("a missing script linked")
	}
	fakeLinker(t, "ls -d \"$PWD\" > /dev/stderr; exit 1")
	_, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD}, inputs)
	if err == nil || !strings.Contains(err.Error(), shm) {
		t.Errorf("the link did not run in %s: %v", shm, err)
	}
	if es, _ := os.ReadDir(shm); len(es) != 0 {
		t.Errorf("left on tmpfs: %v", es)
	}
	left := privateTemp(t)
	if _, err := Link(context.Background(), Options{Arch: a, Linker: arches.BFD}, inputs); err == nil || strings.Contains(err.Error(), shm) {
		t.Errorf("with TMPDIR set the link ran on tmpfs: %v", err)
	}
	if l := left(); len(l) != 0 {
		t.Errorf("left in TMPDIR: %v", l)
	}
}
