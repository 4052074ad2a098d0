package server_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/podiam/podiam/internal/accessclient"
	"github.com/podiam/podiam/internal/accesspolicy"
)

// TestAccessEntriesCLI walks access entries and access policies with the
// AWS CLI v1 as EKS's guides do, with AWS's errors, then changes the
// authentication mode one way.
func TestAccessEntriesCLI(t *testing.T) {
	needAWSCLI(t)
	dir := t.TempDir()
	r := start(t, dir)
	cli := awsCLI{t: t, url: r.url, dir: dir}
	account := cli.json("sts", "get-caller-identity")["Account"].(string)
	cli.json("iam", "create-role", "--role-name", "ci", "--path", "/team/", "--assume-role-policy-document", podsTrust)
	role := "arn:aws:iam::" + account + ":role/team/ci"
	cli.json("eks", "create-cluster", "--name", "c1", "--role-arn", "arn:aws:iam::"+account+":role/eks", "--resources-vpc-config", "subnetIds=subnet-1")

	e := cli.json("eks", "create-access-entry", "--cluster-name", "c1", "--principal-arn", role, "--kubernetes-groups", "devs", "--tags", "k=v")["accessEntry"].(map[string]any)
	if e["type"] != "STANDARD" || e["username"] != "arn:aws:sts::"+account+":assumed-role/ci/{{SessionName}}" || e["principalArn"] != role {
		t.Fatalf("create-access-entry: %v", e)
	}
	cli.fails("ResourceInUseException", "eks", "create-access-entry", "--cluster-name", "c1", "--principal-arn", role)
	cli.fails("InvalidParameterException", "eks", "create-access-entry", "--cluster-name", "c1", "--principal-arn", "arn:aws:sts::"+account+":assumed-role/ci/s")
	cli.fails("InvalidParameterException", "eks", "create-access-entry", "--cluster-name", "c1", "--principal-arn", "arn:aws:iam::"+account+":role/nobody")
	if got := cli.json("eks", "describe-access-entry", "--cluster-name", "c1", "--principal-arn", role)["accessEntry"].(map[string]any); got["accessEntryArn"] != e["accessEntryArn"] {
		t.Errorf("describe-access-entry: %v", got)
	}
	if l := cli.json("eks", "list-access-entries", "--cluster-name", "c1")["accessEntries"].([]any); len(l) != 1 || l[0] != role {
		t.Errorf("list-access-entries: %v", l)
	}
	if pols := cli.json("eks", "list-access-policies")["accessPolicies"].([]any); len(pols) != 6 {
		t.Errorf("list-access-policies: %v", pols)
	}
	edit := accesspolicy.ARNPrefix + "AmazonEKSEditPolicy"
	as := cli.json("eks", "associate-access-policy", "--cluster-name", "c1", "--principal-arn", role, "--policy-arn", edit,
		"--access-scope", "type=namespace,namespaces=dev-*,team")["associatedAccessPolicy"].(map[string]any)
	if as["policyArn"] != edit || as["accessScope"].(map[string]any)["type"] != "namespace" {
		t.Errorf("associate-access-policy: %v", as)
	}
	cli.fails("InvalidParameterException", "eks", "associate-access-policy", "--cluster-name", "c1", "--principal-arn", role,
		"--policy-arn", accesspolicy.ARNPrefix+"AmazonEKSNothing", "--access-scope", "type=cluster")
	assoc := cli.json("eks", "list-associated-access-policies", "--cluster-name", "c1", "--principal-arn", role)["associatedAccessPolicies"].([]any)
	if len(assoc) != 1 || assoc[0].(map[string]any)["policyArn"] != edit {
		t.Errorf("list-associated-access-policies: %v", assoc)
	}
	if l := cli.json("eks", "list-access-entries", "--cluster-name", "c1", "--associated-policy-arn", edit)["accessEntries"].([]any); len(l) != 1 {
		t.Errorf("list-access-entries by policy: %v", l)
	}
	up := cli.json("eks", "update-access-entry", "--cluster-name", "c1", "--principal-arn", role, "--username", "ci:{{SessionName}}")["accessEntry"].(map[string]any)
	if up["username"] != "ci:{{SessionName}}" {
		t.Errorf("update-access-entry: %v", up)
	}
	cli.fails("InvalidParameterException", "eks", "update-access-entry", "--cluster-name", "c1", "--principal-arn", role, "--username", "system:x")
	if out, err := cli.run("eks", "disassociate-access-policy", "--cluster-name", "c1", "--principal-arn", role, "--policy-arn", edit); err != nil {
		t.Fatalf("disassociate-access-policy: %v\n%s", err, out)
	}
	cli.fails("ResourceNotFoundException", "eks", "disassociate-access-policy", "--cluster-name", "c1", "--principal-arn", role, "--policy-arn", edit)

	// The mode moves one way.
	u := cli.json("eks", "update-cluster-config", "--name", "c1", "--access-config", "authenticationMode=API")["update"].(map[string]any)
	if u["status"] != "Successful" || u["type"] != "AccessConfigUpdate" {
		t.Fatalf("update-cluster-config: %v", u)
	}
	if d := cli.json("eks", "describe-update", "--name", "c1", "--update-id", u["id"].(string))["update"].(map[string]any); d["id"] != u["id"] {
		t.Errorf("describe-update: %v", d)
	}
	cli.fails("InvalidParameterException", "eks", "update-cluster-config", "--name", "c1", "--access-config", "authenticationMode=API_AND_CONFIG_MAP")
	if mode := cli.json("eks", "describe-cluster", "--name", "c1")["cluster"].(map[string]any)["accessConfig"].(map[string]any)["authenticationMode"]; mode != "API" {
		t.Errorf("mode %v", mode)
	}
	if out, err := cli.run("eks", "delete-access-entry", "--cluster-name", "c1", "--principal-arn", role); err != nil {
		t.Fatalf("delete-access-entry: %v\n%s", err, out)
	}
	cli.fails("ResourceNotFoundException", "eks", "describe-access-entry", "--cluster-name", "c1", "--principal-arn", role)
}

