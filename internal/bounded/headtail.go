package bounded

import (
	"fmt"
	"strings"
)

// HeadTail is an io.Writer that keeps the first and the last bytes written
// to it and counts the rest: how a program's output is kept, so that a
// program printing without end costs a fixed amount of memory, and the
// message still shows how its output began and how it ended.
type HeadTail struct {
	head []byte
	tail []byte // a ring of the last bytes once full
	next int    // where the ring's next byte goes
	max  struct{ head, tail int }
	n    int64 // bytes written in all
}

// NewHeadTail keeps up to head bytes from the start and tail from the end.
func NewHeadTail(head, tail int) *HeadTail {
	h := &HeadTail{}
	h.max.head, h.max.tail = head, tail
	return h
}

// Output is a HeadTail of the sizes kept of a program's output stream.
func Output() *HeadTail { return NewHeadTail(OutputHead, OutputTail) }

// Write keeps what it must of p; it never fails.
func (h *HeadTail) Write(p []byte) (int, error) {
	n := len(p)
	h.n += int64(n)
	if k := min(h.max.head-len(h.head), len(p)); k > 0 {
		h.head = append(h.head, p[:k]...)
		p = p[k:]
	}
	if h.max.tail == 0 {
		return n, nil
	}
	if len(p) >= h.max.tail { // p alone fills the ring
		h.tail = append(h.tail[:0], p[len(p)-h.max.tail:]...)
		h.next = 0
		return n, nil
	}
	for len(p) > 0 {
		if len(h.tail) < h.max.tail { // still filling
			k := min(h.max.tail-len(h.tail), len(p))
			h.tail = append(h.tail, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(h.tail[h.next:], p)
		h.next = (h.next + k) % h.max.tail
		p = p[k:]
	}
	return n, nil
}

// Len is the number of bytes written, kept or not.
func (h *HeadTail) Len() int64 { return h.n }

// Elided is the number of bytes written but not kept.
func (h *HeadTail) Elided() int64 { return h.n - int64(len(h.head)+len(h.tail)) }

// String is what was kept: all of it when nothing was dropped, else the
// head, a line "[N bytes elided]", and the tail.
func (h *HeadTail) String() string {
	var b strings.Builder
	b.Write(h.head)
	if e := h.Elided(); e > 0 {
		if len(h.head) > 0 && h.head[len(h.head)-1] != '\n' {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "[%d bytes elided]\n", e)
	}
	b.Write(h.tail[h.next:])
	b.Write(h.tail[:h.next])
	return b.String()
}
