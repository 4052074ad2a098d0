package s3_test

import (
	"testing"

	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/s3"
)

// publicCases are bucket policies with the verdict of S3's "The meaning
// of public": public unless each Allow grants to fixed principals, or is
// pinned by a condition to fixed values of a key that names the caller's
// origin.
var publicCases = []struct {
	name   string
	stmt   string
	public bool
}{
	{"anyone", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`, true},
	{"AWS star", `{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`, true},
	{"AWS star among fixed", `{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`, true},
	{"an account", `{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`, false},
	{"a role", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`, false},
	{"a service", `{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}`, false},
	{"deny to anyone", `{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`, false},
	{"allow with NotPrincipal", `{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`, true},
	{"a source IP", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}`, false},
	{"a /8", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`, false},
	{"too broad a range", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","0.0.0.0/1"]}}}`, true},
	{"all of IPv4, IPv4-mapped", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"::ffff:0.0.0.0/96"}}}`, true},
	{"an IPv4 /1, IPv4-mapped", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"::ffff:128.0.0.0/97"}}}`, true},
	{"an IPv4 /24, IPv4-mapped", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"::ffff:192.0.2.0/120"}}}`, false},
	{"a mapped range shorter than the mapping", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"::ffff:0.0.0.0/90"}}}`, true},
	{"too broad IPv6", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"2001:db8::/16"}}}`, true},
	{"not a source IP", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}`, true},
	{"a source VPC endpoint", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}`, false},
	{"any VPC endpoint", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:SourceVpce":"vpce-*"}}}`, true},
	{"a source account, IfExists", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"111122223333"}}}`, true},
	{"a source account", `{"Effect":"Allow","Principal":{"Service":"*"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}`, false},
	{"a source ARN", `{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}}}`, false},
	{"an organization", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}`, false},
	{"a user id", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}}`, false},
	{"a role's sessions", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLE:*"}}}`, true},
	{"a KMS key", `{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:111122223333:key/k"}}}`, false},
	{"a policy variable", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}}`, true},
	{"a key that names no origin", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`, true},
	{"a tag", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}`, true},
	{"ForAllValues pins nothing", `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"ForAllValues:StringEquals":{"aws:SourceVpc":"vpc-1"}}}`, true},
}

func parseBucketPolicy(t testing.TB, stmts string) *policy.Document {
	d, err := policy.ParseDocument([]byte(`{"Version":"2012-10-17","Statement":[`+stmts+`]}`), policy.Resource, policy.Options{MaxSize: -1})
	if err != nil {
		t.Fatalf("parse %s: %v", stmts, err)
	}
	return d
}

func TestPolicyIsPublic(t *testing.T) {
	for _, tc := range publicCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := s3.PolicyIsPublic(parseBucketPolicy(t, tc.stmt)); got != tc.public {
				t.Fatalf("public = %v, want %v", got, tc.public)
			}
		})
	}
	// One public statement makes a policy public, whatever else it holds.
	private := `{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	if !s3.PolicyIsPublic(parseBucketPolicy(t, private+`,`+publicCases[0].stmt)) {
		t.Fatal("a private and a public statement: not public")
	}
}

// FuzzPolicyIsPublic: the classifier never panics on any policy the
// parser accepts, and adding a statement that grants to anyone never
// makes a policy private (a policy with one public statement is public).
func FuzzPolicyIsPublic(f *testing.F) {
	for _, tc := range publicCases {
		f.Add(`{"Version":"2012-10-17","Statement":[` + tc.stmt + `]}`)
	}
	anyone, err := policy.ParseDocument([]byte(`{"Version":"2012-10-17","Statement":[`+publicCases[0].stmt+`]}`), policy.Resource, policy.Options{MaxSize: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := policy.ParseDocument([]byte(doc), policy.Resource, policy.Options{MaxSize: -1})
		if err != nil {
			return
		}
		was := s3.PolicyIsPublic(d)
		d.Statements = append(d.Statements, anyone.Statements[0])
		if !s3.PolicyIsPublic(d) {
			t.Fatalf("with a statement granting to anyone, %s is not public (was %v)", doc, was)
		}
	})
}
