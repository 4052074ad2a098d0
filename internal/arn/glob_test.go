package arn_test

import (
	"testing"

	"github.com/podiam/podiam/internal/arn"
)

// holeValues fills hole i with its value in the map; a missing entry is a
// hole without a value.
type holeValues map[int]string

func (h holeValues) Fill(i int) (string, bool) {
	v, ok := h[i]
	return v, ok
}

func wild(s string) arn.Token { return arn.Token{Kind: arn.Wild, Text: s} }
func lit(s string) arn.Token  { return arn.Token{Kind: arn.Literal, Text: s} }
func hole(i int) arn.Token    { return arn.Token{Kind: arn.Hole, Hole: i} }

func TestGlob(t *testing.T) {
	tests := []struct {
		name    string
		pattern []arn.Token
		in      string
		fold    bool
		want    bool
	}{
		// Exact.
		{name: "exact", pattern: []arn.Token{wild("s3:getobject")}, in: "s3:getobject", want: true},
		{name: "exact longer input", pattern: []arn.Token{wild("abc")}, in: "abcd"},
		{name: "exact shorter input", pattern: []arn.Token{wild("abc")}, in: "ab"},
		{name: "exact case differs", pattern: []arn.Token{wild("abc")}, in: "ABC"},
		{name: "exact case folded", pattern: []arn.Token{wild("abc")}, in: "ABC", fold: true, want: true},
		{name: "exact non-ASCII folded", pattern: []arn.Token{wild("über")}, in: "ÜBER", fold: true, want: true},
		{name: "empty pattern empty input", in: "", want: true},
		{name: "empty pattern", in: "a"},
		{name: "empty wild token", pattern: []arn.Token{wild("")}, in: "", want: true},

		// Prefix.
		{name: "prefix", pattern: []arn.Token{wild("s3:get*")}, in: "s3:getobject", want: true},
		{name: "prefix matches itself", pattern: []arn.Token{wild("s3:get*")}, in: "s3:get", want: true},
		{name: "prefix mismatch", pattern: []arn.Token{wild("s3:get*")}, in: "s3:putobject"},
		{name: "prefix shorter input", pattern: []arn.Token{wild("s3:get*")}, in: "s3:ge"},
		{name: "prefix case differs", pattern: []arn.Token{wild("S3:Get*")}, in: "s3:getobject"},
		{name: "prefix case folded", pattern: []arn.Token{wild("S3:Get*")}, in: "s3:getobject", fold: true, want: true},

		// Star.
		{name: "star alone empty", pattern: []arn.Token{wild("*")}, in: "", want: true},
		{name: "star alone anything", pattern: []arn.Token{wild("*")}, in: "a/b:c?*", want: true},
		{name: "star spans slash", pattern: []arn.Token{wild("bucket/*")}, in: "bucket/a/b/c", want: true},
		{name: "star spans colon", pattern: []arn.Token{wild("a*z")}, in: "a:b/c:z", want: true},
		{name: "star in the middle", pattern: []arn.Token{wild("home/*/file")}, in: "home/a/b/file", want: true},
		{name: "star in the middle empty", pattern: []arn.Token{wild("home/*/file")}, in: "home//file", want: true},
		{name: "star in the middle mismatch", pattern: []arn.Token{wild("home/*/file")}, in: "home/a/b/files"},
		{name: "leading star", pattern: []arn.Token{wild("*.txt")}, in: "dir/a.txt", want: true},
		{name: "leading star mismatch", pattern: []arn.Token{wild("*.txt")}, in: "dir/a.txt.gz"},
		{name: "double star", pattern: []arn.Token{wild("a**b")}, in: "ab", want: true},
		{name: "multiple stars", pattern: []arn.Token{wild("*a*b*")}, in: "xxaYYbZZ", want: true},
		{name: "multiple stars wrong order", pattern: []arn.Token{wild("*a*b*")}, in: "xxbYYaZZ"},

		// Question mark.
		{name: "question mark", pattern: []arn.Token{wild("a?c")}, in: "abc", want: true},
		{name: "question mark needs a character", pattern: []arn.Token{wild("a?c")}, in: "ac"},
		{name: "question mark only one", pattern: []arn.Token{wild("a?c")}, in: "abbc"},
		{name: "question mark two-byte character", pattern: []arn.Token{wild("a?c")}, in: "aéc", want: true},
		{name: "question mark three-byte character", pattern: []arn.Token{wild("?")}, in: "日", want: true},
		{name: "question mark four-byte character", pattern: []arn.Token{wild("x?")}, in: "x😀", want: true},
		{name: "two question marks one character", pattern: []arn.Token{wild("a??c")}, in: "aéc"},
		{name: "question marks count characters", pattern: []arn.Token{wild("???")}, in: "日本語", want: true},
		{name: "question mark after star", pattern: []arn.Token{wild("*?")}, in: "x", want: true},
		{name: "question mark after star empty", pattern: []arn.Token{wild("*?")}, in: ""},
		{name: "star then literal after multi-byte", pattern: []arn.Token{wild("*é")}, in: "日é", want: true},
		{name: "star question mark literal", pattern: []arn.Token{wild("*?b")}, in: "日本b", want: true},
		{name: "question mark in prefix", pattern: []arn.Token{wild("s3:?et*")}, in: "s3:getobject", want: true},

		// Backtracking.
		{name: "backtrack a*b*c", pattern: []arn.Token{wild("a*b*c")}, in: "aXbYbZc", want: true},
		{name: "backtrack a*b*c no c", pattern: []arn.Token{wild("a*b*c")}, in: "aXbYbZ"},
		{name: "backtrack a*b*c ends after c", pattern: []arn.Token{wild("a*b*c")}, in: "aXbYcZ"},
		{name: "backtrack repeated prefix", pattern: []arn.Token{wild("*ab")}, in: "aab", want: true},
		{name: "backtrack a*ab", pattern: []arn.Token{wild("a*ab")}, in: "aaab", want: true},
		{name: "backtrack last occurrence", pattern: []arn.Token{wild("*abc")}, in: "abcabcXabc", want: true},
		{name: "backtrack two segments", pattern: []arn.Token{wild("*abc*abc")}, in: "abcabcXabc", want: true},
		{name: "backtrack overlapping", pattern: []arn.Token{wild("*aba")}, in: "ababa", want: true},
		{name: "backtrack question marks", pattern: []arn.Token{wild("*?a?")}, in: "xxaxa"},
		{name: "backtrack question marks match", pattern: []arn.Token{wild("*?a?")}, in: "xxaxax", want: true},
		{name: "backtrack question marks multi-byte", pattern: []arn.Token{wild("*?a?")}, in: "日日a日", want: true},
		{name: "backtrack question marks multi-byte too short", pattern: []arn.Token{wild("*?a?")}, in: "a日"},
		{name: "backtrack question marks found", pattern: []arn.Token{wild("*?a?")}, in: "xxbay", want: true},
		{name: "backtrack folded", pattern: []arn.Token{wild("A*B*C")}, in: "axbybzc", fold: true, want: true},
		{name: "backtrack not folded", pattern: []arn.Token{wild("A*B*C")}, in: "axbybzc"},

		// Literal tokens.
		{name: "literal star", pattern: []arn.Token{lit("a*")}, in: "a*", want: true},
		{name: "literal star is not a wildcard", pattern: []arn.Token{lit("a*")}, in: "ab"},
		{name: "literal question mark", pattern: []arn.Token{lit("?")}, in: "x"},
		{name: "literal question mark itself", pattern: []arn.Token{lit("?")}, in: "?", want: true},
		{name: "literal then wildcard", pattern: []arn.Token{lit("a*"), wild("*")}, in: "a*xyz", want: true},
		{name: "literal then wildcard mismatch", pattern: []arn.Token{lit("a*"), wild("*")}, in: "abc"},
		{name: "wild literal wild", pattern: []arn.Token{wild("x*"), lit("?"), wild("?")}, in: "xyz?!", want: true},
		{name: "wild literal wild mismatch", pattern: []arn.Token{wild("x*"), lit("?"), wild("?")}, in: "xyzq!"},
		{name: "literal folded", pattern: []arn.Token{lit("A*")}, in: "a*", fold: true, want: true},

		// Holes, filled by holeValues{0: "alice", 1: "a*", 2: "Bob"}.
		{name: "hole", pattern: []arn.Token{wild("home/"), hole(0), wild("/*")}, in: "home/alice/x", want: true},
		{name: "hole other value", pattern: []arn.Token{wild("home/"), hole(0), wild("/*")}, in: "home/bob/x"},
		{name: "hole alone", pattern: []arn.Token{hole(0)}, in: "alice", want: true},
		{name: "hole alone longer", pattern: []arn.Token{hole(0)}, in: "alices"},
		{name: "hole value is literal", pattern: []arn.Token{wild("home/"), hole(1), wild("/*")}, in: "home/a*/x", want: true},
		{name: "hole value star not a wildcard", pattern: []arn.Token{wild("home/"), hole(1), wild("/*")}, in: "home/abc/x"},
		{name: "hole case differs", pattern: []arn.Token{hole(2)}, in: "bob"},
		{name: "hole case folded", pattern: []arn.Token{hole(2)}, in: "bob", fold: true, want: true},
		{name: "holes after stars", pattern: []arn.Token{wild("*"), hole(0), wild("*"), hole(2)}, in: "xalicealiceyBob", want: true},
		{name: "holes backtrack", pattern: []arn.Token{wild("*"), hole(0), wild("-"), hole(2)}, in: "alice-alice-Bob", want: true},
		{name: "holes backtrack mismatch", pattern: []arn.Token{wild("*"), hole(0), wild("-"), hole(2)}, in: "alice-Bob-alice"},
		{name: "same hole twice", pattern: []arn.Token{hole(0), wild(":"), hole(0)}, in: "alice:alice", want: true},
		{name: "same hole twice mismatch", pattern: []arn.Token{hole(0), wild(":"), hole(0)}, in: "alice:bob"},
	}
	holes := holeValues{0: "alice", 1: "a*", 2: "Bob"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := arn.NewGlob(tt.pattern...)
			got, resolved := g.Match(tt.in, tt.fold, holes)
			if !resolved {
				t.Fatalf("Match(%q) resolved = false, want true", tt.in)
			}
			if got != tt.want {
				t.Errorf("Match(%q, fold=%v) = %v, want %v", tt.in, tt.fold, got, tt.want)
			}
		})
	}
}

