package synth

import (
	"fmt"
	"strconv"
	"strings"
)

// Format writes s as a scenario file that Parse reads back to the same
// scenario: YAML in the layout the hand-written scenarios use, one flow
// mapping per symbol. comment, when not empty, heads the file as comment
// lines. Sizes and alignments are written as Amount.String gives them.
func Format(s *Scenario, comment string) []byte {
	var b strings.Builder
	if comment != "" {
		for _, line := range strings.Split(strings.TrimRight(comment, "\n"), "\n") {
			b.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
	}
	if s.Name != "" {
		fmt.Fprintf(&b, "name: %s\n", quote(s.Name))
	}
	if s.PageSize != 0 {
		fmt.Fprintf(&b, "page_size: %d\n", s.PageSize)
	}
	if s.Script != "" {
		fmt.Fprintf(&b, "script: %s\n", quote(s.Script))
	}
	b.WriteString("units:\n")
	for _, u := range s.Units {
		fmt.Fprintf(&b, "  - name: %s\n    sections:\n", quote(u.Name))
		for _, sec := range u.Sections {
			formatSection(&b, sec)
		}
	}
	return []byte(b.String())
}

func formatSection(b *strings.Builder, sec Section) {
	fmt.Fprintf(b, "      - name: %s\n", quote(sec.Name))
	if sec.Flags != "" {
		fmt.Fprintf(b, "        flags: %s\n", quote(sec.Flags))
	}
	if sec.Type != "" {
		fmt.Fprintf(b, "        type: %s\n", sec.Type)
	}
	if !sec.Align.IsZero() {
		fmt.Fprintf(b, "        align: %s\n", sec.Align)
	}
	if len(sec.Symbols) == 0 {
		return
	}
	b.WriteString("        symbols:\n")
	for _, y := range sec.Symbols {
		fmt.Fprintf(b, "          - {%s}\n", strings.Join(formatSymbol(y), ", "))
	}
}

// formatSymbol gives a symbol's "key: value" pairs, those left out
// omitted.
func formatSymbol(y Symbol) []string {
	fields := []string{"name: " + quote(y.Name)}
	if !y.Size.IsZero() {
		fields = append(fields, "size: "+y.Size.String())
	}
	if !y.Align.IsZero() {
		fields = append(fields, "align: "+y.Align.String())
	}
	if y.Bind != "" {
		fields = append(fields, "bind: "+y.Bind)
	}
	if y.Fill != 0 {
		fields = append(fields, fmt.Sprintf("fill: %#x", y.Fill))
	}
	if y.PointsTo != nil {
		fields = append(fields, "points_to: "+quote(y.PointsTo.String()))
	}
	if y.Code != nil {
		fields = append(fields, "code: {address_of: "+quote(y.Code.AddressOf)+"}")
	}
	return fields
}

// quote leaves a plain name as it is and quotes anything YAML could read
// as something else.
func quote(s string) string {
	plain := s != "" && !strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`0123456789")
	for _, r := range s {
		if !(r == '_' || r == '.' || r == '$' || r == '-' || r == '+' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
		plain = false
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}
