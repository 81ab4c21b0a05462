package layout

import (
	"fmt"
	"strings"
)

// ScriptItemsForTest lists what the script reader finds in text, a line
// per statement: kind, line, text, and the patterns or the alignment.
func ScriptItemsForTest(text string) []string {
	var out []string
	for _, it := range readLDS("link.lds", text, 4096).items {
		switch it.kind {
		case ldsAlign:
			out = append(out, fmt.Sprintf("align %d %s %d", it.line, it.text, it.align))
		case ldsDot:
			out = append(out, fmt.Sprintf("dot %d %s", it.line, it.text))
		case ldsSymbol:
			out = append(out, fmt.Sprintf("symbol %d %s", it.line, it.text))
		case ldsInput:
			out = append(out, fmt.Sprintf("input %d %s [%s]", it.line, it.text, strings.Join(it.patterns, " ")))
		case ldsStart:
			out = append(out, fmt.Sprintf("start %d %s", it.line, it.name))
		case ldsEnd:
			out = append(out, fmt.Sprintf("end %d %s", it.line, it.name))
		}
	}
	return out
}
