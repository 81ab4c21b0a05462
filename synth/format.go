package synth

import (
	"fmt"
	"strconv"
	"strings"
)

// Format writes s as a scenario file that Parse reads back to the same
// scenario: YAML in the layout the hand-written scenarios use, one flow
// mapping per symbol. comment, when not empty, heads the file as comment
// lines. Sizes and alignments are written as Amount.String gives them; an
// amount of bytes and pages, which a file cannot say, is written in bytes
// when s has a page size and is an error otherwise.
func Format(s *Scenario, comment string) ([]byte, error) {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(comment, "\n"), "\n") {
		if comment != "" {
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
			if err := formatSection(&b, s, sec); err != nil {
				return nil, fmt.Errorf("unit %s: %v", u.Name, err)
			}
		}
	}
	return []byte(b.String()), nil
}

func formatSection(b *strings.Builder, s *Scenario, sec Section) error {
	fmt.Fprintf(b, "      - name: %s\n", quote(sec.Name))
	if sec.Flags != "" {
		fmt.Fprintf(b, "        flags: %s\n", quote(sec.Flags))
	}
	if sec.Type != "" {
		fmt.Fprintf(b, "        type: %s\n", sec.Type)
	}
	if !sec.Align.IsZero() {
		a, err := formatAmount(s, sec.Align)
		if err != nil {
			return fmt.Errorf("section %s: %v", sec.Name, err)
		}
		fmt.Fprintf(b, "        align: %s\n", a)
	}
	if len(sec.Symbols) == 0 {
		return nil
	}
	b.WriteString("        symbols:\n")
	for _, y := range sec.Symbols {
		fields, err := formatSymbol(s, y)
		if err != nil {
			return fmt.Errorf("symbol %s: %v", y.Name, err)
		}
		fmt.Fprintf(b, "          - {%s}\n", strings.Join(fields, ", "))
	}
	return nil
}

// formatSymbol gives a symbol's "key: value" pairs, those left out omitted.
func formatSymbol(s *Scenario, y Symbol) ([]string, error) {
	fields := []string{"name: " + quote(y.Name)}
	for _, f := range []struct {
		key string
		a   Amount
	}{{"size", y.Size}, {"align", y.Align}} {
		if f.a.IsZero() {
			continue
		}
		v, err := formatAmount(s, f.a)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f.key+": "+v)
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
	return fields, nil
}

func formatAmount(s *Scenario, a Amount) (string, error) {
	switch {
	case a.Pages == 0 || a.Bytes == 0:
		return a.String(), nil
	case s.PageSize != 0:
		return strconv.FormatUint(a.Resolve(s.PageSize), 10), nil
	}
	return "", fmt.Errorf("%s: bytes and pages together need the scenario's page_size", a)
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
