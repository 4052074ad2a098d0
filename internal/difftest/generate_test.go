package difftest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/corpus"
)

// The generator builds random but valid cases in one small world: two
// accounts; users, role sessions (roles with paths), roots, a federated
// user, anonymous callers, service principals and web-identity providers;
// resources of six services; and pools of condition keys of every operator
// family whose request values and policy values come from the same small
// sets, so that conditions hold about as often as they fail. Resource and
// StringLike/ArnLike patterns are often made by putting wildcards into
// the request's own values.
//
// It stays inside the domain where podiam and iam-simulate are meant to
// agree, and never produces these known differences (test/oracle/NOTES.md):
// epoch dates, '*' or '?' in request resources, empty-string values, IPv6
// addresses in non-canonical text, numbers such as "10abc", '.' or '(' in
// action patterns, wildcards in an ARN's resource type, variables in the
// first five fields of an ARN, identity or session policies for callers
// that cannot have them, and federated users named like IAM users.
//
// Some known differences it does produce, rarely, so that their
// categories (classify_test.go) stay tested: documents without Version or
// with 2008-10-17 that hold variables, single-valued operators on
// multi-valued keys, role ARNs without their path, unresolved variables
// in negated operators and NotResource, Null on empty sets, ForAnyValue
// with IfExists on missing keys, 0.0.0.0/0, bare addresses of the other
// IP family in NotIpAddress, federated users without a session policy,
// and resource policies naming a session that has a session policy.

const (
	acctA = "111122223333" // the caller's and usually the resource's account
	acctB = "444455556666" // the other account

	oidcHost     = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	oidcProvider = "arn:aws:iam::" + acctA + ":oidc-provider/" + oidcHost
)

