package podident

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/agent"
	"github.com/podiam/podiam/internal/eksauth/eksauthtest"
)

// Region is the region the bench clients sign for (podiam's default).
const Region = "us-east-1"

// Env is a cluster with its associations, ready for eks-auth calls.
type Env struct {
	URL     string
	Cluster string
	Account string
	RoleARN string
	Node    aws.Credentials // allowed eks-auth:AssumeRoleForPodIdentity, nothing else
	Key     *eksauthtest.Key
	Pods    []eksauthtest.Pod // pod i runs as ServiceAccount i, which has an association
}

// Static is a provider of fixed credentials.
func Static(c aws.Credentials) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
}

// Setup makes, with root's credentials, the role, the node user, the
// cluster named cluster with its key pushed, and pods ServiceAccounts
// (namespace "bench", "sa-00000" on) each associated with the role, 16
// creations at a time.
func Setup(ctx context.Context, url string, root aws.Credentials, cluster string, pods int) (*Env, error) {
	e := &Env{URL: url, Cluster: cluster}
	stsc := sts.New(sts.Options{Region: Region, BaseEndpoint: aws.String(url), Credentials: Static(root), RetryMaxAttempts: 1})
	id, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, err
	}
	e.Account = aws.ToString(id.Account)
	iamc := iam.New(iam.Options{Region: Region, BaseEndpoint: aws.String(url), Credentials: Static(root), RetryMaxAttempts: 1})
	role, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("pod-bench"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)})
	if err != nil {
		return nil, fmt.Errorf("create role: %w", err)
	}
	e.RoleARN = aws.ToString(role.Role.Arn)
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("node")}); err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	if _, err := iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("node"), PolicyName: aws.String("eks-auth"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"*"}]}`)}); err != nil {
		return nil, fmt.Errorf("put user policy: %w", err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("node")})
	if err != nil {
		return nil, fmt.Errorf("create access key: %w", err)
	}
	e.Node = aws.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)}

	eksc := eks.New(eks.Options{Region: Region, BaseEndpoint: aws.String(url), Credentials: Static(root), RetryMaxAttempts: 1})
	c, err := eksc.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String(cluster), RoleArn: aws.String("arn:aws:iam::" + e.Account + ":role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-1"}}})
	if err != nil {
		return nil, fmt.Errorf("create cluster: %w", err)
	}
	e.Key = eksauthtest.NewRSAKey(aws.ToString(c.Cluster.Identity.Oidc.Issuer))
	if err := pushKeys(ctx, url, root, cluster, e.Key.JWKS()); err != nil {
		return nil, err
	}
	e.Pods = make([]eksauthtest.Pod, pods)
	for i := range e.Pods {
		e.Pods[i] = eksauthtest.Pod{Namespace: "bench", ServiceAccount: fmt.Sprintf("sa-%05d", i), Name: fmt.Sprintf("pod-%05d", i),
			UID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), ServiceAccountUID: fmt.Sprintf("00000000-0000-4000-9000-%012d", i)}
	}
	var next atomic.Int64
	errs := make(chan error, 16)
	for range 16 {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= pods {
					errs <- nil
					return
				}
				if _, err := eksc.CreatePodIdentityAssociation(ctx, &eks.CreatePodIdentityAssociationInput{ClusterName: aws.String(cluster),
					Namespace: aws.String("bench"), ServiceAccount: aws.String(e.Pods[i].ServiceAccount), RoleArn: role.Role.Arn}); err != nil {
					errs <- fmt.Errorf("create pod identity association: %w", err)
					return
				}
			}
		}()
	}
	for range 16 {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return nil, err
	}
	// The node's new key may race its commit on its first use (as on AWS,
	// where IAM is eventually consistent): wait until eks-auth answers.
	src := e.Source()
	for range 50 {
		if _, err = src.AssumeRoleForPodIdentity(ctx, e.Token(0, time.Now())); err == nil {
			return e, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("first eks-auth call: %w", err)
}

// Token is pod i's eks-pod-identity-token, issued now for a day.
func (e *Env) Token(i int, now time.Time) string { return e.Key.Token(e.Pods[i], now) }

// Source is an eks-auth client (the agent's) signed with the node's
// credentials.
func (e *Env) Source() *agent.EKSAuth {
	return &agent.EKSAuth{Endpoint: e.URL, Cluster: e.Cluster, Region: Region, Credentials: Static(e.Node)}
}

// pushKeys pushes the cluster's key set with podiam's cluster binding
// (PUT /clusters/{name}/podiam/binding, signed for eks).
func pushKeys(ctx context.Context, url string, root aws.Credentials, cluster string, jwks []byte) error {
	body := []byte(`{"endpoint":"https://127.0.0.1:6443","keys":` + string(jwks) + `}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url+"/clusters/"+cluster+"/podiam/binding", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, root, req, hex.EncodeToString(sum[:]), "eks", Region, time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("push the cluster's keys: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("push the cluster's keys: %d %s", resp.StatusCode, b)
	}
	return nil
}
