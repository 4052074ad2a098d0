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
	hole int // the index given to Holes.Fill
	ord  int // the position of this hole among the pattern's holes
	lit  string
}

// group is a run of elements between stars.
type group struct {
	elems []elem
	plain bool // a single literal element
}

type globShape uint8

const (
	shapeExact globShape = iota // lit; the zero Glob matches only ""
	shapeGeneral
	shapePrefix // lit*
	shapeAny    // *
)

// Glob is a compiled wildcard pattern matched against a whole string.
// The zero Glob matches only the empty string.
type Glob struct {
	groups []group
	lead   bool // starts with '*'
	trail  bool // ends with '*'
	shape  globShape
	lit    string
	holes  int
}

// NewGlob compiles tokens into a Glob.
func NewGlob(tokens ...Token) Glob {
	if len(tokens) == 1 && tokens[0].Kind != Hole {
		if g, ok := simpleGlob(tokens[0]); ok {
			return g
		}
	}
	var g Glob
	elems := make([]elem, 0, 2*len(tokens)+2)
	// Adjacent text is merged; a builder is made only when two pieces
	// must be joined (a literal escape next to text).
	var text string
	var join *strings.Builder
	addText := func(t string) {
		switch {
		case t == "":
		case text == "" && join == nil:
			text = t
		default:
			if join == nil {
				join = &strings.Builder{}
				join.WriteString(text)
			}
			join.WriteString(t)
		}
	}
	flush := func() {
		if join != nil {
			text = join.String()
			join = nil
		}
		if text != "" {
			elems = append(elems, elem{kind: elemLit, lit: text})
			text = ""
		}
	}
	for _, t := range tokens {
		switch t.Kind {
		case Literal:
			addText(t.Text)
		case Hole:
			flush()
			elems = append(elems, elem{kind: elemHole, hole: t.Hole, ord: g.holes})
			g.holes++
		case Wild:
			rest := t.Text
			for {
				j := strings.IndexAny(rest, "*?")
				if j < 0 {
					addText(rest)
					break
				}
				addText(rest[:j])
				flush()
				if rest[j] == '?' {
					elems = append(elems, elem{kind: elemOne})
				} else if n := len(elems); n == 0 || elems[n-1].kind != elemStar {
					elems = append(elems, elem{kind: elemStar})
				}
				rest = rest[j+1:]
			}
		}
	}
	flush()
	// Groups share the element array.
	stars := 0
	for _, e := range elems {
		if e.kind == elemStar {
			stars++
		}
	}
	g.groups = make([]group, 0, stars+1)
	start := 0
	for k, e := range elems {
		if e.kind == elemStar {
			if k > start {
				g.groups = append(g.groups, group{elems: elems[start:k:k]})
			}
			start = k + 1
		}
	}
	if start < len(elems) {
		g.groups = append(g.groups, group{elems: elems[start:]})
	}
	for i := range g.groups {
		gr := &g.groups[i]
		gr.plain = len(gr.elems) == 1 && gr.elems[0].kind == elemLit
	}
	if n := len(elems); n > 0 {
		g.lead, g.trail = elems[0].kind == elemStar, elems[n-1].kind == elemStar
	}
	g.shape = shapeGeneral
	switch {
	case len(elems) == 0:
		g.shape = shapeExact
	case len(elems) == 1 && elems[0].kind == elemLit:
		g.shape, g.lit = shapeExact, elems[0].lit
	case len(elems) == 1 && elems[0].kind == elemStar:
		g.shape = shapeAny
	case len(elems) == 2 && elems[0].kind == elemLit && elems[1].kind == elemStar:
		g.shape, g.lit = shapePrefix, elems[0].lit
	}
	return g
}