// document is a policy document as the generator writes it.
type document struct {
	Version   string      `json:"Version,omitempty"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid          string                    `json:"Sid,omitempty"`
	Effect       string                    `json:"Effect"`
	Principal    any                       `json:"Principal,omitempty"`
	NotPrincipal any                       `json:"NotPrincipal,omitempty"`
	Action       any                       `json:"Action,omitempty"`
	NotAction    any                       `json:"NotAction,omitempty"`
	Resource     any                       `json:"Resource,omitempty"`
	NotResource  any                       `json:"NotResource,omitempty"`
	Condition    map[string]map[string]any `json:"Condition,omitempty"`
}

// caller is one principal of the world.
type caller struct {
	kind    string // user, session, root, federated, anonymous, service, web
	arn     string // as the corpus's request.principal takes it
	roleARN string // sessions: the role, with its path
	userID  string
	tags    map[string]string
	account string
}

// target is one resource of the world with the actions that apply to it.
type target struct {
	arn     string
	account string
	actions []string
	// patterns that policies use for this resource: some match, some
	// do not.
	patterns []string
}

func users(account string) []caller {
	return []caller{
		{kind: "user", arn: "arn:aws:iam::" + account + ":user/alice", userID: "AIDAALICE" + account[:4], account: account},
		{kind: "user", arn: "arn:aws:iam::" + account + ":user/division/bob", account: account},
	}
}

func sessions(account string) []caller {
	return []caller{
		{kind: "session", arn: "arn:aws:sts::" + account + ":assumed-role/app/i-0abc", roleARN: "arn:aws:iam::" + account + ":role/team/app", userID: "AROAAPP:i-0abc", account: account},
		{kind: "session", arn: "arn:aws:sts::" + account + ":assumed-role/Admin/carol", roleARN: "arn:aws:iam::" + account + ":role/Admin", account: account},
	}
}

// tagValues never holds "": iam-simulate treats an empty variable value as
// missing (test/oracle/NOTES.md (d)).
var tagValues = []string{"blue", "red", "Blue"}

var services = []string{"cloudtrail.amazonaws.com", "pods.eks.amazonaws.com"}

func targets(account string) []target {
	return []target{
		{
			arn: "arn:aws:s3:::bucket-" + account + "/home/alice/notes.txt", account: account,
			actions: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
			patterns: []string{
				"arn:aws:s3:::bucket-" + account + "/*",
				"arn:aws:s3:::bucket-" + account + "/home/${aws:username}/*",
				"arn:aws:s3:::bucket-" + account + "/home/alice/notes.txt",
				"arn:aws:s3:::bucket-" + account + "/home/?lice/*",
				"arn:aws:s3:::bucket-" + account + "/home/bob/*",
				"arn:aws:s3:::*",
			},
		},
		{
			arn: "arn:aws:s3:::bucket-" + account + "/team/blue/report.csv", account: account,
			actions: []string{"s3:GetObject", "s3:PutObject"},
			patterns: []string{
				"arn:aws:s3:::bucket-" + account + "/team/${aws:PrincipalTag/team}/*",
				"arn:aws:s3:::bucket-" + account + "/team/${aws:PrincipalTag/team, 'blue'}/*",
				"arn:aws:s3:::bucket-" + account + "/team/*/report.csv",
				"arn:aws:s3:::bucket-" + account + "/team/red/*",
				"arn:aws:s3:::bucket-" + account + "*",
			},
		},
		{
			arn: "arn:aws:s3:::bucket-" + account, account: account,
			actions: []string{"s3:ListBucket"},
			patterns: []string{
				"arn:aws:s3:::bucket-" + account,
				"arn:aws:s3:::bucket-*",
				"arn:aws:s3:::bucket-" + account + "/*",
			},
		},
		{
			arn: "arn:aws:dynamodb:us-east-1:" + account + ":table/Orders", account: account,
			actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"},
			patterns: []string{
				"arn:aws:dynamodb:us-east-1:" + account + ":table/Orders",
				"arn:aws:dynamodb:*:" + account + ":table/*",
				"arn:aws:dynamodb:us-east-?:*:table/Ord*",
				"arn:aws:dynamodb:us-west-2:" + account + ":table/Orders",
				"arn:aws:dynamodb:us-east-1:" + account + ":table/orders",
			},
		},
		{
			arn: "arn:aws:logs:us-east-1:" + account + ":log-group:app:log-stream:web-1", account: account,
			actions: []string{"logs:PutLogEvents"},
			patterns: []string{
				"arn:aws:logs:us-east-1:" + account + ":log-group:app:*",
				"arn:aws:logs:*:" + account + ":log-group:*:log-stream:web-?",
				"arn:aws:logs:us-east-1:" + account + ":log-group:other:*",
			},
		},
		{
			arn: "arn:aws:iam::" + account + ":user/division/bob", account: account,
			actions: []string{"iam:GetUser", "iam:TagUser"},
			patterns: []string{
				"arn:aws:iam::" + account + ":user/*",
				"arn:aws:iam::" + account + ":user/division/*",
				"arn:aws:iam::" + account + ":user/${aws:username}",
				"arn:aws:iam::*:user/*/bob",
				"arn:aws:iam::" + account + ":user/bob",
			},
		},
		{
			arn: "arn:aws:sqs:eu-west-1:" + account + ":jobs", account: account,
			actions: []string{"sqs:SendMessage", "sqs:ReceiveMessage"},
			patterns: []string{
				"arn:aws:sqs:eu-west-1:" + account + ":jobs",
				"arn:aws:sqs:*:*:jo?s",
				"arn:aws:sqs:eu-west-1:" + account + ":*",
			},
		},
	}
}

// wildcardOnly are actions with no resource type: the request resource is
// "*", and only a Resource of "*" covers it.
var wildcardOnly = []string{"s3:ListAllMyBuckets", "ec2:DescribeInstances"}

// otherActions never match the request: they make policies that do not
// apply.
var otherActions = []string{"ec2:RunInstances", "iam:CreateUser", "kms:Decrypt"}

// ctxKey is a request context key with the values requests carry and the
// operators that suit it.
type ctxKey struct {
	name   string
	multi  bool
	values []string // request values
	policy []string // policy values (a superset that also misses)
	ops    []string
}

var stringOps = []string{"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"}
var numericOps = []string{"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"}
var dateOps = []string{"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"}
var arnOps = []string{"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"}

var ctxKeys = []ctxKey{
	{name: "aws:SourceIp", values: []string{"10.1.2.3", "192.0.2.44", "203.0.113.9", "2001:db8::1", "2001:db9::5"},
		policy: []string{"10.0.0.0/8", "10.1.2.3", "10.1.2.3/32", "192.0.2.0/24", "192.0.2.77/24", "2001:db8::/32", "2001:db8::1", "2001:db8::1/32", "0.0.0.0/0"},
		ops:    []string{"IpAddress", "NotIpAddress"}},
	{name: "aws:CurrentTime", values: []string{"2024-06-15T12:30:00Z", "2023-12-31T23:59:59Z", "2025-02-01T00:00:00Z", "2024-06-15T12:30:00.500Z", "2024-06-15T12:30:00.5Z"},
		policy: []string{"2024-06-15T12:30:00Z", "2024-01-01T00:00:00Z", "2024-06-15", "2025-01-01T00:00:00+01:00", "2024-06-15T12:30:00.000Z", "2024-06-15T13:30:00+01:00", "2024-06-15T12:30:00.5Z", "2023-12-31T23:59:59Z"},
		ops:    dateOps},
	{name: "aws:SecureTransport", values: []string{"true", "false"}, policy: []string{"true", "false", "True"}, ops: []string{"Bool"}},
	{name: "aws:MultiFactorAuthAge", values: []string{"100", "3600", "7200", "0"},
		policy: []string{"3600", "100", "0", "1.5", "-2", "7200.0"}, ops: numericOps},
	{name: "s3:prefix", values: []string{"home/alice/", "home/", "team/blue/", "Home/Alice/"},
		policy: []string{"home/alice/", "home/*", "home/${aws:username}/", "home/${aws:username}/*", "team/${aws:PrincipalTag/team}/", "*", "h?me/*", "HOME/ALICE/"},
		ops:    stringOps},
	{name: "aws:RequestTag/env", values: []string{"prod", "dev", "Prod"},
		policy: []string{"prod", "dev", "pr*", "PROD", "${aws:PrincipalTag/env}", "${aws:PrincipalTag/env, 'dev'}"},
		ops:    stringOps},
	{name: "aws:SourceArn", values: []string{"arn:aws:sns:us-east-1:" + acctA + ":topic", "arn:aws:s3:::bucket-" + acctA, "arn:aws:iam::" + acctB + ":role/team/app"},
		policy: []string{"arn:aws:sns:us-east-1:" + acctA + ":topic", "arn:aws:sns:*:" + acctA + ":*", "arn:aws:s3:::bucket-*", "arn:aws:iam::*:role/team/*", "arn:aws:iam::" + acctB + ":role/*", "arn:aws:sqs:*:*:*", "arn:aws:s3:::bucket-" + acctA},
		ops:    append(append([]string{}, arnOps...), "StringLike", "StringEquals")},
	{name: "aws:PrincipalArn", policy: []string{"arn:aws:iam::" + acctA + ":user/*", "arn:aws:iam::*:role/team/*", "arn:aws:iam::" + acctA + ":role/Admin", "arn:aws:iam::" + acctA + ":root", "arn:aws:iam::" + acctB + ":*", "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:role/${aws:PrincipalTag/team, 'team'}/*"},
		ops: arnOps},
	{name: "aws:PrincipalTag/team", policy: []string{"blue", "red", "bl*", "BLUE"}, ops: stringOps},
	{name: "aws:username", policy: []string{"alice", "bob", "a*", "${aws:PrincipalTag/team}"}, ops: stringOps},
	{name: "aws:PrincipalAccount", policy: []string{acctA, acctB}, ops: []string{"StringEquals", "StringNotEquals"}},
	{name: "aws:RequestTag/blob", values: []string{"QUJD", "eHl6"}, policy: []string{"QUJD", "AAEC"}, ops: []string{"BinaryEquals"}},
	{name: "aws:TagKeys", multi: true, values: []string{"env", "team", "owner", "Env"},
		policy: []string{"env", "team", "own*", "ENV", "cost"}, ops: stringOps},
	{name: "aws:PrincipalServiceNamesList", multi: true, values: []string{"ec2.amazonaws.com", "lambda.amazonaws.com"},
		policy: []string{"ec2.amazonaws.com", "*.amazonaws.com", "s3.amazonaws.com"}, ops: []string{"StringEquals", "StringLike", "StringNotEquals"}},
}

// generator draws cases from one seeded source.
type generator struct {
	r *rand.Rand
}

func newGenerator(seed uint64) *generator {
	return &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func pick[T any](g *generator, xs []T) T { return xs[g.r.IntN(len(xs))] }

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

// some returns one to n distinct items of xs, as a string when there is
// one and sometimes as a one-element list.
func (g *generator) some(xs []string, n int) any {
	k := 1 + g.r.IntN(min(n, len(xs)))
	perm := g.r.Perm(len(xs))[:k]
	out := make([]string, k)
	for i, j := range perm {
		out[i] = xs[j]
	}
	if k == 1 && g.chance(0.7) {
		return out[0]
	}
	return out
}

// cases returns n cases named gen-<seed>-<i>.
func (g *generator) cases(seed uint64, n int) []corpus.Case {
	out := make([]corpus.Case, n)
	for i := range out {
		out[i] = g.oneCase()
		out[i].Name = fmt.Sprintf("gen-%d-%d", seed, i)
	}
	return out
}

func (g *generator) oneCase() corpus.Case {
	switch x := g.r.Float64(); {
	case x < 0.15:
		return g.trustCase()
	case x < 0.22:
		return g.wildcardOnlyCase()
	default:
		return g.resourceCase()
	}
}

// pickCaller draws a caller for a resource request.
func (g *generator) pickCaller() caller {
	var c caller
	switch x := g.r.Float64(); {
	case x < 0.30:
		c = pick(g, users(acctA))
	case x < 0.55:
		c = pick(g, sessions(acctA))
	case x < 0.62:
		c = caller{kind: "root", arn: "arn:aws:iam::" + acctA + ":root", account: acctA}
	case x < 0.67:
		// Not named like any IAM user: iam-simulate matches a federated
		// user to the IAM user of the same name, which AWS does not
		// document (the name is the caller's choice).
		c = caller{kind: "federated", arn: "arn:aws:sts::" + acctA + ":federated-user/fed-dana", userID: acctA + ":fed-dana", account: acctA}
	case x < 0.80:
		c = pick(g, append(users(acctB), sessions(acctB)...))
	case x < 0.82:
		c = caller{kind: "root", arn: "arn:aws:iam::" + acctB + ":root", account: acctB}
	case x < 0.91:
		c = caller{kind: "anonymous", arn: "anonymous"}
	default:
		c = caller{kind: "service", arn: pick(g, services)}
	}
	if (c.kind == "user" || c.kind == "session") && g.chance(0.6) {
		c.tags = map[string]string{"team": pick(g, tagValues)}
		if g.chance(0.4) {
			c.tags["env"] = pick(g, []string{"prod", "dev"})
		}
	}
	return c
}

func (g *generator) resourceCase() corpus.Case {
	who := g.pickCaller()
	account := acctA
	if g.chance(0.12) {
		account = acctB
	}
	t := pick(g, targets(account))
	action := pick(g, t.actions)
	if g.chance(0.1) {
		action = caseVariant(g, action)
	}
	c := corpus.Case{Request: g.request(who, action, t.arn)}
	if account != acctA {
		c.Request.ResourceAccount = account
	} else {
		c.Request.ResourceAccount = acctA
	}
	g.identitySide(&c, who, action, t)
	if g.chance(0.55) || who.kind == "anonymous" || who.kind == "service" {
		doc := document{Version: g.version()}
		for range 1 + g.r.IntN(3) {
			doc.Statement = append(doc.Statement, g.resourceStatement(who, action, t))
		}
		c.Policies.Resource = named("bucket", doc)
	}
	g.scps(&c, action)
	return c
}

func (g *generator) wildcardOnlyCase() corpus.Case {
	who := pick(g, append(users(acctA), sessions(acctA)...))
	action := pick(g, wildcardOnly)
	t := target{arn: "*", patterns: []string{"arn:aws:s3:::*", "arn:aws:ec2:*:*:instance/*"}}
	c := corpus.Case{Request: g.request(who, action, "*")}
	c.Request.ResourceAccount = acctA
	g.identitySide(&c, who, action, t)
	g.scps(&c, action)
	return c
}

func (g *generator) trustCase() corpus.Case {
	var who caller
	action := "sts:AssumeRole"
	switch x := g.r.Float64(); {
	case x < 0.25:
		who = pick(g, users(acctA))
	case x < 0.45:
		who = pick(g, sessions(acctA))
	case x < 0.6:
		who = pick(g, append(users(acctB), sessions(acctB)...))
	case x < 0.65:
		who = caller{kind: "root", arn: "arn:aws:iam::" + acctB + ":root", account: acctB}
	case x < 0.8:
		who = caller{kind: "web", arn: oidcProvider, account: acctA}
		action = "sts:AssumeRoleWithWebIdentity"
	case x < 0.88:
		who = caller{kind: "web", arn: pick(g, []string{"accounts.google.com", "cognito-identity.amazonaws.com"})}
		action = "sts:AssumeRoleWithWebIdentity"
	default:
		who = caller{kind: "service", arn: pick(g, services)}
	}
	if action == "sts:AssumeRole" && g.chance(0.15) {
		action = "sts:TagSession"
	}
	role := "arn:aws:iam::" + acctA + ":role/target"
	c := corpus.Case{Request: g.request(who, action, role)}
	c.Request.ResourceAccount = acctA
	if who.kind == "web" {
		g.webContext(&c, who)
	}
	t := target{arn: role, account: acctA, actions: []string{action},
		patterns: []string{role, "arn:aws:iam::" + acctA + ":role/*", "arn:aws:iam::" + acctA + ":role/other"}}
	g.identitySide(&c, who, action, t)
	doc := document{Version: g.version()}
	for range 1 + g.r.IntN(2) {
		doc.Statement = append(doc.Statement, g.trustStatement(who, action))
	}
	c.Policies.Trust = named("trust", doc)
	g.scps(&c, action)
	return c
}

// request builds the request spec: principal facts and random context.
func (g *generator) request(who caller, action, resource string) corpus.RequestSpec {
	rs := corpus.RequestSpec{Principal: who.arn, Action: action, Resource: resource,
		RoleARN: who.roleARN, UserID: who.userID, PrincipalTags: who.tags}
	rs.Context = map[string]json.RawMessage{}
	for _, k := range ctxKeys {
		if len(k.values) == 0 || !g.chance(0.45) {
			continue
		}
		var v any
		if k.multi {
			n := g.r.IntN(3)
			vals := []string{}
			for _, j := range g.r.Perm(len(k.values))[:n] {
				vals = append(vals, k.values[j])
			}
			v = vals
		} else {
			v = pick(g, k.values)
		}
		b, _ := json.Marshal(v)
		rs.Context[k.name] = b
	}
	return rs
}

func (g *generator) webContext(c *corpus.Case, who caller) {
	set := func(k, v string) {
		b, _ := json.Marshal(v)
		c.Request.Context[k] = b
	}
	switch who.arn {
	case oidcProvider:
		if g.chance(0.85) {
			set(oidcHost+":sub", pick(g, []string{"system:serviceaccount:default:my-app", "system:serviceaccount:kube-system:other"}))
		}
		if g.chance(0.85) {
			set(oidcHost+":aud", pick(g, []string{"sts.amazonaws.com", "other"}))
		}
	case "accounts.google.com":
		set("accounts.google.com:aud", pick(g, []string{"my-client.apps.googleusercontent.com", "other"}))
	default:
		set("cognito-identity.amazonaws.com:aud", pick(g, []string{"us-east-1:pool-1", "us-east-1:pool-2"}))
	}
}

// identitySide adds identity policies, a boundary and session policies
// for callers that have them.
func (g *generator) identitySide(c *corpus.Case, who caller, action string, t target) {
	switch who.kind {
	case "user", "session", "federated":
	default:
		return
	}
	for i := range g.r.IntN(3) {
		doc := document{Version: g.version()}
		for range 1 + g.r.IntN(3) {
			doc.Statement = append(doc.Statement, g.identityStatement(action, t))
		}
		c.Policies.Identity = append(c.Policies.Identity, *named(fmt.Sprintf("id%d", i), doc))
	}
	if g.chance(0.2) {
		c.Policies.Boundary = named("boundary", g.simpleDoc(action, t))
	}
	switch {
	case who.kind == "federated" && g.chance(0.95), who.kind == "session" && g.chance(0.25):
		c.Policies.Session = []corpus.NamedPolicy{*named("session", g.simpleDoc(action, t))}
		if g.chance(0.2) {
			// An inline and a managed session policy: one session policy
			// made of both.
			c.Policies.Session = append(c.Policies.Session, *named("session-managed", g.simpleDoc(action, t)))
		}
	}
}

// simpleDoc is a boundary or session policy: mostly an Allow of the
// action or its service, sometimes narrower, sometimes with a Deny.
func (g *generator) simpleDoc(action string, t target) document {
	doc := document{Version: g.version()}
	doc.Statement = append(doc.Statement, g.identityStatement(action, t))
	if g.chance(0.5) {
		s := statement{Effect: "Allow", Action: g.actionPattern(action), Resource: "*"}
		doc.Statement = append(doc.Statement, s)
	}
	return doc
}

func (g *generator) identityStatement(action string, t target) statement {
	s := statement{Effect: "Allow"}
	if g.chance(0.25) {
		s.Effect = "Deny"
	}
	if g.chance(0.1) {
		s.NotAction = g.some([]string{pick(g, otherActions), g.actionPattern(action)}, 1)
	} else {
		s.Action = g.actions(action)
	}
	g.resources(&s, t)
	g.conditions(&s)
	return s
}

func (g *generator) actions(action string) any {
	xs := []string{g.actionPattern(action)}
	if g.chance(0.3) {
		xs = append(xs, pick(g, otherActions))
	}
	if len(xs) == 1 && g.chance(0.7) {
		return xs[0]
	}
	return xs
}

// actionPattern returns a pattern that usually covers action.
func (g *generator) actionPattern(action string) string {
	svc, name, _ := strings.Cut(action, ":")
	switch g.r.IntN(9) {
	case 0:
		return "*"
	case 1:
		return svc + ":*"
	case 2:
		return svc + ":" + name[:3] + "*"
	case 3:
		return svc + ":*" + name[len(name)-4:]
	case 4:
		return svc + ":?" + name[1:]
	case 5:
		return caseVariant(g, action)
	case 6:
		return pick(g, otherActions)
	case 7:
		return svc + ":Describe*"
	}
	return action
}

func caseVariant(g *generator, s string) string {
	if g.chance(0.5) {
		return strings.ToLower(s)
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (g *generator) resources(s *statement, t target) {
	var xs []string
	if g.chance(0.2) {
		xs = []string{"*"}
	} else {
		xs = []string{g.resourcePattern(t)}
		if g.chance(0.25) {
			xs = append(xs, g.resourcePattern(t))
		}
	}
	var v any = xs
	if len(xs) == 1 && g.chance(0.6) {
		v = xs[0]
	}
	if g.chance(0.12) {
		s.NotResource = v
		return
	}
	s.Resource = v
}

// resourcePattern is one of the target's patterns, or a random wildcard
// pattern made from its ARN.
func (g *generator) resourcePattern(t target) string {
	if t.arn == "*" || g.chance(0.6) {
		return pick(g, t.patterns)
	}
	seg, _ := arnSegments(t.arn)
	// iam-simulate compares the resource type (the text up to the first
	// '/' or ':' of the resource part) literally, so wildcards start after
	// it, except in S3 ARNs, whose whole resource part is the name
	// (NOTES.md (h)).
	from := len(t.arn) - len(seg[5])
	if seg[3] != "" || seg[4] != "" {
		if i := strings.IndexAny(seg[5], "/:"); i >= 0 {
			from += i + 1
		}
	}
	p := g.mutate(t.arn, from)
	if seg[4] != "" && g.chance(0.2) {
		p = strings.Replace(p, ":"+seg[4]+":", ":*:", 1)
	}
	return p
}

func arnSegments(s string) ([6]string, bool) {
	var seg [6]string
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 {
		return seg, false
	}
	copy(seg[:], parts)
	return seg, true
}

// mutate turns s into a wildcard pattern: after byte from, characters
// become '?', runs become '*', stars are inserted, and now and then one
// letter changes so that the pattern no longer matches s. Text with a
// policy variable is returned as it is.
func (g *generator) mutate(s string, from int) string {
	if strings.Contains(s, "${") || from > len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:from])
	rest := s[from:]
	for i := 0; i < len(rest); i++ {
		switch x := g.r.Float64(); {
		case x < 0.08:
			b.WriteByte('?')
		case x < 0.14:
			b.WriteByte('*')
			i += g.r.IntN(4) // swallow a few characters
		case x < 0.18:
			b.WriteByte('*')
			b.WriteByte(rest[i])
		case x < 0.2 && rest[i] >= 'a' && rest[i] <= 'y':
			b.WriteByte(rest[i] + 1)
		default:
			b.WriteByte(rest[i])
		}
	}
	return b.String()
}

// conditions adds zero to three condition keys.
func (g *generator) conditions(s *statement) {
	n := 0
	switch x := g.r.Float64(); {
	case x < 0.45:
		return
	case x < 0.8:
		n = 1
	case x < 0.95:
		n = 2
	default:
		n = 3
	}
	s.Condition = map[string]map[string]any{}
	for range n {
		op, key, vals := g.condition()
		if s.Condition[op] == nil {
			s.Condition[op] = map[string]any{}
		}
		s.Condition[op][key] = vals
	}
}

// condition draws an operator, a key and policy values.
func (g *generator) condition() (op, key string, vals any) {
	k := pick(g, ctxKeys)
	if g.chance(0.1) {
		return "Null", k.name, pick(g, []string{"true", "false"})
	}
	op = pick(g, k.ops)
	switch {
	case k.multi && g.chance(0.95):
		// Multi-valued keys take a set operator; iam-simulate never lets a
		// single-valued operator match one (NOTES.md (l)).
		op = pick(g, []string{"ForAllValues:", "ForAnyValue:"}) + op
	case !k.multi && g.chance(0.08):
		op = pick(g, []string{"ForAllValues:", "ForAnyValue:"}) + op
	}
	if g.chance(0.12) {
		op += "IfExists"
	}
	key = k.name
	if g.chance(0.05) {
		key = strings.ToUpper(key[:1]) + key[1:] // key names are case-insensitive
	}
	vals = g.some(k.policy, 2)
	switch base := baseOperator(op); {
	case len(k.values) > 0 && (base == "StringLike" || base == "StringNotLike") && g.chance(0.4):
		vals = g.mutate(pick(g, k.values), 0)
	case len(k.values) > 0 && (base == "ArnLike" || base == "ArnNotLike") && g.chance(0.4):
		v := pick(g, k.values)
		seg, _ := arnSegments(v)
		vals = g.mutate(v, len(v)-len(seg[5]))
	}
	if s, ok := vals.(string); ok && g.chance(0.3) {
		// Condition values may be JSON numbers and booleans.
		base := strings.TrimSuffix(op[strings.IndexByte(op, ':')+1:], "IfExists")
		if n, err := strconv.ParseFloat(s, 64); err == nil && strings.HasPrefix(base, "Numeric") {
			vals = n
		}
		if base == "Bool" && (s == "true" || s == "false") {
			vals = s == "true"
		}
	}
	return op, key, vals
}

// resourceStatement is a statement of a resource policy: its Principal
// names the caller in one of several ways, or someone else.
func (g *generator) resourceStatement(who caller, action string, t target) statement {
	s := g.identityStatement(action, t)
	p := g.principal(who, false)
	if g.chance(0.1) {
		s.NotPrincipal = p
		if g.chance(0.8) {
			s.Effect = "Deny"
		}
	} else {
		s.Principal = p
	}
	return s
}

func (g *generator) trustStatement(who caller, action string) statement {
	s := statement{Effect: "Allow", Principal: g.principal(who, true)}
	if g.chance(0.12) {
		s.Effect = "Deny"
	}
	switch x := g.r.Float64(); {
	case x < 0.6:
		s.Action = action
	case x < 0.75:
		s.Action = "sts:*"
	case x < 0.9:
		s.Action = []string{action, "sts:TagSession"}
	default:
		s.Action = pick(g, []string{"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"})
	}
	if who.kind == "web" && g.chance(0.7) {
		s.Condition = map[string]map[string]any{}
		host := who.arn
		if who.arn == oidcProvider {
			host = oidcHost
		}
		switch who.arn {
		case oidcProvider:
			s.Condition[pick(g, []string{"StringEquals", "StringLike"})] = map[string]any{
				host + ":sub": pick(g, []string{"system:serviceaccount:default:my-app", "system:serviceaccount:default:*", "system:serviceaccount:*"}),
			}
			if g.chance(0.6) {
				s.Condition["StringEquals"] = map[string]any{host + ":aud": "sts.amazonaws.com"}
			}
		case "accounts.google.com":
			s.Condition["StringEquals"] = map[string]any{host + ":aud": "my-client.apps.googleusercontent.com"}
		default:
			s.Condition["StringEquals"] = map[string]any{host + ":aud": "us-east-1:pool-1"}
		}
	} else {
		g.conditions(&s)
	}
	return s
}

// principal draws a Principal element: usually one that names the caller
// (directly, by role, by account, or as anyone), sometimes someone else.
func (g *generator) principal(who caller, trust bool) any {
	anyone := func() any {
		if g.chance(0.5) {
			return "*"
		}
		return map[string]any{"AWS": "*"}
	}
	other := func() any {
		return map[string]any{"AWS": pick(g, []string{
			"arn:aws:iam::" + acctA + ":user/mallory", acctB, "arn:aws:iam::" + acctA + ":role/other",
		})}
	}
	if g.chance(0.15) {
		return other()
	}
	switch who.kind {
	case "anonymous":
		return anyone()
	case "service":
		if g.chance(0.7) {
			return map[string]any{"Service": who.arn}
		}
		return anyone()
	case "web":
		if g.chance(0.8) {
			return map[string]any{"Federated": who.arn}
		}
		return anyone()
	}
	var names []string
	switch who.kind {
	case "user", "federated":
		names = []string{who.arn}
	case "session":
		names = []string{who.roleARN, who.roleARN, who.arn}
	}
	names = append(names, who.account, "arn:aws:iam::"+who.account+":root")
	x := g.r.Float64()
	switch {
	case x < 0.15:
		return anyone()
	case x < 0.2 && who.kind == "session":
		// A role ARN without its path: AWS (and podiam) do not match it;
		// iam-simulate compares role names only.
		name := who.roleARN[strings.LastIndexByte(who.roleARN, '/')+1:]
		return map[string]any{"AWS": "arn:aws:iam::" + who.account + ":role/" + name}
	}
	if g.chance(0.05) && strings.Contains(who.arn, "/") {
		// ARNs in Principal compare case-sensitively: a case variant names
		// someone else.
		i := strings.LastIndexByte(who.arn, '/') + 1
		names = append(names, who.arn[:i]+strings.ToUpper(who.arn[i:]))
	}
	v := g.some(names, 2)
	if xs, ok := v.([]string); ok && g.chance(0.3) {
		v = append(xs, "arn:aws:iam::"+acctB+":user/zed")
	}
	return map[string]any{"AWS": v}
}

// scps adds one level of SCPs for about a third of the cases.
func (g *generator) scps(c *corpus.Case, action string) {
	if !g.chance(0.3) {
		return
	}
	full := document{Version: "2012-10-17", Statement: []statement{{Effect: "Allow", Action: "*", Resource: "*"}}}
	var level []corpus.NamedPolicy
	if g.chance(0.8) {
		level = append(level, *named("FullAWSAccess", full))
	}
	if g.chance(0.6) {
		doc := document{Version: g.version()}
		s := statement{Effect: pick(g, []string{"Allow", "Deny"}), Action: g.actions(action), Resource: "*"}
		g.conditions(&s)
		doc.Statement = append(doc.Statement, s)
		level = append(level, *named("guard", doc))
	}
	if len(level) == 0 {
		level = append(level, *named("FullAWSAccess", full))
	}
	c.Policies.SCPs = level
}

// version is almost always 2012-10-17; the rare 2008-10-17 document, or
// document without Version, keeps the classifier for its known difference
// tested.
func (g *generator) version() string {
	switch x := g.r.Float64(); {
	case x < 0.015:
		return "2008-10-17"
	case x < 0.02:
		return "" // no Version: the 2008 rules
	}
	return "2012-10-17"
}

func named(name string, d document) *corpus.NamedPolicy {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	return &corpus.NamedPolicy{Name: name, Document: b}
}