func TestParseGlob(t *testing.T) {
	tests := []struct {
		pattern, in string
		want        bool
	}{
		{"iam:*", "iam:getrole", true},
		{"iam:get?ole", "iam:getrole", true},
		{"*", "", true},
		{"", "", true},
		{"", "x", false},
		{"a*b?c", "a/b/bxc", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.in, func(t *testing.T) {
			g := arn.ParseGlob(tt.pattern)
			want := arn.NewGlob(wild(tt.pattern))
			got, _ := g.Match(tt.in, false, nil)
			same, _ := want.Match(tt.in, false, nil)
			if got != tt.want || same != tt.want {
				t.Errorf("ParseGlob(%q).Match(%q) = %v (NewGlob: %v), want %v", tt.pattern, tt.in, got, same, tt.want)
			}
		})
	}
}

func TestZeroGlob(t *testing.T) {
	var g arn.Glob
	if m, r := g.Match("", false, nil); !m || !r {
		t.Errorf("zero Glob on \"\" = %v, %v; want true, true", m, r)
	}
	if m, _ := g.Match("x", false, nil); m {
		t.Error("zero Glob matched \"x\"")
	}
	if g.HasHoles() {
		t.Error("zero Glob has holes")
	}
}

func TestGlobHoles(t *testing.T) {
	pattern := []arn.Token{wild("home/"), hole(0), wild("/"), hole(1), wild("*")}
	tests := []struct {
		name         string
		holes        arn.Holes
		in           string
		wantMatch    bool
		wantResolved bool
	}{
		{name: "both filled", holes: holeValues{0: "alice", 1: "docs"}, in: "home/alice/docs/a", wantMatch: true, wantResolved: true},
		{name: "both filled mismatch", holes: holeValues{0: "alice", 1: "docs"}, in: "home/alice/pics/a", wantResolved: true},
		{name: "filled with empty", holes: holeValues{0: "", 1: ""}, in: "home//x", wantMatch: true, wantResolved: true},
		{name: "first unfilled", holes: holeValues{1: "docs"}, in: "home/alice/docs/a"},
		{name: "second unfilled", holes: holeValues{0: "alice"}, in: "home/alice/docs/a"},
		{name: "none filled", holes: holeValues{}, in: "home/alice/docs/a"},
		{name: "nil holes", in: "home/alice/docs/a"},
		{name: "unfilled even when the input could never match", holes: holeValues{}, in: "elsewhere"},
	}
	g := arn.NewGlob(pattern...)
	if !g.HasHoles() {
		t.Fatal("HasHoles() = false")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, r := g.Match(tt.in, false, tt.holes)
			if m != tt.wantMatch || r != tt.wantResolved {
				t.Errorf("Match(%q) = %v, %v; want %v, %v", tt.in, m, r, tt.wantMatch, tt.wantResolved)
			}
		})
	}
}

