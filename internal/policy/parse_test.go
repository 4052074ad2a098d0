package policy_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
)

// goodStatement is a valid statement for each kind.
var goodStatement = map[policy.Kind]string{
	policy.Identity: `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`,
	policy.Resource: `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`,
	policy.Trust:    `{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`,
	policy.Session:  `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`,
	policy.Boundary: `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`,
	policy.SCP:      `{"Effect":"Allow","Action":"*","Resource":"*"}`,
}

var allKinds = []policy.Kind{policy.Identity, policy.Resource, policy.Trust, policy.Session, policy.Boundary, policy.SCP}

// withSecond builds a 2012-10-17 document whose second statement is bad.
func withSecond(k policy.Kind, bad string) string {
	return `{"Version":"2012-10-17","Statement":[` + goodStatement[k] + `,` + bad + `]}`
}

func TestParseDocumentValid(t *testing.T) {
	tests := []struct {
		name string
		kind policy.Kind
		doc  string
	}{
		{name: "identity", kind: policy.Identity, doc: `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:List*"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`},
		{name: "identity NotAction NotResource", kind: policy.Identity, doc: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::123456789012:role/x"}}`},
		{name: "identity 2008", kind: policy.Identity, doc: `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
		{name: "identity no version", kind: policy.Identity, doc: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
		{name: "identity wildcard partition", kind: policy.Identity, doc: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:*:s3:::b"}}`},
		{name: "identity whitespace", kind: policy.Identity, doc: "\n\t{ \"Statement\" :\r\n [ " + goodStatement[policy.Identity] + " ] }\n"},
		{name: "resource", kind: policy.Resource, doc: `{"Version":"2012-10-17","Id":"BucketPolicy","Statement":[{"Sid":"any-thing goes","Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:root","arn:aws:iam::123456789012:user/a","arn:aws:sts::123456789012:assumed-role/r/s"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`},
		{name: "resource duplicate sids", kind: policy.Resource, doc: `{"Statement":[` + strings.Replace(goodStatement[policy.Resource], "{", `{"Sid":"x",`, 1) + `,` + strings.Replace(goodStatement[policy.Resource], "{", `{"Sid":"x",`, 1) + `]}`},
		{name: "resource NotPrincipal", kind: policy.Resource, doc: `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/admin"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}}`},
		{name: "resource canonical user", kind: policy.Resource, doc: `{"Statement":{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`},
		{name: "resource principal AWS star", kind: policy.Resource, doc: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}}`},
		{name: "trust", kind: policy.Trust, doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.example.com"},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],"Condition":{"StringEquals":{"oidc.example.com:aud":"sts.amazonaws.com"}}}]}`},
		{name: "trust star action", kind: policy.Trust, doc: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"*"}}`},
		{name: "trust upper-case sts", kind: policy.Trust, doc: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"STS:AssumeRole"}}`},
		{name: "trust built-in provider", kind: policy.Trust, doc: `{"Statement":{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}`},
		{name: "session", kind: policy.Session, doc: `{"Version":"2012-10-17","Statement":[` + goodStatement[policy.Session] + `]}`},
		{name: "boundary", kind: policy.Boundary, doc: `{"Version":"2012-10-17","Statement":[` + goodStatement[policy.Boundary] + `]}`},
		{name: "scp", kind: policy.SCP, doc: `{"Version":"2012-10-17","Statement":[` + goodStatement[policy.SCP] + `,{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`},
		{name: "condition all value types", kind: policy.Identity, doc: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"ForAnyValue:StringLike":{"aws:TagKeys":["a*",1,false]}}}}`},
		{name: "latin-1 characters", kind: policy.Identity, doc: `{"Statement":{"Sid":"x","Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::bücket/ÿ"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := policy.ParseDocument([]byte(tt.doc), tt.kind, policy.Options{})
			if err != nil {
				t.Fatalf("ParseDocument(%s): %v", tt.kind, err)
			}
			if len(d.Statements) == 0 {
				t.Fatal("no statements")
			}
			if _, err := policy.Parse("p", []byte(tt.doc), tt.kind, policy.Options{}); err != nil {
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

// TestParseDocumentAllKinds checks that each kind accepts its own good
// statement as object and array.
func TestParseDocumentAllKinds(t *testing.T) {
	for _, k := range allKinds {
		for _, form := range []string{`{"Statement":%s}`, `{"Statement":[%s]}`, `{"Version":"2012-10-17","Statement":[%[1]s,%[1]s]}`} {
			doc := fmt.Sprintf(form, goodStatement[k])
			t.Run(k.String()+"/"+doc[:14], func(t *testing.T) {
				if _, err := policy.ParseDocument([]byte(doc), k, policy.Options{}); err != nil {
					t.Errorf("ParseDocument(%s, %s): %v", doc, k, err)
				}
			})
		}
	}
}

func TestParseDocumentErrors(t *testing.T) {
	type tc struct {
		name string
		kind policy.Kind
		doc  string
		want fault.Kind // 0 means Malformed
		msg  []string   // substrings of the message
	}
	tests := []tc{
		// Document level.
		{name: "syntax", kind: policy.Identity, doc: `{"Statement":`, msg: []string{"Syntax errors in policy"}},
		{name: "not an object", kind: policy.Identity, doc: `[]`, msg: []string{"Syntax errors in policy"}},
		{name: "null", kind: policy.Identity, doc: `null`, msg: []string{"must be a JSON object"}},
		{name: "empty", kind: policy.Identity, doc: ``, msg: []string{"unexpected end"}},
		{name: "trailing data", kind: policy.Identity, doc: `{"Statement":` + goodStatement[policy.Identity] + `} {}`, msg: []string{"unexpected data after the policy object"}},
		{name: "invalid UTF-8", kind: policy.Identity, doc: "{\"Id\":\"\xff\",\"Statement\":" + goodStatement[policy.Identity] + "}", msg: []string{"invalid UTF-8 at byte 7"}},
		{name: "character above U+00FF", kind: policy.Identity, doc: `{"Id":"中","Statement":` + goodStatement[policy.Identity] + `}`, msg: []string{"U+4E2D", "byte 7"}},
		{name: "control character", kind: policy.Identity, doc: "{\"Id\":\"\x01\",\"Statement\":" + goodStatement[policy.Identity] + "}", msg: []string{"U+0001"}},
		{name: "bad version", kind: policy.Identity, doc: `{"Version":"2012-10-18","Statement":` + goodStatement[policy.Identity] + `}`, msg: []string{"valid version string", `"2012-10-18"`}},
		{name: "version not a string", kind: policy.Identity, doc: `{"Version":2012,"Statement":` + goodStatement[policy.Identity] + `}`, msg: []string{"Version must be a string"}},
		{name: "id not a string", kind: policy.Identity, doc: `{"Id":["x"],"Statement":` + goodStatement[policy.Identity] + `}`, msg: []string{"Id must be a string"}},
		{name: "missing statement", kind: policy.Identity, doc: `{"Version":"2012-10-17"}`, msg: []string{"Missing required field Statement"}},
		{name: "empty statement array", kind: policy.Identity, doc: `{"Statement":[]}`, msg: []string{"Statement array is empty"}},
		{name: "statement string", kind: policy.Identity, doc: `{"Statement":"x"}`, msg: []string{"Statement must be an object or an array"}},
		{name: "unknown top field", kind: policy.Identity, doc: `{"Statement":` + goodStatement[policy.Identity] + `,"Foo":1}`, msg: []string{`unknown field "Foo" in the policy`}},
		{name: "top field case", kind: policy.Identity, doc: `{"statement":` + goodStatement[policy.Identity] + `}`, msg: []string{`did you mean "Statement"`}},

		// Statement level, in the second statement.
		{name: "statement not an object", kind: policy.Identity, doc: withSecond(policy.Identity, `"x"`), msg: []string{"Statement[1] must be a JSON object"}},
		{name: "unknown statement field", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Foo":1}`), msg: []string{`unknown field "Foo" in Statement[1]`}},
		{name: "statement field case", kind: policy.Identity, doc: withSecond(policy.Identity, `{"effect":"Allow","Action":"*","Resource":"*"}`), msg: []string{`"effect" in Statement[1]`, `did you mean "Effect"`}},
		{name: "missing effect", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Action":"*","Resource":"*"}`), msg: []string{"Missing required field Effect in Statement[1]"}},
		{name: "bad effect", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"allow","Action":"*","Resource":"*"}`), msg: []string{`Invalid effect "allow" in Statement[1]`}},
		{name: "effect not a string", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":true,"Action":"*","Resource":"*"}`), msg: []string{"Statement[1].Effect must be a string"}},
		{name: "sid not alphanumeric", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Sid":"a-b","Effect":"Allow","Action":"*","Resource":"*"}`), msg: []string{"alpha-numeric", `Statement[1].Sid is "a-b"`}},
		{name: "sid not a string", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}`), msg: []string{"Statement[1].Sid must be a string"}},
		{name: "duplicate sid", kind: policy.Identity, doc: `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, msg: []string{"must be unique", `"A" is used by Statement[0] and Statement[2]`}},
		{name: "missing action", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Resource":"*"}`), msg: []string{"Missing required field Action in Statement[1]"}},
		{name: "action and notaction", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}`), msg: []string{"Statement[1] has both Action and NotAction"}},
		{name: "action empty list", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":[],"Resource":"*"}`), msg: []string{"Statement[1].Action is empty"}},
		{name: "action number", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":5,"Resource":"*"}`), msg: []string{"Statement[1].Action must be a string or an array of strings"}},
		{name: "action list with number", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":["s3:GetObject",5],"Resource":"*"}`), msg: []string{"Statement[1].Action must be a string or an array of strings"}},
		{name: "action without service", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"GetObject","Resource":"*"}`), msg: []string{`Statement[1].Action: action "GetObject" must be prefixed by a service`}},
		{name: "action empty service", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":":GetObject","Resource":"*"}`), msg: []string{"Statement[1].Action", "must be prefixed by a service"}},
		{name: "action bad service", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"s3_x:Get","Resource":"*"}`), msg: []string{"Statement[1].Action", `service prefix "s3_x"`}},
		{name: "action empty name", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"s3:","Resource":"*"}`), msg: []string{"Statement[1].Action", "no action name"}},
		{name: "action name with space", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"s3:Get Object","Resource":"*"}`), msg: []string{"Statement[1].Action", "may not contain ':' or spaces"}},
		{name: "notaction name with colon", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","NotAction":"s3:Get:Object","Resource":"*"}`), msg: []string{"Statement[1].NotAction", "may not contain"}},
		{name: "missing resource", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*"}`), msg: []string{"must contain resources", "Statement[1]"}},
		{name: "resource and notresource", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}`), msg: []string{"Statement[1] has both Resource and NotResource"}},
		{name: "resource empty list", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":[]}`), msg: []string{"Statement[1].Resource is empty"}},
		{name: "resource not an ARN", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"bucket"}`), msg: []string{`Statement[1].Resource: Resource "bucket" must be in ARN format`}},
		{name: "resource unknown partition", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"arn:aws-mars:s3:::b"}`), msg: []string{"Statement[1].Resource", `Partition "aws-mars"`}},
		{name: "resource empty partition", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"arn::s3:::b"}`), msg: []string{"Statement[1].Resource", `Partition ""`}},
		{name: "resource wildcard service", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"arn:aws:s*:::b"}`), msg: []string{"Statement[1].Resource", "vendor must be fully qualified"}},
		{name: "resource empty service", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"arn:aws::::b"}`), msg: []string{"Statement[1].Resource", "vendor must be fully qualified"}},
		{name: "resource empty resource part", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::"}`), msg: []string{"Statement[1].NotResource", "empty resource part"}},
		{name: "principal in identity", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), msg: []string{"Has prohibited field Principal in Statement[1]"}},
		{name: "notprincipal in identity", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Deny","NotPrincipal":"*","Action":"*","Resource":"*"}`), msg: []string{"Has prohibited field NotPrincipal in Statement[1]"}},

		// Conditions.
		{name: "condition not an object", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}`), msg: []string{"Statement[1].Condition must be a JSON object"}},
		{name: "condition bad operator", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}`), msg: []string{"Statement[1].Condition", `invalid condition type "StringEqualz"`}},
		{name: "condition bad qualifier", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"k":"v"}}}`), msg: []string{"Statement[1].Condition", `qualifier "ForSomeValues"`}},
		{name: "condition NullIfExists", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}`), msg: []string{"Statement[1].Condition", `"NullIfExists"`}},
		{name: "condition operator body not an object", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"v"}}`), msg: []string{"Statement[1].Condition.StringEquals must be a JSON object"}},
		{name: "condition value object", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":{}}}}`), msg: []string{"Statement[1].Condition.StringEquals.k must hold strings, numbers or booleans"}},
		{name: "condition value null", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":null}}}`), msg: []string{"Statement[1].Condition.StringEquals.k must hold"}},
		{name: "condition value nested list", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":[["a"]]}}}`), msg: []string{"Statement[1].Condition.StringEquals.k must hold"}},
		{name: "condition empty key", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"":"v"}}}`), msg: []string{"Statement[1].Condition.StringEquals: empty condition key"}},
		{name: "condition first problem in document order", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bogus":{"k":"v"},"StringEquals":{"b":{},"a":{}}}}`), msg: []string{`invalid condition type "Bogus"`}},
		{name: "condition first key in document order", kind: policy.Identity, doc: withSecond(policy.Identity, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a":null,"b":{}}}}`), msg: []string{"StringEquals.a must hold"}},
		{name: "duplicate field", kind: policy.Identity, doc: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}}`, msg: []string{`duplicate field "Effect"`}},

		// Resource policies.
		{name: "resource policy missing principal", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), msg: []string{"Missing required field Principal in Statement[1]"}},
		{name: "principal and notprincipal", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1] has both Principal and NotPrincipal"}},
		{name: "principal string", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":"123456789012","Action":"s3:*","Resource":"*"}`), msg: []string{"Invalid principal in policy", `Statement[1].Principal is the string "123456789012"`}},
		{name: "principal number", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":1,"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal must be a JSON object"}},
		{name: "principal empty object", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"*"}`), msg: []string{"Invalid principal in policy: Statement[1].Principal is empty"}},
		{name: "principal unknown type", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"Group":"x"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Invalid principal in policy", `unknown field "Group" in Statement[1].Principal`}},
		{name: "principal type case", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"aws":"*"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Invalid principal in policy", `did you mean "AWS"`}},
		{name: "principal empty list", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"AWS":[]},"Action":"s3:*","Resource":"*"}`), msg: []string{"Invalid principal in policy: Statement[1].Principal.AWS is empty"}},
		{name: "principal AWS name", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal.AWS", `"bob" is neither`}},
		{name: "principal AWS short account", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"AWS":"12345678901"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal.AWS", "neither"}},
		{name: "principal AWS wildcard ARN", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/*"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal.AWS", "may not contain wildcards"}},
		{name: "principal AWS non-IAM ARN", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:s3:::bucket"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal.AWS", "not an IAM or STS principal ARN"}},
		{name: "principal AWS ARN without account", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam:::user/a"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal.AWS", "not an IAM or STS principal ARN"}},
		{name: "principal service with space", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"Service":"ec2 .amazonaws.com"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal.Service", "not a valid Service principal"}},
		{name: "principal empty canonical user", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"CanonicalUser":""},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal.CanonicalUser"}},
		{name: "principal bad provider ARN", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].Principal.Federated", "not a valid identity provider ARN"}},
		{name: "notprincipal bad value", kind: policy.Resource, doc: withSecond(policy.Resource, `{"Effect":"Deny","NotPrincipal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"}`), msg: []string{"Statement[1].NotPrincipal.AWS"}},

		// Trust policies.
		{name: "trust resource", kind: policy.Trust, doc: withSecond(policy.Trust, `{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`), msg: []string{"Has prohibited field Resource in Statement[1]"}},
		{name: "trust notresource", kind: policy.Trust, doc: withSecond(policy.Trust, `{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","NotResource":"*"}`), msg: []string{"Has prohibited field NotResource in Statement[1]"}},
		{name: "trust non-STS action", kind: policy.Trust, doc: withSecond(policy.Trust, `{"Effect":"Allow","Principal":"*","Action":["sts:AssumeRole","s3:GetObject"]}`), msg: []string{"only specify STS AssumeRole actions", `Statement[1].Action holds "s3:GetObject"`}},
		{name: "trust STS-like service", kind: policy.Trust, doc: withSecond(policy.Trust, `{"Effect":"Allow","Principal":"*","Action":"stsx:AssumeRole"}`), msg: []string{"only specify STS AssumeRole actions"}},
		{name: "trust notprincipal", kind: policy.Trust, doc: withSecond(policy.Trust, `{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`), msg: []string{"Has prohibited field NotPrincipal in Statement[1]"}},
		{name: "trust missing principal", kind: policy.Trust, doc: withSecond(policy.Trust, `{"Effect":"Allow","Action":"sts:AssumeRole"}`), msg: []string{"Missing required field Principal in Statement[1]"}},

		// Session, boundary and SCP follow the identity rules.
		{name: "session principal", kind: policy.Session, doc: withSecond(policy.Session, `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), msg: []string{"Has prohibited field Principal in Statement[1]", "session policy"}},
		{name: "boundary missing resource", kind: policy.Boundary, doc: withSecond(policy.Boundary, `{"Effect":"Allow","Action":"*"}`), msg: []string{"must contain resources", "Statement[1]"}},
		{name: "scp missing action", kind: policy.SCP, doc: withSecond(policy.SCP, `{"Effect":"Allow","Resource":"*"}`), want: fault.Malformed, msg: []string{"Missing required field Action in Statement[1]"}},
		{name: "scp principal", kind: policy.SCP, doc: withSecond(policy.SCP, `{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), want: fault.Malformed, msg: []string{"Has prohibited field Principal in Statement[1]", "scp policy"}},
		{name: "scp syntax", kind: policy.SCP, doc: `{`, want: fault.Malformed, msg: []string{"Syntax errors in policy"}},
		{name: "scp duplicate sid", kind: policy.SCP, doc: `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}]}`, want: fault.Malformed, msg: []string{"Statement[0] and Statement[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String()+"/"+tt.name, func(t *testing.T) {
			d, err := policy.ParseDocument([]byte(tt.doc), tt.kind, policy.Options{})
			if err == nil {
				t.Fatalf("ParseDocument(%s) = %+v, want an error", tt.doc, d)
			}
			if d != nil {
				t.Errorf("ParseDocument returned a document with its error")
			}
			var pe *fault.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *fault.Error", err, err)
			}
			want := tt.want
			if want == 0 {
				want = fault.Malformed
			}
			if pe.Kind != want || pe.Subject != fault.Policy {
				t.Errorf("kind %v (%v), want %v (policy) (%v)", pe.Kind, pe.Subject, want, err)
			}
			for _, m := range tt.msg {
				if !strings.Contains(pe.Message, m) {
					t.Errorf("message %q does not mention %q", pe.Message, m)
				}
			}
			if got := err.Error(); got != "malformed (policy): "+pe.Message {
				t.Errorf("Error() = %q", got)
			}
			if _, err2 := policy.Parse("p", []byte(tt.doc), tt.kind, policy.Options{}); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("Parse error %v, ParseDocument error %v", err2, err)
			}
		})
	}
}

// sizedDocument returns a document of kind k with exactly n characters
// that are not whitespace, padded with whitespace that must not count.
func sizedDocument(t *testing.T, k policy.Kind, n int) []byte {
	t.Helper()
	st := strings.Replace(goodStatement[k], `"Effect"`, `"Condition":{"StringEquals":{"k":"%s"}}, "Effect"`, 1)
	base := fmt.Sprintf("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    "+st+"\n  ]\n}\n", "")
	count := 0
	for _, r := range base {
		if !strings.ContainsRune(" \t\r\n", r) {
			count++
		}
	}
	if n < count {
		t.Fatalf("size %d is below the %d characters of the smallest document", n, count)
	}
	return []byte(fmt.Sprintf("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    "+st+"\n  ]\n}\n", strings.Repeat("x", n-count)))
}

func TestParseDocumentSize(t *testing.T) {
	tests := []struct {
		kind policy.Kind
		max  int
		want fault.Kind
		msg  string
	}{
		{policy.Identity, 6144, fault.LimitExceeded, "Cannot exceed quota for PolicySize: 6144"},
		{policy.Boundary, 6144, fault.LimitExceeded, "Cannot exceed quota for PolicySize: 6144"},
		{policy.Trust, 2048, fault.LimitExceeded, "Cannot exceed quota for ACLSizePerRole: 2048"},
		{policy.Session, 2048, fault.Validation, "less than or equal to 2048"},
		{policy.SCP, 5120, fault.LimitExceeded, "more than the limit of 5120"},
		{policy.Resource, 20480, fault.Malformed, "must not exceed 20480"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			if got := tt.kind.MaxSize(); got != tt.max {
				t.Errorf("MaxSize() = %d, want %d", got, tt.max)
			}
			if _, err := policy.ParseDocument(sizedDocument(t, tt.kind, tt.max), tt.kind, policy.Options{}); err != nil {
				t.Errorf("at the limit: %v", err)
			}
			_, err := policy.ParseDocument(sizedDocument(t, tt.kind, tt.max+1), tt.kind, policy.Options{})
			var pe *fault.Error
			if !errors.As(err, &pe) {
				t.Fatalf("over the limit: error %v, want a *fault.Error", err)
			}
			if pe.Kind != tt.want || !strings.Contains(pe.Message, tt.msg) || !strings.Contains(pe.Message, fmt.Sprint(tt.max+1)) {
				t.Errorf("over the limit: %v, want kind %v and a message with %q and the size %d", err, tt.want, tt.msg, tt.max+1)
			}
			if _, err := policy.ParseDocument(sizedDocument(t, tt.kind, tt.max+1), tt.kind, policy.Options{MaxSize: -1}); err != nil {
				t.Errorf("MaxSize -1: %v", err)
			}
			if _, err := policy.ParseDocument(sizedDocument(t, tt.kind, 300), tt.kind, policy.Options{MaxSize: 299}); err == nil {
				t.Error("MaxSize 299 accepted a document of 300 characters")
			}
			if _, err := policy.ParseDocument(sizedDocument(t, tt.kind, 300), tt.kind, policy.Options{MaxSize: 300}); err != nil {
				t.Errorf("MaxSize 300: %v", err)
			}
		})
	}
}

// TestParseDocumentShape checks the parsed form of statements and values.
func TestParseDocumentShape(t *testing.T) {
	one := func(v string) *policy.Strings { return &policy.Strings{Values: []string{v}} }
	list := func(v ...string) *policy.Strings { return &policy.Strings{Values: v, List: true} }
	tests := []struct {
		name string
		kind policy.Kind
		doc  string
		want *policy.Document
	}{
		{
			name: "statement object, string values",
			kind: policy.Identity,
			doc:  `{"Version":"2012-10-17","Id":"x","Statement":{"Sid":"S1","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`,
			want: &policy.Document{Version: policy.Version2012, ID: "x", SingleStatement: true, Statements: []policy.Statement{
				{Sid: "S1", Effect: policy.Allow, Action: one("s3:GetObject"), Resource: one("arn:aws:s3:::b/*")},
			}},
		},
		{
			name: "statement array, list values",
			kind: policy.Identity,
			doc:  `{"Statement":[{"Effect":"Deny","NotAction":["s3:GetObject"],"NotResource":["arn:aws:s3:::b","arn:aws:s3:::c"]},{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			want: &policy.Document{Statements: []policy.Statement{
				{Effect: policy.Deny, NotAction: list("s3:GetObject"), NotResource: list("arn:aws:s3:::b", "arn:aws:s3:::c")},
				{Effect: policy.Allow, Action: one("*"), Resource: one("*")},
			}},
		},
		{
			name: "condition values as numbers and booleans",
			kind: policy.Identity,
			doc:  `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10,"n:neg":-3,"n:exp":1e3,"n:frac":1.50},"Bool":{"aws:SecureTransport":true,"b:list":[false,"true"]},"StringEquals":{"s:list":["a",1,true]}}}}`,
			want: &policy.Document{SingleStatement: true, Statements: []policy.Statement{{
				Effect: policy.Allow, Action: one("*"), Resource: one("*"),
				Condition: []policy.Condition{
					{Operator: "Bool", Key: "aws:SecureTransport", Values: policy.Strings{Values: []string{"true"}}},
					{Operator: "Bool", Key: "b:list", Values: policy.Strings{Values: []string{"false", "true"}, List: true}},
					{Operator: "NumericLessThan", Key: "n:exp", Values: policy.Strings{Values: []string{"1e3"}}},
					{Operator: "NumericLessThan", Key: "n:frac", Values: policy.Strings{Values: []string{"1.50"}}},
					{Operator: "NumericLessThan", Key: "n:neg", Values: policy.Strings{Values: []string{"-3"}}},
					{Operator: "NumericLessThan", Key: "s3:max-keys", Values: policy.Strings{Values: []string{"10"}}},
					{Operator: "StringEquals", Key: "s:list", Values: policy.Strings{Values: []string{"a", "1", "true"}, List: true}},
				},
			}}},
		},
		{
			name: "condition keys sorted within an operator, operators sorted",
			kind: policy.Identity,
			doc:  `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"z":"1","a":"2"},"ForAnyValue:StringEquals":{"k":[]}}}}`,
			want: &policy.Document{SingleStatement: true, Statements: []policy.Statement{{
				Effect: policy.Allow, Action: one("*"), Resource: one("*"),
				Condition: []policy.Condition{
					{Operator: "ForAnyValue:StringEquals", Key: "k", Values: policy.Strings{Values: []string{}, List: true}},
					{Operator: "StringLike", Key: "a", Values: policy.Strings{Values: []string{"2"}}},
					{Operator: "StringLike", Key: "z", Values: policy.Strings{Values: []string{"1"}}},
				},
			}}},
		},
		{
			name: "empty condition block",
			kind: policy.Identity,
			doc:  `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}}`,
			want: &policy.Document{SingleStatement: true, Statements: []policy.Statement{{Effect: policy.Allow, Action: one("*"), Resource: one("*")}}},
		},
		{
			name: "principals sorted by type, forms kept",
			kind: policy.Resource,
			doc:  `{"Statement":{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"],"AWS":"123456789012","Federated":"accounts.google.com"},"Action":"s3:*","Resource":"*"}}`,
			want: &policy.Document{SingleStatement: true, Statements: []policy.Statement{{
				Effect: policy.Allow,
				Principal: &policy.Principals{Types: []policy.PrincipalEntry{
					{Type: "AWS", Values: policy.Strings{Values: []string{"123456789012"}}},
					{Type: "Federated", Values: policy.Strings{Values: []string{"accounts.google.com"}}},
					{Type: "Service", Values: policy.Strings{Values: []string{"ec2.amazonaws.com"}, List: true}},
				}},
				Action: one("s3:*"), Resource: one("*"),
			}}},
		},
		{
			name: "wildcard principal and NotPrincipal",
			kind: policy.Resource,
			doc:  `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":"s3:*","Resource":"*"}]}`,
			want: &policy.Document{Statements: []policy.Statement{
				{Effect: policy.Allow, Principal: &policy.Principals{Wildcard: true}, Action: one("s3:*"), Resource: one("*")},
				{Effect: policy.Deny, NotPrincipal: &policy.Principals{Types: []policy.PrincipalEntry{
					{Type: "AWS", Values: policy.Strings{Values: []string{"arn:aws:iam::123456789012:root"}, List: true}},
				}}, Action: one("s3:*"), Resource: one("*")},
			}},
		},
		{
			name: "trust statement has no resource",
			kind: policy.Trust,
			doc:  `{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`,
			want: &policy.Document{SingleStatement: true, Statements: []policy.Statement{{
				Effect:    policy.Allow,
				Principal: &policy.Principals{Types: []policy.PrincipalEntry{{Type: "Service", Values: policy.Strings{Values: []string{"ec2.amazonaws.com"}}}}},
				Action:    one("sts:AssumeRole"),
			}}},
		},
		{
			name: "escapes decoded",
			kind: policy.Identity,
			doc:  `{"Id":"a\u00e9\"\\\/b","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/\u4e2d"}}`,
			want: &policy.Document{ID: "aé\"\\/b", SingleStatement: true, Statements: []policy.Statement{{Effect: policy.Allow, Action: one("*"), Resource: one("arn:aws:s3:::b/中")}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := policy.ParseDocument([]byte(tt.doc), tt.kind, policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseDocument:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestKind(t *testing.T) {
	names := []string{"identity", "resource", "trust", "session", "boundary", "scp"}
	for i, k := range allKinds {
		t.Run(names[i], func(t *testing.T) {
			if got := k.String(); got != names[i] {
				t.Errorf("String() = %q, want %q", got, names[i])
			}
			for _, s := range []string{names[i], strings.ToUpper(names[i])} {
				if got, err := policy.ParseKind(s); err != nil || got != k {
					t.Errorf("ParseKind(%q) = %v, %v; want %v", s, got, err, k)
				}
			}
		})
	}
	if _, err := policy.ParseKind("inline"); err == nil || !strings.Contains(err.Error(), "identity, resource") {
		t.Errorf("ParseKind(inline) error = %v, want one listing the kinds", err)
	}
	if got := policy.Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99).String() = %q", got)
	}
}
