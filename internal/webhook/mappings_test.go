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
	if ops, _, id := Plan(p, annotated, m, c); ops == nil || id.RoleARN != role {
		t.Fatalf("annotated: %v %+v", ops, id)
	}
	if ops, _, id := Plan(p, plain, m, c); ops == nil || id.RoleARN != "arn:aws:iam::111122223333:role/mapped" {
		t.Fatalf("mapped: %v %+v", ops, id)
	}
	if ops, why, id := Plan(p, nil, nil, c); ops != nil || id != nil || !strings.Contains(why, "could not be read") {
		t.Fatalf("unreadable: %v %q %+v", ops, why, id)
	}
	if _, why, id := Plan(p, plain, nil, c); id != nil || !strings.Contains(why, "no eks.amazonaws.com/role-arn") {
		t.Fatalf("no role: %q", why)
	}
	p.Labels = map[string]string{SkipLabel: ""}
	if _, why, id := Plan(p, annotated, m, c); id != nil || !strings.Contains(why, SkipLabel) {
		t.Fatalf("skipped: %q", why)
	}
}
