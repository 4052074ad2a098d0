package clustercmd

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestParseKeyIDs(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      []string
		err       string
	}{
		{name: "API server's", doc: `{"keys":[{"use":"sig","kty":"RSA","kid":"a","alg":"RS256","n":"x","e":"AQAB"},{"kty":"EC","kid":"b"}]}`, want: []string{"a", "b"}},
		{name: "no kid", doc: `{"keys":[{"kty":"RSA"}]}`, want: []string{""}},
		{name: "empty", doc: `{"keys":[]}`, want: []string{}},
		{name: "no keys", doc: `{}`, err: `no "keys" array`},
		{name: "not JSON", doc: `<html>`, err: "not a JSON object"},
		{name: "trailing data", doc: `{"keys":[]} {}`, err: "data after"},
		{name: "private", doc: `{"keys":[{"kty":"RSA","kid":"a","d":"x"}]}`, err: `private or secret member "d"`},
		{name: "secret", doc: `{"keys":[{"kty":"oct","k":"x"}]}`, err: `member "k"`},
		{name: "null key", doc: `{"keys":[null]}`, err: "key 1 is not an object"},
		{name: "kid not a string", doc: `{"keys":[{"kid":1}]}`, err: "not a string"},
		{name: "too many", doc: `{"keys":[` + strings.TrimSuffix(strings.Repeat(`{"kid":"k"},`, MaxKeys+1), ",") + `]}`, err: "21 keys, over 20"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKeyIDs([]byte(tt.doc))
			switch {
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("err %v, want %q", err, tt.err)
			case tt.err == "" && (err != nil || !slices.Equal(got, tt.want)):
				t.Fatalf("got %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	for _, tt := range []struct {
		name, header, body string
		status             int
		code, message      string
	}{
		{name: "EKS's", status: 404, header: "ResourceNotFoundException", body: `{"message":"No cluster found for name: x."}`, code: "ResourceNotFoundException", message: "No cluster found for name: x."},
		{name: "header with a URL", status: 400, header: "InvalidParameterException:http://internal.amazon.com/", body: `{"message":"m"}`, code: "InvalidParameterException", message: "m"},
		{name: "body type", status: 403, body: `{"__type":"com.amazonaws#AccessDeniedException","Message":"no"}`, code: "AccessDeniedException", message: "no"},
		{name: "proxy page", status: 502, body: `<html>bad gateway</html>`, code: "Bad Gateway", message: "<html>bad gateway</html>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseError(tt.status, tt.header, []byte(tt.body))
			if e.Code != tt.code || e.Message != tt.message || e.Status != tt.status {
				t.Fatalf("got %+v", e)
			}
		})
	}
}

// FuzzParseKeyIDs: never panics; what it accepts is a JSON object with a
// keys array of at most MaxKeys objects without a private member, one id
// per key.
func FuzzParseKeyIDs(f *testing.F) {
	for _, s := range []string{`{"keys":[{"kid":"a","kty":"RSA","n":"x","e":"AQAB"}]}`, `{"keys":[]}`, `{"keys":[{"d":"x"}]}`, `{"keys":null}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		ids, err := ParseKeyIDs(doc)
		if err != nil {
			return
		}
		var set struct {
			Keys []map[string]json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(doc, &set) != nil || set.Keys == nil || len(set.Keys) > MaxKeys || len(ids) != len(set.Keys) {
			t.Fatalf("accepted %q as %q", doc, ids)
		}
		for _, k := range set.Keys {
			if _, ok := k["d"]; ok {
				t.Fatalf("accepted a private key: %q", doc)
			}
		}
	})
}

// FuzzParseError: never panics, always names a code.
func FuzzParseError(f *testing.F) {
	f.Add(404, "ResourceNotFoundException", []byte(`{"message":"m"}`))
	f.Add(500, "", []byte(`{"__type":"a#B"}`))
	f.Fuzz(func(t *testing.T, status int, header string, body []byte) {
		if e := ParseError(status, header, body); e.Code == "" {
			t.Fatalf("no code for %d %q %q", status, header, body)
		}
	})
}
