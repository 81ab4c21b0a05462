// Package kfixtures locates the real Linux 6.1 fixtures in testdata: tinyconfig
// vmlinux images, link maps, preprocessed linker scripts and the objects that
// hold .data..ro_after_init or .rodata..page_aligned, for the base sources, the
// founding change and the fix. build.sh regenerates them (make kernel-fixtures);
// testdata/FACTS.md describes them.
//
// The package is meant for tests of other packages only.
package kfixtures

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Variants are the source variants every arch has fixtures for: the
// unmodified sources, the founding change (zp_test_page, page-aligned, in
// .data..ro_after_init after zp_test_pfn) and the fix (zp_test_page in
// .rodata..page_aligned at __start_rodata).
var Variants = []string{"base", "change", "fix"}

// Arches returns the arches with full builds: image, map, script and objects.
func Arches() []string { return []string{"x86_64", "arm64"} }

// ScriptArches returns every arch with a preprocessed linker script: the full
// builds and the script-only ones (riscv64, s390x, ppc64le).
func ScriptArches() []string {
	return append(Arches(), "riscv64", "s390x", "ppc64le")
}

// Dir returns the absolute path of the fixtures folder.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("kfixtures: no caller information")
	}
	return filepath.Join(filepath.Dir(file), "testdata")
}

// Script returns the path of the preprocessed linker script of arch and
// variant. The change variant's script equals base's, so for the script-only
// arches, which have no change folder, it is base's.
func Script(arch, variant string) string {
	p := filepath.Join(Dir(), arch, variant, "vmlinux.lds")
	if variant == "change" {
		if _, err := os.Stat(p); err != nil {
			return filepath.Join(Dir(), arch, "base", "vmlinux.lds")
		}
	}
	return p
}

// Image returns the path of a decompressed copy of arch's vmlinux for variant.
func Image(t testing.TB, arch, variant string) string {
	t.Helper()
	return decompressed(t, filepath.Join(arch, variant, "vmlinux.gz"), "")
}

// Map returns the path of a decompressed copy of arch's GNU ld link map.
func Map(t testing.TB, arch, variant string) string {
	t.Helper()
	return decompressed(t, filepath.Join(arch, variant, "vmlinux.map.gz"), "")
}

// Objects returns decompressed copies of the objects whose
// .data..ro_after_init or .rodata..page_aligned is not empty, in link order
// (objects/LIST). Each copy is named after the original path with "/"
// replaced by "__", all in one folder.
func Objects(t testing.TB, arch, variant string) []string {
	t.Helper()
	dir := ""
	list := filepath.Join(Dir(), arch, variant, "objects", "LIST")
	f, err := os.Open(list)
	if err != nil {
		t.Fatalf("kfixtures: %v (run make kernel-fixtures)", err)
	}
	defer f.Close()
	var paths []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name := strings.TrimSpace(sc.Text()); name != "" {
			flat := strings.ReplaceAll(name, "/", "__") + ".gz"
			p := decompressed(t, filepath.Join(arch, variant, "objects", flat), dir)
			dir = filepath.Dir(p)
			paths = append(paths, p)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("kfixtures: %s: %v", list, err)
	}
	return paths
}

// copies remembers, per test, the decompressed copies already made.
var copies sync.Map // copyKey -> string

type copyKey struct {
	t   testing.TB
	rel string
}

// decompressed gunzips Dir()/rel into dir (a new t.TempDir() if empty) once
// per test and returns the copy's path: rel's base name without the .gz.
func decompressed(t testing.TB, rel, dir string) string {
	t.Helper()
	key := copyKey{t, rel}
	if p, ok := copies.Load(key); ok {
		return p.(string)
	}
	src := filepath.Join(Dir(), rel)
	if dir == "" {
		dir = t.TempDir()
	}
	dst := filepath.Join(dir, strings.TrimSuffix(filepath.Base(rel), ".gz"))
	if err := gunzip(src, dst); err != nil {
		if os.IsNotExist(err) {
			t.Fatalf("kfixtures: %s is missing (run make kernel-fixtures)", src)
		}
		t.Fatalf("kfixtures: %v", err)
	}
	if p, loaded := copies.LoadOrStore(key, dst); loaded {
		return p.(string)
	}
	t.Cleanup(func() { copies.Delete(key) })
	return dst
}

func gunzip(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", src, err)
	}
	if err := zr.Close(); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", src, err)
	}
	return out.Close()
}
