package layout_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	. "github.com/elfsynth/elfsynth/ldrun/layout"
)

// TestScriptReader checks what the script reader makes of a kernel-like
// script: statements, their lines, ALIGN arguments as constant
// expressions, output section headers, comments and trailers.
func TestScriptReader(t *testing.T) {
	const script = `/* a comment
   over lines with . = ALIGN(64); inside */
OUTPUT_ARCH(i386:x86-64)
ENTRY(phys_startup_64)
jiffies = jiffies_64;
PECOFF_FILE_ALIGNMENT = 0x200;
PHDRS { text PT_LOAD FLAGS(5); }
SECTIONS
{
 . = 0xffffffff81000000;
 .text : AT(ADDR(.text) - 0xffffffff80000000) {
  _text = .;
  KEEP(*(.head.text))
  . = ALIGN(8); *(.text .text.fixup) . = ALIGN((1 << 21));
 } :text =0xcccc
 .rodata..page_aligned : ALIGN(CONSTANT(MAXPAGESIZE)) { *(.rodata..page_aligned) }
 PROVIDE(__end = .);
 . = . + 0x1000;
 ASSERT(SIZEOF(.got.plt) == 0 ||
        SIZEOF(.got.plt) == 0x18, "Unexpected GOT/PLT entries detected!")
 . = ALIGN(0x00010000);
 . = ALIGN(PECOFF_FILE_ALIGNMENT);
}
`
	items := ScriptItemsForTest(script)
	want := []string{
		"dot 10 . = 0xffffffff81000000",
		"start 11 .text",
		"symbol 12 _text = .",
		"input 13 KEEP(*(.head.text)) [.head.text]",
		"align 14 . = ALIGN(8) 8",
		"input 14 *(.text .text.fixup) [.text .text.fixup]",
		"align 14 . = ALIGN((1 << 21)) 2097152",
		"end 15 .text",
		"align 16 .rodata..page_aligned : ALIGN(CONSTANT(MAXPAGESIZE)) 4096",
		"start 16 .rodata..page_aligned",
		"input 16 *(.rodata..page_aligned) [.rodata..page_aligned]",
		"end 16 .rodata..page_aligned",
		"symbol 17 PROVIDE(__end = .)",
		"dot 18 . = . + 0x1000",
		"align 21 . = ALIGN(0x00010000) 65536",
		"align 22 . = ALIGN(PECOFF_FILE_ALIGNMENT) 512",
	}
	if got := strings.Join(items, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("script items:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// TestScriptReaderKeepsWhatItCanRead: a script internal/lds cannot read
// whole gives the statements before what it cannot read.
func TestScriptReaderKeepsWhatItCanRead(t *testing.T) {
	items := ScriptItemsForTest("SECTIONS {\n . = ALIGN(64);\n .text : { *(.text) }\n INCLUDE more.lds\n . = ALIGN(8);\n}")
	want := []string{"align 2 . = ALIGN(64) 64", "start 3 .text", "input 3 *(.text) [.text]", "end 3 .text"}
	if !slices.Equal(items, want) {
		t.Errorf("script items %q, want %q", items, want)
	}
}

func TestReadMapRejectsText(t *testing.T) {
	for _, text := range []string{"", "hello\n", "             VMA              LMA     Size Align Out     In      Symbol\nzz zz\n"} {
		if _, err := ReadMap(strings.NewReader(text)); err == nil {
			t.Errorf("ReadMap(%q) succeeded", text)
		}
	}
}

// TestArchiveMembers reads a GNU ar archive with a long member name and a
// thin archive, as a kernel build's vmlinux.a is.
func TestArchiveMembers(t *testing.T) {
	hdr := func(name string, size int) string {
		return fmt.Sprintf("%-16s%-12s%-6s%-6s%-8s%-10d`\n", name, "0", "0", "0", "644", size)
	}
	long := "a_rather_long_member_name.o/\n" // 29 bytes, padded to 30
	regular := "!<arch>\n" + hdr("//", len(long)) + long + "\n" + hdr("short.o/", 3) + "abc\n" + hdr("/0", 2) + "xy"
	ms, err := ArchiveMembers(strings.NewReader(regular), int64(len(regular)))
	if err != nil {
		t.Fatal(err)
	}
	want := []ArchiveMember{{Name: "short.o", Offset: 8 + 60 + 30 + 60, Size: 3},
		{Name: "a_rather_long_member_name.o", Offset: 8 + 60 + 30 + 60 + 4 + 60, Size: 2}}
	if !slices.Equal(ms, want) {
		t.Errorf("members %+v, want %+v", ms, want)
	}
	names := "mm/mm_init.o/\ninit/main.o/\n"
	thin := "!<thin>\n" + hdr("/", 4) + "\x00\x00\x00\x00" + hdr("//", len(names)) + names + "\n" + hdr("/0", 5000) + hdr("/14", 7000)
	ms, err = ArchiveMembers(strings.NewReader(thin), int64(len(thin)))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Name != "mm/mm_init.o" || !ms[0].Thin || ms[1].Name != "init/main.o" || ms[1].Size != 7000 {
		t.Errorf("thin members %+v", ms)
	}
	for _, bad := range []string{"!<arch>\n" + hdr("x.o", 100), "!<arch>\nshort", "not an archive"} {
		if _, err := ArchiveMembers(strings.NewReader(bad), int64(len(bad))); err == nil {
			t.Errorf("ArchiveMembers(%q) succeeded", bad)
		}
	}
}
