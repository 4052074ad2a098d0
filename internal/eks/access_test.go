package eks_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/accesspolicy"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

const (
	viewARN  = accesspolicy.ARNPrefix + "AmazonEKSViewPolicy"
	editARN  = accesspolicy.ARNPrefix + "AmazonEKSEditPolicy"
	adminARN = accesspolicy.ARNPrefix + "AmazonEKSClusterAdminPolicy"
)

func TestAccessEntries(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.cluster(t, "c1")
	role, pathRole, user := "arn:aws:iam::"+acct+":role/ci", "arn:aws:iam::"+acct+":role/team/dev", "arn:aws:iam::"+acct+":user/bob"
	other := "arn:aws:iam::444455556666:role/remote"
	f.auth.ids[role], f.auth.ids[pathRole], f.auth.ids[user], f.auth.ids[other] = "AROACI", "AROADEV", "AIDABOB", "AROAREMOTE"

	e, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "c1", PrincipalARN: role,
		KubernetesGroups: []string{"devs"}, Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != eks.TypeStandard || e.Username != "arn:aws:sts::"+acct+":assumed-role/ci/{{SessionName}}" || e.PrincipalID != "AROACI" {
		t.Errorf("created %+v", e)
	}
	if !regexp.MustCompile(`^arn:aws:eks:us-east-1:` + acct + `:access-entry/c1/role/` + acct + `/ci/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(e.ARN) {
		t.Errorf("ARN %s", e.ARN)
	}
	call, _ := f.auth.last("eks:CreateAccessEntry")
	if call.resource != "arn:aws:eks:us-east-1:"+acct+":cluster/c1" || call.keys.Values["eks:principalArn"] != role ||
		call.keys.Values["eks:accessEntryType"] != "STANDARD" || len(call.keys.Lists["eks:kubernetesGroups"]) != 1 {
		t.Errorf("CreateAccessEntry authorized with %+v", call)
	}

	// Default usernames: a user's ARN, a role's session without its path,
	// a node's.
	for _, tc := range []struct{ principal, typ, want string }{
		{user, "", user},
		{pathRole, "", "arn:aws:sts::" + acct + ":assumed-role/dev/{{SessionName}}"},
	} {
		got, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "c1", PrincipalARN: tc.principal, Type: tc.typ})
		if err != nil || got.Username != tc.want {
			t.Errorf("%s: username %q, %v; want %q", tc.principal, got.Username, err, tc.want)
		}
	}
	f.auth.ids["arn:aws:iam::"+acct+":role/node"] = "AROANODE"
	node, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "c1", PrincipalARN: "arn:aws:iam::" + acct + ":role/node", Type: eks.TypeEC2Linux})
	if err != nil || node.Username != "system:node:{{EC2PrivateDNSName}}" {
		t.Errorf("node entry %+v, %v", node, err)
	}
	if _, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "c1", PrincipalARN: other}); err != nil {
		t.Errorf("a STANDARD entry of another account: %v", err)
	}

	// Refusals, each beside the create above that succeeds.
	f.auth.ids["arn:aws:iam::"+acct+":role/fresh"] = "AROAFRESH"
	fresh := "arn:aws:iam::" + acct + ":role/fresh"
	for _, tc := range []struct {
		name string
		in   eks.CreateAccessEntryInput
		kind fault.Kind
	}{
		{"the same principal", eks.CreateAccessEntryInput{PrincipalARN: role}, fault.AlreadyExists},
		{"an STS session", eks.CreateAccessEntryInput{PrincipalARN: "arn:aws:sts::" + acct + ":assumed-role/ci/s"}, fault.InvalidParameter},
		{"a service-linked role", eks.CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::" + acct + ":role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"}, fault.InvalidParameter},
		{"not a principal", eks.CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::" + acct + ":group/g"}, fault.InvalidParameter},
		{"a principal that does not exist", eks.CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::" + acct + ":role/nobody"}, fault.InvalidParameter},
		{"a node type in another account", eks.CreateAccessEntryInput{PrincipalARN: "arn:aws:iam::444455556666:role/n2", Type: eks.TypeEC2Linux}, fault.InvalidParameter},
		{"groups on a node type", eks.CreateAccessEntryInput{PrincipalARN: fresh, Type: eks.TypeFargateLinux, KubernetesGroups: []string{"g"}}, fault.InvalidParameter},
		{"a username on a node type", eks.CreateAccessEntryInput{PrincipalARN: fresh, Type: eks.TypeHybridLinux, Username: "n:{{SessionName}}"}, fault.InvalidParameter},
		{"an unknown type", eks.CreateAccessEntryInput{PrincipalARN: fresh, Type: "standard"}, fault.InvalidParameter},
		{"a reserved username", eks.CreateAccessEntryInput{PrincipalARN: fresh, Username: "system:admin"}, fault.InvalidParameter},
		{"a reserved username in capitals", eks.CreateAccessEntryInput{PrincipalARN: fresh, Username: "EKS:x"}, fault.InvalidParameter},
		{"a session name without a colon before it", eks.CreateAccessEntryInput{PrincipalARN: fresh, Username: "ci-{{SessionName}}"}, fault.InvalidParameter},
		{"an empty group", eks.CreateAccessEntryInput{PrincipalARN: fresh, KubernetesGroups: []string{""}}, fault.InvalidParameter},
		{"system:masters", eks.CreateAccessEntryInput{PrincipalARN: fresh, KubernetesGroups: []string{"devs", "system:masters"}}, fault.InvalidParameter},
		{"a reserved group in another case", eks.CreateAccessEntryInput{PrincipalARN: fresh, KubernetesGroups: []string{"EKS:admins"}}, fault.InvalidParameter},
	} {
		tc.in.ClusterName = "c1"
		if _, err := f.svc.CreateAccessEntry(ctx, f.c, tc.in); fault.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want kind %v", tc.name, err, tc.kind)
		}
	}
	if got, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "c1", PrincipalARN: fresh, Username: "ci:{{SessionName}}"}); err != nil || got.Username != "ci:{{SessionName}}" {
		t.Errorf("a custom username: %+v, %v", got, err)
	}
	if _, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "nope", PrincipalARN: fresh}); fault.KindOf(err) != fault.NotFound {
		t.Errorf("entry of a missing cluster: %v", err)
	}

	// Describe, list, update, delete.
	d, err := f.svc.DescribeAccessEntry(ctx, f.c, "c1", role)
	if err != nil || d.ARN != e.ARN {
		t.Errorf("describe: %+v, %v", d, err)
	}
	if call, _ := f.auth.last("eks:DescribeAccessEntry"); call.resource != e.ARN || call.keys.Values["eks:username"] != e.Username {
		t.Errorf("DescribeAccessEntry authorized with %+v", call)
	}
	if _, err := f.svc.DescribeAccessEntry(ctx, f.c, "c1", "arn:aws:iam::"+acct+":role/none"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("describe a missing entry: %v", err)
	}
	page, err := f.svc.ListAccessEntries(ctx, f.c, "c1", "", eks.PageRequest{MaxResults: 2})
	if err != nil || len(page.Items) != 2 || page.NextToken == "" {
		t.Fatalf("list: %+v, %v", page, err)
	}
	rest, err := f.svc.ListAccessEntries(ctx, f.c, "c1", "", eks.PageRequest{NextToken: page.NextToken})
	if err != nil || len(rest.Items) != 4 {
		t.Errorf("second page: %+v, %v", rest, err)
	}
	name, groups := "ci:{{SessionName}}", []string{"a", "b"}
	up, err := f.svc.UpdateAccessEntry(ctx, f.c, eks.UpdateAccessEntryInput{ClusterName: "c1", PrincipalARN: role, Username: &name, KubernetesGroups: &groups})
	if err != nil || up.Username != name || len(up.KubernetesGroups) != 2 || up.Type != eks.TypeStandard {
		t.Errorf("update: %+v, %v", up, err)
	}
	bad := "aws:x"
	if _, err := f.svc.UpdateAccessEntry(ctx, f.c, eks.UpdateAccessEntryInput{ClusterName: "c1", PrincipalARN: role, Username: &bad}); fault.KindOf(err) != fault.InvalidParameter {
		t.Errorf("update to a reserved username: %v", err)
	}
	// The update above set groups "a" and "b": system:masters is refused
	// the same way.
	masters := []string{"a", "system:masters"}
	if _, err := f.svc.UpdateAccessEntry(ctx, f.c, eks.UpdateAccessEntryInput{ClusterName: "c1", PrincipalARN: role, KubernetesGroups: &masters}); fault.KindOf(err) != fault.InvalidParameter {
		t.Errorf("update to system:masters: %v", err)
	}
	if _, err := f.svc.UpdateAccessEntry(ctx, f.c, eks.UpdateAccessEntryInput{ClusterName: "c1", PrincipalARN: node.PrincipalARN, KubernetesGroups: &groups}); fault.KindOf(err) != fault.InvalidParameter {
		t.Errorf("groups on a node entry: %v", err)
	}
	if err := f.svc.DeleteAccessEntry(ctx, f.c, "c1", user); err != nil {
		t.Error(err)
	}
	if err := f.svc.DeleteAccessEntry(ctx, f.c, "c1", user); fault.KindOf(err) != fault.NotFound {
		t.Errorf("delete again: %v", err)
	}

	// Denied by IAM: the store is never written.
	f.auth.deny["eks:DeleteAccessEntry"] = true
	if err := f.svc.DeleteAccessEntry(ctx, f.c, "c1", role); fault.KindOf(err) != fault.AccessDenied {
		t.Errorf("denied delete: %v", err)
	}
	if _, err := f.svc.DescribeAccessEntry(ctx, f.c, "c1", role); err != nil {
		t.Errorf("the entry after a denied delete: %v", err)
	}
}

func TestAccessPolicies(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.cluster(t, "c1")
	role, node := "arn:aws:iam::"+acct+":role/ci", "arn:aws:iam::"+acct+":role/node"
	f.auth.ids[role], f.auth.ids[node] = "AROACI", "AROANODE"
	for _, in := range []eks.CreateAccessEntryInput{{ClusterName: "c1", PrincipalARN: role}, {ClusterName: "c1", PrincipalARN: node, Type: eks.TypeEC2Linux}} {
		if _, err := f.svc.CreateAccessEntry(ctx, f.c, in); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := f.svc.ListAccessPolicies(ctx, f.c, eks.PageRequest{})
	if err != nil || len(cat.Items) != 6 || cat.Items[0].Name != "AmazonEKSAdminPolicy" {
		t.Errorf("catalog: %+v, %v", cat, err)
	}

	ns := accesspolicy.Scope{Type: "namespace", Namespaces: []string{"dev-*"}}
	p, err := f.svc.AssociateAccessPolicy(ctx, f.c, "c1", role, editARN, ns)
	if err != nil || p.Scope.Type != "namespace" || p.AssociatedAt.IsZero() {
		t.Fatalf("associate: %+v, %v", p, err)
	}
	if call, _ := f.auth.last("eks:AssociateAccessPolicy"); call.keys.Values["eks:policyArn"] != editARN ||
		call.keys.Values["eks:accessScope"] != "namespace" || len(call.keys.Lists["eks:namespaces"]) != 1 {
		t.Errorf("AssociateAccessPolicy authorized with %+v", call)
	}
	if _, err := f.svc.AssociateAccessPolicy(ctx, f.c, "c1", role, viewARN, accesspolicy.Scope{Type: "cluster"}); err != nil {
		t.Fatal(err)
	}
	// Associating again replaces the scope, keeping when it was first
	// associated.
	f.now = f.now.Add(time.Minute)
	again, err := f.svc.AssociateAccessPolicy(ctx, f.c, "c1", role, editARN, accesspolicy.Scope{Type: "namespace", Namespaces: []string{"team"}})
	if err != nil || again.Scope.Namespaces[0] != "team" || !again.AssociatedAt.Equal(p.AssociatedAt) || !again.ModifiedAt.After(p.ModifiedAt) {
		t.Errorf("associate again: %+v, %v", again, err)
	}
	list, err := f.svc.ListAssociatedAccessPolicies(ctx, f.c, "c1", role, eks.PageRequest{})
	if err != nil || len(list.Items) != 2 || list.Items[0].PolicyARN != editARN || list.Items[1].PolicyARN != viewARN {
		t.Errorf("associated: %+v, %v", list, err)
	}
	withView, err := f.svc.ListAccessEntries(ctx, f.c, "c1", viewARN, eks.PageRequest{})
	if err != nil || len(withView.Items) != 1 || withView.Items[0] != role {
		t.Errorf("entries with the view policy: %+v, %v", withView, err)
	}

	for _, tc := range []struct {
		name, principal, policy string
		scope                   accesspolicy.Scope
	}{
		{"an unknown policy", role, accesspolicy.ARNPrefix + "AmazonEKSNothing", accesspolicy.Scope{Type: "cluster"}},
		{"an IAM policy", role, "arn:aws:iam::aws:policy/AdministratorAccess", accesspolicy.Scope{Type: "cluster"}},
		{"no scope type", role, viewARN, accesspolicy.Scope{}},
		{"a namespace scope without namespaces", role, viewARN, accesspolicy.Scope{Type: "namespace"}},
		{"a bad wildcard", role, viewARN, accesspolicy.Scope{Type: "namespace", Namespaces: []string{"*-dev"}}},
		{"a node entry", node, viewARN, accesspolicy.Scope{Type: "cluster"}},
	} {
		if _, err := f.svc.AssociateAccessPolicy(ctx, f.c, "c1", tc.principal, tc.policy, tc.scope); fault.KindOf(err) != fault.InvalidParameter {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := f.svc.AssociateAccessPolicy(ctx, f.c, "c1", "arn:aws:iam::"+acct+":role/none", viewARN, accesspolicy.Scope{Type: "cluster"}); fault.KindOf(err) != fault.NotFound {
		t.Errorf("associate with a missing entry: %v", err)
	}

	if err := f.svc.DisassociateAccessPolicy(ctx, f.c, "c1", role, viewARN); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DisassociateAccessPolicy(ctx, f.c, "c1", role, viewARN); fault.KindOf(err) != fault.NotFound {
		t.Errorf("disassociate again: %v", err)
	}
	list, _ = f.svc.ListAssociatedAccessPolicies(ctx, f.c, "c1", role, eks.PageRequest{})
	if len(list.Items) != 1 || list.Items[0].PolicyARN != editARN {
		t.Errorf("after disassociating: %+v", list)
	}
}

func TestAuthenticationMode(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.svc.CreateCluster(ctx, f.c, eks.CreateClusterInput{Name: "cm", RoleARN: "arn:aws:iam::" + acct + ":role/eks",
		HasVPCConfig: true, AuthenticationMode: eks.AuthConfigMap}); err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::" + acct + ":role/ci"
	f.auth.ids[role] = "AROACI"
	// CONFIG_MAP: no access entries.
	if _, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "cm", PrincipalARN: role}); fault.KindOf(err) != fault.InvalidInput {
		t.Errorf("an entry under CONFIG_MAP: %v", err)
	}
	if _, err := f.svc.ListAccessEntries(ctx, f.c, "cm", "", eks.PageRequest{}); fault.KindOf(err) != fault.InvalidInput {
		t.Errorf("list under CONFIG_MAP: %v", err)
	}
	u, err := f.svc.UpdateClusterConfig(ctx, f.c, "cm", eks.AuthAPIAndConfigMap)
	if err != nil || u.Status != eks.UpdateSuccessful || u.Type != eks.UpdateAccessConfig || u.Params[0] != (store.UpdateParam{Type: "AuthenticationMode", Value: "API_AND_CONFIG_MAP"}) {
		t.Fatalf("update: %+v, %v", u, err)
	}
	if call, _ := f.auth.last("eks:UpdateClusterConfig"); call.keys.Values["eks:authenticationMode"] != "API_AND_CONFIG_MAP" {
		t.Errorf("UpdateClusterConfig authorized with %+v", call)
	}
	if d, err := f.svc.DescribeUpdate(ctx, f.c, "cm", u.ID); err != nil || d.ID != u.ID {
		t.Errorf("describe update: %+v, %v", d, err)
	}
	if _, err := f.svc.DescribeUpdate(ctx, f.c, "cm", "nope"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("describe a missing update: %v", err)
	}
	if _, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "cm", PrincipalARN: role}); err != nil {
		t.Errorf("an entry under API_AND_CONFIG_MAP: %v", err)
	}
	for _, bad := range []string{eks.AuthConfigMap, eks.AuthAPIAndConfigMap, "api", ""} {
		if _, err := f.svc.UpdateClusterConfig(ctx, f.c, "cm", bad); fault.KindOf(err) != fault.InvalidParameter {
			t.Errorf("from API_AND_CONFIG_MAP to %q: %v", bad, err)
		}
	}
	if _, err := f.svc.UpdateClusterConfig(ctx, f.c, "cm", eks.AuthAPI); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{eks.AuthConfigMap, eks.AuthAPIAndConfigMap, eks.AuthAPI} {
		if _, err := f.svc.UpdateClusterConfig(ctx, f.c, "cm", bad); fault.KindOf(err) != fault.InvalidParameter {
			t.Errorf("from API to %q: %v", bad, err)
		}
	}
	if c, _ := f.svc.DescribeCluster(ctx, f.c, "cm"); c.AuthenticationMode != eks.AuthAPI {
		t.Errorf("mode %s", c.AuthenticationMode)
	}
}

func TestResolveAccess(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.cluster(t, "c1")
	role := "arn:aws:iam::" + acct + ":role/team/ci"
	f.auth.ids[role] = "AROACI"
	if _, err := f.svc.CreateAccessEntry(ctx, f.c, eks.CreateAccessEntryInput{ClusterName: "c1", PrincipalARN: role, KubernetesGroups: []string{"devs"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AssociateAccessPolicy(ctx, f.c, "c1", role, viewARN, accesspolicy.Scope{Type: "cluster"}); err != nil {
		t.Fatal(err)
	}
	canonical := "arn:aws:iam::" + acct + ":role/ci"
	a, err := f.svc.ResolveAccess(ctx, f.c, "c1", "AROACI:session", canonical)
	if err != nil || a.Entry == nil || a.AuthenticationMode != eks.AuthAPIAndConfigMap || a.Entry.Username != "arn:aws:sts::"+acct+":assumed-role/ci/{{SessionName}}" {
		t.Fatalf("resolve: %+v, %v", a, err)
	}
	if ok, _ := accesspolicy.Allows(a.Policies(), accesspolicy.Attributes{Verb: "list", Resource: "pods", Namespace: "x"}); !ok {
		t.Error("the resolved view policy does not list pods")
	}
	if call, _ := f.auth.last("eks:" + eks.ResolveAction); call.resource != "arn:aws:eks:us-east-1:"+acct+":cluster/c1" {
		t.Errorf("ResolveAccess authorized with %+v", call)
	}
	// The role deleted and made again has another unique id: no entry.
	for _, tc := range []struct{ name, id, arn string }{
		{"a re-created role", "AROANEW:session", canonical},
		{"another principal with the id", "AROACI:session", "arn:aws:iam::" + acct + ":role/other"},
		{"the ARN with its path", "AROACI", role},
	} {
		if a, err := f.svc.ResolveAccess(ctx, f.c, "c1", tc.id, tc.arn); err != nil || a.Entry != nil || a.Policies() != nil {
			t.Errorf("%s: %+v, %v", tc.name, a, err)
		}
	}
	// A write is seen at once.
	if err := f.svc.DisassociateAccessPolicy(ctx, f.c, "c1", role, viewARN); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.svc.ResolveAccess(ctx, f.c, "c1", "AROACI", canonical); a.Entry == nil || len(a.Policies()) != 0 {
		t.Errorf("after disassociating: %+v", a)
	}
	if _, err := f.svc.UpdateClusterConfig(ctx, f.c, "c1", eks.AuthAPI); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.svc.ResolveAccess(ctx, f.c, "c1", "AROACI", canonical); a.AuthenticationMode != eks.AuthAPI || a.Entry == nil {
		t.Errorf("after the mode changed: %+v", a)
	}
	if _, err := f.svc.ResolveAccess(ctx, f.c, "nope", "AROACI", canonical); fault.KindOf(err) != fault.NotFound {
		t.Errorf("a missing cluster: %v", err)
	}
	f.auth.deny["eks:"+eks.ResolveAction] = true
	if _, err := f.svc.ResolveAccess(ctx, f.c, "c1", "AROACI", canonical); fault.KindOf(err) != fault.AccessDenied {
		t.Errorf("denied: %v", err)
	}
}
