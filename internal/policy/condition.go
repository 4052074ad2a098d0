package policy

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/arn"
)

// cond is one compiled operator/key pair. Policy values that can never
// match (an unparsable number, date or address) are dropped at compile
// time: they would contribute nothing to either a positive or a negated
// operator.
type cond struct {
	op    operator
	key   string // lower case
	hash  uint64 // keyHash(key)
	strs  []arn.Glob
	plain []string // StringEquals/StringNotEquals values without variables
	// truth holds the Bool and Null values: bit 0 for "true", bit 1 for
	// "false".
	truth uint8
	// typed holds the values of the other operators.
	typed *typedValues
}

type typedValues struct {
	arns  []arn.ARNGlob
	nums  []float64
	dates []time.Time
	ips   []netip.Prefix
	bins  [][]byte
}

func compileCondition(c *Condition, vars bool, table *[]variable) cond {
	op, _ := parseOperator(c.Operator) // validated by the parser
	out := cond{op: op, key: strings.ToLower(c.Key)}
	var tv typedValues
	out.hash = keyHash(out.key)
	useVars := vars && op.kind.variables()
	for _, v := range c.Values.Values {
		switch op.kind {
		case opStringEquals, opStringNotEquals, opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase:
			out.strs = append(out.strs, glob(v, false, useVars, table))
		case opStringLike, opStringNotLike:
			out.strs = append(out.strs, glob(v, true, useVars, table))
		case opArnEquals, opArnLike, opArnNotEquals, opArnNotLike:
			tv.arns = append(tv.arns, arnGlob(v, useVars, table))
		case opNumericEquals, opNumericNotEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				tv.nums = append(tv.nums, n)
			}
		case opDateEquals, opDateNotEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
			if t, ok := parseDate(v); ok {
				tv.dates = append(tv.dates, t)
			}
		case opBool, opNull:
			switch strings.ToLower(v) {
			case "true":
				out.truth |= 1
			case "false":
				out.truth |= 2
			}
		case opBinaryEquals:
			if b, err := base64.StdEncoding.DecodeString(v); err == nil {
				tv.bins = append(tv.bins, b)
			}
		case opIPAddress, opNotIPAddress:
			if p, ok := ParseCIDR(v); ok {
				tv.ips = append(tv.ips, p)
			}
		}
	}
	if len(tv.arns)+len(tv.nums)+len(tv.dates)+len(tv.ips)+len(tv.bins) > 0 {
		out.typed = &tv
	}
	if op.kind == opStringEquals || op.kind == opStringNotEquals {
		out.plain = make([]string, 0, len(out.strs))
		for i := range out.strs {
			lit, ok := out.strs[i].Literal()
			if !ok {
				out.plain = nil
				break
			}
			out.plain = append(out.plain, lit)
		}
	}
	return out
}

// ParseCIDR reads an IPv4 or IPv6 CIDR as the IpAddress operators do; a
// bare address means /32 or /128, and an IPv4-mapped IPv6 range is the
// IPv4 range it maps. Other packages that judge a policy's address
// ranges (S3's "is this policy public") read them with it, so that they
// cannot disagree with the engine.
func ParseCIDR(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// parseDate reads an ISO 8601 date or date-time (UTC unless it gives a
// zone), or epoch seconds. It picks the layout from the shape of s, so a
// valid value is read without trying (and allocating errors for) others.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0), true
	}
	var layout string
	t := strings.IndexByte(s, 'T')
	switch {
	case len(s) == 10:
		layout = "2006-01-02"
	case t == 8 && len(s) == 16:
		layout = "20060102T150405Z"
	case t != 10:
		return time.Time{}, false
	case len(s) > t+6 && (s[t+6] == 'Z' || s[t+6] == '+' || s[t+6] == '-'):
		layout = "2006-01-02T15:04Z07:00" // minutes, then a zone
	case strings.HasSuffix(s, "Z") || strings.ContainsAny(s[t:], "+-"):
		layout = time.RFC3339Nano
	case len(s) == 16:
		layout = "2006-01-02T15:04"
	default:
		layout = "2006-01-02T15:04:05.999999999"
	}
	v, err := time.Parse(layout, s)
	return v, err == nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// eval reports whether the condition holds for r.
