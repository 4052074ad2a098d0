package policy

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small strict JSON reader (RFC 8259) that keeps object members in
// order with their byte offsets, so that validation can say where a
// problem is and reject duplicate fields. It reads a policy in one pass;
// strings without escapes share the document's memory.

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

type jsonValue struct {
	kind jsonKind
	off  int32  // byte offset of the value in the document
	text string // string: decoded; number and bool: as written
	// kids are an object's members in order, or an array's items (with
	// empty keys).
	kids []jsonMember
}

type jsonMember struct {
	key string
	val jsonValue
}

// get returns the member named key.
func (v *jsonValue) get(key string) (*jsonValue, bool) {
	for i := range v.kids {
		if v.kids[i].key == key {
			return &v.kids[i].val, true
		}
	}
	return nil, false
}

type jsonError struct {
	off int
	msg string
}

func (e *jsonError) Error() string { return fmt.Sprintf("%s at byte %d", e.msg, e.off) }

type jsonReader struct {
	s     string
	i     int
	depth int
	// A scratch stack: members and items collect here and are copied out
	// at their final size, so a document costs one allocation per object
	// and array.
	stack []jsonMember
	// arena holds the finished kids of every object and array; when it is
	// full a new one is started, and slices of the old one stay valid.
	arena []jsonMember
}

// keep copies finished kids out of the scratch stack into the arena.
func (r *jsonReader) keep(kids []jsonMember) []jsonMember {
	if len(r.arena)+len(kids) > cap(r.arena) {
		n := max(len(kids), len(r.s)/16, 16)
		r.arena = make([]jsonMember, 0, n)
	}
	start := len(r.arena)
	r.arena = append(r.arena, kids...)
	return r.arena[start:len(r.arena):len(r.arena)]
}

const maxJSONDepth = 64

// parseJSON reads one JSON value that must fill the whole document.
func parseJSON(doc string) (jsonValue, error) {
	r := jsonReader{s: doc, stack: make([]jsonMember, 0, 32)}
	v, err := r.value()
	if err != nil {
		return jsonValue{}, err
	}
	r.space()
	if r.i != len(r.s) {
		return jsonValue{}, &jsonError{r.i, "unexpected data after the policy object"}
	}
	return v, nil
}

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

func (r *jsonReader) value() (jsonValue, error) {
	r.space()
	if r.i >= len(r.s) {
		return jsonValue{}, r.fail("unexpected end of document")
	}
	start := r.i
	switch c := r.s[r.i]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		s, err := r.string()
		return jsonValue{kind: jsonString, off: int32(start), text: s}, err
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if len(r.s)-r.i >= len(lit) && r.s[r.i:r.i+len(lit)] == lit {
				r.i += len(lit)
				if lit == "null" {
					return jsonValue{kind: jsonNull, off: int32(start)}, nil
				}
				return jsonValue{kind: jsonBool, off: int32(start), text: lit}, nil
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	}
	return jsonValue{}, r.fail(fmt.Sprintf("invalid character %q looking for a value", r.s[r.i]))
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > maxJSONDepth {
		return r.fail("document nested too deeply")
	}
	return nil
}

func (r *jsonReader) object() (jsonValue, error) {
	v := jsonValue{kind: jsonObject, off: int32(r.i)}
	if err := r.enter(); err != nil {
		return v, err
	}
	r.i++ // {
	r.space()
	if r.i < len(r.s) && r.s[r.i] == '}' {
		r.i++
		r.depth--
		return v, nil
	}
	base := len(r.stack)
	defer func() { r.stack = r.stack[:base] }()
	for {
		r.space()
		if r.i >= len(r.s) || r.s[r.i] != '"' {
			return v, r.fail("expected a quoted field name")
		}
		koff := r.i
		key, err := r.string()
		if err != nil {
			return v, err
		}
		for _, m := range r.stack[base:] {
			if m.key == key {
				return v, &jsonError{koff, fmt.Sprintf("duplicate field %q", key)}
			}
		}
		r.space()
		if r.i >= len(r.s) || r.s[r.i] != ':' {
			return v, r.fail("expected ':' after a field name")
		}
		r.i++
		val, err := r.value()
		if err != nil {
			return v, err
		}
		r.stack = append(r.stack, jsonMember{key: key, val: val})
		r.space()
		if r.i >= len(r.s) {
			return v, r.fail("unexpected end of document in an object")
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			r.depth--
			v.kids = r.keep(r.stack[base:])
			return v, nil
		default:
			return v, r.fail("expected ',' or '}' in an object")
		}
	}
}

func (r *jsonReader) array() (jsonValue, error) {
	v := jsonValue{kind: jsonArray, off: int32(r.i)}
	if err := r.enter(); err != nil {
		return v, err
	}
	r.i++ // [
	r.space()
	if r.i < len(r.s) && r.s[r.i] == ']' {
		r.i++
		r.depth--
		return v, nil
	}
	base := len(r.stack)
	defer func() { r.stack = r.stack[:base] }()
	for {
		val, err := r.value()
		if err != nil {
			return v, err
		}
		r.stack = append(r.stack, jsonMember{val: val})
		r.space()
		if r.i >= len(r.s) {
			return v, r.fail("unexpected end of document in an array")
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			r.depth--
			v.kids = r.keep(r.stack[base:])
			return v, nil
		default:
			return v, r.fail("expected ',' or ']' in an array")
		}
	}
}

// string reads a quoted string at r.i.
func (r *jsonReader) string() (string, error) {
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

// number reads a JSON number with RFC 8259's grammar.
func (r *jsonReader) number() (jsonValue, error) {
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
		return jsonValue{}, r.fail("invalid number")
	}
	if r.i < len(s) && s[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return jsonValue{}, r.fail("invalid number: digits must follow '.'")
		}
	}
	if r.i < len(s) && (s[r.i] == 'e' || s[r.i] == 'E') {
		r.i++
		if r.i < len(s) && (s[r.i] == '+' || s[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return jsonValue{}, r.fail("invalid number: digits must follow the exponent")
		}
	}
	return jsonValue{kind: jsonNumber, off: int32(start), text: s[start:r.i]}, nil
}
