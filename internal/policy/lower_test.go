package policy

import (
	"strings"
	"testing"
)

// TestLowerKey: lowerKey is strings.ToLower, kept or not.
func TestLowerKey(t *testing.T) {
	for _, s := range []string{"", "aws:sourceip", "aws:SourceIp", "AWS:PRINCIPALTAG/Team", "s3:GetObject", "aws:PrincipalTag/ÉQUIPE", "ǅ", "\xff"} {
		for range 2 { // computed, then kept
			if got, want := lowerKey(s), strings.ToLower(s); got != want {
				t.Errorf("lowerKey(%q) = %q, want %q", s, got, want)
			}
		}
	}
}

func FuzzLowerKey(f *testing.F) {
	f.Add("aws:SourceIp")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := lowerKey(s), strings.ToLower(s); got != want {
			t.Fatalf("lowerKey(%q) = %q, want %q", s, got, want)
		}
	})
}
