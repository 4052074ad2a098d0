package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"testing"
)

// membersByDecoder is members as it was written first, on
// json.Decoder's tokens: the reference FuzzMembers holds the faster
// walk to.
func membersByDecoder(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errors.New("not a JSON object")
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errors.New("not a JSON object")
		}
		if _, dup := m[name]; dup {
			return nil, errors.New("duplicate member name")
		}
		m[name] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// FuzzMembers: members accepts what the decoder-based reference accepts,
// with the same names and the same raw values, and refuses the rest.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a" : "x\"y" , "b":[1,{"c":"}"}],"d":null}`, `{"\u0069ss":"i","iss":"j"}`,
		`{"a":1}{}`, `{"a":1,}`, `[1]`, `"s"`, `{"a":tru}`, `{"é":"\ud83d\ude00","\xff":1}`, "{\"a\":\"\x01\"}",
		`{"exp":1.5e3,"nested":{"x":{"y":[[],{}]}},"s":"\\\\"}`, `{"a":1} x`, ``, `{`, `{"a"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := members(data)
		want, werr := membersByDecoder(data)
		if (err == nil) != (werr == nil) {
			t.Fatalf("members(%q): error %v, the decoder's %v", data, err, werr)
		}
		if err == nil && !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
			t.Fatalf("members(%q) = %q, the decoder's %q", data, got, want)
		}
		// On a valid document both say why alike (on an invalid one the
		// decoder may see a duplicate before the error).
		if err != nil && json.Valid(data) && err.Error() != werr.Error() {
			t.Fatalf("members(%q): error %v, the decoder's %v", data, err, werr)
		}
	})
}