// simpleGlob compiles the common one-token patterns without building
// elements: plain text, text followed by one '*', and '*' alone.
func simpleGlob(t Token) (Glob, bool) {
	text := t.Text
	if t.Kind == Literal {
		return Glob{shape: shapeExact, lit: text}, true
	}
	i := strings.IndexAny(text, "*?")
	switch {
	case i < 0:
		return Glob{shape: shapeExact, lit: text}, true
	case text == "*":
		return Glob{shape: shapeAny}, true
	case i == len(text)-1 && text[i] == '*':
		return Glob{shape: shapePrefix, lit: text[:i]}, true
	}
	return Glob{}, false
}

// ParseGlob compiles s with '*' and '?' as wildcards.
func ParseGlob(s string) Glob { return NewGlob(Token{Kind: Wild, Text: s}) }

// Literal returns the text g matches when it matches exactly one string.
func (g *Glob) Literal() (string, bool) {
	return g.lit, g.shape == shapeExact
}

// HasHoles reports whether g needs [Holes] to match.
func (g *Glob) HasHoles() bool { return g.holes > 0 }

// Match reports whether s matches g. With fold, letters compare without
// regard to case. resolved is false when a hole had no value; matched is
// then false too.
func (g *Glob) Match(s string, fold bool, h Holes) (matched, resolved bool) {
	if g.shape == shapeExact && !fold {
		return s == g.lit, true // small enough to inline: the common case
	}
	return g.matchSlow(s, fold, h)
}

func (g *Glob) matchSlow(s string, fold bool, h Holes) (matched, resolved bool) {
	switch g.shape {
	case shapeAny:
		return true, true
	case shapeExact:
		return equal(s, g.lit, fold), true
	case shapePrefix:
		if fold {
			_, ok := foldPrefix(s, g.lit)
			return ok, true
		}
		return len(s) >= len(g.lit) && s[:len(g.lit)] == g.lit, true
	}
	if g.holes == 0 {
		return g.match(s, fold, nil), true
	}
	return g.matchHoles(s, fold, h)
}

