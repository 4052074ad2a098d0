package policy

import (
	"strings"

	"github.com/podiam/podiam/internal/arn"
)

// variable is a policy variable such as ${aws:username} or
// ${aws:PrincipalTag/team, 'none'}.
type variable struct {
	key    string // lower case
	hash   uint64 // keyHash(key)
	def    string
	hasDef bool
}

// tokenize splits s into pattern tokens. With wild, '*' and '?' are
// wildcards. With vars (2012-10-17 documents), ${...} becomes a hole whose
// variable is appended to *table, and ${*}, ${?} and ${$} become the
// literal characters.
func tokenize(s string, wild, vars bool, table *[]variable) []arn.Token {
	return tokenizeInto(nil, s, wild, vars, table)
}

// glob compiles s as tokenize reads it.
func glob(s string, wild, vars bool, table *[]variable) arn.Glob {
	if !vars || !strings.Contains(s, "${") {
		kind := arn.Literal
		if wild {
			kind = arn.Wild
		}
		return arn.NewGlob(arn.Token{Kind: kind, Text: s})
	}
	var buf [8]arn.Token
	return arn.NewGlob(tokenizeInto(buf[:0], s, wild, vars, table)...)
}

// arnGlob compiles s as an ARN pattern with wildcards.
func arnGlob(s string, vars bool, table *[]variable) arn.ARNGlob {
	if !vars || !strings.Contains(s, "${") {
		return arn.NewARNGlob(arn.Token{Kind: arn.Wild, Text: s})
	}
	var buf [8]arn.Token
	return arn.NewARNGlob(tokenizeInto(buf[:0], s, true, vars, table)...)
}

func tokenizeInto(out []arn.Token, s string, wild, vars bool, table *[]variable) []arn.Token {
	text := arn.Literal
	if wild {
		text = arn.Wild
	}
	if !vars || !strings.Contains(s, "${") {
		return append(out, arn.Token{Kind: text, Text: s})
	}
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		inner := s[i+2 : i+j]
		var tok arn.Token
		switch inner {
		case "*", "?", "$":
			tok = arn.Token{Kind: arn.Literal, Text: inner}
		default:
			v, ok := parseVariable(inner)
			if !ok {
				// Not a variable: keep the text, and go on after "${".
				out = append(out, arn.Token{Kind: text, Text: s[:i+2]})
				s = s[i+2:]
				continue
			}
			tok = arn.Token{Kind: arn.Hole, Hole: len(*table)}
			*table = append(*table, v)
		}
		if i > 0 {
			out = append(out, arn.Token{Kind: text, Text: s[:i]})
		}
		out = append(out, tok)
		s = s[i+j+1:]
	}
	if s != "" {
		out = append(out, arn.Token{Kind: text, Text: s})
	}
	return out
}

// parseVariable parses the inside of ${...}: a key, optionally followed by
// a comma and a default value in single quotes.
func parseVariable(s string) (variable, bool) {
	key, def, hasDef := strings.Cut(s, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " '${") {
		return variable{}, false
	}
	v := variable{key: strings.ToLower(key)}
	v.hash = keyHash(v.key)
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return variable{}, false
		}
		v.def, v.hasDef = def[1:len(def)-1], true
	}
	return v, true
}

// filler resolves the holes of one rule's patterns against a request.
type filler struct {
	vars []variable
	ctx  *Context
}

func (f *filler) Fill(i int) (string, bool) {
	v := &f.vars[i]
	if cv := f.ctx.lookupHash(v.hash, v.key); cv != nil && !cv.multi && len(cv.vals) == 1 {
		return cv.vals[0], true
	}
	if v.hasDef {
		return v.def, true
	}
	return "", false
}
