package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzActionIndex: a rule that indexes its actions by service decides
// every action as a plain scan of its patterns does.
func FuzzActionIndex(f *testing.F) {
	f.Add("s3:Get*,ec2:Describe*,*:List*,iam:?et*,sts", "s3:GetObject")
	f.Add("a*:x,b:y*,*,c?:z", "ab:x")
	f.Add("s3:*,S3:GETOBJECT", "s3:getobject")
	f.Add("ec2:describe*", "ec2")
	f.Fuzz(func(t *testing.T, patterns, action string) {
		var acts []string
		for _, p := range strings.Split(patterns, ",") {
			if p != "" {
				acts = append(acts, p)
			}
		}
		// Pad past indexMin with patterns of other services.
		for i := len(acts); i < indexMin; i++ {
			acts = append(acts, "pad"+strings.Repeat("x", i)+":Get*")
		}
		b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": acts, "Resource": "*"}}})
		p, err := Parse("p", b, Identity, Options{MaxSize: -1})
		if err != nil {
			return // not a valid action list
		}
		r := &p.Rules[0]
		if r.byVendor == nil {
			t.Fatalf("%d actions not indexed", len(r.actions))
		}
		a := strings.ToLower(action)
		if got, want := r.matchAction(a), matchAny(r.actions, a); got != want {
			t.Fatalf("actions %q, action %q: indexed %v, scan %v", acts, action, got, want)
		}
	})
}
