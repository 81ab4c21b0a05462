package textdiff

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEqualTextsGiveNoDiff(t *testing.T) {
	require.Empty(t, Unified("a", "b", "x\ny\n", "x\ny\n"))
}

func TestSmallChange(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
	b := "1\n2\n3\n4\nfive\n6\n7\n8\n9\n"
	require.Equal(t, "--- want\n+++ got\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n", Unified("want", "got", a, b))
}

// apply applies a unified diff to a, to check the diff reproduces b.
func apply(t *testing.T, a, d string) string {
	t.Helper()
	src := lines(a)
	var out []string
	next := 0 // next line of src to copy
	dl := strings.Split(strings.TrimSuffix(d, "\n"), "\n")[2:]
	for i := 0; i < len(dl); i++ {
		l := dl[i]
		if strings.HasPrefix(l, "@@") {
			var sa, ca, sb, cb int
			_, err := fmt.Sscanf(l, "@@ -%d,%d +%d,%d @@", &sa, &ca, &sb, &cb)
			require.NoError(t, err, l)
			if ca == 0 {
				sa++
			}
			out = append(out, src[next:sa-1]...)
			next = sa - 1
			continue
		}
		text := l[1:] + "\n"
		if i+1 < len(dl) && dl[i+1] == `\ No newline at end of file` {
			text = l[1:]
			i++
		}
		switch l[0] {
		case ' ':
			require.Equal(t, src[next], text)
			out = append(out, text)
			next++
		case '-':
			require.Equal(t, src[next], text)
			next++
		case '+':
			out = append(out, text)
		}
	}
	out = append(out, src[next:]...)
	return strings.Join(out, "")
}

func TestRandomDiffsApply(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	gen := func() string {
		var b strings.Builder
		for i := 0; i < r.Intn(40); i++ {
			b.WriteString(strconv.Itoa(r.Intn(6)))
			if i < 39 || r.Intn(2) == 0 {
				b.WriteString("\n")
			}
		}
		return b.String()
	}
	for i := 0; i < 500; i++ {
		a, b := gen(), gen()
		d := Unified("a", "b", a, b)
		if a == b {
			require.Empty(t, d)
			continue
		}
		require.Equal(t, b, apply(t, a, d), "diff:\n%s", d)
	}
}
