package authz_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/policy"
)

// benchStatement writes statement i of n. Only the last one matches the
// benchmark request; the others fail at different steps: the action
// (most), the resource, or a condition, so every matcher is exercised.
func benchStatement(i, n int) string {
	services := []string{"dynamodb:GetItem", "sqs:SendMessage", "ec2:Describe*", "iam:Get*", "s3:PutObject"}
	action := services[i%len(services)]
	resource := fmt.Sprintf("arn:aws:s3:::bucket-%d/*", i)
	team := fmt.Sprintf("team-%d", i)
	switch {
	case i == n-1:
		action, resource, team = "s3:GetObject", "arn:aws:s3:::bucket-prod/*", "blue"
	case i%10 == 9:
		// Action and resource match; the team condition does not.
		action, resource = "s3:Get*", "arn:aws:s3:::bucket-*/*"
	case i%10 == 4:
		// Action matches; the resource does not.
		action = "s3:GetObject"
	}
	return fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":[%q,"s3:ListBucket"],"Resource":%q,`+
		`"Condition":{"StringEquals":{"aws:PrincipalTag/team":%q},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]},"Bool":{"aws:SecureTransport":"true"}}}`,
		i, action, resource, team)
}

// benchPolicies builds p policies of s statements each; statement numbers
// run across policies, so only the last statement of the last policy
// matches.
func benchPolicies(tb testing.TB, p, s int) []*policy.Policy {
	var out []*policy.Policy
	for j := range p {
		var st []string
		for k := range s {
			st = append(st, benchStatement(j*s+k, p*s))
		}
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(st, ",") + `]}`
		pol, err := policy.Parse(fmt.Sprintf("policy-%d", j), []byte(doc), policy.Identity, policy.Options{MaxSize: -1})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, pol)
	}
	return out
}

func benchRequest() *authz.Request {
	p, _ := policy.ParsePrincipal("arn:aws:sts::111122223333:assumed-role/app/pod-1")
	p.Tags = map[string]string{"team": "blue"}
	req := &authz.Request{Principal: p, Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-prod/data/report.csv", ResourceAccount: "111122223333"}
	req.Context.Set("aws:SourceIp", "10.20.30.40")
	req.Context.Set("aws:SecureTransport", "true")
	req.Context.Set("aws:CurrentTime", "2026-11-24T08:00:00Z")
	req.Prepare()
	return req
}

func runBench(b *testing.B, set *authz.Set) {
	req := benchRequest()
	var res authz.Result
	authz.Evaluate(req, set, &res)
	if res.Decision != authz.Allowed || len(res.Statements) != 1 {
		b.Fatalf("decision %s with %d statements, want allowed by the last statement", res.Decision, len(res.Statements))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		authz.Evaluate(req, set, &res)
	}
}

// BenchmarkRole10x10 is the target: a role with 10 attached
// policies of 10 statements each, with conditions, decided on a request
// that only the last statement matches.
func BenchmarkRole10x10(b *testing.B) {
	runBench(b, &authz.Set{Identity: benchPolicies(b, 10, 10)})
}

// BenchmarkStatements shows how the decision time grows with the number of
// statements in one policy.
func BenchmarkStatements(b *testing.B) {
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			runBench(b, &authz.Set{Identity: benchPolicies(b, 1, n)})
		})
	}
}

// BenchmarkFullSet adds a boundary, a session policy, an SCP and a bucket
// policy to the 10x10 role.
func BenchmarkFullSet(b *testing.B) {
	parse := func(doc string, k policy.Kind) *policy.Policy {
		p, err := policy.Parse("p", []byte(doc), k, policy.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	set := &authz.Set{
		Identity: benchPolicies(b, 10, 10),
		Boundary: parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`, policy.Boundary),
		Session:  []*policy.Policy{parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::bucket-prod/*"}]}`, policy.Session)},
		Resource: parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bucket-prod/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, policy.Resource),
		SCPs:     [][]*policy.Policy{{parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.SCP)}},
	}
	req := benchRequest()
	var res authz.Result
	authz.Evaluate(req, set, &res)
	if res.Decision != authz.Allowed {
		b.Fatalf("decision %s (%s), want allowed", res.Decision, res.Reason)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		authz.Evaluate(req, set, &res)
	}
}
