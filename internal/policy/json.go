package policy

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small strict JSON reader (RFC 8259) that the parser pulls values from
// one at a time, so a policy is read in one pass without building a tree.
// Object members come in document order; a repeated member name is an
// error. Strings without escapes share the document's memory.

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

var jsonKindNames = [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}

func (k jsonKind) String() string { return jsonKindNames[k] }

type jsonError struct {
	off int
	msg string
}

func (e *jsonError) Error() string { return fmt.Sprintf("%s at byte %d", e.msg, e.off) }

type jsonReader struct {
	s     string
	i     int
	depth int
	keys  []string // member names of the objects being read, for duplicates
}

const maxJSONDepth = 64

func (r *jsonReader) fail(msg string) error { return &jsonError{r.i, msg} }

func (r *jsonReader) space() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the kind of the next value without reading it.
func (r *jsonReader) peek() (jsonKind, error) {
	r.space()
	if r.i >= len(r.s) {
		return 0, r.fail("unexpected end of document")
	}
	switch c := r.s[r.i]; {
	case c == '{':
		return jsonObject, nil
	case c == '[':
		return jsonArray, nil
	case c == '"':
		return jsonString, nil
	case c == 't' || c == 'f':
		return jsonBool, nil
	case c == 'n':
		return jsonNull, nil
	case c == '-' || c >= '0' && c <= '9':
		return jsonNumber, nil
	}
	return 0, r.fail(fmt.Sprintf("invalid character %q looking for a value", r.s[r.i]))
}

// end checks that only whitespace follows the document's value.
func (r *jsonReader) end() error {
	r.space()
	if r.i != len(r.s) {
		return r.fail("unexpected data after the policy object")
	}
	return nil
}

// scalar reads a string, number, boolean or null and returns its text
// (decoded for strings).
func (r *jsonReader) scalar() (jsonKind, string, error) {
	kind, err := r.peek()
	if err != nil {
		return 0, "", err
	}
	switch kind {
	case jsonString:
		s, err := r.str()
		return kind, s, err
	case jsonNumber:
		s, err := r.number()
		return kind, s, err
	case jsonBool, jsonNull:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(r.s)-r.i >= len(lit) && r.s[r.i:r.i+len(lit)] == lit {
				r.i += len(lit)
				return kind, lit, nil
			}
		}
		return 0, "", r.fail("invalid literal")
	}
	return 0, "", r.fail("expected a string, number, boolean or null")
}

// skip reads and discards one value.
func (r *jsonReader) skip() error {
	kind, err := r.peek()
	if err != nil {
		return err
	}
	switch kind {
	case jsonObject:
		return r.object(func(string) error { return r.skip() })
	case jsonArray:
		return r.array(func(int) error { return r.skip() })
	}
	_, _, err = r.scalar()
	return err
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > maxJSONDepth {
		return r.fail("document nested too deeply")
	}
	return nil
}

// object reads an object, calling member for each member name; member
// must read the member's value.
func (r *jsonReader) object(member func(key string) error) error {
	if err := r.enter(); err != nil {
		return err
	}
	r.i++ // {
	base := len(r.keys)
	defer func() { r.keys = r.keys[:base] }()
	r.space()
	if r.i < len(r.s) && r.s[r.i] == '}' {
		r.i++
		r.depth--
		return nil
	}
	for {
		r.space()
		if r.i >= len(r.s) || r.s[r.i] != '"' {
			return r.fail("expected a quoted field name")
		}
		koff := r.i
		key, err := r.str()
		if err != nil {
			return err
		}
		for _, k := range r.keys[base:] {
			if k == key {
				return &jsonError{koff, fmt.Sprintf("duplicate field %q", key)}
			}
		}
		r.keys = append(r.keys, key)
		r.space()
		if r.i >= len(r.s) || r.s[r.i] != ':' {
			return r.fail("expected ':' after a field name")
		}
		r.i++
		if err := member(key); err != nil {
			return err
		}
		r.space()
		if r.i >= len(r.s) {
			return r.fail("unexpected end of document in an object")
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			r.depth--
			return nil
		default:
			return r.fail("expected ',' or '}' in an object")
		}
	}
}