func (g *Glob) matchHoles(s string, fold bool, h Holes) (matched, resolved bool) {
	var buf [8]string
	vals := buf[:0]
	if g.holes > len(buf) {
		vals = make([]string, 0, g.holes)
	}
	for _, gr := range g.groups {
		for _, e := range gr.elems {
			if e.kind != elemHole {
				continue
			}
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

// match matches s against the star-separated groups of g: the first
// group is anchored at the start and the last at the end (unless the
// pattern starts or ends with '*'), and each middle group is taken at its
// leftmost place, which is always safe between two stars. vals holds the
// values of the holes in element order.
func (g *Glob) match(s string, fold bool, vals []string) bool {
	return matchGroups(s, g.groups, g.lead, g.trail, fold, vals)
}

// matchGroups matches s against groups separated by stars; lead and trail
// say whether a star comes before the first and after the last.
func matchGroups(s string, gs []group, lead, trail, fold bool, vals []string) bool {
	if !lead {
		end, ok := matchAt(s, 0, &gs[0], fold, vals)
		if !ok {
			return false
		}
		if len(gs) == 1 && !trail {
			return end == len(s)
		}
		s, gs = s[end:], gs[1:]
	}
	if !trail && len(gs) > 0 {
		last := &gs[len(gs)-1]
		gs = gs[:len(gs)-1]
		start, ok := matchEnd(s, last, fold, vals)
		if !ok {
			return false
		}
		s = s[:start]
	}
	for i := range gs {
		end, ok := find(s, &gs[i], fold, vals)
		if !ok {
			return false
		}
		s = s[end:]
	}
	return true
}

// matchAt matches group gr at s[i:] and returns where it ends.
func matchAt(s string, i int, gr *group, fold bool, vals []string) (int, bool) {
	for k := range gr.elems {
		e := &gr.elems[k]
		switch e.kind {
		case elemOne:
			if i >= len(s) {
				return 0, false
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		default:
			lit := e.lit
			if e.kind == elemHole {
				lit = vals[e.ord]
			}
			if fold {
				n, ok := foldPrefix(s[i:], lit)
				if !ok {
					return 0, false
				}
				i += n
				continue
			}
			if len(s)-i < len(lit) || s[i:i+len(lit)] != lit {
				return 0, false
			}
			i += len(lit)
		}
	}
	return i, true
}

// find returns the end of the leftmost match of gr in s.
func find(s string, gr *group, fold bool, vals []string) (int, bool) {
	if gr.plain && !fold {
		lit := gr.elems[0].lit
		if len(lit) == 1 {
			j := strings.IndexByte(s, lit[0])
			if j < 0 {
				return 0, false
			}
			return j + 1, true
		}
		j := strings.Index(s, lit)
		if j < 0 {
			return 0, false
		}
		return j + len(gr.elems[0].lit), true
	}
	for i := 0; ; {
		if end, ok := matchAt(s, i, gr, fold, vals); ok {
			return end, true
		}
		if i >= len(s) {
			return 0, false
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
}

// matchEnd returns the latest start at which gr matches up to the end of
// s; the latest leaves the most room for the groups before it.
func matchEnd(s string, gr *group, fold bool, vals []string) (int, bool) {
	if gr.plain && !fold {
		lit := gr.elems[0].lit
		if len(lit) > len(s) || s[len(s)-len(lit):] != lit {
			return 0, false
		}
		return len(s) - len(lit), true
	}
	best, found := 0, false
	for i := 0; ; {
		if end, ok := matchAt(s, i, gr, fold, vals); ok && end == len(s) {
			best, found = i, true
		}
		if i >= len(s) {
			return best, found
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
}

// foldPrefix reports whether s starts with lit under Unicode simple case
// folding, and how many bytes of s that prefix takes (a folded character
// may be longer or shorter than its partner: 'ſ' and 's').
func foldPrefix(s, lit string) (int, bool) {
	i := 0
	for _, r := range lit {
		if i >= len(s) {
			return 0, false
		}
		c, n := utf8.DecodeRuneInString(s[i:])
		if c != r && !strings.EqualFold(s[i:i+n], string(r)) {
			return 0, false
		}
		i += n
	}
	return i, true
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
	// head holds the first five segments unless they are plain text
	// (then prefix has them); last is the resource segment.
	head  *[5]Glob
	last  Glob
	ok    bool
	holes int
	// prefix is "arn:p:s:r:a:" when the first five segments are plain
	// text, so that they are checked with one comparison.
	prefix string
	// whole is the entire pattern when it is plain text (exact) or plain
	// text followed by one '*' (prefix), matched with one comparison.
	whole string
	shape globShape
}

// NewARNGlob compiles an ARN pattern. Wild and Literal text is split into
// segments at its first five colons. A pattern with fewer than six segments
// matches nothing.
func NewARNGlob(tokens ...Token) ARNGlob {
	var g ARNGlob
	// The common case: the first token holds the five leading segments as
	// plain text ("arn:aws:s3:::"), so they are kept as one prefix and
	// only the resource segment is compiled.
	if len(tokens) > 0 && tokens[0].Kind == Wild {
		text := tokens[0].Text
		end, colons := 0, 0
		for end < len(text) && colons < 5 {
			if text[end] == ':' {
				colons++
			}
			end++
		}
		if colons == 5 && !strings.ContainsAny(text[:end], "*?") && strings.HasPrefix(text, "arn:") {
			g.ok = true
			g.prefix = text[:end]
			var buf [8]Token
			rest := append(append(buf[:0], Token{Kind: Wild, Text: text[end:]}), tokens[1:]...)
			g.last = NewGlob(rest...)
			g.holes = g.last.holes
			g.finishPrefixed(text)
			return g
		}
	}
	// Otherwise the segments are compiled one by one.
	var segs [6]Glob
	var buf [8]Token
	cur := buf[:0]
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
			segs[n] = NewGlob(cur...)
			cur = buf[:0]
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
	segs[5] = NewGlob(cur...)
	g.finish(&segs)
	return g
}

// finish stores the segments of a pattern compiled segment by segment and
// derives the fast-path fields.
func (g *ARNGlob) finish(seg *[6]Glob) {
	for i := range seg {
		g.holes += seg[i].holes
	}
	g.last = seg[5]
	g.ok = seg[0].shape == shapeExact && seg[0].lit == "arn"
	fixed := true
	for i := range 5 {
		fixed = fixed && seg[i].shape == shapeExact && !strings.Contains(seg[i].lit, ":")
	}
	if fixed {
		// Plain text after all, spread over several tokens.
		g.prefix = seg[0].lit + ":" + seg[1].lit + ":" + seg[2].lit + ":" + seg[3].lit + ":" + seg[4].lit + ":"
		g.finishPrefixed("")
	} else {
		g.head = &[5]Glob{seg[0], seg[1], seg[2], seg[3], seg[4]}
	}
}

// finishPrefixed sets the whole-pattern fast path of a pattern whose
// first five segments are the plain prefix; text is its leading text.
func (g *ARNGlob) finishPrefixed(text string) {
	g.shape = shapeGeneral
	cut := func(a, b string) string {
		if len(text) >= len(a)+len(b) && text[:len(a)] == a && text[len(a):len(a)+len(b)] == b {
			return text[:len(a)+len(b)]
		}
		return a + b
	}
	r := &g.last
	switch {
	case r.shape == shapeExact || r.shape == shapePrefix:
		g.whole, g.shape = cut(g.prefix, r.lit), r.shape
	case r.shape == shapeGeneral && r.holes == 0 && !r.lead && r.groups[0].plain:
		// A plain head: compare it with the prefix in one go, then match
		// the groups after it.
		g.whole, g.shape = cut(g.prefix, r.groups[0].elems[0].lit), shapeGeneral
	}
}

// ParseARNGlob compiles s as an ARN pattern with '*' and '?' wildcards.
func ParseARNGlob(s string) ARNGlob { return NewARNGlob(Token{Kind: Wild, Text: s}) }

// Valid reports whether the pattern had the six segments of an ARN.
func (g *ARNGlob) Valid() bool { return g.ok }

// Match reports whether the ARN s matches g; resolved is false when a hole
// had no value. A value that is not an ARN never matches.
func (g *ARNGlob) Match(s string, h Holes) (matched, resolved bool) {
	if g.prefix != "" {
		return g.matchPrefixed(s, h)
	}
	seg, ok := Split(s)
	return g.MatchSplit(s, &seg, ok, h)
}

// MatchSplit is Match on a value already cut by [Split]; isARN is Split's
// second result.
func (g *ARNGlob) MatchSplit(s string, seg *[6]string, isARN bool, h Holes) (matched, resolved bool) {
	if !g.ok || !isARN {
		return false, true
	}
	if g.prefix != "" {
		return g.matchPrefixed(s, h)
	}
	for i := range 6 {
		p := &g.last
		if i < 5 {
			p = &g.head[i]
		}
		m, r := p.Match(seg[i], false, h)
		if !r {
			return false, false
		}
		if !m {
			return false, true
		}
	}
	return true, true
}

func (g *ARNGlob) matchPrefixed(s string, h Holes) (matched, resolved bool) {
	switch g.shape {
	case shapeExact:
		return g.ok && s == g.whole, true
	case shapePrefix:
		return g.ok && len(s) >= len(g.whole) && s[:len(g.whole)] == g.whole, true
	}
	if g.whole != "" {
		if !g.ok || len(s) < len(g.whole) || s[:len(g.whole)] != g.whole {
			return false, true
		}
		r := &g.last
		return matchGroups(s[len(g.whole):], r.groups[1:], true, r.trail, false, nil), true
	}
	if !g.ok || len(s) < len(g.prefix) || s[:len(g.prefix)] != g.prefix {
		return false, true
	}
	return g.last.Match(s[len(g.prefix):], false, h)
}
