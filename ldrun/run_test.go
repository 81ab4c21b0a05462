package ldrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/synth"
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
	if _, err := Find(a, l); errors.Is(err, ErrNotInstalled) {
		toolcheck.Missing(t, "%v", err)
	} else if err != nil {
		t.Fatal(err)
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

// foundingInputs synthesizes the founding case before the fix for a.
func foundingInputs(t *testing.T, a *arches.Arch) *synth.Inputs {
	t.Helper()
	s, err := FoundingScenario("zero-page-before.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in, err := synth.BuildInputs(s, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// junk is one small synthesized object, x.o: enough for fake linkers.
func junk() *synth.Inputs {
	a, _ := arches.Lookup("x86_64")
	s := &synth.Scenario{Name: "junk", Units: []synth.Unit{{Name: "x.o", Sections: []synth.Section{
		{Name: ".data", Symbols: []synth.Symbol{{Name: "x", Size: synth.Bytes(8)}}}}}}}
	in, err := synth.BuildInputs(s, a, 0)
	if err != nil {
		panic(err)
	}
	return in
}

// TestLinkRefusesNonObjects: an input that is no relocatable object is an
// error naming it, before any linker runs.
func TestLinkRefusesNonObjects(t *testing.T) {
	in := &synth.Inputs{Objects: []synth.Object{{Name: "x.o", Data: []byte("not an object")}}}
	fakeLinker(t, "echo ran > /dev/stderr; exit 1")
	_, err := Link(context.Background(), Options{Arch: mustArch(t, "x86_64"), Linker: arches.LinkerBFD}, in)
	if err == nil || !strings.Contains(err.Error(), "x.o") || strings.Contains(err.Error(), "ran") {
		t.Errorf("junk input: %v", err)
	}
}

func TestLinkerFailure(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.LinkerBFD)
	inputs := foundingInputs(t, a)
	left := privateTemp(t)
	bogus := filepath.Join(t.TempDir(), "bogus.lds")
	if err := os.WriteFile(bogus, []byte("SECTIONS { .text : { *(.text) \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD, Script: bogus}, inputs)
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
	in := junk()
	_, err := Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD, Timeout: time.Second}, in)
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") || !strings.Contains(err.Error(), "x.o") {
		t.Errorf("timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	_, err = Link(ctx, Options{Arch: a, Linker: arches.LinkerBFD}, in)
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
	_, err := Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD}, junk())
	if err == nil || !strings.Contains(err.Error(), "reading the image of") || !strings.Contains(err.Error(), "x.o") {
		t.Errorf("garbage image: %v", err)
	}
	fakeLinker(t, "exit 0")
	_, err = Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD}, junk())
	if err == nil || !strings.Contains(err.Error(), "linker made no image") {
		t.Errorf("no image: %v", err)
	}
	fakeLinker(t, "echo 'ld: cannot do that' >&2; exit 3")
	_, err = Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD}, junk())
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
	for l, pkg := range map[arches.Linker]string{arches.LinkerBFD: a.Package, arches.LinkerGold: a.Package,
		arches.LinkerLLD: "lld-19", arches.LLDVersion(16): "lld-16", arches.LinkerMold: "mold"} {
		_, err := Find(a, l)
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "apt-get install "+pkg) {
			t.Errorf("Find(%v) with an empty PATH: %v", l, err)
		}
	}
	if got := Available(a); len(got) != 0 {
		t.Errorf("Available with an empty PATH = %v", got)
	}
	if _, err := Link(context.Background(), Options{Arch: a, Linker: arches.LinkerLLD}, junk()); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "lld-19") {
		t.Errorf("Link without lld: %v", err)
	}
}

func TestUnsupportedLinker(t *testing.T) {
	a := mustArch(t, "riscv64")
	if _, err := Find(a, arches.LinkerGold); err == nil || !strings.Contains(err.Error(), "does not link for riscv64") {
		t.Errorf("gold for riscv64: %v", err)
	}
	x := mustArch(t, "x86_64")
	needLinker(t, x, arches.LinkerMold)
	if _, err := Link(context.Background(), Options{Arch: x, Linker: arches.LinkerMold, Script: ScriptKernel}, junk()); err == nil ||
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
		if v, err := version(context.Background(), ld); err != nil || v != "fake ld 1.0" {
			t.Fatalf("version = %q, %v", v, err)
		}
	}
	if asked() != 1 {
		t.Errorf("asked the linker %d times, want 1", asked())
	}
	time.Sleep(10 * time.Millisecond) // a new modification time
	writeLD("fake ld 2.0 (a longer version line)")
	versions.Delete(ld)
	if v, _ := version(context.Background(), ld); v != "fake ld 2.0 (a longer version line)" || asked() != 2 {
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
	needLinker(t, a, arches.LinkerBFD)
	inputs := foundingInputs(t, a)
	shm := t.TempDir()
	defer func(old string) { shmDir = old }(shmDir)
	shmDir = shm
	t.Setenv("TMPDIR", "")
	if _, err := Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD}, inputs); err != nil {
		t.Fatal(err)
	}
	if _, err := Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD, Script: "/nonexistent.lds"}, inputs); err == nil {
		t.Fatal("a missing script linked")
	}
	fakeLinker(t, "ls -d \"$PWD\" > /dev/stderr; exit 1")
	_, err := Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD}, inputs)
	if err == nil || !strings.Contains(err.Error(), shm) {
		t.Errorf("the link did not run in %s: %v", shm, err)
	}
	if es, _ := os.ReadDir(shm); len(es) != 0 {
		t.Errorf("left on tmpfs: %v", es)
	}
	left := privateTemp(t)
	if _, err := Link(context.Background(), Options{Arch: a, Linker: arches.LinkerBFD}, inputs); err == nil || strings.Contains(err.Error(), shm) {
		t.Errorf("with TMPDIR set the link ran on tmpfs: %v", err)
	}
	if l := left(); len(l) != 0 {
		t.Errorf("left in TMPDIR: %v", l)
	}
}