// array reads an array, calling item for each element; item must read
// the element.
func (r *jsonReader) array(item func(i int) error) error {
	if err := r.enter(); err != nil {
		return err
	}
	r.i++ // [
	r.space()
	if r.i < len(r.s) && r.s[r.i] == ']' {
		r.i++
		r.depth--
		return nil
	}
	for n := 0; ; n++ {
		if err := item(n); err != nil {
			return err
		}
		r.space()
		if r.i >= len(r.s) {
			return r.fail("unexpected end of document in an array")
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			r.depth--
			return nil
		default:
			return r.fail("expected ',' or ']' in an array")
		}
	}
}

// str reads a quoted string at r.i.
func (r *jsonReader) str() (string, error) {
	r.i++ // opening quote
	start := r.i
	for r.i < len(r.s) {
		c := r.s[r.i]
		switch {
		case c == '"':
			s := r.s[start:r.i]
			r.i++
			return s, nil
		case c == '\\':
			return r.escaped(start)
		case c < 0x20:
			return "", r.fail("control character in a string")
		}
		r.i++
	}
	return "", r.fail("unterminated string")
}

// escaped finishes a string that holds escapes, from its start.
func (r *jsonReader) escaped(start int) (string, error) {
	buf := []byte(r.s[start:r.i])
	for r.i < len(r.s) {
		c := r.s[r.i]
		switch {
		case c == '"':
			r.i++
			return string(buf), nil
		case c < 0x20:
			return "", r.fail("control character in a string")
		case c != '\\':
			buf = append(buf, c)
			r.i++
			continue
		}
		if r.i+1 >= len(r.s) {
			return "", r.fail("unterminated string")
		}
		e := r.s[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			c1, ok := r.hex4()
			if !ok {
				return "", r.fail("invalid \\u escape")
			}
			rn := rune(c1)
			if utf16.IsSurrogate(rn) {
				rn = utf8.RuneError
				if r.i+1 < len(r.s) && r.s[r.i] == '\\' && r.s[r.i+1] == 'u' {
					save := r.i
					r.i += 2
					if c2, ok := r.hex4(); ok {
						if d := utf16.DecodeRune(rune(c1), rune(c2)); d != utf8.RuneError {
							rn = d
						} else {
							r.i = save
						}
					} else {
						r.i = save
					}
				}
			}
			buf = utf8.AppendRune(buf, rn)
		default:
			return "", &jsonError{r.i - 2, fmt.Sprintf("invalid escape \\%c in a string", e)}
		}
	}
	return "", r.fail("unterminated string")
}

func (r *jsonReader) hex4() (uint16, bool) {
	if len(r.s)-r.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(r.s[r.i:r.i+4], 16, 16)
	if err != nil {
		return 0, false
	}
	r.i += 4
	return uint16(n), true
}

// number reads a JSON number with RFC 8259's grammar and returns its text.
func (r *jsonReader) number() (string, error) {
	start := r.i
	s := r.s
	digits := func() int {
		n := 0
		for r.i < len(s) && s[r.i] >= '0' && s[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	if s[r.i] == '-' {
		r.i++
	}
	switch {
	case r.i < len(s) && s[r.i] == '0':
		r.i++
	case digits() == 0:
		return "", r.fail("invalid number")
	}
	if r.i < len(s) && s[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return "", r.fail("invalid number: digits must follow '.'")
		}
	}
	if r.i < len(s) && (s[r.i] == 'e' || s[r.i] == 'E') {
		r.i++
		if r.i < len(s) && (s[r.i] == '+' || s[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return "", r.fail("invalid number: digits must follow the exponent")
		}
	}
	return s[start:r.i], nil
}
