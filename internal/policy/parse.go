package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/fault"
)

// Options changes how a document is parsed.
type Options struct {
	// MaxSize overrides Kind.MaxSize: the largest document accepted, in
	// characters counted without whitespace. Negative means no limit.
	MaxSize int
}

// ParseDocument parses and validates data as a document of kind k.
// Every error is a *fault.Error: Malformed (of a Policy), or over the
// kind's size (see Kind.MaxSize) the kind the service answers with.
func ParseDocument(data []byte, k Kind, opt Options) (*Document, error) {
	if err := checkText(data, k, opt); err != nil {
		return nil, err
	}
	doc := string(data)
	p := parser{kind: k, r: jsonReader{s: doc}}
	// Size the chunks from the document: about one value per 24 bytes.
	p.vals.size = len(doc)/24 + 8
	p.strs.size = len(doc)/64 + 4
	d, err := p.document()
	if err != nil {
		var je *jsonError
		if errors.As(err, &je) {
			return nil, errorf("Syntax errors in policy: %s", je.Error())
		}
		return nil, err
	}
	return d, nil
}

// checkText applies the character-set and size rules to the raw text.
func checkText(data []byte, k Kind, opt Options) error {
	n := 0
	for i := 0; i < len(data); {
		if c := data[i]; c < utf8.RuneSelf {
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			case c < 0x20:
				return errorf("The policy contains the character %U at byte %d; policies may hold only tab, line feed, carriage return and U+0020 through U+00FF", rune(c), i)
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return errorf("Syntax errors in policy: invalid UTF-8 at byte %d", i)
		}
		if !allowedRune(r) {
			return errorf("The policy contains the character %U at byte %d; policies may hold only tab, line feed, carriage return and U+0020 through U+00FF", r, i)
		}
		n++
		i += size
	}
	max := opt.MaxSize
	if max == 0 {
		max = k.MaxSize()
	}
	if max > 0 && n > max {
		return k.sizeError(n, max)
	}
	return nil
}

func allowedRune(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF)
}

// loc names a place in a document for error messages, such as
// Statement[1].Condition.StringEquals.aws:SourceIp. It is built without
// allocating and formatted only when an error is reported.
type loc struct {
	stmt  int // statement index; -1 outside the statements
	parts [4]string
	n     int
}

func topLoc(field string) loc { return loc{stmt: -1, parts: [4]string{field}, n: 1} }

func (l loc) with(part string) loc {
	if l.n < len(l.parts) {
		l.parts[l.n] = part
		l.n++
	}
	return l
}

