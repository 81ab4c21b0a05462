package golden_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
)

// TestGoldenCausesAreTrue reads every golden file as it is checked in and
// holds its causes to what the links had: no cause of an unknown kind or
// inferred from addresses (every input of these links is known); a script
// statement only where a script was used, quoted with the line of the
// script where it is. (Run checks each link's causes against its
// objects and scenario when it makes it; this checks the files.)
func TestGoldenCausesAreTrue(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	scripts := map[string][]string{}
	for _, f := range files {
		g, err := readGolden(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.holes) == 0 && !g.failure {
			t.Errorf("%s: no holes table", f)
		}
		for _, h := range g.holes {
			if strings.Contains(h, "unknown") || strings.Contains(h, "inferred") || strings.Contains(h, "unexplained") {
				t.Errorf("%s: cause not from the inputs: %s", f, h)
			}
			m := citeRE.FindStringSubmatch(h)
			if strings.Contains(h, "ALIGN") && m == nil {
				t.Errorf("%s: a script statement without its line: %s", f, h)
			}
			if m == nil {
				continue
			}
			if g.script == ldrun.ScriptNone {
				t.Errorf("%s: a script statement in a link without a script: %s", f, h)
				continue
			}
			key := fmt.Sprintf("%s/%s/%d", g.script, g.arch, g.page)
			if scripts[key] == nil {
				a, err := arches.Lookup(g.arch)
				if err != nil {
					t.Fatal(err)
				}
				text, err := ldrun.Script(g.script, a, g.page)
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				scripts[key] = strings.Split(text, "\n")
			}
			line, _ := strconv.Atoi(m[1])
			lines := scripts[key]
			if line < 1 || line > len(lines) || !strings.Contains(collapseSpace(lines[line-1]), m[2]) {
				t.Errorf("%s: %q is not line %d of script %s", f, m[2], line, g.script)
			}
		}
	}
}

// citeRE matches a cause citing a script line: "link.lds:36: . = ALIGN(4096)",
// or an output section's "link.lds:20: .sec : ALIGN(4096)".
var citeRE = regexp.MustCompile(`link\.lds:(\d+): ((?:\. = |\S+ : )ALIGN\([^)]*\))`)

// goldenFile is what TestGoldenCausesAreTrue reads from a golden file.
type goldenFile struct {
	arch, script string
	page         uint64
	holes        []string
	failure      bool
}

var headerRE = regexp.MustCompile(`^# arch (\S+), linker \S+, page size (\d+), script (\S+)$`)

func readGolden(path string) (*goldenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g := &goldenFile{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := headerRE.FindStringSubmatch(line); m != nil {
			g.arch, g.script = m[1], m[3]
			g.page, _ = strconv.ParseUint(m[2], 10, 64)
		}
		switch {
		case strings.HasPrefix(line, "the linker refuses this input"):
			g.failure = true
		case line == "holes:":
			in = true
		case in && strings.HasPrefix(line, "  0x"):
			g.holes = append(g.holes, line)
		case in && !strings.HasPrefix(line, "  "):
			in = false
		}
	}
	if g.arch == "" {
		return nil, fmt.Errorf("%s: no header", path)
	}
	return g, sc.Err()
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
