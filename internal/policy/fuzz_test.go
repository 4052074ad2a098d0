package policy_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/podiam/podiam/internal/corpus"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
)

// seedDocuments adds every policy document of the shared corpus and every
// validation document as a seed, for each kind.
func seedDocuments(f *testing.F) {
	cases, err := corpus.Load()
	if err != nil {
		f.Fatal(err)
	}
	add := func(np *corpus.NamedPolicy, k policy.Kind) {
		if np != nil {
			f.Add([]byte(np.Document), uint8(k))
		}
	}
	for i := range cases {
		ps := &cases[i].Policies
		for j := range ps.Identity {
			add(&ps.Identity[j], policy.Identity)
		}
		add(ps.Boundary, policy.Boundary)
		add(ps.Resource, policy.Resource)
		add(ps.Trust, policy.Trust)
		for j := range ps.Session {
			add(&ps.Session[j], policy.Session)
		}
		for j := range ps.SCPs {
			add(&ps.SCPs[j], policy.SCP)
		}
	}
	vcs, err := corpus.LoadValidation()
	if err != nil {
		f.Fatal(err)
	}
	for _, vc := range vcs {
		if k, err := policy.ParseKind(vc.Kind); err == nil {
			f.Add([]byte(vc.Document), uint8(k))
		}
	}
}

// FuzzParseDocument checks that parsing never panics; that every error is
// a *fault.Error with a kind; that whatever parses prints to valid JSON
// that parses again to the same printed form (parse, print, parse is
// stable); that the compiled policy matches a request without panicking;
// and that what the strict reader accepts is valid JSON.
func FuzzParseDocument(f *testing.F) {
	seedDocuments(f)
	p, _ := policy.ParsePrincipal("arn:aws:sts::111122223333:assumed-role/r/s")
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := policy.Kind(k % 6)
		d, err := policy.ParseDocument(data, kind, policy.Options{MaxSize: -1})
		if err != nil {
			if pe, ok := err.(*fault.Error); !ok || pe.Kind == 0 || pe.Message == "" {
				t.Fatalf("error %v (%T) is not a *fault.Error with kind and message", err, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		out, err := d.MarshalJSON()
		if err != nil || !json.Valid(out) {
			t.Fatalf("printed invalid JSON %q: %v", out, err)
		}
		d2, err := policy.ParseDocument(out, kind, policy.Options{MaxSize: -1})
		if err != nil {
			t.Fatalf("printed form does not parse: %v\ninput:   %q\nprinted: %q", err, data, out)
		}
		out2, _ := d2.MarshalJSON()
		if !bytes.Equal(out, out2) {
			t.Fatalf("print is not stable:\n%s\n%s", out, out2)
		}
		pol := policy.Compile("p", d, kind)
		req := &policy.Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", ResourceAccount: "111122223333"}
		req.Context.Set("aws:SourceIp", "10.0.0.1")
		req.Context.SetMulti("aws:TagKeys", "a", "b")
		for i := range pol.Rules {
			pol.Rules[i].Match(req)
		}
	})
}

// FuzzConditionValues evaluates one condition operator on a policy value
// and a request value, and checks the algebra every operator must obey:
// a negated operator is the complement of its positive form on a present
// single value; IfExists changes nothing when the key is present; with the
// key absent, positive operators are false and negated ones true; and
// ForAnyValue / ForAllValues on a one-element set agree with the plain
// operator.
func FuzzConditionValues(f *testing.F) {
	pairs := [][2]string{
		{"StringEquals", "StringNotEquals"}, {"StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"},
		{"StringLike", "StringNotLike"}, {"NumericEquals", "NumericNotEquals"}, {"DateEquals", "DateNotEquals"},
		{"IpAddress", "NotIpAddress"}, {"ArnEquals", "ArnNotEquals"}, {"ArnLike", "ArnNotLike"},
		{"NumericLessThan", ""}, {"DateGreaterThanEquals", ""}, {"Bool", ""}, {"BinaryEquals", ""},
	}
	seeds := [][2]string{
		{"abc", "abc"}, {"a*", "abc"}, {"10", "10.0"}, {"2026-11-24", "2026-11-24T00:00:00Z"}, {"10.0.0.0/8", "10.1.2.3"},
		{"2001:db8::/32", "2001:db8::1"}, {"arn:aws:iam::*:role/x", "arn:aws:iam::111122223333:role/x"}, {"true", "TRUE"},
		{"aGVsbG8=", "aGVsbG8="}, {"${aws:username}", "alice"}, {"1795507200", "2026-11-24T00:00:00Z"},
	}
	for i := range pairs {
		for _, s := range seeds {
			f.Add(uint8(i), s[0], s[1])
		}
	}
	p, _ := policy.ParsePrincipal("arn:aws:iam::111122223333:user/alice")
	eval := func(t *testing.T, op, key, policyValue string, req *policy.Request) bool {
		doc, _ := json.Marshal(map[string]any{
			"Version": "2012-10-17",
			"Statement": map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*",
				"Condition": map[string]any{op: map[string]any{key: policyValue}}},
		})
		pol, err := policy.Parse("p", doc, policy.Identity, policy.Options{MaxSize: -1})
		if err != nil {
			return false // a value outside the allowed characters
		}
		ok, _ := pol.Rules[0].Match(req)
		return ok
	}
	f.Fuzz(func(t *testing.T, which uint8, policyValue, requestValue string) {
		pair := pairs[int(which)%len(pairs)]
		if _, err := policy.Parse("p", []byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":`+mustJSON(policyValue)+`}}}}`), policy.Identity, policy.Options{MaxSize: -1}); err != nil {
			return // not a value a policy may hold
		}
		present := &policy.Request{Principal: p, Action: "s3:GetObject", Resource: "*"}
		present.Context.Set("test:key", requestValue)
		absent := &policy.Request{Principal: p, Action: "s3:GetObject", Resource: "*"}
		set := &policy.Request{Principal: p, Action: "s3:GetObject", Resource: "*"}
		set.Context.SetMulti("test:key", requestValue)

		pos := eval(t, pair[0], "test:key", policyValue, present)
		if eval(t, pair[0]+"IfExists", "test:key", policyValue, present) != pos {
			t.Fatalf("%sIfExists differs from %s on a present key", pair[0], pair[0])
		}
		if eval(t, "ForAnyValue:"+pair[0], "test:key", policyValue, set) != pos {
			t.Fatalf("ForAnyValue:%s on {%q} differs from %s on %q", pair[0], requestValue, pair[0], requestValue)
		}
		if eval(t, "ForAllValues:"+pair[0], "test:key", policyValue, set) != pos {
			t.Fatalf("ForAllValues:%s on {%q} differs from %s on %q", pair[0], requestValue, pair[0], requestValue)
		}
		if eval(t, pair[0], "test:key", policyValue, absent) {
			t.Fatalf("%s is true on an absent key", pair[0])
		}
		if !eval(t, pair[0]+"IfExists", "test:key", policyValue, absent) {
			t.Fatalf("%sIfExists is false on an absent key", pair[0])
		}
		if pair[1] == "" {
			return
		}
		neg := eval(t, pair[1], "test:key", policyValue, present)
		if neg == pos {
			t.Fatalf("%s and %s both %v for policy %q, request %q", pair[0], pair[1], pos, policyValue, requestValue)
		}
		if !eval(t, pair[1], "test:key", policyValue, absent) {
			t.Fatalf("%s is false on an absent key", pair[1])
		}
	})
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
