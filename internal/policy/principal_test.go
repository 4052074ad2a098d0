package policy_test

import (
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/policy"
)

func TestParsePrincipal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want policy.Principal
	}{
		{name: "anonymous", in: "anonymous", want: policy.Principal{Type: policy.Anonymous}},
		{name: "star", in: "*", want: policy.Principal{Type: policy.Anonymous}},
		{name: "root", in: "arn:aws:iam::111122223333:root",
			want: policy.Principal{Type: policy.Account, ARN: "arn:aws:iam::111122223333:root", Account: "111122223333", Partition: "aws", UserID: "111122223333"}},
		{name: "user", in: "arn:aws:iam::111122223333:user/alice",
			want: policy.Principal{Type: policy.User, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", Partition: "aws"}},
		{name: "user with path", in: "arn:aws:iam::111122223333:user/dev/team/alice",
			want: policy.Principal{Type: policy.User, ARN: "arn:aws:iam::111122223333:user/dev/team/alice", Account: "111122223333", Partition: "aws"}},
		{name: "role stands for a session", in: "arn:aws:iam::111122223333:role/app",
			want: policy.Principal{Type: policy.AssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/app/session", RoleARN: "arn:aws:iam::111122223333:role/app", Account: "111122223333", Partition: "aws"}},
		{name: "role with path", in: "arn:aws:iam::111122223333:role/svc/app",
			want: policy.Principal{Type: policy.AssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/app/session", RoleARN: "arn:aws:iam::111122223333:role/svc/app", Account: "111122223333", Partition: "aws"}},
		{name: "session", in: "arn:aws:sts::111122223333:assumed-role/app/pod-1",
			want: policy.Principal{Type: policy.AssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/app/pod-1", RoleARN: "arn:aws:iam::111122223333:role/app", Account: "111122223333", Partition: "aws"}},
		{name: "session in aws-cn", in: "arn:aws-cn:sts::111122223333:assumed-role/app/s",
			want: policy.Principal{Type: policy.AssumedRole, ARN: "arn:aws-cn:sts::111122223333:assumed-role/app/s", RoleARN: "arn:aws-cn:iam::111122223333:role/app", Account: "111122223333", Partition: "aws-cn"}},
		{name: "federated user", in: "arn:aws:sts::111122223333:federated-user/bob",
			want: policy.Principal{Type: policy.FederatedUser, ARN: "arn:aws:sts::111122223333:federated-user/bob", Account: "111122223333", Partition: "aws", UserID: "111122223333:bob"}},
		{name: "OIDC provider", in: "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/X",
			want: policy.Principal{Type: policy.WebIdentity, ARN: "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/X", Account: "111122223333", Partition: "aws"}},
		{name: "SAML provider", in: "arn:aws-us-gov:iam::111122223333:saml-provider/corp",
			want: policy.Principal{Type: policy.WebIdentity, ARN: "arn:aws-us-gov:iam::111122223333:saml-provider/corp", Account: "111122223333", Partition: "aws-us-gov"}},
		{name: "built-in provider", in: "accounts.google.com", want: policy.Principal{Type: policy.WebIdentity, ARN: "accounts.google.com"}},
		{name: "cognito", in: "cognito-identity.amazonaws.com", want: policy.Principal{Type: policy.WebIdentity, ARN: "cognito-identity.amazonaws.com"}},
		{name: "service", in: "pods.eks.amazonaws.com", want: policy.Principal{Type: policy.Service, ARN: "pods.eks.amazonaws.com"}},
		{name: "service short", in: "ec2.amazonaws.com", want: policy.Principal{Type: policy.Service, ARN: "ec2.amazonaws.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := policy.ParsePrincipal(tt.in)
			if err != nil {
				t.Fatalf("ParsePrincipal(%q): %v", tt.in, err)
			}
			if got.Type != tt.want.Type || got.ARN != tt.want.ARN || got.RoleARN != tt.want.RoleARN ||
				got.Account != tt.want.Account || got.Partition != tt.want.Partition || got.UserID != tt.want.UserID || got.Tags != nil {
				t.Errorf("ParsePrincipal(%q) =\n %+v\nwant\n %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePrincipalErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		msg  string
	}{
		{name: "empty", in: "", msg: "not an ARN"},
		{name: "bare name", in: "alice", msg: "not an ARN, a service principal"},
		{name: "account id", in: "111122223333", msg: "not an ARN"},
		{name: "name with space", in: "ec2 .amazonaws.com", msg: "not an ARN"},
		{name: "name with slash", in: "ec2.amazonaws.com/x", msg: "not an ARN"},
		{name: "Anonymous case", in: "Anonymous", msg: "not an ARN"},
		{name: "too few segments", in: "arn:aws:iam::111122223333", msg: "not an ARN"},
		{name: "unknown partition", in: "arn:aws-mars:iam::111122223333:root", msg: "unknown partition"},
		{name: "no account", in: "arn:aws:iam:::user/alice", msg: "no 12-digit account"},
		{name: "short account", in: "arn:aws:iam::11112222333:root", msg: "no 12-digit account"},
		{name: "not IAM", in: "arn:aws:s3::111122223333:bucket", msg: "is not a user, root, role"},
		{name: "group", in: "arn:aws:iam::111122223333:group/devs", msg: "is not a user, root, role"},
		{name: "user without name", in: "arn:aws:iam::111122223333:user/", msg: "is not a user"},
		{name: "role without name", in: "arn:aws:iam::111122223333:role/", msg: "is not a user"},
		{name: "session without session name", in: "arn:aws:sts::111122223333:assumed-role/app", msg: "is not a user"},
		{name: "session with extra part", in: "arn:aws:sts::111122223333:assumed-role/app/s/x", msg: "is not a user"},
		{name: "sts root", in: "arn:aws:sts::111122223333:root", msg: "is not a user"},
		{name: "iam assumed-role", in: "arn:aws:iam::111122223333:assumed-role/app/s", msg: "is not a user"},
		{name: "federated user without name", in: "arn:aws:sts::111122223333:federated-user/", msg: "is not a user"},
		{name: "provider without name", in: "arn:aws:iam::111122223333:oidc-provider/", msg: "is not a user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := policy.ParsePrincipal(tt.in)
			if err == nil {
				t.Fatalf("ParsePrincipal(%q) = %+v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestPrincipalNames(t *testing.T) {
	tests := []struct {
		in                string
		userName, prinARN string
	}{
		{"arn:aws:iam::111122223333:user/dev/alice", "alice", "arn:aws:iam::111122223333:user/dev/alice"},
		{"arn:aws:iam::111122223333:root", "", "arn:aws:iam::111122223333:root"},
		{"arn:aws:sts::111122223333:assumed-role/app/s", "", "arn:aws:iam::111122223333:role/app"},
		{"arn:aws:sts::111122223333:federated-user/bob", "", "arn:aws:sts::111122223333:federated-user/bob"},
		{"accounts.google.com", "", ""},
		{"ec2.amazonaws.com", "", ""},
		{"anonymous", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := policy.ParsePrincipal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.UserName(); got != tt.userName {
				t.Errorf("UserName() = %q, want %q", got, tt.userName)
			}
			if got := p.PrincipalARN(); got != tt.prinARN {
				t.Errorf("PrincipalARN() = %q, want %q", got, tt.prinARN)
			}
		})
	}
}

// TestRuleMatchPrincipal checks how a Principal or NotPrincipal element
// names the caller.
func TestRuleMatchPrincipal(t *testing.T) {
	const (
		alice   = "arn:aws:iam::111122223333:user/alice"
		bob     = "arn:aws:iam::111122223333:user/bob"
		role    = "arn:aws:iam::111122223333:role/app"
		session = "arn:aws:sts::111122223333:assumed-role/app/pod-1"
		root    = "arn:aws:iam::111122223333:root"
		oidc    = "arn:aws:iam::111122223333:oidc-provider/oidc.example.com"
	)
	tests := []struct {
		name      string
		kind      policy.Kind
		effect    string
		element   string // "Principal":... or "NotPrincipal":...
		caller    string
		userID    string
		boundary  bool
		want      bool
		wantMatch policy.PrincipalMatch
	}{
		{name: "exact user", element: `"Principal":{"AWS":"` + alice + `"}`, caller: alice, want: true, wantMatch: policy.MatchExact},
		{name: "other user", element: `"Principal":{"AWS":"` + bob + `"}`, caller: alice},
		{name: "exact session", element: `"Principal":{"AWS":"` + session + `"}`, caller: session, want: true, wantMatch: policy.MatchExact},
		{name: "other session of the role", element: `"Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/pod-2"}`, caller: session},
		{name: "role names its session", element: `"Principal":{"AWS":"` + role + `"}`, caller: session, want: true, wantMatch: policy.MatchRole},
		{name: "role and session: exact wins", element: `"Principal":{"AWS":["` + role + `","` + session + `"]}`, caller: session, want: true, wantMatch: policy.MatchExact},
		{name: "role and account: role wins", element: `"Principal":{"AWS":["111122223333","` + role + `"]}`, caller: session, want: true, wantMatch: policy.MatchRole},
		{name: "role does not name a user", element: `"Principal":{"AWS":"` + role + `"}`, caller: alice},
		{name: "account id", element: `"Principal":{"AWS":"111122223333"}`, caller: alice, want: true, wantMatch: policy.MatchAccount},
		{name: "account root ARN", element: `"Principal":{"AWS":"` + root + `"}`, caller: session, want: true, wantMatch: policy.MatchAccount},
		{name: "account names root", element: `"Principal":{"AWS":"111122223333"}`, caller: root, want: true, wantMatch: policy.MatchAccount},
		{name: "star and account: star wins", element: `"Principal":{"AWS":["*","111122223333"]}`, caller: alice, want: true, wantMatch: policy.MatchAnyone},
		{name: "account and canonical user: canonical wins", element: `"Principal":{"AWS":"111122223333","CanonicalUser":"abc123"}`, caller: alice, userID: "abc123", want: true, wantMatch: policy.MatchCanonicalUser},
		{name: "role and canonical user: canonical wins", element: `"Principal":{"AWS":"` + role + `","CanonicalUser":"abc123"}`, caller: session, userID: "abc123", want: true, wantMatch: policy.MatchCanonicalUser},
		{name: "star and role: role wins", element: `"Principal":{"AWS":["*","` + role + `"]}`, caller: session, want: true, wantMatch: policy.MatchRole},
		{name: "other account", element: `"Principal":{"AWS":"444455556666"}`, caller: alice},
		{name: "other account root", element: `"Principal":{"AWS":"arn:aws:iam::444455556666:root"}`, caller: alice},
		{name: "star", element: `"Principal":"*"`, caller: alice, want: true, wantMatch: policy.MatchAnyone},
		{name: "AWS star", element: `"Principal":{"AWS":"*"}`, caller: session, want: true, wantMatch: policy.MatchAnyone},
		{name: "star names anonymous", element: `"Principal":"*"`, caller: "anonymous", want: true, wantMatch: policy.MatchAnyone},
		{name: "star names a service", element: `"Principal":"*"`, caller: "ec2.amazonaws.com", want: true, wantMatch: policy.MatchAnyone},
		{name: "account does not name anonymous", element: `"Principal":{"AWS":"111122223333"}`, caller: "anonymous"},
		{name: "canonical user", element: `"Principal":{"CanonicalUser":"abc123"}`, caller: alice, userID: "abc123", want: true, wantMatch: policy.MatchCanonicalUser},
		{name: "other canonical user", element: `"Principal":{"CanonicalUser":"abc123"}`, caller: alice, userID: "def456"},
		{name: "NotPrincipal excludes the caller", effect: "Deny", element: `"NotPrincipal":{"AWS":"` + alice + `"}`, caller: alice},
		{name: "NotPrincipal applies to others", effect: "Deny", element: `"NotPrincipal":{"AWS":"` + bob + `"}`, caller: alice, want: true, wantMatch: policy.MatchAnyone},
		{name: "NotPrincipal account excludes its users", effect: "Deny", element: `"NotPrincipal":{"AWS":"111122223333"}`, caller: alice},
		{name: "NotPrincipal role excludes its session", effect: "Deny", element: `"NotPrincipal":{"AWS":"` + role + `"}`, caller: session},
		{name: "NotPrincipal applies to anonymous", effect: "Deny", element: `"NotPrincipal":{"AWS":"111122223333"}`, caller: "anonymous", want: true, wantMatch: policy.MatchAnyone},
		{name: "NotPrincipal Allow", effect: "Allow", element: `"NotPrincipal":{"AWS":"` + bob + `"}`, caller: alice, want: true, wantMatch: policy.MatchAnyone},
		{name: "NotPrincipal Deny applies to a caller with a boundary", effect: "Deny", element: `"NotPrincipal":{"AWS":"` + alice + `"}`, caller: alice, boundary: true, want: true, wantMatch: policy.MatchAnyone},
		{name: "NotPrincipal Allow ignores the boundary", effect: "Allow", element: `"NotPrincipal":{"AWS":"` + alice + `"}`, caller: alice, boundary: true},
		{name: "federated", kind: policy.Trust, element: `"Principal":{"Federated":"` + oidc + `"}`, caller: oidc, want: true, wantMatch: policy.MatchFederated},
		{name: "federated built-in", kind: policy.Trust, element: `"Principal":{"Federated":"accounts.google.com"}`, caller: "accounts.google.com", want: true, wantMatch: policy.MatchFederated},
		{name: "federated other provider", kind: policy.Trust, element: `"Principal":{"Federated":"` + oidc + `"}`, caller: "accounts.google.com"},
		{name: "federated does not name the account's users", kind: policy.Trust, element: `"Principal":{"Federated":"` + oidc + `"}`, caller: alice},
		{name: "account does not name a provider", kind: policy.Trust, element: `"Principal":{"AWS":"111122223333"}`, caller: oidc},
		{name: "service", kind: policy.Trust, element: `"Principal":{"Service":"ec2.amazonaws.com"}`, caller: "ec2.amazonaws.com", want: true, wantMatch: policy.MatchService},
		{name: "service case-insensitive", kind: policy.Trust, element: `"Principal":{"Service":"EC2.amazonaws.com"}`, caller: "ec2.AMAZONAWS.com", want: true, wantMatch: policy.MatchService},
		{name: "service list", kind: policy.Trust, element: `"Principal":{"Service":["lambda.amazonaws.com","pods.eks.amazonaws.com"]}`, caller: "pods.eks.amazonaws.com", want: true, wantMatch: policy.MatchService},
		{name: "other service", kind: policy.Trust, element: `"Principal":{"Service":"ec2.amazonaws.com"}`, caller: "lambda.amazonaws.com"},
		{name: "service does not name a user", kind: policy.Trust, element: `"Principal":{"Service":"ec2.amazonaws.com"}`, caller: alice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, effect := tt.kind, tt.effect
			if effect == "" {
				effect = "Allow"
			}
			var doc string
			if kind == policy.Trust {
				doc = `{"Statement":{"Effect":"` + effect + `",` + tt.element + `,"Action":"sts:*"}}`
			} else {
				kind = policy.Resource
				doc = `{"Statement":{"Effect":"` + effect + `",` + tt.element + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`
			}
			p, err := policy.Parse("p", []byte(doc), kind, policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			caller, err := policy.ParsePrincipal(tt.caller)
			if err != nil {
				t.Fatal(err)
			}
			caller.UserID = tt.userID
			req := &policy.Request{Principal: caller, Action: "sts:AssumeRole", Resource: "arn:aws:iam::111122223333:role/target"}
			if kind == policy.Resource {
				req.Action, req.Resource = "s3:GetObject", "arn:aws:s3:::b/k"
			}
			req.SetHasBoundary(tt.boundary)
			got, pm := p.Rules[0].Match(req)
			if got != tt.want || pm != tt.wantMatch {
				t.Errorf("Match = %v, %s; want %v, %s", got, pm, tt.want, tt.wantMatch)
			}
		})
	}
}

// TestRuleMatch checks the parts of a rule other than the principal.
func TestRuleMatch(t *testing.T) {
	alice, err := policy.ParsePrincipal("arn:aws:iam::111122223333:user/alice")
	if err != nil {
		t.Fatal(err)
	}
	alice.Tags = map[string]string{"team": "blue"}
	tests := []struct {
		name     string
		doc      string
		action   string
		resource string
		ctx      map[string]string
		want     bool
	}{
		{name: "action and resource", doc: `"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: true},
		{name: "action case-insensitive", doc: `"Action":"S3:getobject","Resource":"*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k", want: true},
		{name: "action wildcard", doc: `"Action":"s3:Get*","Resource":"*"`, action: "s3:GetObjectTagging", resource: "arn:aws:s3:::b/k", want: true},
		{name: "action star", doc: `"Action":"*","Resource":"*"`, action: "ec2:RunInstances", resource: "*", want: true},
		{name: "action other service", doc: `"Action":"s3:*","Resource":"*"`, action: "s3x:GetObject", resource: "*"},
		{name: "action question mark", doc: `"Action":"s3:?etObject","Resource":"*"`, action: "s3:GetObject", resource: "*", want: true},
		{name: "action mismatch", doc: `"Action":["s3:PutObject","s3:DeleteObject"],"Resource":"*"`, action: "s3:GetObject", resource: "*"},
		{name: "NotAction excludes", doc: `"NotAction":"s3:*","Resource":"*"`, action: "s3:GetObject", resource: "*"},
		{name: "NotAction covers the rest", doc: `"NotAction":"s3:*","Resource":"*"`, action: "iam:GetUser", resource: "*", want: true},
		{name: "resource case-sensitive", doc: `"Action":"*","Resource":"arn:aws:s3:::B/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k"},
		{name: "resource star request", doc: `"Action":"*","Resource":"arn:aws:s3:::*"`, action: "s3:ListAllMyBuckets", resource: "*"},
		{name: "resource star policy", doc: `"Action":"*","Resource":"*"`, action: "s3:ListAllMyBuckets", resource: "*", want: true},
		{name: "NotResource excludes", doc: `"Action":"*","NotResource":"arn:aws:s3:::b/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k"},
		{name: "NotResource covers the rest", doc: `"Action":"*","NotResource":"arn:aws:s3:::b/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::c/k", want: true},
		{name: "NotResource covers a star request", doc: `"Action":"*","NotResource":"arn:aws:s3:::b/*"`, action: "s3:ListAllMyBuckets", resource: "*", want: true},
		{name: "resource variable", doc: `"Action":"*","Resource":"arn:aws:s3:::b/${aws:username}/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/alice/k", want: true},
		{name: "resource variable other user", doc: `"Action":"*","Resource":"arn:aws:s3:::b/${aws:username}/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/bob/k"},
		{name: "resource variable tag", doc: `"Action":"*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/blue/k", want: true},
		{name: "resource variable missing", doc: `"Action":"*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/dept}/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/blue/k"},
		{name: "resource variable default", doc: `"Action":"*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/dept, 'shared'}/*"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/shared/k", want: true},
		{name: "resource variable escape", doc: `"Action":"*","Resource":"arn:aws:s3:::b/${*}"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/*", want: true},
		{name: "resource variable escape is literal", doc: `"Action":"*","Resource":"arn:aws:s3:::b/${*}"`, action: "s3:GetObject", resource: "arn:aws:s3:::b/k"},
		{name: "condition holds", doc: `"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}`, action: "s3:GetObject", resource: "*", want: true},
		{name: "condition fails", doc: `"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}`, action: "s3:GetObject", resource: "*"},
		{name: "condition key case-insensitive", doc: `"Action":"*","Resource":"*","Condition":{"StringEquals":{"AWS:SOURCEIP":"10.0.0.1"}}`, action: "s3:GetObject", resource: "*", ctx: map[string]string{"aws:SourceIp": "10.0.0.1"}, want: true},
		{name: "every condition must hold", doc: `"Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`, action: "s3:GetObject", resource: "*", ctx: map[string]string{"aws:SecureTransport": "false"}},
		{name: "condition variable", doc: `"Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, action: "s3:ListBucket", resource: "*", ctx: map[string]string{"s3:prefix": "home/alice/x"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow",` + tt.doc + `}}`
			p, err := policy.Parse("p", []byte(doc), policy.Identity, policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			req := &policy.Request{Principal: alice, Action: tt.action, Resource: tt.resource}
			for k, v := range tt.ctx {
				req.Context.Set(k, v)
			}
			got, pm := p.Rules[0].Match(req)
			if got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
			wantPM := policy.NoPrincipalMatch
			if tt.want {
				wantPM = policy.MatchAnyone // no Principal element
			}
			if pm != wantPM {
				t.Errorf("principal match %s, want %s", pm, wantPM)
			}
		})
	}
}

func TestMatchAction(t *testing.T) {
	tests := []struct {
		element string
		action  string
		want    bool
	}{
		{`"Action":"s3:GetObject"`, "s3:GetObject", true},
		{`"Action":"s3:GetObject"`, "S3:GETOBJECT", true},
		{`"Action":"s3:get*"`, "s3:GetObject", true},
		{`"Action":["iam:*","s3:Put*"]`, "s3:GetObject", false},
		{`"Action":"*"`, "anything:AtAll", true},
		{`"NotAction":"s3:*"`, "s3:GetObject", false},
		{`"NotAction":"s3:*"`, "sqs:SendMessage", true},
	}
	for _, tt := range tests {
		t.Run(tt.element+"~"+tt.action, func(t *testing.T) {
			// The resource and condition never match: MatchAction looks
			// at the action alone.
			doc := `{"Statement":{"Effect":"Allow",` + tt.element + `,"Resource":"arn:aws:s3:::none","Condition":{"Null":{"k":"false"}}}}`
			p, err := policy.Parse("p", []byte(doc), policy.Identity, policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			req := &policy.Request{Action: tt.action, Resource: "arn:aws:s3:::b"}
			if got := p.Rules[0].MatchAction(req); got != tt.want {
				t.Errorf("MatchAction = %v, want %v", got, tt.want)
			}
			if m, _ := p.Rules[0].Match(req); m {
				t.Error("Match = true, want false")
			}
		})
	}
}

// TestVariables2008 checks that documents of version 2008-10-17, or with
// no version, read ${...} as plain text.
func TestVariables2008(t *testing.T) {
	alice, err := policy.ParsePrincipal("arn:aws:iam::111122223333:user/alice")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		version  string
		resource string
		want     bool
	}{
		{name: "2012 substitutes", version: `"Version":"2012-10-17",`, resource: "arn:aws:s3:::b/alice/k", want: true},
		{name: "2012 does not match the text", version: `"Version":"2012-10-17",`, resource: "arn:aws:s3:::b/${aws:username}/k"},
		{name: "2008 does not substitute", version: `"Version":"2008-10-17",`, resource: "arn:aws:s3:::b/alice/k"},
		{name: "2008 matches the text", version: `"Version":"2008-10-17",`, resource: "arn:aws:s3:::b/${aws:username}/k", want: true},
		{name: "no version does not substitute", resource: "arn:aws:s3:::b/alice/k"},
		{name: "no version matches the text", resource: "arn:aws:s3:::b/${aws:username}/k", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{` + tt.version + `"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*",` +
				`"Condition":{"StringLike":{"s3:prefix":"${aws:username}"}}}}`
			p, err := policy.Parse("p", []byte(doc), policy.Identity, policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			req := &policy.Request{Principal: alice, Action: "s3:GetObject", Resource: tt.resource}
			prefix := "alice"
			if !strings.Contains(tt.version, "2012") {
				prefix = "${aws:username}"
			}
			req.Context.Set("s3:prefix", prefix)
			if got, _ := p.Rules[0].Match(req); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRuleRef(t *testing.T) {
	p, err := policy.Parse("pol", []byte(`{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*"}]}`), policy.Identity, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Rules[0].Ref(); got != "pol/A" {
		t.Errorf("Ref() = %q, want pol/A", got)
	}
	if got := p.Rules[1].Ref(); got != "pol/#1" {
		t.Errorf("Ref() = %q, want pol/#1", got)
	}
	if got := (&policy.Rule{Index: 2}).Ref(); got != "/#2" {
		t.Errorf("Ref() of a detached rule = %q, want /#2", got)
	}
}
