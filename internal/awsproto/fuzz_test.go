package awsproto_test

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/awsproto"
)

// FuzzParseQuery checks that decoding any query string and form body never
// panics and fails only with a complete *awsproto.Error; that what it
// decodes encodes and decodes again to the same request; and that List,
// Structs and Map agree with the flat parameters they read.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range [][2]string{
		{"", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"Action=ListRoles", "Marker=x&MaxItems=10"},
		{"", "Action=TagRole&RoleName=r&Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.2.Key=k2&Tags.member.2.Value="},
		{"", "Action=AssumeRole&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX&TransitiveTagKeys="},
		{"", "Action=X&L.member.1=a&L.member.3=c&L.member.02=b"},
		{"", "Action=X&C.member.1.K.member.1=a&C.member.1.N=n&M.entry.1.key=k&M.entry.1.value=v"},
		{"Action=X&A=1", "A=2"},
		{"", "Action=X&%zz=1;b"},
		{"", "Action=%E2%82%AC&V=%FF"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, rawQuery, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.URL.RawQuery = rawQuery
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		q, err := parseQuery(r, 1<<16)
		if err != nil {
			e, ok := errors.AsType[*awsproto.Error](err)
			if !ok || e.Code == "" || e.Message == "" || e.Status < 400 || e.Status > 499 || e.Type != awsproto.Sender {
				t.Fatalf("error %#v (%T) is not a complete client error", err, err)
			}
			return
		}
		if q.Action == "" {
			t.Fatal("accepted a request without Action")
		}

		// Parse, print, parse: the same request.
		v := url.Values{"Action": {q.Action}}
		if q.Version != "" {
			v.Set("Version", q.Version)
		}
		for _, n := range q.Names() {
			v.Set(n, q.Get(n))
		}
		again, err := parseQuery(httptest.NewRequest("GET", "/?"+v.Encode(), nil), 0)
		if err != nil {
			t.Fatalf("re-encoded request %q: %v", v.Encode(), err)
		}
		if again.Action != q.Action || again.Version != q.Version || !equalParams(again.Params, q.Params) {
			t.Fatalf("re-encoded request differs: %q %q %v, was %q %q %v", again.Action, again.Version, params(again.Params), q.Action, q.Version, params(q.Params))
		}

		for _, prefix := range listPrefixes(q.Params) {
			checkList(t, q.Params, prefix)
			checkStructs(t, q.Params, prefix)
			checkMap(t, q.Params, prefix)
		}
	})
}

func equalParams(a, b awsproto.Params) bool {
	if a.Len() != b.Len() {
		return false
	}
	for _, n := range a.Names() {
		if v, ok := b.Lookup(n); !ok || v != a.Get(n) {
			return false
		}
	}
	return true
}

// listPrefixes returns the prefixes X of the parameters named X.member...
// or X.entry..., and of those named X.
func listPrefixes(p awsproto.Params) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range p.Names() {
		for _, sep := range []string{".member.", ".entry."} {
			if i := strings.Index(n, sep); i >= 0 && !seen[n[:i]] {
				seen[n[:i]] = true
				out = append(out, n[:i])
			}
		}
	}
	return out
}

// indexUnder returns N of a parameter named prefix.sep.N[...], if it is one.
func indexUnder(name, prefix, sep string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix+"."+sep+".")
	if !ok {
		return 0, false
	}
	idx, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(idx)
	return n, err == nil
}

// checkList: a list read is the values of prefix.member.1..n, and no
// member lies beyond n.
func checkList(t *testing.T, p awsproto.Params, prefix string) {
	list, err := p.List(prefix)
	if err != nil {
		checkTyped(t, err)
		return
	}
	for i, v := range list {
		if got, ok := p.Lookup(prefix + ".member." + strconv.Itoa(i+1)); !ok || got != v {
			t.Fatalf("List(%q)[%d] = %q, but the parameter is %q (%v)", prefix, i, v, got, ok)
		}
	}
	for _, n := range p.Names() {
		if k, ok := indexUnder(n, prefix, "member"); ok && (k < 1 || k > len(list)) {
			t.Fatalf("List(%q) has %d members but %s exists", prefix, len(list), n)
		}
	}
}

// checkStructs: each member's fields are the parameters under
// prefix.member.i., all of them, and no member lies beyond the last.
func checkStructs(t *testing.T, p awsproto.Params, prefix string) {
	members, err := p.Structs(prefix)
	if err != nil {
		checkTyped(t, err)
		return
	}
	fields := 0
	for i, m := range members {
		base := prefix + ".member." + strconv.Itoa(i+1) + "."
		if m.Len() == 0 {
			t.Fatalf("Structs(%q) member %d is empty", prefix, i+1)
		}
		for _, n := range m.Names() {
			if got, ok := p.Lookup(base + n); !ok || got != m.Get(n) {
				t.Fatalf("Structs(%q) member %d field %q = %q, but %s%s is %q (%v)", prefix, i+1, n, m.Get(n), base, n, got, ok)
			}
		}
		fields += m.Len()
	}
	under := 0
	for _, n := range p.Names() {
		if k, ok := indexUnder(n, prefix, "member"); ok {
			if k < 1 || k > len(members) {
				t.Fatalf("Structs(%q) has %d members but %s exists", prefix, len(members), n)
			}
			under++
		}
	}
	if under != fields {
		t.Fatalf("Structs(%q) holds %d fields of %d parameters", prefix, fields, under)
	}
	if list, err := p.List(prefix); err == nil && len(list) != len(members) {
		t.Fatalf("List(%q) and Structs(%q) both succeed with %d and %d members", prefix, prefix, len(list), len(members))
	}
}

// checkMap: one pair for each entry, each read from its parameters.
func checkMap(t *testing.T, p awsproto.Params, prefix string) {
	m, err := p.Map(prefix)
	if err != nil {
		checkTyped(t, err)
		return
	}
	entries := 0
	for _, n := range p.Names() {
		if k, ok := indexUnder(n, prefix, "entry"); ok {
			base := prefix + ".entry." + strconv.Itoa(k) + "."
			if n == base+"key" {
				entries++
				if v, ok := m[p.Get(n)]; !ok || v != p.Get(base+"value") {
					t.Fatalf("Map(%q)[%q] = %q (%v), want %q", prefix, p.Get(n), v, ok, p.Get(base+"value"))
				}
			}
		}
	}
	if entries != len(m) {
		t.Fatalf("Map(%q) has %d pairs from %d entries", prefix, len(m), entries)
	}
}

func checkTyped(t *testing.T, err error) {
	t.Helper()
	if e, ok := errors.AsType[*awsproto.Error](err); !ok || e.Code == "" || e.Status != 400 {
		t.Fatalf("error %#v (%T) is not a typed 400", err, err)
	}
}