func (c *cond) eval(r *Request) bool {
	v := r.Context.lookupHash(c.hash, c.key)
	present := v != nil
	if c.op.kind == opNull {
		absent := v == nil || len(v.vals) == 0
		return truthMatch(c.truth, absent)
	}
	if !present {
		switch {
		case c.op.ifExists, c.op.qual == qualForAll:
			return true
		case c.op.qual == qualForAny:
			return false
		}
		return c.op.kind.negated()
	}
	switch c.op.qual {
	case qualForAll:
		for _, x := range v.vals {
			if !c.single(x, r) {
				return false
			}
		}
		return true
	case qualForAny:
		for _, x := range v.vals {
			if c.single(x, r) {
				return true
			}
		}
		return false
	}
	// No qualifier: a positive operator holds when any request value
	// matches any policy value; a negated one when none does.
	if c.op.kind.negated() {
		for _, x := range v.vals {
			if c.any(x, r) {
				return false
			}
		}
		return true
	}
	for _, x := range v.vals {
		if c.any(x, r) {
			return true
		}
	}
	return false
}

// single applies the operator to one request value.
func (c *cond) single(x string, r *Request) bool {
	m := c.any(x, r)
	if c.op.kind.negated() {
		return !m
	}
	return m
}

// any reports whether x matches any policy value under the positive form
// of the operator (StringNotLike compares as StringLike, and so on).
func (c *cond) any(x string, r *Request) bool {
	if c.plain != nil {
		for _, p := range c.plain {
			if p == x {
				return true
			}
		}
		return false
	}
	switch c.op.kind {
	case opStringEquals, opStringNotEquals, opStringLike, opStringNotLike:
		for i := range c.strs {
			if m, _ := c.strs[i].Match(x, false, &r.fill); m {
				return true
			}
		}
	case opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase:
		for i := range c.strs {
			if m, _ := c.strs[i].Match(x, true, &r.fill); m {
				return true
			}
		}
	case opBool:
		var b bool
		switch {
		case x == "true":
			b = true
		case x == "false":
		case strings.EqualFold(x, "true"):
			b = true
		case strings.EqualFold(x, "false"):
		default:
			return false
		}
		return truthMatch(c.truth, b)
	}
	tv := c.typed
	if tv == nil {
		return false
	}
	switch c.op.kind {
	case opArnEquals, opArnLike, opArnNotEquals, opArnNotLike:
		for i := range tv.arns {
			if m, _ := tv.arns[i].Match(x, &r.fill); m {
				return true
			}
		}
	case opNumericEquals, opNumericNotEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		n, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return false
		}
		for _, p := range tv.nums {
			if compare(c.op.kind, cmpFloat(n, p)) {
				return true
			}
		}
	case opDateEquals, opDateNotEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(x)
		if !ok {
			return false
		}
		for _, p := range tv.dates {
			if compare(c.op.kind, t.Compare(p)) {
				return true
			}
		}
	case opBinaryEquals:
		var buf [96]byte
		var got []byte
		if base64.StdEncoding.DecodedLen(len(x)) <= len(buf) {
			n, err := base64.StdEncoding.Decode(buf[:], []byte(x))
			if err != nil {
				return false
			}
			got = buf[:n]
		} else {
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return false
			}
			got = b
		}
		for _, p := range tv.bins {
			if bytes.Equal(p, got) {
				return true
			}
		}
	case opIPAddress, opNotIPAddress:
		var a netip.Addr
		if strings.IndexByte(x, '/') >= 0 {
			p, err := netip.ParsePrefix(x)
			if err != nil {
				return false
			}
			a = p.Addr()
		} else {
			var err error
			if a, err = netip.ParseAddr(x); err != nil {
				return false
			}
		}
		a = a.Unmap()
		for _, p := range tv.ips {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// truthMatch reports whether the policy's Bool or Null values (bits of
// truth) include b.
func truthMatch(truth uint8, b bool) bool {
	if b {
		return truth&1 != 0
	}
	return truth&2 != 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare turns a three-way comparison of request value to policy value
// into the answer of a Numeric or Date operator (Not-forms compare as
// Equals; the caller negates).
func compare(k opKind, c int) bool {
	switch k {
	case opNumericEquals, opNumericNotEquals, opDateEquals, opDateNotEquals:
		return c == 0
	case opNumericLessThan, opDateLessThan:
		return c < 0
	case opNumericLessThanEquals, opDateLessThanEquals:
		return c <= 0
	case opNumericGreaterThan, opDateGreaterThan:
		return c > 0
	case opNumericGreaterThanEquals, opDateGreaterThanEquals:
		return c >= 0
	}
	return false
}
