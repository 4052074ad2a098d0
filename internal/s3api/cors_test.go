package s3api

import (
	"encoding/xml"
	"reflect"
	"testing"

	"github.com/podiam/podiam/internal/s3"
)

// FuzzCORSConfiguration: a PutBucketCors body never panics the parser or
// the validation; a configuration accepted and written back as
// GetBucketCors writes it reads back the same; every accepted rule
// matches a request of its own first origin (with no wildcard) and first
// method.
func FuzzCORSConfiguration(f *testing.F) {
	f.Add([]byte(`<CORSConfiguration><CORSRule><ID>a</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>` +
		`<AllowedHeader>x-amz-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>`))
	f.Add([]byte(`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>`))
	f.Add([]byte(`<CORSConfiguration><CORSRule><AllowedOrigin>http://a</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule></CORSConfiguration>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in corsConfiguration
		if xml.Unmarshal(body, &in) != nil {
			return
		}
		rules, err := in.rules()
		if err != nil || s3.ValidateCORS(rules) != nil {
			return
		}
		out, err := xml.Marshal(corsXML(rules))
		if err != nil {
			t.Fatalf("marshal %+v: %v", rules, err)
		}
		var back corsConfiguration
		if err := xml.Unmarshal(out, &back); err != nil {
			t.Fatalf("read back %s: %v", out, err)
		}
		again, err := back.rules()
		if err != nil || !reflect.DeepEqual(normal(again), normal(rules)) {
			t.Fatalf("round trip of %s: %+v, want %+v (%v)", out, again, rules, err)
		}
		for _, r := range rules {
			o := r.AllowedOrigins[0]
			if !containsStar(o) && !r.Matches(o, r.AllowedMethods[0], nil) {
				t.Fatalf("rule %+v does not match its own origin and method", r)
			}
		}
	})
}

func containsStar(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '*' {
			return true
		}
	}
	return false
}

// normal makes empty lists nil, as XML cannot tell them apart.
func normal(rules []s3.CORSRule) []s3.CORSRule {
	for i := range rules {
		for _, l := range []*[]string{&rules[i].AllowedHeaders, &rules[i].ExposeHeaders} {
			if len(*l) == 0 {
				*l = nil
			}
		}
	}
	return rules
}
