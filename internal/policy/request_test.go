package policy_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/policy"
)

// contextMap reads every key of c as name -> values.
func contextMap(c *policy.Context) map[string][]string {
	out := map[string][]string{}
	for _, k := range c.Keys() {
		v, _, _ := c.Get(k)
		out[k] = v
	}
	return out
}

func TestRequestPrepare(t *testing.T) {
	tests := []struct {
		name     string
		caller   string
		userID   string
		tags     map[string]string
		resAcct  string
		preset   map[string]string
		want     map[string][]string
		wantNone []string
	}{
		{
			name:    "user",
			caller:  "arn:aws:iam::111122223333:user/dev/alice",
			userID:  "AIDAEXAMPLE",
			tags:    map[string]string{"team": "blue", "Cost-Center": "42"},
			resAcct: "444455556666",
			want: map[string][]string{
				"aws:PrincipalType":            {"User"},
				"aws:PrincipalArn":             {"arn:aws:iam::111122223333:user/dev/alice"},
				"aws:PrincipalAccount":         {"111122223333"},
				"aws:username":                 {"alice"},
				"aws:userid":                   {"AIDAEXAMPLE"},
				"aws:PrincipalTag/team":        {"blue"},
				"aws:PrincipalTag/Cost-Center": {"42"},
				"aws:ResourceAccount":          {"444455556666"},
			},
		},
		{
			name:   "root",
			caller: "arn:aws:iam::111122223333:root",
			want: map[string][]string{
				"aws:PrincipalType":    {"Account"},
				"aws:PrincipalArn":     {"arn:aws:iam::111122223333:root"},
				"aws:PrincipalAccount": {"111122223333"},
				"aws:userid":           {"111122223333"},
			},
		},
		{
			name:   "session",
			caller: "arn:aws:sts::111122223333:assumed-role/app/pod-1",
			userID: "AROAEXAMPLE:pod-1",
			want: map[string][]string{
				"aws:PrincipalType":    {"AssumedRole"},
				"aws:PrincipalArn":     {"arn:aws:iam::111122223333:role/app"},
				"aws:PrincipalAccount": {"111122223333"},
				"aws:userid":           {"AROAEXAMPLE:pod-1"},
			},
			wantNone: []string{"aws:username"},
		},
		{
			name:   "federated user",
			caller: "arn:aws:sts::111122223333:federated-user/bob",
			want: map[string][]string{
				"aws:PrincipalType":    {"FederatedUser"},
				"aws:PrincipalArn":     {"arn:aws:sts::111122223333:federated-user/bob"},
				"aws:PrincipalAccount": {"111122223333"},
				"aws:userid":           {"111122223333:bob"},
			},
		},
		{
			name:   "anonymous",
			caller: "anonymous",
			want:   map[string][]string{"aws:PrincipalType": {"Anonymous"}},
		},
		{
			name:     "web identity",
			caller:   "arn:aws:iam::111122223333:oidc-provider/oidc.example.com",
			want:     map[string][]string{},
			wantNone: []string{"aws:PrincipalType", "aws:PrincipalAccount", "aws:PrincipalArn"},
		},
		{
			name:     "service",
			caller:   "ec2.amazonaws.com",
			resAcct:  "111122223333",
			want:     map[string][]string{"aws:ResourceAccount": {"111122223333"}},
			wantNone: []string{"aws:PrincipalType", "aws:PrincipalArn"},
		},
		{
			name:   "preset keys win, whatever their case",
			caller: "arn:aws:iam::111122223333:user/alice",
			tags:   map[string]string{"team": "blue"},
			preset: map[string]string{"AWS:USERNAME": "mallory", "aws:principaltag/TEAM": "red", "aws:SourceIp": "10.0.0.1"},
			want: map[string][]string{
				"aws:PrincipalType":     {"User"},
				"aws:PrincipalArn":      {"arn:aws:iam::111122223333:user/alice"},
				"aws:PrincipalAccount":  {"111122223333"},
				"AWS:USERNAME":          {"mallory"},
				"aws:principaltag/TEAM": {"red"},
				"aws:SourceIp":          {"10.0.0.1"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.ParsePrincipal(tt.caller)
			if err != nil {
				t.Fatal(err)
			}
			if tt.userID != "" {
				p.UserID = tt.userID
			}
			p.Tags = tt.tags
			req := &policy.Request{Principal: p, Action: "s3:GetObject", Resource: "*", ResourceAccount: tt.resAcct}
			for _, k := range slices.Sorted(maps.Keys(tt.preset)) {
				req.Context.Set(k, tt.preset[k])
			}
			req.Prepare()
			got := contextMap(&req.Context)
			if tt.resAcct == "" && p.Account != "" {
				// Without a resource account the caller's is taken.
				tt.want = maps.Clone(tt.want)
				tt.want["aws:ResourceAccount"] = []string{p.Account}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("context after Prepare:\n got %v\nwant %v", got, tt.want)
			}
			for _, k := range tt.wantNone {
				if req.Context.Has(k) {
					t.Errorf("context has %s", k)
				}
			}
			// Preparing again changes nothing.
			req.Prepare()
			if again := contextMap(&req.Context); !reflect.DeepEqual(again, got) {
				t.Errorf("second Prepare changed the context:\n%v\n%v", again, got)
			}
		})
	}
}

// TestRequestPrepareAgain checks that Prepare picks up a changed action
// and resource, and that Match prepares an unprepared request.
func TestRequestPrepareAgain(t *testing.T) {
	p, err := policy.Parse("p", []byte(`{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`), policy.Identity, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &p.Rules[0]
	req := &policy.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
	if m, _ := r.Match(req); !m {
		t.Fatal("an unprepared request did not match")
	}
	req.Action = "s3:PutObject"
	req.Prepare()
	if m, _ := r.Match(req); m {
		t.Error("matched after the action changed")
	}
	req.Action, req.Resource = "S3:GETOBJECT", "arn:aws:s3:::c/k"
	req.Prepare()
	if m, _ := r.Match(req); m {
		t.Error("matched after the resource changed")
	}
	req.Resource = "arn:aws:s3:::b/k"
	req.Prepare()
	if m, _ := r.Match(req); !m {
		t.Error("no match after changing back")
	}
}

func TestContext(t *testing.T) {
	type get struct {
		key    string
		vals   []string
		multi  bool
		absent bool
	}
	tests := []struct {
		name     string
		build    func(c *policy.Context)
		gets     []get
		wantKeys []string
	}{
		{
			name:     "empty",
			build:    func(c *policy.Context) {},
			gets:     []get{{key: "aws:username", absent: true}},
			wantKeys: []string{},
		},
		{
			name:     "set, any case",
			build:    func(c *policy.Context) { c.Set("aws:SourceIp", "10.0.0.1") },
			gets:     []get{{key: "aws:SourceIp", vals: []string{"10.0.0.1"}}, {key: "AWS:SOURCEIP", vals: []string{"10.0.0.1"}}, {key: "aws:sourceip", vals: []string{"10.0.0.1"}}},
			wantKeys: []string{"aws:SourceIp"},
		},
		{
			name:     "values are case-sensitive",
			build:    func(c *policy.Context) { c.Set("k", "Value") },
			gets:     []get{{key: "K", vals: []string{"Value"}}},
			wantKeys: []string{"k"},
		},
		{
			name:     "set replaces, name as first set",
			build:    func(c *policy.Context) { c.Set("aws:UserName", "a"); c.Set("AWS:USERNAME", "b") },
			gets:     []get{{key: "aws:username", vals: []string{"b"}}},
			wantKeys: []string{"aws:UserName"},
		},
		{
			name:     "set empty value",
			build:    func(c *policy.Context) { c.Set("k", "") },
			gets:     []get{{key: "k", vals: []string{""}}},
			wantKeys: []string{"k"},
		},
		{
			name:     "set multi",
			build:    func(c *policy.Context) { c.SetMulti("aws:TagKeys", "a", "b") },
			gets:     []get{{key: "aws:tagkeys", vals: []string{"a", "b"}, multi: true}},
			wantKeys: []string{"aws:TagKeys"},
		},
		{
			name:     "set multi with one value stays multi",
			build:    func(c *policy.Context) { c.SetMulti("k", "a") },
			gets:     []get{{key: "k", vals: []string{"a"}, multi: true}},
			wantKeys: []string{"k"},
		},
		{
			name:     "set multi empty is present",
			build:    func(c *policy.Context) { c.SetMulti("aws:TagKeys") },
			gets:     []get{{key: "aws:TagKeys", vals: []string{}, multi: true}},
			wantKeys: []string{"aws:TagKeys"},
		},
		{
			name:     "set after set multi",
			build:    func(c *policy.Context) { c.SetMulti("k", "a", "b"); c.Set("K", "c") },
			gets:     []get{{key: "k", vals: []string{"c"}}},
			wantKeys: []string{"k"},
		},
		{
			name:     "add to absent",
			build:    func(c *policy.Context) { c.Add("k", "a") },
			gets:     []get{{key: "k", vals: []string{"a"}}},
			wantKeys: []string{"k"},
		},
		{
			name:     "add to single",
			build:    func(c *policy.Context) { c.Set("k", "a"); c.Add("K", "b") },
			gets:     []get{{key: "k", vals: []string{"a", "b"}, multi: true}},
			wantKeys: []string{"k"},
		},
		{
			name:     "add to multi",
			build:    func(c *policy.Context) { c.SetMulti("k", "a", "b"); c.Add("k", "c"); c.Add("k", "a") },
			gets:     []get{{key: "k", vals: []string{"a", "b", "c", "a"}, multi: true}},
			wantKeys: []string{"k"},
		},
		{
			name:     "add to empty set",
			build:    func(c *policy.Context) { c.SetMulti("k"); c.Add("k", "a") },
			gets:     []get{{key: "k", vals: []string{"a"}, multi: true}},
			wantKeys: []string{"k"},
		},
		{
			name: "many keys, sorted",
			build: func(c *policy.Context) {
				for _, k := range []string{"z", "b:x", "A", "aws:CurrentTime", "s3:prefix", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19", "k20"} {
					c.Set(k, strings.ToUpper(k))
				}
			},
			gets: []get{{key: "a", vals: []string{"A"}}, {key: "K20", vals: []string{"K20"}}, {key: "AWS:currenttime", vals: []string{"AWS:CURRENTTIME"}}, {key: "k21", absent: true}},
			wantKeys: []string{"A", "aws:CurrentTime", "b:x", "k1", "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19", "k2", "k20",
				"k3", "k4", "k5", "k6", "k7", "k8", "k9", "s3:prefix", "z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c policy.Context
			tt.build(&c)
			for _, g := range tt.gets {
				vals, multi, ok := c.Get(g.key)
				if ok == g.absent {
					t.Errorf("Get(%q) ok = %v, want %v", g.key, ok, !g.absent)
				}
				if c.Has(g.key) != !g.absent {
					t.Errorf("Has(%q) = %v, want %v", g.key, c.Has(g.key), !g.absent)
				}
				if g.absent {
					continue
				}
				if !reflect.DeepEqual(vals, g.vals) || multi != g.multi {
					t.Errorf("Get(%q) = %q, multi %v; want %q, multi %v", g.key, vals, multi, g.vals, g.multi)
				}
			}
			if got := c.Keys(); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("Keys() = %q, want %q", got, tt.wantKeys)
			}
		})
	}
}

// TestContextCopiesValues checks that the context does not keep the
// caller's slice.
func TestContextCopiesValues(t *testing.T) {
	vals := []string{"a", "b"}
	var c policy.Context
	c.SetMulti("k", vals...)
	vals[0] = "changed"
	got, _, _ := c.Get("k")
	if got[0] != "a" {
		t.Errorf("SetMulti kept the caller's slice: %q", got)
	}
	c.Add("k", "c")
	c2 := policy.Context{}
	c2.SetMulti("k", got...)
	c2.Add("k", "x")
	if again, _, _ := c.Get("k"); !slices.Equal(again, []string{"a", "b", "c"}) {
		t.Errorf("Add on another context changed this one: %q", again)
	}
}
