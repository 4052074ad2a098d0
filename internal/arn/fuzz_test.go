package arn_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/podiam/podiam/internal/arn"
)

// FuzzParseARN checks that parsing never panics, that a parsed ARN prints
// back to its input, and that an ARN matches itself as a pattern (both as
// a whole-string glob and segment by segment) and matches "<prefix>*".
func FuzzParseARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:s3:::bucket/key", "arn:aws:iam::111122223333:role/path/r", "arn:aws-cn:sts::111122223333:assumed-role/r/s",
		"arn:aws:logs:us-east-1:111122223333:log-group:a:b:*", "arn:aws", "arn:::::", "", "arn:aws:s3:::", "arn:aws:s3:::b/é",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seg, split := arn.Split(s)
		a, err := arn.Parse(s)
		if err != nil {
			return
		}
		if !split {
			t.Fatalf("Parse(%q) succeeded but Split failed", s)
		}
		if got := a.String(); got != s {
			t.Fatalf("Parse(%q).String() = %q", s, got)
		}
		if a.Resource != seg[5] || a.Account != seg[4] {
			t.Fatalf("Parse and Split disagree on %q", s)
		}
		if strings.ContainsAny(s, "*?") {
			return
		}
		g := arn.ParseGlob(s)
		if m, _ := g.Match(s, false, nil); !m {
			t.Fatalf("glob %q does not match itself", s)
		}
		ag := arn.ParseARNGlob(s)
		if m, _ := ag.Match(s, nil); !m {
			t.Fatalf("ARN glob %q does not match itself", s)
		}
		for _, cut := range []int{len(s) / 2, len(s) - 1} {
			if cut <= 0 {
				continue
			}
			p := s[:cut] + "*"
			pg := arn.ParseGlob(p)
			if m, _ := pg.Match(s, false, nil); !m {
				t.Fatalf("glob %q does not match %q", p, s)
			}
		}
		longer := arn.ParseARNGlob(s + "x")
		if m, _ := longer.Match(s, nil); m {
			t.Fatalf("ARN glob %q matches the shorter %q", s+"x", s)
		}
	})
}

// FuzzGlob checks the glob matcher against a simple recursive reference
// implementation.
func FuzzGlob(f *testing.F) {
	for _, c := range [][2]string{{"a*b*c", "aXbYbZc"}, {"*", ""}, {"?", "é"}, {"a?c", "abc"}, {"*x*", "yyy"}, {"**a", "ba"}} {
		f.Add(c[0], c[1], false)
	}
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return // policies and request values are UTF-8
		}
		g := arn.ParseGlob(pattern)
		got, _ := g.Match(s, fold, nil)
		if want := refMatch([]rune(pattern), []rune(s), fold); got != want {
			t.Fatalf("Match(%q, %q, fold=%v) = %v, want %v", pattern, s, fold, got, want)
		}
	})
}

// refMatch is a dynamic-programming reference matcher over runes.
func refMatch(p, s []rune, fold bool) bool {
	// ok[j] reports whether p[:i] matches s[:j] for the current i.
	ok := make([]bool, len(s)+1)
	ok[0] = true
	for i := range p {
		next := make([]bool, len(s)+1)
		switch p[i] {
		case '*':
			seen := false
			for j := 0; j <= len(s); j++ {
				seen = seen || ok[j]
				next[j] = seen
			}
		default:
			for j := 1; j <= len(s); j++ {
				if !ok[j-1] {
					continue
				}
				c := s[j-1]
				next[j] = p[i] == '?' || p[i] == c || fold && strings.EqualFold(string(p[i]), string(c))
			}
		}
		ok = next
	}
	return ok[len(s)]
}
