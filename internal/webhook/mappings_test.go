package webhook

import (
	"strings"
	"testing"
)

func TestMappings(t *testing.T) {
	c := Config{}.WithDefaults()
	m, err := ParseMappings(`{"demo/app": {"RoleARN": "arn:aws:iam::111122223333:role/a", "UseRegionalSTS": true, "TokenExpiration": 3600},
		"*/builder": {"RoleARN": "arn:aws:iam::111122223333:role/b", "Audience": "custom"}}`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ns, name string
		want     Identity
		ok       bool
	}{
		{"demo", "app", Identity{RoleARN: "arn:aws:iam::111122223333:role/a", Audience: DefaultAudience, RegionalSTS: true, Expiration: 3600}, true},
		{"other", "app", Identity{}, false},
		{"any", "builder", Identity{RoleARN: "arn:aws:iam::111122223333:role/b", Audience: "custom", Expiration: DefaultExpiration}, true},
	}
	for _, tt := range tests {
		got, ok := m.Lookup(tt.ns, tt.name, c)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Lookup(%s/%s) = %+v, %v; want %+v, %v", tt.ns, tt.name, got, ok, tt.want, tt.ok)
		}
	}
	for _, bad := range []string{`[]`, `{"noslash": {"RoleARN": "x"}}`, `{"a/": {"RoleARN": "x"}}`, `{"a/b": {}}`, `{`} {
		if _, err := ParseMappings(bad); err == nil {
			t.Errorf("ParseMappings(%s) accepted", bad)
		}
	}
}

// FuzzParseMappings: whatever the ConfigMap holds, parsing does not
// panic, and every accepted entry looks up to its own role.
func FuzzParseMappings(f *testing.F) {
	f.Add(`{"demo/app": {"RoleARN": "arn:aws:iam::111122223333:role/a", "TokenExpiration": 3600}}`)
	f.Add(`{"*/x": {"RoleARN": "r", "UseRegionalSTS": true}}`)
	f.Fuzz(func(t *testing.T, data string) {
		m, err := ParseMappings(data)
		if err != nil {
			return
		}
		c := Config{}.WithDefaults()
		for k, e := range m {
			ns, name, _ := strings.Cut(k, "/")
			id, ok := m.Lookup(ns, name, c)
			if !ok || id.RoleARN != e.RoleARN {
				t.Fatalf("entry %q looks up to %+v, %v", k, id, ok)
			}
		}
	})
}

// TestPlan: the skip label first, then the annotation, then the
// mappings; each "no" says why.
func TestPlan(t *testing.T) {
	c := Config{}.WithDefaults()
	m, _ := ParseMappings(`{"demo/app": {"RoleARN": "arn:aws:iam::111122223333:role/mapped"}}`)
	p := pod(ctr("app"))
	annotated := sa(map[string]string{"eks.amazonaws.com/role-arn": role})
	plain := sa(nil)
	if d := Plan(p, annotated, m, c); d.Ops == nil || d.Identity.RoleARN != role || d.Warning != "" {
		t.Fatalf("annotated: %+v", d)
	}
	if d := Plan(p, plain, m, c); d.Ops == nil || d.Identity.RoleARN != "arn:aws:iam::111122223333:role/mapped" {
		t.Fatalf("mapped: %+v", d)
	}
	if d := Plan(p, nil, nil, c); d.Ops != nil || d.Identity != nil || !strings.Contains(d.Reason, "could not be read") {
		t.Fatalf("unreadable: %+v", d)
	}
	if d := Plan(p, plain, nil, c); d.Identity != nil || !strings.Contains(d.Reason, "no eks.amazonaws.com/role-arn") {
		t.Fatalf("no role: %+v", d)
	}
	p.Labels = map[string]string{SkipLabel: ""}
	if d := Plan(p, annotated, m, c); d.Identity != nil || !strings.Contains(d.Reason, SkipLabel) {
		t.Fatalf("skipped: %+v", d)
	}
}
