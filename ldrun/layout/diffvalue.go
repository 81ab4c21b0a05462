package layout

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Value is one side's value in a Change: a number (a size, an offset, a
// count), an address, or a name (a section, flags, a permission); or
// nothing, on the side that lacks the thing. In JSON it is a number, a
// hex string, a string or null.
type Value struct {
	// Set is false on the side that lacks the thing.
	Set bool
	// N is the number; Hex says to write it in hex, as for an address or
	// an offset.
	N   uint64
	Hex bool
	// Name is the value when it is a name; N is then unused.
	Name string
}

// Num is a number: a size, an offset or a count.
func Num(n uint64) Value { return Value{Set: true, N: n} }

// Hex is an address or an offset, written in hex.
func Hex(a uint64) Value { return Value{Set: true, N: a, Hex: true} }

// Text is a name.
func Text(s string) Value { return Value{Set: true, Name: s} }

// String writes the value for people: "-" when absent, a number in
// decimal, an address in hex, a name as it is.
func (v Value) String() string {
	switch {
	case !v.Set:
		return "-"
	case v.Name != "":
		return v.Name
	case v.Hex:
		return fmt.Sprintf("%#x", v.N)
	}
	return strconv.FormatUint(v.N, 10)
}

// MarshalJSON writes null, a number, or a string.
func (v Value) MarshalJSON() ([]byte, error) {
	switch {
	case !v.Set:
		return []byte("null"), nil
	case v.Name != "" || v.Hex:
		return json.Marshal(v.String())
	}
	return []byte(strconv.FormatUint(v.N, 10)), nil
}

// UnmarshalJSON reads what MarshalJSON writes; a string that reads as a
// 0x number is an address.
func (v *Value) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*v = Value{}
		return nil
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		*v = Num(n)
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fmt.Errorf("change value %s: want null, a number or a string", s)
	}
	if hex, ok := strings.CutPrefix(str, "0x"); ok {
		if n, err := strconv.ParseUint(hex, 16, 64); err == nil {
			*v = Hex(n)
			return nil
		}
	}
	*v = Text(str)
	return nil
}