// TestResolveAccess drives ResolveAccess through accessclient, the
// authenticator's client, against a real server: the entry and its
// policies are found by the role's unique id and canonical ARN, and a role
// deleted and made again under the same name does not inherit the entry.
func TestResolveAccess(t *testing.T) {
	dir := t.TempDir()
	r := start(t, dir)
	root := readCredentials(t, dir)
	ctx := t.Context()
	account := aws.ToString(callerIdentity(t, r.url, root).Account)
	e := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: aws.String(r.url), RetryMaxAttempts: 1, Credentials: staticCreds(root)})
	im := iamClient(r.url, root)
	mkRole := func() string {
		out, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("ci"), Path: aws.String("/team/"), AssumeRolePolicyDocument: aws.String(podsTrust)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Role.RoleId)
	}
	oldID := mkRole()
	role, canonical := "arn:aws:iam::"+account+":role/team/ci", "arn:aws:iam::"+account+":role/ci"
	if _, err := e.CreateCluster(ctx, &awseks.CreateClusterInput{Name: aws.String("c1"), RoleArn: aws.String(role),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateAccessEntry(ctx, &awseks.CreateAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role),
		KubernetesGroups: []string{"devs"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AssociateAccessPolicy(ctx, &awseks.AssociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role),
		PolicyArn: aws.String(accesspolicy.ARNPrefix + "AmazonEKSViewPolicy"), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}}); err != nil {
		t.Fatal(err)
	}

	c, err := accessclient.New(aws.Config{Region: "us-east-1", Credentials: staticCreds(root), HTTPClient: http.DefaultClient}, r.url)
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Lookup(ctx, "c1", oldID+":session", canonical)
	if err != nil || a.AuthenticationMode != "API_AND_CONFIG_MAP" || a.Entry == nil || a.Entry.KubernetesGroups[0] != "devs" || len(a.Policies) != 1 {
		t.Fatalf("lookup: %+v, %v", a, err)
	}
	if ok, _ := accesspolicy.Allows(a.Policies, accesspolicy.Attributes{Verb: "list", Resource: "pods", Namespace: "x"}); !ok {
		t.Error("the resolved view policy does not list pods")
	}

	// Deleted and made again: a new unique id, no entry.
	if _, err := im.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("ci")}); err != nil {
		t.Fatal(err)
	}
	newID := mkRole()
	if a, err := c.Lookup(ctx, "c1", newID+":session", canonical); err != nil || a.Entry != nil || a.Policies != nil {
		t.Errorf("the re-created role: %+v, %v", a, err)
	}
	if a, err := c.Lookup(ctx, "c1", oldID+":session", canonical); err != nil || a.Entry == nil {
		t.Errorf("the old id (control): %+v, %v", a, err)
	}

	// Refusals: a missing cluster, a caller without eks:ResolveAccess.
	var apiErr *accessclient.APIError
	if _, err := c.Lookup(ctx, "nope", oldID, canonical); !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != "ResourceNotFoundException" {
		t.Errorf("a missing cluster: %v", err)
	}
	_, devKey := makeUser(t, im, "dev", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks:Describe*","Resource":"*"}]}`)
	dev, err := accessclient.New(aws.Config{Region: "us-east-1", Credentials: staticCreds(devKey), HTTPClient: http.DefaultClient}, r.url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Lookup(ctx, "c1", oldID, canonical); !errors.As(err, &apiErr) || apiErr.Status != 403 || apiErr.Code != "AccessDeniedException" {
		t.Errorf("without eks:ResolveAccess: %v", err)
	}
}
