package kfixtures

import (
	"bufio"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilesExist checks that every fixture build.sh writes is there.
func TestFilesExist(t *testing.T) {
	want := []string{"FACTS.md"}
	for _, arch := range Arches() {
		for _, v := range Variants {
			for _, f := range []string{"vmlinux.gz", "vmlinux.map.gz", "vmlinux.lds", "objects/LIST"} {
				want = append(want, filepath.Join(arch, v, f))
			}
		}
	}
	for _, arch := range ScriptArches()[len(Arches()):] {
		for _, v := range []string{"base", "fix"} {
			want = append(want, filepath.Join(arch, v, "vmlinux.lds"))
		}
	}
	for _, rel := range want {
		if _, err := os.Stat(filepath.Join(Dir(), rel)); err != nil {
			t.Errorf("%v (run make kernel-fixtures)", err)
		}
	}
	for _, arch := range ScriptArches() {
		for _, v := range Variants {
			if _, err := os.Stat(Script(arch, v)); err != nil {
				t.Errorf("Script(%s, %s): %v", arch, v, err)
			}
		}
	}
}

// TestScripts checks that only the fix's scripts place .rodata..page_aligned.
func TestScripts(t *testing.T) {
	for _, arch := range ScriptArches() {
		for _, v := range Variants {
			b, err := os.ReadFile(Script(arch, v))
			if err != nil {
				t.Fatal(err)
			}
			has := strings.Contains(string(b), "__start_rodata = .; *(.rodata..page_aligned)")
			if has != (v == "fix") {
				t.Errorf("%s/%s: script places .rodata..page_aligned after __start_rodata: %v", arch, v, has)
			}
		}
	}
}

// TestImages checks that each image is an ELF file of its arch and that the
// change and fix hold zp_test_pfn and zp_test_page, where they belong.
func TestImages(t *testing.T) {
	machine := map[string]elf.Machine{"x86_64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	for _, arch := range Arches() {
		for _, v := range Variants {
			t.Run(arch+"/"+v, func(t *testing.T) {
				img := Image(t, arch, v)
				if again := Image(t, arch, v); again != img {
					t.Errorf("Image decompressed twice: %s, %s", img, again)
				}
				f, err := elf.Open(img)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if f.Machine != machine[arch] {
					t.Errorf("machine %v, want %v", f.Machine, machine[arch])
				}
				syms, err := f.Symbols()
				if err != nil {
					t.Fatal(err)
				}
				addr := map[string]uint64{}
				for _, s := range syms {
					addr[s.Name] = s.Value
				}
				_, pfn := addr["zp_test_pfn"]
				_, page := addr["zp_test_page"]
				if v == "base" {
					if pfn || page {
						t.Errorf("base has zp_test_pfn %v, zp_test_page %v", pfn, page)
					}
					return
				}
				if !pfn || !page {
					t.Fatalf("zp_test_pfn %v, zp_test_page %v; want both", pfn, page)
				}
				switch v {
				case "change":
					if addr["zp_test_pfn"] >= addr["zp_test_page"] {
						t.Errorf("zp_test_pfn %#x not before zp_test_page %#x", addr["zp_test_pfn"], addr["zp_test_page"])
					}
				case "fix":
					if addr["zp_test_page"] != addr["__start_rodata"] {
						t.Errorf("zp_test_page %#x, __start_rodata %#x", addr["zp_test_page"], addr["__start_rodata"])
					}
				}
			})
		}
	}
}

// TestMapsAndObjects checks that each map decompresses and names every listed
// object, and that the objects are ELF relocatables, mm_init.o among them in
// the change and fix.
func TestMapsAndObjects(t *testing.T) {
	for _, arch := range Arches() {
		for _, v := range Variants {
			t.Run(arch+"/"+v, func(t *testing.T) {
				m, err := os.ReadFile(Map(t, arch, v))
				if err != nil {
					t.Fatal(err)
				}
				if again := Map(t, arch, v); filepath.Base(again) != "vmlinux.map" {
					t.Errorf("Map: %s", again)
				}
				names := readList(t, filepath.Join(Dir(), arch, v, "objects", "LIST"))
				objs := Objects(t, arch, v)
				if len(objs) != len(names) || len(objs) == 0 {
					t.Fatalf("%d objects for %d names", len(objs), len(names))
				}
				mmInit := false
				for i, name := range names {
					if !strings.Contains(string(m), name) {
						t.Errorf("map does not name %s", name)
					}
					mmInit = mmInit || name == "mm/mm_init.o"
					f, err := elf.Open(objs[i])
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if f.Type != elf.ET_REL {
						t.Errorf("%s: type %v", name, f.Type)
					}
					if f.Section(".data..ro_after_init") == nil && f.Section(".rodata..page_aligned") == nil {
						t.Errorf("%s: neither .data..ro_after_init nor .rodata..page_aligned", name)
					}
					f.Close()
				}
				if mmInit != (v != "base") {
					t.Errorf("mm/mm_init.o listed: %v", mmInit)
				}
			})
		}
	}
}

func readList(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		names = append(names, sc.Text())
	}
	return names
}
