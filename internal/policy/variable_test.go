package policy

import (
	"reflect"
	"testing"

	"github.com/podiam/podiam/internal/arn"
)

// mergeTokens joins neighbouring text tokens of one kind, so that tests
// state the meaning of a tokenization rather than where it was cut.
func mergeTokens(in []arn.Token) []arn.Token {
	var out []arn.Token
	for _, t := range in {
		if n := len(out); n > 0 && t.Kind != arn.Hole && out[n-1].Kind == t.Kind {
			out[n-1].Text += t.Text
			continue
		}
		if t.Kind != arn.Hole && t.Text == "" {
			continue
		}
		out = append(out, t)
	}
	return out
}

// varSpec is what a test states about a variable.
type varSpec struct {
	key, def string
	hasDef   bool
}

func varSpecs(vs []variable) []varSpec {
	out := []varSpec{}
	for _, v := range vs {
		out = append(out, varSpec{v.key, v.def, v.hasDef})
	}
	return out
}

func TestTokenize(t *testing.T) {
	w := func(s string) arn.Token { return arn.Token{Kind: arn.Wild, Text: s} }
	l := func(s string) arn.Token { return arn.Token{Kind: arn.Literal, Text: s} }
	h := func(i int) arn.Token { return arn.Token{Kind: arn.Hole, Hole: i} }
	tests := []struct {
		name      string
		in        string
		wild      bool
		vars      bool
		want      []arn.Token
		wantTable []variable
	}{
		{name: "plain", in: "abc*", wild: true, vars: true, want: []arn.Token{w("abc*")}},
		{name: "plain literal", in: "abc*", vars: true, want: []arn.Token{l("abc*")}},
		{name: "username", in: "${aws:username}", wild: true, vars: true, want: []arn.Token{h(0)},
			wantTable: []variable{{key: "aws:username"}}},
		{name: "key lower-cased", in: "${aws:PrincipalTag/Team}", vars: true, want: []arn.Token{h(0)},
			wantTable: []variable{{key: "aws:principaltag/team"}}},
		{name: "in a path", in: "home/${aws:username}/*", wild: true, vars: true, want: []arn.Token{w("home/"), h(0), w("/*")},
			wantTable: []variable{{key: "aws:username"}}},
		{name: "text stays literal without wild", in: "home/${aws:username}/*", vars: true, want: []arn.Token{l("home/"), h(0), l("/*")},
			wantTable: []variable{{key: "aws:username"}}},
		{name: "two variables", in: "${aws:username}-${aws:userid}", vars: true, want: []arn.Token{h(0), l("-"), h(1)},
			wantTable: []variable{{key: "aws:username"}, {key: "aws:userid"}}},
		{name: "default", in: "${aws:PrincipalTag/team, 'none'}", vars: true, want: []arn.Token{h(0)},
			wantTable: []variable{{key: "aws:principaltag/team", def: "none", hasDef: true}}},
		{name: "default without spaces", in: "${k,'v'}", vars: true, want: []arn.Token{h(0)},
			wantTable: []variable{{key: "k", def: "v", hasDef: true}}},
		{name: "default keeps inner spaces and case", in: "${k, 'A b '}", vars: true, want: []arn.Token{h(0)},
			wantTable: []variable{{key: "k", def: "A b ", hasDef: true}}},
		{name: "empty default", in: "${k, ''}", vars: true, want: []arn.Token{h(0)},
			wantTable: []variable{{key: "k", hasDef: true}}},
		{name: "default with comma", in: "${k, 'a,b'}", vars: true, want: []arn.Token{h(0)},
			wantTable: []variable{{key: "k", def: "a,b", hasDef: true}}},
		{name: "default with wildcard is literal", in: "x${k, '*'}*", wild: true, vars: true, want: []arn.Token{w("x"), h(0), w("*")},
			wantTable: []variable{{key: "k", def: "*", hasDef: true}}},
		{name: "unquoted default is not a variable", in: "a${k, none}b", vars: true, want: []arn.Token{l("a${k, none}b")}},
		{name: "double-quoted default is not a variable", in: `${k, "none"}`, vars: true, want: []arn.Token{l(`${k, "none"}`)}},
		{name: "half-quoted default is not a variable", in: "${k, 'none}", vars: true, want: []arn.Token{l("${k, 'none}")}},
		{name: "space in key is not a variable", in: "${aws: username}", vars: true, want: []arn.Token{l("${aws: username}")}},
		{name: "empty is not a variable", in: "${}", wild: true, vars: true, want: []arn.Token{w("${}")}},
		{name: "star", in: "a${*}b*", wild: true, vars: true, want: []arn.Token{w("a"), l("*"), w("b*")}},
		{name: "question mark", in: "${?}", wild: true, vars: true, want: []arn.Token{l("?")}},
		{name: "dollar", in: "${$}{x}", wild: true, vars: true, want: []arn.Token{l("$"), w("{x}")}},
		{name: "escapes next to a variable", in: "${*}${aws:username}${?}", wild: true, vars: true, want: []arn.Token{l("*"), h(0), l("?")},
			wantTable: []variable{{key: "aws:username"}}},
		{name: "unterminated", in: "home/${aws:username", wild: true, vars: true, want: []arn.Token{w("home/${aws:username")}},
		{name: "unterminated after a variable", in: "${a}/${b", wild: true, vars: true, want: []arn.Token{h(0), w("/${b")},
			wantTable: []variable{{key: "a"}}},
		{name: "dollar without brace", in: "$x{y}", wild: true, vars: true, want: []arn.Token{w("$x{y}")}},
		{name: "nested", in: "${a${b}}", vars: true, want: []arn.Token{l("${a"), h(0), l("}")},
			wantTable: []variable{{key: "b"}}},
		{name: "2008 keeps variables as text", in: "home/${aws:username}/*", wild: true, want: []arn.Token{w("home/${aws:username}/*")}},
		{name: "2008 keeps escapes as text", in: "${*}", wild: true, want: []arn.Token{w("${*}")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := []variable{{key: "earlier"}}
			got := mergeTokens(tokenize(tt.in, tt.wild, tt.vars, &table))
			// Hole indexes continue the caller's table.
			want := make([]arn.Token, len(tt.want))
			for i, tok := range tt.want {
				if tok.Kind == arn.Hole {
					tok.Hole++
				}
				want[i] = tok
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("tokenize(%q) = %+v, want %+v", tt.in, got, want)
			}
			if got, want := varSpecs(table[1:]), varSpecs(tt.wantTable); !reflect.DeepEqual(got, want) {
				t.Errorf("table = %+v, want %+v", got, want)
			}
		})
	}
}

func TestFillerDefaults(t *testing.T) {
	var ctx Context
	ctx.Set("aws:username", "alice")
	ctx.SetMulti("aws:TagKeys", "a")
	ctx.SetMulti("k:empty")
	var vars []variable
	for _, in := range []string{
		"aws:username",
		"aws:username, 'x'",
		"aws:PrincipalTag/team",
		"aws:PrincipalTag/team, 'none'",
		"aws:TagKeys",
		"aws:TagKeys, 'd'",
		"k:empty, ''",
	} {
		v, ok := parseVariable(in)
		if !ok {
			t.Fatalf("parseVariable(%q) failed", in)
		}
		vars = append(vars, v)
	}
	f := filler{ctx: &ctx, vars: vars}
	tests := []struct {
		name   string
		i      int
		want   string
		wantOK bool
	}{
		{"present", 0, "alice", true},
		{"present beats default", 1, "alice", true},
		{"absent", 2, "", false},
		{"absent with default", 3, "none", true},
		{"multi-valued does not fill", 4, "", false},
		{"multi-valued takes the default", 5, "d", true},
		{"empty set takes the empty default", 6, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := f.Fill(tt.i)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Fill(%d) = %q, %v; want %q, %v", tt.i, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