func (l loc) String() string {
	var b strings.Builder
	if l.stmt >= 0 {
		b.WriteString("Statement[")
		b.WriteString(strconv.Itoa(l.stmt))
		b.WriteByte(']')
	}
	for _, part := range l.parts[:l.n] {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

type parser struct {
	kind Kind
	r    jsonReader
	// Values of string lists collect in tmp and are then kept in vals,
	// a chunk shared by all lists; structs of Strings come from strs.
	tmp  []string
	vals arena[string]
	strs arena[Strings]
}

// arena hands out slices of shared chunks, so that the many small lists
// of a document cost a few allocations. A full chunk is left to the
// slices already taken from it.
type arena[T any] struct {
	buf  []T
	size int
}

// keep copies items into the arena and returns the copy.
func (a *arena[T]) keep(items ...T) []T {
	if len(a.buf)+len(items) > cap(a.buf) {
		a.buf = make([]T, 0, max(len(items), a.size, 16))
	}
	start := len(a.buf)
	a.buf = append(a.buf, items...)
	return a.buf[start:len(a.buf):len(a.buf)]
}

var topFields = []string{"Version", "Id", "Statement"}

var statementFields = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

var principalTypes = []string{"AWS", "CanonicalUser", "Federated", "Service"}

// unknownField reports a field that is not among allowed.
func unknownField(key string, allowed []string, where loc) error {
	for _, a := range allowed {
		if strings.EqualFold(a, key) {
			return errorf("Syntax errors in policy: unknown field %q in %s (field names are case-sensitive: did you mean %q?)", key, where, a)
		}
	}
	return errorf("Syntax errors in policy: unknown field %q in %s; allowed fields are %s", key, where, strings.Join(allowed, ", "))
}

// expect checks that the next value is of kind want.
func (p *parser) expect(want jsonKind, where loc, what string) error {
	got, err := p.r.peek()
	if err != nil {
		return err
	}
	if got != want {
		return errorf("Syntax errors in policy: %s must be %s, not %s", where, what, got)
	}
	return nil
}

func (p *parser) document() (*Document, error) {
	k := p.kind
	if kind, err := p.r.peek(); err != nil {
		return nil, err
	} else if kind != jsonObject {
		return nil, errorf("Syntax errors in policy: the policy must be a JSON object, not %s", kind)
	}
	d := &Document{Statements: make([]Statement, 0, strings.Count(p.r.s, `"Effect"`))}
	hasStatement := false
	err := p.r.object(func(key string) error {
		switch key {
		case "Version":
			v, err := p.str(topLoc("Version"))
			if err != nil {
				return err
			}
			if v != Version2012 && v != Version2008 {
				return errorf("The policy must contain a valid version string: %q is neither %q nor %q", v, Version2012, Version2008)
			}
			d.Version = v
		case "Id":
			v, err := p.str(topLoc("Id"))
			if err != nil {
				return err
			}
			d.ID = v
		case "Statement":
			hasStatement = true
			kind, err := p.r.peek()
			if err != nil {
				return err
			}
			switch kind {
			case jsonObject:
				d.SingleStatement = true
				st, err := p.statement(loc{stmt: 0})
				if err != nil {
					return err
				}
				d.Statements = append(d.Statements, st)
			case jsonArray:
				return p.r.array(func(i int) error {
					where := loc{stmt: i}
					if err := p.expect(jsonObject, where, "a JSON object"); err != nil {
						return err
					}
					st, err := p.statement(where)
					if err != nil {
						return err
					}
					d.Statements = append(d.Statements, st)
					return nil
				})
			default:
				return errorf("Syntax errors in policy: Statement must be an object or an array of objects, not %s", kind)
			}
		default:
			return unknownField(key, topFields, topLoc("the policy"))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := p.r.end(); err != nil {
		return nil, err
	}
	if !hasStatement {
		return nil, errorf("Missing required field Statement")
	}
	if len(d.Statements) == 0 {
		return nil, errorf("Missing required field Statement: the Statement array is empty")
	}
	if k != Resource {
		for i := range d.Statements {
			for j := range i {
				if sid := d.Statements[i].Sid; sid != "" && sid == d.Statements[j].Sid {
					return nil, errorf("Statement IDs (SID) in a single policy must be unique: %q is used by Statement[%d] and %s", sid, j, loc{stmt: i})
				}
			}
		}
	}
	return d, nil
}

func (p *parser) str(where loc) (string, error) {
	if err := p.expect(jsonString, where, "a string"); err != nil {
		return "", err
	}
	return p.r.str()
}

// strings reads a string-or-list value. Condition values may also be
// JSON numbers and booleans, which are kept as their text.
func (p *parser) strings(where loc, scalars bool) (Strings, error) {
	one := func() (string, error) {
		kind, err := p.r.peek()
		if err != nil {
			return "", err
		}
		switch {
		case kind == jsonString, scalars && (kind == jsonBool || kind == jsonNumber):
			_, text, err := p.r.scalar()
			return text, err
		case scalars:
			return "", errorf("Syntax errors in policy: %s must hold strings, numbers or booleans, not %s", where, kind)
		}
		return "", errorf("Syntax errors in policy: %s must be a string or an array of strings, not %s", where, kind)
	}
	kind, err := p.r.peek()
	if err != nil {
		return Strings{}, err
	}
	if kind == jsonArray {
		p.tmp = p.tmp[:0]
		err := p.r.array(func(int) error {
			v, err := one()
			p.tmp = append(p.tmp, v)
			return err
		})
		return Strings{List: true, Values: p.vals.keep(p.tmp...)}, err
	}
	v, err := one()
	if err != nil {
		return Strings{}, err
	}
	return Strings{Values: p.vals.keep(v)}, nil
}

// fields records which statement fields were present.
type fields uint16

const (
	fSid fields = 1 << iota
	fEffect
	fPrincipal
	fNotPrincipal
)

func (p *parser) statement(where loc) (Statement, error) {
	k := p.kind
	var st Statement
	var has fields
	var effect string
	err := p.r.object(func(key string) error {
		var err error
		switch key {
		case "Sid":
			has |= fSid
			st.Sid, err = p.str(where.with("Sid"))
		case "Effect":
			has |= fEffect
			effect, err = p.str(where.with("Effect"))
		case "Principal":
			has |= fPrincipal
			if !k.hasPrincipal() {
				return p.r.skip() // rejected below
			}
			st.Principal, err = p.principals(where.with(key))
		case "NotPrincipal":
			has |= fNotPrincipal
			if k != Resource {
				return p.r.skip() // rejected below
			}
			st.NotPrincipal, err = p.principals(where.with(key))
		case "Action", "NotAction", "Resource", "NotResource":
			var v Strings
			if v, err = p.strings(where.with(key), false); err != nil {
				return err
			}
			pv := &p.strs.keep(v)[0]
			switch key {
			case "Action":
				st.Action = pv
			case "NotAction":
				st.NotAction = pv
			case "Resource":
				st.Resource = pv
			default:
				st.NotResource = pv
			}
		case "Condition":
			st.Condition, err = p.conditions(where.with("Condition"))
		default:
			return unknownField(key, statementFields, where)
		}
		return err
	})
	if err != nil {
		return st, err
	}
	if has&fSid != 0 && k != Resource && !alnum(st.Sid) {
		return st, errorf("Statement IDs (SID) must be alpha-numeric: %s.Sid is %q", where, st.Sid)
	}
	switch {
	case has&fEffect == 0:
		return st, errorf("Missing required field Effect in %s", where)
	case effect == "Allow":
		st.Effect = Allow
	case effect == "Deny":
		st.Effect = Deny
	default:
		return st, errorf("Invalid effect %q in %s: Effect must be \"Allow\" or \"Deny\"", effect, where)
	}
	if err := p.checkPrincipals(has, where); err != nil {
		return st, err
	}
	if err := p.checkActions(&st, where); err != nil {
		return st, err
	}
	if err := p.checkResources(&st, where); err != nil {
		return st, err
	}
	return st, nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func (p *parser) checkPrincipals(has fields, where loc) error {
	k := p.kind
	hasP, hasN := has&fPrincipal != 0, has&fNotPrincipal != 0
	if !k.hasPrincipal() {
		if hasP {
			return errorf("Has prohibited field Principal in %s: a %s policy applies to whoever holds it", where, k)
		}
		if hasN {
			return errorf("Has prohibited field NotPrincipal in %s: a %s policy applies to whoever holds it", where, k)
		}
		return nil
	}
	if k == Trust && hasN {
		return errorf("Has prohibited field NotPrincipal in %s: trust policies must name their principals", where)
	}
	switch {
	case hasP && hasN:
		return errorf("%s has both Principal and NotPrincipal; a statement takes exactly one of them", where)
	case !hasP && !hasN:
		return errorf("Missing required field Principal in %s", where)
	}
	return nil
}

// pick returns the one of a field and its Not-form that the statement
// has; it is an error to have both, neither (missing, a format taking the
// statement's place) or an empty list.
func (p *parser) pick(where loc, name string, v *Strings, notName string, nv *Strings, missing string) (string, *Strings, error) {
	switch {
	case v != nil && nv != nil:
		return "", nil, errorf("%s has both %s and %s; a statement takes exactly one of them", where, name, notName)
	case v == nil && nv == nil:
		return "", nil, errorf(missing, where)
	case nv != nil:
		name, v = notName, nv
	}
	if len(v.Values) == 0 {
		return "", nil, errorf("%s.%s is empty", where, name)
	}
	return name, v, nil
}

func (p *parser) checkActions(st *Statement, where loc) error {
	k := p.kind
	field, v, err := p.pick(where, "Action", st.Action, "NotAction", st.NotAction,
		"Missing required field Action in %s")
	if err != nil {
		return err
	}
	for _, a := range v.Values {
		if msg := checkAction(a); msg != "" {
			return errorf("%s.%s: %s", where, field, msg)
		}
		if k == Trust && !trustAction(a) {
			return errorf("AssumeRole policy may only specify STS AssumeRole actions: %s.%s holds %q", where, field, a)
		}
	}
	return nil
}

// checkAction returns what is wrong with an action pattern, or "".
func checkAction(a string) string {
	if a == "*" {
		return ""
	}
	vendor, name, ok := strings.Cut(a, ":")
	if !ok || vendor == "" {
		return fmt.Sprintf("action %q must be prefixed by a service, as in \"s3:GetObject\"", a)
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Sprintf("action %q: the service prefix %q may hold only letters, digits and '-'", a, vendor)
		}
	}
	if name == "" {
		return fmt.Sprintf("action %q has no action name after the service prefix", a)
	}
	if strings.ContainsAny(name, ": ") {
		return fmt.Sprintf("action %q: the action name may not contain ':' or spaces", a)
	}
	return ""
}

func trustAction(a string) bool {
	if a == "*" {
		return true
	}
	vendor, _, _ := strings.Cut(a, ":")
	return strings.EqualFold(vendor, "sts")
}

func (p *parser) checkResources(st *Statement, where loc) error {
	k := p.kind
	if k == Trust {
		if st.Resource != nil {
			return errorf("Has prohibited field Resource in %s: a trust policy applies to its role", where)
		}
		if st.NotResource != nil {
			return errorf("Has prohibited field NotResource in %s: a trust policy applies to its role", where)
		}
		return nil
	}
	field, v, err := p.pick(where, "Resource", st.Resource, "NotResource", st.NotResource,
		"Policy statement must contain resources: %s has neither Resource nor NotResource")
	if err != nil {
		return err
	}
	for _, r := range v.Values {
		if msg := checkResource(r); msg != "" {
			return errorf("%s.%s: %s", where, field, msg)
		}
	}
	return nil
}

// checkResource returns what is wrong with a Resource entry, or "".
func checkResource(r string) string {
	if r == "*" {
		return ""
	}
	seg, ok := arn.Split(r)
	if !ok {
		return fmt.Sprintf("Resource %q must be in ARN format or \"*\"", r)
	}
	if seg[1] == "" || (!arn.KnownPartition(seg[1]) && !strings.ContainsAny(seg[1], "*?")) {
		return fmt.Sprintf("Partition %q is not valid for resource %q", seg[1], r)
	}
	if seg[2] == "" || strings.ContainsAny(seg[2], "*?") {
		return fmt.Sprintf("Resource vendor must be fully qualified and cannot contain wildcards: %q", r)
	}
	if seg[5] == "" {
		return fmt.Sprintf("Resource %q has an empty resource part", r)
	}
	return ""
}

// principals reads a Principal or NotPrincipal value.
func (p *parser) principals(w loc) (*Principals, error) {
	kind, err := p.r.peek()
	if err != nil {
		return nil, err
	}
	pr := &Principals{}
	if kind == jsonString {
		s, err := p.r.str()
		if err != nil {
			return nil, err
		}
		if s != "*" {
			return nil, errorf("Invalid principal in policy: %s is the string %q; use \"*\" or an object such as {\"AWS\": ...}", w, s)
		}
		pr.Wildcard = true
		return pr, nil
	}
	if kind != jsonObject {
		return nil, errorf("Syntax errors in policy: %s must be a JSON object, not %s", w, kind)
	}
	err = p.r.object(func(t string) error {
		if !contains(principalTypes, t) {
			err := unknownField(t, principalTypes, w).(*fault.Error)
			return errorf("Invalid principal in policy: %s", err.Message)
		}
		vals, err := p.strings(w.with(t), false)
		if err != nil {
			return err
		}
		if len(vals.Values) == 0 {
			return errorf("Invalid principal in policy: %s.%s is empty", w, t)
		}
		for _, v := range vals.Values {
			if msg := checkPrincipal(t, v); msg != "" {
				return errorf("Invalid principal in policy: %s.%s: %s", w, t, msg)
			}
		}
		pr.Types = append(pr.Types, PrincipalEntry{Type: t, Values: vals})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(pr.Types) == 0 {
		return nil, errorf("Invalid principal in policy: %s is empty", w)
	}
	slices.SortFunc(pr.Types, func(a, b PrincipalEntry) int { return strings.Compare(a.Type, b.Type) })
	return pr, nil
}

// checkPrincipal returns what is wrong with one principal value, or "".
func checkPrincipal(typ, v string) string {
	switch typ {
	case "AWS":
		if v == "*" || arn.IsAccountID(v) {
			return ""
		}
		a, err := arn.Parse(v)
		if err != nil {
			return fmt.Sprintf("%q is neither \"*\", a 12-digit account id nor an IAM ARN", v)
		}
		if strings.ContainsAny(v, "*?") {
			return fmt.Sprintf("%q: principal ARNs may not contain wildcards (use the aws:PrincipalArn condition key with ArnLike)", v)
		}
		if (a.Service != "iam" && a.Service != "sts") || !arn.IsAccountID(a.Account) {
			return fmt.Sprintf("%q is not an IAM or STS principal ARN with an account", v)
		}
	case "Federated", "Service", "CanonicalUser":
		if v == "" || strings.ContainsAny(v, " \t\n\r") {
			return fmt.Sprintf("%q is not a valid %s principal", v, typ)
		}
		if typ == "Federated" && strings.HasPrefix(v, "arn:") {
			if _, err := arn.Parse(v); err != nil {
				return fmt.Sprintf("%q is not a valid identity provider ARN", v)
			}
		}
	}
	return ""
}

func (p *parser) conditions(where loc) ([]Condition, error) {
	if err := p.expect(jsonObject, where, "a JSON object"); err != nil {
		return nil, err
	}
	var out []Condition
	err := p.r.object(func(op string) error {
		if _, err := parseOperator(op); err != nil {
			return errorf("%s: %v", where, err)
		}
		w := where.with(op)
		if err := p.expect(jsonObject, w, "a JSON object"); err != nil {
			return err
		}
		return p.r.object(func(key string) error {
			if key == "" {
				return errorf("%s: empty condition key", w)
			}
			vals, err := p.strings(w.with(key), true)
			if err != nil {
				return err
			}
			out = append(out, Condition{Operator: op, Key: key, Values: vals})
			return nil
		})
	})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Condition) int {
		if c := strings.Compare(a.Operator, b.Operator); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
