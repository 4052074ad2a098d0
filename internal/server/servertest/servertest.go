// Package servertest runs a podiam server in the test's process, on
// loopback with a fresh data directory, for the tests of packages that
// are its clients (the authenticator, its command).
package servertest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/podiam/podiam/internal/server"
)

// Start runs a server until the test ends and returns its URL and the
// first account's root credentials. change, when not nil, adjusts the
// configuration first.
func Start(tb testing.TB, change func(*server.Config)) (string, aws.Credentials) {
	tb.Helper()
	dir := tb.TempDir()
	cfg := server.Config{Listen: "127.0.0.1:0", DataDir: dir, Stdout: io.Discard, Logger: slog.New(slog.DiscardHandler)}
	if change != nil {
		change(&cfg)
	}
	addr := make(chan string, 1)
	cfg.OnListen = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	var u string
	select {
	case a := <-addr:
		u = "http://" + a
	case err := <-done:
		cancel()
		tb.Fatalf("server: %v", err)
	}
	tb.Cleanup(func() { cancel(); <-done })
	prof, err := config.LoadSharedConfigProfile(context.Background(), "default", func(o *config.LoadSharedConfigOptions) {
		o.CredentialsFiles, o.ConfigFiles = []string{filepath.Join(dir, "credentials")}, []string{}
	})
	if err != nil {
		tb.Fatal(err)
	}
	return u, prof.Credentials
}

// Config is an SDK configuration with static credentials c, one attempt
// per call and a 10 s timeout (the endpoint is each client's option).
func Config(c aws.Credentials) aws.Config {
	return aws.Config{Region: "us-east-1", RetryMaxAttempts: 1, HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })}
}

// RoleSession makes the role (path /team/, trusting its account) and a
// user allowed to assume it, with root's credentials at endpoint, and
// returns a session of the role named session.
func RoleSession(tb testing.TB, endpoint string, root aws.Credentials, role, session string) aws.Credentials {
	tb.Helper()
	ctx := context.Background()
	im := awsiam.NewFromConfig(Config(root), func(o *awsiam.Options) { o.BaseEndpoint = aws.String(endpoint) })
	who, err := sts.NewFromConfig(Config(root), func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) }).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		tb.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + *who.Account + `:root"},"Action":"sts:AssumeRole"}]}`
	r, err := im.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(role), Path: aws.String("/team/"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		tb.Fatal(err)
	}
	// Roles are not assumed by a root: a user with keys does it.
	user := role + "-caller"
	if _, err := im.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		tb.Fatal(err)
	}
	if _, err := im.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		tb.Fatal(err)
	}
	key, err := im.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		tb.Fatal(err)
	}
	st := sts.NewFromConfig(Config(aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}),
		func(o *sts.Options) { o.BaseEndpoint = aws.String(endpoint) })
	as, err := st.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String(session)})
	if err != nil {
		tb.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: *as.Credentials.AccessKeyId, SecretAccessKey: *as.Credentials.SecretAccessKey, SessionToken: *as.Credentials.SessionToken}
}
