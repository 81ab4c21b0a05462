package synth

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// repeatTo writes head, then unit (each "#" in it replaced by a counter)
// as often as fits, then tail: n bytes at most.
func repeatTo(head, unit, tail string, n int) string {
	var b strings.Builder
	b.Grow(n)
	b.WriteString(head)
	for i := 0; ; i++ {
		u := strings.ReplaceAll(unit, "#", strconv.Itoa(i))
		if b.Len()+len(u)+len(tail) > n {
			break
		}
		b.WriteString(u)
	}
	b.WriteString(tail)
	return b.String()
}

// parseShapes are inputs of n bytes of one shape each: every way a file
// can be big (many keys, items, documents, comments, long scalars and
// lines, nesting just under the limits). Parse must take time linear in
// their size; BenchmarkParseShapes reports MB/s at 100 KB and 1 MB.
var parseShapes = []struct {
	name string
	make func(n int) string
}{
	{"keys-block", func(n int) string { return repeatTo("", "k#: 1\n", "", n) }},
	{"keys-flow", func(n int) string { return repeatTo("{", "k#: 1, ", "}", n) }},
	{"keys-in-symbol", func(n int) string {
		return repeatTo("units:\n- name: a.o\n  sections:\n  - name: .data\n    symbols:\n    - name: x\n", "      k#: 1\n", "", n)
	}},
	{"items-block", func(n int) string { return repeatTo("units:\n", "- a\n", "", n) }},
	{"items-flow", func(n int) string { return repeatTo("units: [", "1, ", "1]", n) }},
	{"symbols-block", func(n int) string {
		return repeatTo("units:\n- name: a.o\n  sections:\n  - name: .data\n    symbols:\n", "    - {name: s#, size: 8}\n", "", n)
	}},
	{"symbols-block-maps", func(n int) string {
		return repeatTo("units:\n- name: a.o\n  sections:\n  - name: .data\n    symbols:\n", "    - name: s#\n      size: 8\n", "", n)
	}},
	{"flow-maps", func(n int) string { return repeatTo("units: [", "{name: a, sections: []}, ", "{}]", n) }},
	{"long-plain", func(n int) string { return "name: " + strings.Repeat("a", n-20) + "\n" }},
	{"long-double-quoted", func(n int) string { return "name: \"" + strings.Repeat("a\\t", (n-20)/3) + "\"\n" }},
	{"long-single-quoted", func(n int) string { return "name: '" + strings.Repeat("a''", (n-20)/3) + "'\n" }},
	{"long-line", func(n int) string { return "units: [" + strings.Repeat(" ", n-20) + "]\n" }},
	{"multiline-plain", func(n int) string { return repeatTo("name: a\n", "  b#\n", "", n) }},
	{"block-literal", func(n int) string { return repeatTo("name: |\n", "  line #\n", "", n) }},
	{"documents", func(n int) string { return repeatTo("", "a: 1\n---\n", "", n) }},
	{"comments", func(n int) string { return repeatTo("", "# comment #\n", "units: []\n", n) }},
	{"comment-long", func(n int) string { return "# " + strings.Repeat("c", n-20) + "\nunits: []\n" }},
	{"blank-lines", func(n int) string { return strings.Repeat("\n", n-12) + "units: []\n" }},
	{"deep-block", deepBlockShape},
	{"deep-flow", func(n int) string {
		one := strings.Repeat("[", maxFlowDepth-1) + strings.Repeat("]", maxFlowDepth-1)
		return repeatTo("[", one+", ", "1]", n)
	}},
}

// deepBlockShape nests block mappings to just under maxBlockColumn, again
// and again.
func deepBlockShape(n int) string {
	depth := (maxBlockColumn - 2) / 2
	var one strings.Builder
	for d := 0; d < depth; d++ {
		one.WriteString(strings.Repeat("  ", d) + "a:\n")
	}
	one.WriteString(strings.Repeat("  ", depth) + "a: 1\n")
	return repeatTo("", one.String(), "", n)
}

// BenchmarkParseShapes parses each shape at 100 KB and 1 MB. Run with
// -benchtime=1x for a quick look; MB/s should not fall with size.
func BenchmarkParseShapes(b *testing.B) {
	for _, shape := range parseShapes {
		for _, size := range []int{100 << 10, maxFileBytes} {
			b.Run(fmt.Sprintf("%s/%dK", shape.name, size>>10), func(b *testing.B) {
				src := []byte(shape.make(size))
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					Parse("shape.yaml", src)
				}
			})
		}
	}
}
