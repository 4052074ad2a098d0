package s3

import (
	"strings"

	"github.com/podiam/podiam/internal/policy"
)

// PolicyIsPublic says whether a bucket policy is public as S3's block
// public access reads it ("The meaning of public" in the S3 user guide):
// a policy is public when one of its Allow statements grants to a
// principal that is not fixed (Principal "*", {"AWS":"*"}, a value with a
// wildcard or a policy variable, or any NotPrincipal) and no condition of
// the statement pins the request to fixed values of one of the keys that
// name who or where a caller is (notPublicKeys). A fixed value holds no
// wildcard and no policy variable; an aws:SourceIp range counts only when
// it is no wider than an IPv4 /8 or an IPv6 /32. Deny statements never
// make a policy public.
func PolicyIsPublic(d *policy.Document) bool {
	for i := range d.Statements {
		if statementIsPublic(&d.Statements[i]) {
			return true
		}
	}
	return false
}

// notPublicKeys are the condition keys (in lower case) whose fixed values
// make a statement with a public principal non-public.
var notPublicKeys = map[string]bool{
	"aws:sourceip":              true,
	"aws:sourcearn":             true,
	"aws:sourcevpc":             true,
	"aws:sourcevpce":            true,
	"aws:sourceowner":           true,
	"aws:sourceaccount":         true,
	"aws:principalorgid":        true,
	"aws:userid":                true,
	"s3:dataaccesspointarn":     true,
	"s3:dataaccesspointaccount": true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
}

func statementIsPublic(st *policy.Statement) bool {
	if st.Effect != policy.Allow {
		return false
	}
	if st.NotPrincipal == nil && (st.Principal == nil || principalsFixed(st.Principal)) {
		return false
	}
	for _, c := range st.Condition {
		if conditionPins(c) {
			return false
		}
	}
	return true
}

// principalsFixed: every principal is named by a fixed value.
func principalsFixed(p *policy.Principals) bool {
	if p.Wildcard {
		return false
	}
	for _, e := range p.Types {
		for _, v := range e.Values.Values {
			if !fixedValue(v) {
				return false
			}
		}
	}
	return true
}

// fixedValue: v holds no wildcard and no policy variable.
func fixedValue(v string) bool {
	return v != "" && !strings.ContainsAny(v, "*?") && !strings.Contains(v, "${")
}

// conditionPins: condition c holds only when the request carries one of
// the fixed values it lists for a key of notPublicKeys. Negated
// operators, ...IfExists (true when the key is absent) and ForAllValues
// (true for no values) pin nothing.
func conditionPins(c policy.Condition) bool {
	key := strings.ToLower(c.Key)
	if !notPublicKeys[key] || len(c.Values.Values) == 0 {
		return false
	}
	op := c.Operator
	if strings.HasSuffix(op, "IfExists") || strings.HasPrefix(op, "ForAllValues:") {
		return false
	}
	op = strings.TrimPrefix(op, "ForAnyValue:")
	if key == "aws:sourceip" {
		if op != "IpAddress" {
			return false
		}
		for _, v := range c.Values.Values {
			if !narrowCIDR(v) {
				return false
			}
		}
		return true
	}
	switch op {
	case "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike":
	default:
		return false
	}
	for _, v := range c.Values.Values {
		if !fixedValue(v) {
			return false
		}
	}
	return true
}

// narrowCIDR: v is an address, or a range no wider than an IPv4 /8 or an
// IPv6 /32, read exactly as the engine reads it (an IPv4-mapped IPv6
// range is the IPv4 range it maps: ::ffff:0.0.0.0/96 is all of IPv4).
func narrowCIDR(v string) bool {
	p, ok := policy.ParseCIDR(v)
	if !ok || !p.IsValid() {
		return false
	}
	if p.Addr().Is4() {
		return p.Bits() >= 8
	}
	return p.Bits() >= 32
}
