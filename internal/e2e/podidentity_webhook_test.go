package e2e

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	corev1 "k8s.io/api/core/v1"

	"github.com/podiam/podiam/internal/cli/webhookcmd"
	"github.com/podiam/podiam/internal/webhook"
)

// startPodIdentityWebhook runs podiam's webhook configured by cfg with
// Pod Identity on for cluster, over the EKS API at eksURL with creds,
// registers it, and waits until a dry-run pod of an IRSA account comes
// back mutated (which also shows that the associations can be read).
// refresh is the period of the full list of associations.
func startPodIdentityWebhook(t testing.TB, e *env, cfg webhook.Config, cluster, eksURL string, creds aws.Credentials, refresh time.Duration) {
	t.Helper()
	awsCfg := aws.Config{Region: "us-east-1", RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })}
	url := "https://" + runTLS(t, e.cluster, "podiam-webhook", nil, func(ctx context.Context, crt, key string, onListen func(string)) error {
		return webhookcmd.Serve(ctx, webhookcmd.ServeConfig{Listen: "127.0.0.1:0", Kubeconfig: e.cluster.Kubeconfig,
			TLSCert: crt, TLSKey: key, Webhook: cfg.WithDefaults(), OnListen: onListen,
			ClusterName: cluster, EKSEndpoint: eksURL, AWS: &awsCfg, AssociationsRefresh: refresh},
			slog.New(slog.NewTextHandler(io.Discard, nil)))
	}) + "/mutate"
	name := "podiam-pi-" + shortName(t)
	registerWebhook(t, e, name, url)
	probe := "probe-" + shortName(t)
	e.namespace(t, probe, name)
	e.account(t, probe, "probe", "arn:aws:iam::111122223333:role/probe")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var p corev1.Pod
		err := do(t.Context(), e.kube, "POST", "/api/v1/namespaces/"+probe+"/pods?dryRun=All", podFor("probe", "probe"), &p)
		if err == nil && envValue(p.Spec.Containers[0], "AWS_ROLE_ARN") != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the webhook is not called: %v", err)
		}
	}
}

// createPod creates a pod of sa in ns through the API server (so through
// the webhook) and returns it as the API server stored it.
func createPod(t testing.TB, e *env, ns, name, sa string) corev1.Pod {
	t.Helper()
	var p corev1.Pod
	if err := do(t.Context(), e.kube, "POST", "/api/v1/namespaces/"+ns+"/pods", podFor(name, sa), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkPodIdentity reports what a pod got: Pod Identity (the label, the
// variables, the token volume for pods.eks.amazonaws.com), IRSA, or
// nothing; a mix is a failure.
func checkPodIdentity(t testing.TB, p corev1.Pod) (podIdentity, irsa bool) {
	t.Helper()
	c := p.Spec.Containers[0]
	podIdentity = p.Labels[webhook.PodIdentityLabel] == "enabled"
	irsa = envValue(c, "AWS_ROLE_ARN") != ""
	if podIdentity {
		var vol *corev1.Volume
		for i := range p.Spec.Volumes {
			if p.Spec.Volumes[i].Name == webhook.DefaultPodIdentityVolumeName {
				vol = &p.Spec.Volumes[i]
			}
		}
		if irsa || envValue(c, "AWS_CONTAINER_CREDENTIALS_FULL_URI") != webhook.DefaultPodIdentityFullURI ||
			envValue(c, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") != webhook.DefaultPodIdentityMountPath+"/"+webhook.DefaultPodIdentityTokenPath ||
			vol == nil || vol.Projected.Sources[0].ServiceAccountToken.Audience != webhook.DefaultPodIdentityAudience {
			t.Errorf("pod %s: a partial Pod Identity injection: %+v", p.Name, p.Spec)
		}
	}
	return podIdentity, irsa
}

// TestPodIdentityWebhook: with podiam's EKS API as the source of
// associations, a pod created right after its ServiceAccount's
// association gets Pod Identity (amazon-eks-pod-identity-webhook#264
// cannot happen), even though a pod of that account was answered "no
// association" a moment before and the full list of associations runs
// only hourly; Pod Identity wins over the account's role-arn annotation;
// an account without an association keeps IRSA or nothing.
func TestPodIdentityWebhook(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	root := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return e.root, nil })
	ek := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1, Credentials: root})

	// A cluster (AWS requires a name, a role and a VPC configuration) and
	// the role pods will get.
	im := e.iam()
	clusterRole, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("eks-cluster"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	podRole, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("pi-app"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	cluster := "pi-" + shortName(t)
	cluster = cluster[:min(len(cluster), 40)]
	if _, err := ek.CreateCluster(ctx, &awseks.CreateClusterInput{Name: aws.String(cluster), RoleArn: clusterRole.Role.Arn,
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-0123456789abcdef0"}}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		d, err := ek.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String(cluster)})
		if err == nil && d.Cluster.Status == ekstypes.ClusterStatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ACTIVE: %v", err)
		}
	}

	// The full list runs hourly: only the lookup at admission can see
	// the association created below.
	startPodIdentityWebhook(t, e, webhook.Config{Region: "us-east-1"}, cluster, e.url, e.root, time.Hour)
	ns := "pi-" + shortName(t)
	e.namespace(t, ns, "podiam-pi-"+shortName(t))
	e.account(t, ns, "app", "arn:aws:iam::111122223333:role/irsa")
	e.account(t, ns, "plain", "")

	// Before the association: IRSA from the annotation, nothing without.
	if pi, irsa := checkPodIdentity(t, createPod(t, e, ns, "before", "app")); pi || !irsa {
		t.Fatalf("before the association: Pod Identity %v, IRSA %v", pi, irsa)
	}
	if pi, irsa := checkPodIdentity(t, createPod(t, e, ns, "plain-0", "plain")); pi || irsa {
		t.Fatalf("an account without anything: Pod Identity %v, IRSA %v", pi, irsa)
	}

	// The association, then at once a pod.
	a, err := ek.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: aws.String(cluster),
		Namespace: aws.String(ns), ServiceAccount: aws.String("app"), RoleArn: podRole.Role.Arn})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(a.Association.AssociationId), "a-") {
		t.Errorf("association %+v", a.Association)
	}
	if pi, irsa := checkPodIdentity(t, createPod(t, e, ns, "after", "app")); !pi || irsa {
		t.Fatalf("right after the association: Pod Identity %v, IRSA %v", pi, irsa)
	}
	// Positive control beside it: the account without an association
	// still gets nothing.
	if pi, irsa := checkPodIdentity(t, createPod(t, e, ns, "plain-1", "plain")); pi || irsa {
		t.Fatalf("an account without an association: Pod Identity %v, IRSA %v", pi, irsa)
	}
}
