package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/podiam/podiam/internal/arn"
)

// Options changes how a document is parsed.
type Options struct {
	// MaxSize overrides Kind.MaxSize: the largest document accepted, in
	// characters counted without whitespace. Negative means no limit.
	MaxSize int
}

// ParseDocument parses and validates data as a document of kind k.
// Every error is an *Error carrying AWS's error code.
func ParseDocument(data []byte, k Kind, opt Options) (*Document, error) {
	if err := checkText(data, k, opt); err != nil {
		return nil, err
	}
	top, err := parseJSON(string(data))
	if err != nil {
		return nil, errorf(k, "Syntax errors in policy: %s", jsonProblem(err))
	}
	if top.kind != jsonObject {
		return nil, errorf(k, "Syntax errors in policy: the policy must be a JSON object, not %s", top.kind)
	}
	p := parser{kind: k}
	return p.document(&top)
}

// checkText applies the character-set and size rules to the raw text.
func checkText(data []byte, k Kind, opt Options) error {
	n := 0
	for i := 0; i < len(data); {
		if c := data[i]; c < utf8.RuneSelf {
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			case c < 0x20:
				return errorf(k, "The policy contains the character %U at byte %d; policies may hold only tab, line feed, carriage return and U+0020 through U+00FF", rune(c), i)
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return errorf(k, "Syntax errors in policy: invalid UTF-8 at byte %d", i)
		}
		if !allowedRune(r) {
			return errorf(k, "The policy contains the character %U at byte %d; policies may hold only tab, line feed, carriage return and U+0020 through U+00FF", r, i)
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

func jsonProblem(err error) string {
	var je *jsonError
	if errors.As(err, &je) {
		return je.Error()
	}
	return err.Error()
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
}

var topFields = []string{"Version", "Id", "Statement"}

var statementFields = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func checkFields(k Kind, v *jsonValue, allowed []string, where loc) error {
	for _, m := range v.kids {
		if contains(allowed, m.key) {
			continue
		}
		for _, a := range allowed {
			if strings.EqualFold(a, m.key) {
				return errorf(k, "Syntax errors in policy: unknown field %q in %s (field names are case-sensitive: did you mean %q?)", m.key, where, a)
			}
		}
		return errorf(k, "Syntax errors in policy: unknown field %q in %s; allowed fields are %s", m.key, where, strings.Join(allowed, ", "))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (p *parser) document(top *jsonValue) (*Document, error) {
	k := p.kind
	if err := checkFields(k, top, topFields, topLoc("the policy")); err != nil {
		return nil, err
	}
	d := &Document{}
	if raw, ok := top.get("Version"); ok {
		v, err := p.str(raw, topLoc("Version"))
		if err != nil {
			return nil, err
		}
		if v != Version2012 && v != Version2008 {
			return nil, errorf(k, "The policy must contain a valid version string: %q is neither %q nor %q", v, Version2012, Version2008)
		}
		d.Version = v
	}
	if raw, ok := top.get("Id"); ok {
		v, err := p.str(raw, topLoc("Id"))
		if err != nil {
			return nil, err
		}
		d.ID = v
	}
	raw, ok := top.get("Statement")
	if !ok {
		return nil, errorf(k, "Missing required field Statement")
	}
	var list []*jsonValue
	switch raw.kind {
	case jsonObject:
		d.SingleStatement = true
		list = []*jsonValue{raw}
	case jsonArray:
		list = make([]*jsonValue, 0, len(raw.kids))
		for i := range raw.kids {
			list = append(list, &raw.kids[i].val)
		}
	default:
		return nil, errorf(k, "Syntax errors in policy: Statement must be an object or an array of objects, not %s", raw.kind)
	}
	if len(list) == 0 {
		return nil, errorf(k, "Missing required field Statement: the Statement array is empty")
	}
	d.Statements = make([]Statement, 0, len(list))
	sids := map[string]int{}
	for i, sraw := range list {
		where := loc{stmt: i}
		st, err := p.statement(sraw, where)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" && k != Resource {
			if j, dup := sids[st.Sid]; dup {
				return nil, errorf(k, "Statement IDs (SID) in a single policy must be unique: %q is used by Statement[%d] and %s", st.Sid, j, where)
			}
			sids[st.Sid] = i
		}
		d.Statements = append(d.Statements, st)
	}
	return d, nil
}

func (p *parser) str(raw *jsonValue, where loc) (string, error) {
	if raw.kind != jsonString {
		return "", errorf(p.kind, "Syntax errors in policy: %s must be a string, not %s", where, raw.kind)
	}
	return raw.text, nil
}

// strings parses a string-or-list value. Condition values may also be JSON
// numbers and booleans, which are kept as their text.
func (p *parser) strings(raw *jsonValue, where loc, scalars bool) (Strings, error) {
	one := func(v *jsonValue) (string, error) {
		switch {
		case v.kind == jsonString:
			return v.text, nil
		case scalars && (v.kind == jsonBool || v.kind == jsonNumber):
			return v.text, nil
		case scalars:
			return "", errorf(p.kind, "Syntax errors in policy: %s must hold strings, numbers or booleans, not %s", where, v.kind)
		}
		return "", errorf(p.kind, "Syntax errors in policy: %s must be a string or an array of strings, not %s", where, v.kind)
	}
	if raw.kind == jsonArray {
		out := Strings{List: true, Values: make([]string, 0, len(raw.kids))}
		for i := range raw.kids {
			s, err := one(&raw.kids[i].val)
			if err != nil {
				return Strings{}, err
			}
			out.Values = append(out.Values, s)
		}
		return out, nil
	}
	s, err := one(raw)
	if err != nil {
		return Strings{}, err
	}
	return Strings{Values: []string{s}}, nil
}

func (p *parser) object(raw *jsonValue, where loc) (*jsonValue, error) {
	if raw.kind != jsonObject {
		return nil, errorf(p.kind, "Syntax errors in policy: %s must be a JSON object, not %s", where, raw.kind)
	}
	return raw, nil
}

func (p *parser) statement(raw *jsonValue, where loc) (Statement, error) {
	k := p.kind
	var st Statement
	m, err := p.object(raw, where)
	if err != nil {
		return st, err
	}
	if err := checkFields(k, m, statementFields, where); err != nil {
		return st, err
	}
	if r, ok := m.get("Sid"); ok {
		if st.Sid, err = p.str(r, where.with("Sid")); err != nil {
			return st, err
		}
		if k != Resource && !alnum(st.Sid) {
			return st, errorf(k, "Statement IDs (SID) must be alpha-numeric: %s.Sid is %q", where, st.Sid)
		}
	}
	r, ok := m.get("Effect")
	if !ok {
		return st, errorf(k, "Missing required field Effect in %s", where)
	}
	eff, err := p.str(r, where.with("Effect"))
	if err != nil {
		return st, err
	}
	switch eff {
	case "Allow":
		st.Effect = Allow
	case "Deny":
		st.Effect = Deny
	default:
		return st, errorf(k, "Invalid effect %q in %s: Effect must be \"Allow\" or \"Deny\"", eff, where)
	}
	if err := p.principals(m, &st, where); err != nil {
		return st, err
	}
	if err := p.actions(m, &st, where); err != nil {
		return st, err
	}
	if err := p.resources(m, &st, where); err != nil {
		return st, err
	}
	if r, ok := m.get("Condition"); ok {
		if st.Condition, err = p.conditions(r, where.with("Condition")); err != nil {
			return st, err
		}
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

func (p *parser) actions(m *jsonValue, st *Statement, where loc) error {
	k := p.kind
	ra, hasA := m.get("Action")
	rn, hasN := m.get("NotAction")
	switch {
	case hasA && hasN:
		return errorf(k, "%s has both Action and NotAction; a statement takes exactly one of them", where)
	case !hasA && !hasN:
		return errorf(k, "Missing required field Action in %s", where)
	}
	field, raw := "Action", ra
	if hasN {
		field, raw = "NotAction", rn
	}
	v, err := p.strings(raw, where.with(field), false)
	if err != nil {
		return err
	}
	if len(v.Values) == 0 {
		return errorf(k, "%s.%s is empty", where, field)
	}
	for _, a := range v.Values {
		if msg := checkAction(a); msg != "" {
			return errorf(k, "%s.%s: %s", where, field, msg)
		}
		if k == Trust && !trustAction(a) {
			return errorf(k, "AssumeRole policy may only specify STS AssumeRole actions: %s.%s holds %q", where, field, a)
		}
	}
	if hasN {
		st.NotAction = &v
	} else {
		st.Action = &v
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

func (p *parser) resources(m *jsonValue, st *Statement, where loc) error {
	k := p.kind
	rr, hasR := m.get("Resource")
	rn, hasN := m.get("NotResource")
	if k == Trust {
		if hasR {
			return errorf(k, "Has prohibited field Resource in %s: a trust policy applies to its role", where)
		}
		if hasN {
			return errorf(k, "Has prohibited field NotResource in %s: a trust policy applies to its role", where)
		}
		return nil
	}
	switch {
	case hasR && hasN:
		return errorf(k, "%s has both Resource and NotResource; a statement takes exactly one of them", where)
	case !hasR && !hasN:
		return errorf(k, "Policy statement must contain resources: %s has neither Resource nor NotResource", where)
	}
	field, raw := "Resource", rr
	if hasN {
		field, raw = "NotResource", rn
	}
	v, err := p.strings(raw, where.with(field), false)
	if err != nil {
		return err
	}
	if len(v.Values) == 0 {
		return errorf(k, "%s.%s is empty", where, field)
	}
	for _, r := range v.Values {
		if msg := checkResource(r); msg != "" {
			return errorf(k, "%s.%s: %s", where, field, msg)
		}
	}
	if hasN {
		st.NotResource = &v
	} else {
		st.Resource = &v
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

var principalTypes = []string{"AWS", "CanonicalUser", "Federated", "Service"}

func (p *parser) principals(m *jsonValue, st *Statement, where loc) error {
	k := p.kind
	rp, hasP := m.get("Principal")
	rn, hasN := m.get("NotPrincipal")
	if !k.hasPrincipal() {
		if hasP {
			return errorf(k, "Has prohibited field Principal in %s: a %s policy applies to whoever holds it", where, k)
		}
		if hasN {
			return errorf(k, "Has prohibited field NotPrincipal in %s: a %s policy applies to whoever holds it", where, k)
		}
		return nil
	}
	if k == Trust && hasN {
		return errorf(k, "Has prohibited field NotPrincipal in %s: trust policies must name their principals", where)
	}
	switch {
	case hasP && hasN:
		return errorf(k, "%s has both Principal and NotPrincipal; a statement takes exactly one of them", where)
	case !hasP && !hasN:
		return errorf(k, "Missing required field Principal in %s", where)
	}
	field, raw := "Principal", rp
	if hasN {
		field, raw = "NotPrincipal", rn
	}
	w := where.with(field)
	pr := &Principals{}
	if raw.kind == jsonString {
		s, err := p.str(raw, w)
		if err != nil {
			return err
		}
		if s != "*" {
			return errorf(k, "Invalid principal in policy: %s is the string %q; use \"*\" or an object such as {\"AWS\": ...}", w, s)
		}
		pr.Wildcard = true
	} else {
		obj, err := p.object(raw, w)
		if err != nil {
			return err
		}
		if len(obj.kids) == 0 {
			return errorf(k, "Invalid principal in policy: %s is empty", w)
		}
		for _, t := range principalTypes {
			r, ok := obj.get(t)
			if !ok {
				continue
			}
			vals, err := p.strings(r, w.with(t), false)
			if err != nil {
				return err
			}
			if len(vals.Values) == 0 {
				return errorf(k, "Invalid principal in policy: %s.%s is empty", w, t)
			}
			for _, v := range vals.Values {
				if msg := checkPrincipal(t, v); msg != "" {
					return errorf(k, "Invalid principal in policy: %s.%s: %s", w, t, msg)
				}
			}
			pr.Types = append(pr.Types, PrincipalEntry{Type: t, Values: vals})
		}
		if err := checkFields(k, obj, principalTypes, w); err != nil {
			return &Error{Code: err.(*Error).Code, Message: "Invalid principal in policy: " + err.(*Error).Message}
		}
	}
	if hasN {
		st.NotPrincipal = pr
	} else {
		st.Principal = pr
	}
	return nil
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

func (p *parser) conditions(raw *jsonValue, where loc) ([]Condition, error) {
	k := p.kind
	ops, err := p.object(raw, where)
	if err != nil {
		return nil, err
	}
	n := 0
	for i := range ops.kids {
		n += len(ops.kids[i].val.kids)
	}
	out := make([]Condition, 0, n)
	for oi := range ops.kids {
		op, kraw := ops.kids[oi].key, &ops.kids[oi].val
		if _, err := parseOperator(op); err != nil {
			return nil, errorf(k, "%s: %v", where, err)
		}
		w := where.with(op)
		keys, err := p.object(kraw, w)
		if err != nil {
			return nil, err
		}
		for ki := range keys.kids {
			key, vraw := keys.kids[ki].key, &keys.kids[ki].val
			if key == "" {
				return nil, errorf(k, "%s: empty condition key", w)
			}
			vals, err := p.strings(vraw, w.with(key), true)
			if err != nil {
				return nil, err
			}
			out = append(out, Condition{Operator: op, Key: key, Values: vals})
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	slices.SortFunc(out, func(a, b Condition) int {
		if c := strings.Compare(a.Operator, b.Operator); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}
