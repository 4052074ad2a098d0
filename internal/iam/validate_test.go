package iam_test

import (
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
)

// code is the kind of err: 0 for nil, and Failure for an error of no
// kind.
func code(err error) fault.Kind {
	if err == nil {
		return 0
	}
	if k := fault.KindOf(err); k != 0 {
		return k
	}
	return fault.Failure
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name, in string
		want     fault.Kind
	}{
		{"simple", "app-role_1.x@y=z+w,v", 0},
		{"empty", "", fault.Validation},
		{"max length", strings.Repeat("a", 64), 0},
		{"too long", strings.Repeat("a", 65), fault.Validation},
		{"space", "my role", fault.Validation},
		{"slash", "a/b", fault.Validation},
		{"unicode", "rôle", fault.Validation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := iam.ValidateName(tt.in, "roleName", iam.MaxRoleNameLen)
			if got := code(err); got != tt.want {
				t.Fatalf("ValidateName(%q) = %v, want kind %v", tt.in, err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "at 'roleName' failed to satisfy constraint") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestValidatePath(t *testing.T) {
	for in, ok := range map[string]bool{
		"": true, "/": true, "/division_abc/subdivision_xyz/": true, "/a b/": false, "a/": false, "/a": false,
		"/" + strings.Repeat("a", 510) + "/": true, "/" + strings.Repeat("a", 511) + "/": false, "/é/": false,
	} {
		if err := iam.ValidatePath(in); (err == nil) != ok {
			t.Errorf("ValidatePath(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}

func TestValidateMaxSessionDuration(t *testing.T) {
	for in, ok := range map[int]bool{3599: false, 3600: true, 43200: true, 43201: false, 0: false} {
		if err := iam.ValidateMaxSessionDuration(in); (err == nil) != ok {
			t.Errorf("ValidateMaxSessionDuration(%d) = %v, want ok=%v", in, err, ok)
		}
	}
}

func TestValidateTags(t *testing.T) {
	many := make([]iam.Tag, 51)
	for i := range many {
		many[i] = iam.Tag{Key: "k" + strings.Repeat("x", i)}
	}
	tests := []struct {
		name string
		tags []iam.Tag
		want fault.Kind
	}{
		{"good", []iam.Tag{{"team", "blue"}, {"Cost Center", "42"}, {"a:b/c=d+e-f@g_h", ""}, {"équipe", "bleu"}}, 0},
		{"empty key", []iam.Tag{{"", "v"}}, fault.Validation},
		{"long key", []iam.Tag{{strings.Repeat("k", 129), ""}}, fault.Validation},
		{"long value", []iam.Tag{{"k", strings.Repeat("v", 257)}}, fault.Validation},
		{"bad character", []iam.Tag{{"k*", "v"}}, fault.Validation},
		{"reserved prefix", []iam.Tag{{"AWS:team", "v"}}, fault.InvalidInput},
		{"duplicate key in another case", []iam.Tag{{"Team", "a"}, {"team", "b"}}, fault.InvalidInput},
		{"too many", many, fault.LimitExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(iam.ValidateTags(tt.tags)); got != tt.want {
				t.Fatalf("kind %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNormalizeOIDCURL(t *testing.T) {
	tests := []struct {
		in, want string
		code     fault.Kind
	}{
		{"https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", 0},
		{"https://kubernetes.default.svc", "kubernetes.default.svc", 0},
		{"https://issuer.example.com/", "issuer.example.com/", 0},
		{"http://issuer.example.com", "", fault.InvalidInput},
		{"issuer.example.com", "", fault.InvalidInput},
		{"https://issuer.example.com:8443", "", fault.InvalidInput},
		{"https://issuer.example.com/?a=b", "", fault.InvalidInput},
		{"https://issuer.example.com/#x", "", fault.InvalidInput},
		{"https://user@issuer.example.com", "", fault.InvalidInput},
		{"https://" + strings.Repeat("a", 250) + ".com", "", fault.Validation},
	}
	for _, tt := range tests {
		got, err := iam.NormalizeOIDCURL(tt.in)
		if code(err) != tt.code || got != tt.want {
			t.Errorf("NormalizeOIDCURL(%q) = %q, %v; want %q, kind %v", tt.in, got, err, tt.want, tt.code)
		}
	}
}

func TestValidateThumbprintsAndClientIDs(t *testing.T) {
	tp := "9E99A48A9960B14926BB7F3B02E22DA2B0AB7280"
	got, err := iam.ValidateThumbprints([]string{tp})
	if err != nil || got[0] != strings.ToLower(tp) {
		t.Fatalf("ValidateThumbprints = %v, %v", got, err)
	}
	for name, tps := range map[string][]string{"short": {tp[:39]}, "not hex": {strings.Repeat("g", 40)}} {
		if _, err := iam.ValidateThumbprints(tps); code(err) != fault.Validation {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := iam.ValidateThumbprints([]string{tp, tp, tp, tp, tp, tp}); code(err) != fault.LimitExceeded {
		t.Errorf("six thumbprints: %v", err)
	}
	if err := iam.ValidateClientIDs([]string{"sts.amazonaws.com", "my-app"}); err != nil {
		t.Errorf("good client ids: %v", err)
	}
	if err := iam.ValidateClientIDs([]string{"a", "a"}); code(err) != fault.InvalidInput {
		t.Errorf("repeated client id: %v", err)
	}
	if err := iam.ValidateClientIDs([]string{""}); code(err) != fault.Validation {
		t.Errorf("empty client id: %v", err)
	}
}
