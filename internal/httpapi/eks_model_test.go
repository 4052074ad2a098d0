package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/eksapi"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/store"
)

// eksOperation finds the operation of EKS's model that a request's method
// and path address, by the model's request URIs.
func eksOperation(m *model, r *http.Request) string {
	for name, op := range m.Operations {
		uri, _, _ := strings.Cut(op.HTTP.RequestURI, "?")
		re := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(uri), `[^/]+`) + "$"
		if op.HTTP.Method == r.Method && regexp.MustCompile(re).MatchString(r.URL.EscapedPath()) {
			return name
		}
	}
	return ""
}

// TestEKSModel drives every EKS operation podiam serves with
// aws-sdk-go-v2 and checks each successful response against botocore's
// EKS model: members, types, enums, required members.
func TestEKSModel(t *testing.T) {
	m := loadModel(t, "eks")
	now := time.Now()
	clock := func() time.Time { return now }
	ts := newTestServices(t, clock, 4)
	svc, err := eks.New(eks.Config{Store: ts.store, IAM: ts.iam, PublicURL: "https://podiam.example", Now: clock, Rand: ts.rand})
	if err != nil {
		t.Fatal(err)
	}
	edge := httpapi.New(httpapi.Config{
		RESTJSON: []*httpapi.RESTJSONService{eksapi.New(svc)},
		Auth:     authn.New(&authn.StoreKeys{Store: ts.store, Sealer: ts.sealer, Sessions: ts.sessions, Now: clock}, clock),
		Now:      clock, NewRequestID: func() string { return "req-1" },
	})
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		edge.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		if rec.Code != http.StatusOK {
			return
		}
		op := eksOperation(m, r)
		if op == "" {
			t.Errorf("%s %s: no operation of the model", r.Method, r.URL.Path)
			return
		}
		mu.Lock()
		seen[op] = true
		mu.Unlock()
		for _, p := range checkJSONResponse(m, op, bytes.Clone(rec.Body.Bytes())) {
			t.Error(p)
		}
	}))
	t.Cleanup(srv.Close)
	c := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, nil
		})})
	ctx := t.Context()
	role := "arn:aws:iam::111122223333:role/app"
	tags := map[string]string{"k": "v"}
	cl, err := c.CreateCluster(ctx, &awseks.CreateClusterInput{Name: aws.String("c1"), RoleArn: aws.String(role),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}, Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t)(c.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("c1")}))
	mustDo(t)(c.ListClusters(ctx, &awseks.ListClustersInput{}))
	mustDo(t)(c.CreateAddon(ctx, &awseks.CreateAddonInput{ClusterName: aws.String("c1"), AddonName: aws.String(eks.PodIdentityAgent)}))
	mustDo(t)(c.DescribeAddon(ctx, &awseks.DescribeAddonInput{ClusterName: aws.String("c1"), AddonName: aws.String(eks.PodIdentityAgent)}))
	mustDo(t)(c.ListAddons(ctx, &awseks.ListAddonsInput{ClusterName: aws.String("c1")}))
	a, err := c.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: aws.String("c1"),
		Namespace: aws.String("ns"), ServiceAccount: aws.String("sa"), RoleArn: aws.String(role), Tags: tags,
		TargetRoleArn: aws.String("arn:aws:iam::444455556666:role/t"), DisableSessionTags: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	id := a.Association.AssociationId
	mustDo(t)(c.DescribePodIdentityAssociation(ctx, &awseks.DescribePodIdentityAssociationInput{ClusterName: aws.String("c1"), AssociationId: id}))
	mustDo(t)(c.ListPodIdentityAssociations(ctx, &awseks.ListPodIdentityAssociationsInput{ClusterName: aws.String("c1")}))
	mustDo(t)(c.UpdatePodIdentityAssociation(ctx, &awseks.UpdatePodIdentityAssociationInput{ClusterName: aws.String("c1"), AssociationId: id,
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}))
	mustDo(t)(c.TagResource(ctx, &awseks.TagResourceInput{ResourceArn: cl.Cluster.Arn, Tags: map[string]string{"x": "y"}}))
	mustDo(t)(c.ListTagsForResource(ctx, &awseks.ListTagsForResourceInput{ResourceArn: cl.Cluster.Arn}))
	mustDo(t)(c.UntagResource(ctx, &awseks.UntagResourceInput{ResourceArn: cl.Cluster.Arn, TagKeys: []string{"x"}}))
	mustDo(t)(c.DeletePodIdentityAssociation(ctx, &awseks.DeletePodIdentityAssociationInput{ClusterName: aws.String("c1"), AssociationId: id}))
	mustDo(t)(c.DeleteAddon(ctx, &awseks.DeleteAddonInput{ClusterName: aws.String("c1"), AddonName: aws.String(eks.PodIdentityAgent)}))
	// Access entries and access policies: the principal is a role of
	// the account.
	if err := ts.store.CreateRole(ctx, store.Role{AccountID: "111122223333", Name: "app", Path: "/", ID: "AROAAPP", ARN: role,
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[]}`, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	view := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
	mustDo(t)(c.CreateAccessEntry(ctx, &awseks.CreateAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role), Tags: tags}))
	mustDo(t)(c.DescribeAccessEntry(ctx, &awseks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role)}))
	mustDo(t)(c.ListAccessEntries(ctx, &awseks.ListAccessEntriesInput{ClusterName: aws.String("c1")}))
	mustDo(t)(c.UpdateAccessEntry(ctx, &awseks.UpdateAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role), KubernetesGroups: []string{"g"}}))
	mustDo(t)(c.ListAccessPolicies(ctx, &awseks.ListAccessPoliciesInput{}))
	mustDo(t)(c.AssociateAccessPolicy(ctx, &awseks.AssociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role),
		PolicyArn: aws.String(view), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}}))
	mustDo(t)(c.ListAssociatedAccessPolicies(ctx, &awseks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role)}))
	mustDo(t)(c.DisassociateAccessPolicy(ctx, &awseks.DisassociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role), PolicyArn: aws.String(view)}))
	mustDo(t)(c.DeleteAccessEntry(ctx, &awseks.DeleteAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role)}))
	up, err := c.UpdateClusterConfig(ctx, &awseks.UpdateClusterConfigInput{Name: aws.String("c1"),
		AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t)(c.DescribeUpdate(ctx, &awseks.DescribeUpdateInput{Name: aws.String("c1"), UpdateId: up.Update.Id}))
	mustDo(t)(c.DeleteCluster(ctx, &awseks.DeleteClusterInput{Name: aws.String("c1")}))
	for _, op := range eksapi.Operations() {
		if op != eks.BindingAction && op != eks.ResolveAction && !seen[op] {
			t.Errorf("%s was not checked against the model", op)
		}
	}
}