// TestGlobManyHoles goes past the fixed buffer Match keeps for hole values.
func TestGlobManyHoles(t *testing.T) {
	var toks []arn.Token
	h := holeValues{}
	want := ""
	for i := range 20 {
		toks = append(toks, hole(i), wild("?"))
		h[i] = string(rune('a' + i))
		want += string(rune('a'+i)) + "-"
	}
	g := arn.NewGlob(toks...)
	if m, r := g.Match(want, false, h); !m || !r {
		t.Errorf("Match(%q) = %v, %v; want true, true", want, m, r)
	}
	if m, r := g.Match(want[:len(want)-1], false, h); m || !r {
		t.Errorf("Match(%q) = %v, %v; want false, true", want[:len(want)-1], m, r)
	}
}

func TestHasHoles(t *testing.T) {
	tests := []struct {
		name    string
		pattern []arn.Token
		want    bool
	}{
		{name: "none"},
		{name: "wild", pattern: []arn.Token{wild("a*")}},
		{name: "literal", pattern: []arn.Token{lit("${x}")}},
		{name: "hole", pattern: []arn.Token{hole(0)}, want: true},
		{name: "hole among text", pattern: []arn.Token{wild("a*"), hole(3), lit("b")}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := arn.NewGlob(tt.pattern...)
			if got := g.HasHoles(); got != tt.want {
				t.Errorf("HasHoles() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestARNGlob(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		in      string
		want    bool
	}{
		{name: "exact", pattern: "arn:aws:s3:::bucket", in: "arn:aws:s3:::bucket", want: true},
		{name: "exact is case-sensitive", pattern: "arn:aws:s3:::Bucket", in: "arn:aws:s3:::bucket"},
		{name: "service is case-sensitive", pattern: "arn:aws:S3:::bucket", in: "arn:aws:s3:::bucket"},
		{name: "resource star spans slash", pattern: "arn:aws:s3:::bucket/*", in: "arn:aws:s3:::bucket/a/b/c", want: true},
		{name: "resource star spans colon", pattern: "arn:aws:logs:us-east-1:123456789012:log-group:*", in: "arn:aws:logs:us-east-1:123456789012:log-group:/app:log-stream:s1", want: true},
		{name: "resource star everything", pattern: "arn:aws:s3:::*", in: "arn:aws:s3:::b/k:x", want: true},
		{name: "resource star other bucket", pattern: "arn:aws:s3:::bucket/*", in: "arn:aws:s3:::other/a"},
		{name: "resource question mark", pattern: "arn:aws:s3:::b?", in: "arn:aws:s3:::b:", want: true},
		{name: "account star", pattern: "arn:aws:iam::*:role/app", in: "arn:aws:iam::123456789012:role/app", want: true},
		{name: "account star matches empty", pattern: "arn:aws:s3:::*", in: "arn:aws:s3:::x", want: true},
		{name: "account star does not cross colon", pattern: "arn:aws:iam::*:x", in: "arn:aws:iam::1:2:x"},
		{name: "account star does not cross colon (prefix form)", pattern: "arn:aws:iam::1*:x", in: "arn:aws:iam::1:2:x"},
		{name: "region star does not swallow account", pattern: "arn:aws:ec2:*:123456789012:instance/*", in: "arn:aws:ec2:us-east-1:210987654321:instance/i-1"},
		{name: "region and account stars", pattern: "arn:aws:ec2:*:*:instance/*", in: "arn:aws:ec2:us-east-1:123456789012:instance/i-1", want: true},
		{name: "region and account stars empty", pattern: "arn:aws:s3:*:*:b", in: "arn:aws:s3:::b", want: true},
		{name: "partition star", pattern: "arn:*:s3:::b", in: "arn:aws-cn:s3:::b", want: true},
		{name: "partition question marks", pattern: "arn:aws-??:s3:::b", in: "arn:aws-cn:s3:::b", want: true},
		{name: "account question marks", pattern: "arn:aws:iam::????????????:root", in: "arn:aws:iam::123456789012:root", want: true},
		{name: "account question marks too few", pattern: "arn:aws:iam::???????????:root", in: "arn:aws:iam::123456789012:root"},
		{name: "service star", pattern: "arn:aws:*:::b", in: "arn:aws:s3:::b", want: true},
		{name: "whole-string star is not an ARN pattern", pattern: "*", in: "arn:aws:s3:::b"},
		{name: "fewer than six segments", pattern: "arn:*", in: "arn:aws:s3:::b"},
		{name: "five segments", pattern: "arn:aws:s3::*", in: "arn:aws:s3:::b"},
		{name: "not arn prefix", pattern: "xrn:aws:s3:::b", in: "xrn:aws:s3:::b"},
		{name: "prefix wildcard", pattern: "ar*:aws:s3:::b", in: "arn:aws:s3:::b"},
		{name: "value not an ARN", pattern: "arn:aws:s3:::*", in: "s3:::x"},
		{name: "value star", pattern: "arn:aws:s3:::*", in: "*"},
		{name: "value empty", pattern: "arn:aws:s3:::*", in: ""},
		{name: "value with five segments", pattern: "arn:*:*:*:*:*", in: "arn:aws:s3::b"},
		{name: "all stars", pattern: "arn:*:*:*:*:*", in: "arn:x:y:::z", want: true},
		{name: "empty resource pattern", pattern: "arn:aws:s3:::", in: "arn:aws:s3:::", want: true},
		{name: "empty resource pattern nonempty value", pattern: "arn:aws:s3:::", in: "arn:aws:s3:::b"},
		{name: "backtracking in resource", pattern: "arn:aws:s3:::a*b*c", in: "arn:aws:s3:::aXbYbZc", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := arn.ParseARNGlob(tt.pattern)
			got, resolved := g.Match(tt.in, nil)
			if !resolved {
				t.Fatalf("Match(%q) resolved = false", tt.in)
			}
			if got != tt.want {
				t.Errorf("ParseARNGlob(%q).Match(%q) = %v, want %v", tt.pattern, tt.in, got, tt.want)
			}
			seg, ok := arn.Split(tt.in)
			if m, _ := g.MatchSplit(tt.in, &seg, ok, nil); m != got {
				t.Errorf("MatchSplit = %v, Match = %v", m, got)
			}
		})
	}
}

func TestARNGlobValid(t *testing.T) {
	tests := []struct {
		pattern []arn.Token
		want    bool
	}{
		{[]arn.Token{wild("arn:aws:s3:::b")}, true},
		{[]arn.Token{wild("arn:aws:s3:::")}, true},
		{[]arn.Token{wild("arn:*:*:*:*:*")}, true},
		{[]arn.Token{wild("arn:aws:s3::b")}, false},
		{[]arn.Token{wild("*")}, false},
		{[]arn.Token{wild("")}, false},
		{nil, false},
		{[]arn.Token{wild("arn*:aws:s3:::b")}, false},
		{[]arn.Token{wild("ARN:aws:s3:::b")}, false},
		{[]arn.Token{lit("arn:aws:s3:::b")}, true},
		{[]arn.Token{wild("arn:aws:"), lit("s3:::"), wild("b")}, true},
		{[]arn.Token{wild("arn:aws:iam::"), hole(0)}, false},
		{[]arn.Token{wild("arn:aws:iam::"), hole(0), wild(":user/x")}, true},
	}
	for _, tt := range tests {
		g := arn.NewARNGlob(tt.pattern...)
		if got := g.Valid(); got != tt.want {
			t.Errorf("NewARNGlob(%+v).Valid() = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

func TestARNGlobTokens(t *testing.T) {
	tests := []struct {
		name         string
		pattern      []arn.Token
		holes        arn.Holes
		in           string
		wantMatch    bool
		wantResolved bool
	}{
		{name: "literal star", pattern: []arn.Token{lit("arn:aws:s3:::a*b")}, in: "arn:aws:s3:::a*b", wantMatch: true, wantResolved: true},
		{name: "literal star is not a wildcard", pattern: []arn.Token{lit("arn:aws:s3:::a*b")}, in: "arn:aws:s3:::axb", wantResolved: true},
		{name: "literal spanning segments", pattern: []arn.Token{wild("arn:aws:"), lit("s3:::"), wild("*")}, in: "arn:aws:s3:::x/y", wantMatch: true, wantResolved: true},
		{name: "literal account star", pattern: []arn.Token{wild("arn:aws:iam::"), lit("*"), wild(":root")}, in: "arn:aws:iam::123456789012:root", wantResolved: true},
		{name: "literal account star itself", pattern: []arn.Token{wild("arn:aws:iam::"), lit("*"), wild(":root")}, in: "arn:aws:iam::*:root", wantMatch: true, wantResolved: true},
		{name: "holes", pattern: []arn.Token{wild("arn:aws:iam::"), hole(0), wild(":user/"), hole(1)},
			holes: holeValues{0: "123456789012", 1: "alice"}, in: "arn:aws:iam::123456789012:user/alice", wantMatch: true, wantResolved: true},
		{name: "hole mismatch", pattern: []arn.Token{wild("arn:aws:iam::"), hole(0), wild(":user/"), hole(1)},
			holes: holeValues{0: "123456789012", 1: "alice"}, in: "arn:aws:iam::123456789012:user/bob", wantResolved: true},
		{name: "hole value with colon stays in its segment", pattern: []arn.Token{wild("arn:aws:iam::"), hole(0), wild(":*")},
			holes: holeValues{0: "1:2"}, in: "arn:aws:iam::1:2:x", wantResolved: true},
		{name: "hole in resource spans", pattern: []arn.Token{wild("arn:aws:s3:::b/"), hole(0), wild("/*")},
			holes: holeValues{0: "a:b/c"}, in: "arn:aws:s3:::b/a:b/c/d", wantMatch: true, wantResolved: true},
		{name: "hole unfilled", pattern: []arn.Token{wild("arn:aws:s3:::b/"), hole(0), wild("/*")},
			holes: holeValues{}, in: "arn:aws:s3:::b/alice/x"},
		{name: "hole nil holes", pattern: []arn.Token{wild("arn:aws:s3:::b/"), hole(0), wild("/*")},
			in: "arn:aws:s3:::b/alice/x"},
		{name: "hole unfilled in account", pattern: []arn.Token{wild("arn:aws:iam::"), hole(0), wild(":root")},
			holes: holeValues{}, in: "arn:aws:iam::123456789012:root"},
		{name: "non-ARN value never matches even with an unfilled hole", pattern: []arn.Token{wild("arn:aws:s3:::b/"), hole(0)},
			holes: holeValues{}, in: "b/alice", wantResolved: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := arn.NewARNGlob(tt.pattern...)
			m, r := g.Match(tt.in, tt.holes)
			if m != tt.wantMatch || r != tt.wantResolved {
				t.Errorf("Match(%q) = %v, %v; want %v, %v", tt.in, m, r, tt.wantMatch, tt.wantResolved)
			}
		})
	}
}
