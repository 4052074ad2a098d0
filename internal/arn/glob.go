package arn

import (
	"strings"
	"unicode/utf8"
)

// TokenKind says how a [Token] of a pattern is read.
type TokenKind uint8

const (
	// Wild is pattern text in which '*' matches any run of characters and
	// '?' matches any one character.
	Wild TokenKind = iota
	// Literal is text matched as is, wildcard characters included.
	Literal
	// Hole is filled at match time by [Holes]; its value is matched as
	// literal text.
	Hole
)

// Token is one piece of a pattern given to [NewGlob] or [NewARNGlob].
type Token struct {
	Kind TokenKind
	Text string // Wild and Literal
	Hole int    // Hole: the index passed to Holes.Fill
}

// Holes fills the holes of a pattern at match time. Fill reports false when
// hole i has no value; the pattern then matches nothing.
type Holes interface {
	Fill(i int) (string, bool)
}

type elemKind uint8

const (
	elemLit elemKind = iota
	elemStar
	elemOne
	elemHole
)

type elem struct {
	kind elemKind
	hole int
	lit  string
}

type globShape uint8

const (
	shapeGeneral globShape = iota
	shapeExact             // lit
	shapePrefix            // lit*
	shapeAny               // *
)

// Glob is a compiled wildcard pattern matched against a whole string.
// The zero Glob matches only the empty string.
type Glob struct {
	elems []elem
	shape globShape
	lit   string
	holes int
}

// NewGlob compiles tokens into a Glob.
func NewGlob(tokens ...Token) Glob {
	var g Glob
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			g.elems = append(g.elems, elem{kind: elemLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for _, t := range tokens {
		switch t.Kind {
		case Literal:
			lit.WriteString(t.Text)
		case Hole:
			flush()
			g.elems = append(g.elems, elem{kind: elemHole, hole: t.Hole})
			g.holes++
		case Wild:
			for _, r := range t.Text {
				switch r {
				case '*':
					flush()
					if n := len(g.elems); n == 0 || g.elems[n-1].kind != elemStar {
						g.elems = append(g.elems, elem{kind: elemStar})
					}
				case '?':
					flush()
					g.elems = append(g.elems, elem{kind: elemOne})
				default:
					lit.WriteRune(r)
				}
			}
		}
	}
	flush()
	switch {
	case len(g.elems) == 0:
		g.shape = shapeExact
	case len(g.elems) == 1 && g.elems[0].kind == elemLit:
		g.shape, g.lit = shapeExact, g.elems[0].lit
	case len(g.elems) == 1 && g.elems[0].kind == elemStar:
		g.shape = shapeAny
	case len(g.elems) == 2 && g.elems[0].kind == elemLit && g.elems[1].kind == elemStar:
		g.shape, g.lit = shapePrefix, g.elems[0].lit
	}
	return g
}

// ParseGlob compiles s with '*' and '?' as wildcards.
func ParseGlob(s string) Glob { return NewGlob(Token{Kind: Wild, Text: s}) }

// HasHoles reports whether g needs [Holes] to match.
func (g *Glob) HasHoles() bool { return g.holes > 0 }

// Match reports whether s matches g. With fold, letters compare without
// regard to case. resolved is false when a hole had no value; matched is
// then false too.
func (g *Glob) Match(s string, fold bool, h Holes) (matched, resolved bool) {
	switch g.shape {
	case shapeAny:
		return true, true
	case shapeExact:
		return equal(s, g.lit, fold), true
	case shapePrefix:
		return len(s) >= len(g.lit) && equal(s[:len(g.lit)], g.lit, fold), true
	}
	var buf [8]string
	vals := buf[:0]
	if g.holes > len(buf) {
		vals = make([]string, 0, g.holes)
	}
	for _, e := range g.elems {
		if e.kind == elemHole {
			if h == nil {
				return false, false
			}
			v, ok := h.Fill(e.hole)
			if !ok {
				return false, false
			}
			vals = append(vals, v)
		}
	}
	return g.match(s, fold, vals), true
}

// match runs the classic single-backtrack wildcard algorithm over elements.
// vals holds the values of the holes in element order.
func (g *Glob) match(s string, fold bool, vals []string) bool {
	ei, si := 0, 0
	hi := 0 // index into vals of the next hole at ei
	starE, starS, starH := -1, 0, 0
	for {
		if ei < len(g.elems) {
			e := &g.elems[ei]
			switch e.kind {
			case elemStar:
				starE, starS, starH = ei, si, hi
				ei++
				continue
			case elemOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ei++
					continue
				}
			case elemLit, elemHole:
				lit := e.lit
				if e.kind == elemHole {
					lit = vals[hi]
				}
				if len(s)-si >= len(lit) && equal(s[si:si+len(lit)], lit, fold) {
					si += len(lit)
					ei++
					if e.kind == elemHole {
						hi++
					}
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last star swallow one more character.
		if starE < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		ei, si, hi = starE+1, starS, starH
	}
}

func equal(a, b string, fold bool) bool {
	if fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// ARNGlob is a compiled ARN pattern matched segment by segment: a wildcard
// in partition, service, region or account never crosses a ':'; in the
// resource segment it spans everything.
type ARNGlob struct {
	seg   [6]Glob
	ok    bool
	holes int
}

// NewARNGlob compiles an ARN pattern. Wild and Literal text is split into
// segments at its first five colons. A pattern with fewer than six segments
// matches nothing.
func NewARNGlob(tokens ...Token) ARNGlob {
	var g ARNGlob
	var cur []Token
	n := 0
	for _, t := range tokens {
		if t.Kind == Hole || n == 5 {
			cur = append(cur, t)
			continue
		}
		text := t.Text
		for n < 5 {
			j := strings.IndexByte(text, ':')
			if j < 0 {
				break
			}
			cur = append(cur, Token{Kind: t.Kind, Text: text[:j]})
			g.seg[n] = NewGlob(cur...)
			cur = nil
			n++
			text = text[j+1:]
		}
		if text != "" {
			cur = append(cur, Token{Kind: t.Kind, Text: text})
		}
	}
	if n < 5 {
		return ARNGlob{}
	}
	g.seg[5] = NewGlob(cur...)
	for i := range g.seg {
		g.holes += g.seg[i].holes
	}
	g.ok = g.seg[0].shape == shapeExact && g.seg[0].lit == "arn"
	return g
}

// ParseARNGlob compiles s as an ARN pattern with '*' and '?' wildcards.
func ParseARNGlob(s string) ARNGlob { return NewARNGlob(Token{Kind: Wild, Text: s}) }

// Valid reports whether the pattern had the six segments of an ARN.
func (g *ARNGlob) Valid() bool { return g.ok }

// Match reports whether the ARN s matches g; resolved is false when a hole
// had no value. A value that is not an ARN never matches.
func (g *ARNGlob) Match(s string, h Holes) (matched, resolved bool) {
	seg, ok := Split(s)
	return g.MatchSplit(seg, ok, h)
}

// MatchSplit is Match on a value already cut by [Split]; isARN is Split's
// second result.
func (g *ARNGlob) MatchSplit(seg [6]string, isARN bool, h Holes) (matched, resolved bool) {
	if !g.ok || !isARN {
		return false, true
	}
	for i := range g.seg {
		m, r := g.seg[i].Match(seg[i], false, h)
		if !r {
			return false, false
		}
		if !m {
			return false, true
		}
	}
	return true, true
}
