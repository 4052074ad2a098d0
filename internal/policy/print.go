package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// MarshalJSON prints the document in canonical form: fields in AWS's
// order, conditions sorted, each string-or-list value in the form it was
// written. Parsing the output gives an equal document.
func (d *Document) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	field := fieldWriter(&b)
	if d.Version != "" {
		field("Version")
		writeString(&b, d.Version)
	}
	if d.ID != "" {
		field("Id")
		writeString(&b, d.ID)
	}
	field("Statement")
	if !d.SingleStatement {
		b.WriteByte('[')
	}
	for i := range d.Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		d.Statements[i].write(&b)
	}
	if !d.SingleStatement {
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// fieldWriter returns a function that starts each member of a JSON
// object being written to b: a comma after the first, the name, a colon.
func fieldWriter(b *bytes.Buffer) func(name string) {
	sep := false
	return func(name string) {
		if sep {
			b.WriteByte(',')
		}
		sep = true
		writeString(b, name)
		b.WriteByte(':')
	}
}

func (s *Statement) write(b *bytes.Buffer) {
	b.WriteByte('{')
	field := fieldWriter(b)
	if s.Sid != "" {
		field("Sid")
		writeString(b, s.Sid)
	}
	field("Effect")
	writeString(b, s.Effect.String())
	for _, p := range []struct {
		name string
		v    *Principals
	}{{"Principal", s.Principal}, {"NotPrincipal", s.NotPrincipal}} {
		if p.v == nil {
			continue
		}
		field(p.name)
		if p.v.Wildcard {
			writeString(b, "*")
			continue
		}
		b.WriteByte('{')
		for i, e := range p.v.Types {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, e.Type)
			b.WriteByte(':')
			e.Values.write(b)
		}
		b.WriteByte('}')
	}
	for _, f := range []struct {
		name string
		v    *Strings
	}{{"Action", s.Action}, {"NotAction", s.NotAction}, {"Resource", s.Resource}, {"NotResource", s.NotResource}} {
		if f.v != nil {
			field(f.name)
			f.v.write(b)
		}
	}
	if len(s.Condition) > 0 {
		field("Condition")
		b.WriteByte('{')
		for i := 0; i < len(s.Condition); {
			if i > 0 {
				b.WriteByte(',')
			}
			op := s.Condition[i].Operator
			writeString(b, op)
			b.WriteString(":{")
			for j := i; i < len(s.Condition) && s.Condition[i].Operator == op; i++ {
				if i > j {
					b.WriteByte(',')
				}
				writeString(b, s.Condition[i].Key)
				b.WriteByte(':')
				s.Condition[i].Values.write(b)
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func (v *Strings) write(b *bytes.Buffer) {
	if !v.List && len(v.Values) == 1 {
		writeString(b, v.Values[0])
		return
	}
	b.WriteByte('[')
	for i, s := range v.Values {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, s)
	}
	b.WriteByte(']')
}

func writeString(b *bytes.Buffer, s string) {
	start := b.Len()
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // a string always encodes
	b.Truncate(b.Len() - 1) // Encode adds a newline
	// A document may hold only U+0000 through U+00FF as raw text but may
	// give any character as a \u escape; print those escaped too, so that
	// the output parses again.
	quoted := b.Bytes()[start:]
	wide := false
	for _, r := range string(quoted) {
		wide = wide || r > 0xFF
	}
	if !wide {
		return
	}
	esc := make([]byte, 0, len(quoted)+16)
	for _, r := range string(quoted) {
		switch {
		case r <= 0xFF:
			esc = utf8.AppendRune(esc, r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			esc = fmt.Appendf(esc, `\u%04x\u%04x`, r1, r2)
		default:
			esc = fmt.Appendf(esc, `\u%04x`, r)
		}
	}
	b.Truncate(start)
	b.Write(esc)
}
