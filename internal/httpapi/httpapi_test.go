package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

const (
	keyID  = "AKIAEXAMPLE000000001"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// keys is a one-key lookup: a fake for this package's unit tests only.
type keys struct{}

func (keys) LookupKey(_ context.Context, id, token string) (*iam.Caller, creds.Secret, error) {
	switch {
	case id == keyID:
		return &iam.Caller{ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", UserName: "alice"}, creds.SecretFromText(secret), nil
	case id == "ASIAEXPIRED000000001":
		return nil, creds.Secret{}, authn.ErrExpiredToken
	}
	return nil, creds.Secret{}, authn.ErrUnknownKey
}

type identity struct {
	Arn     string
	UserId  string
	Account string
}

type webIdentityResult struct {
	SubjectFromWebIdentityToken string
}

type fixture struct {
	srv   *httptest.Server
	audit *bytes.Buffer
	clock atomic.Pointer[time.Time]
	mu    sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{audit: &bytes.Buffer{}}
	now := time.Now()
	f.clock.Store(&now)
	var n atomic.Int64
	svc := &httpapi.QueryService{
		Name: "sts", Version: awsproto.STSVersion, Namespace: awsproto.STSNamespace,
		Actions: map[string]httpapi.QueryHandler{
			"GetCallerIdentity": func(_ context.Context, c iam.Caller, _ *awsproto.QueryRequest) (any, error) {
				return &identity{Arn: c.ARN, UserId: "AIDAEXAMPLE", Account: c.Account}, nil
			},
			"AssumeRoleWithWebIdentity": func(_ context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
				if c.ARN != "" || c.Account != "" || c.SourceIP == "" {
					return nil, errors.New("an unsigned call got a caller, or no source address")
				}
				return &webIdentityResult{SubjectFromWebIdentityToken: q.Get("RoleSessionName")}, nil
			},
			"GetSessionToken": func(context.Context, iam.Caller, *awsproto.QueryRequest) (any, error) {
				return nil, errors.New("database on fire: secret detail")
			},
		},
		Unsigned: map[string]bool{"AssumeRoleWithWebIdentity": true},
	}
	edge := httpapi.New(httpapi.Config{
		Query: []*httpapi.QueryService{svc}, Auth: authn.New(keys{}, func() time.Time { return *f.clock.Load() }), Audit: audit.New(lockedWriter{f}),
		Now:          func() time.Time { return *f.clock.Load() },
		NewRequestID: func() string { return fmt.Sprintf("req-%d", n.Add(1)) },
	})
	f.srv = httptest.NewServer(edge)
	t.Cleanup(f.srv.Close)
	return f
}

type lockedWriter struct{ f *fixture }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	return w.f.audit.Write(p)
}

func (f *fixture) client(id, key string) *sts.Client {
	return sts.New(sts.Options{
		Region: "us-west-2", BaseEndpoint: aws.String(f.srv.URL), HTTPClient: f.srv.Client(), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: id, SecretAccessKey: key}, nil
		}),
	})
}

func code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return fmt.Sprintf("not an API error: %v", err)
}

// TestSignedCalls drives the edge with aws-sdk-go-v2's STS client.
func TestSignedCalls(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.client(keyID, secret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != "arn:aws:iam::111122223333:user/alice" || aws.ToString(out.Account) != "111122223333" {
		t.Fatalf("identity %+v", out)
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"wrong secret", func() error {
			_, err := f.client(keyID, secret+"x").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}, "SignatureDoesNotMatch"},
		{"unknown key", func() error {
			_, err := f.client("AKIAUNKNOWN000000001", secret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}, "InvalidClientTokenId"},
		{"expired session", func() error {
			_, err := f.client("ASIAEXPIRED000000001", secret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}, "ExpiredToken"},
		{"handler failure", func() error {
			_, err := f.client(keyID, secret).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
			return err
		}, "ServiceFailure"},
		{"action not served", func() error {
			_, err := f.client(keyID, secret).GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(keyID)})
			return err
		}, "InvalidAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := code(tt.call()); got != tt.want {
				t.Fatalf("code %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("clock skew", func(t *testing.T) {
		later := time.Now().Add(20 * time.Minute)
		f.clock.Store(&later)
		defer func() { now := time.Now(); f.clock.Store(&now) }()
		_, err := f.client(keyID, secret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if code(err) != "RequestExpired" {
			t.Fatalf("%v, want RequestExpired", err)
		}
	})
	// The failure's detail reaches neither the client nor the audit log.
	f.mu.Lock()
	log := f.audit.String()
	f.mu.Unlock()
	if strings.Contains(log, "secret detail") || strings.Contains(log, secret) {
		t.Fatalf("audit log leaks: %s", log)
	}
	var lines int
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		if r.RequestID == "" || r.Action == "" {
			t.Fatalf("audit record %+v lacks request id or action", r)
		}
		lines++
	}
	if lines != 7 {
		t.Fatalf("%d audit records, want 7 (one per request)", lines)
	}
}

// TestUnsigned: an action AWS accepts unsigned is found by its Action;
// other unsigned calls are refused.
func TestUnsigned(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	anon := sts.New(sts.Options{Region: "us-west-2", BaseEndpoint: aws.String(f.srv.URL), HTTPClient: f.srv.Client(), RetryMaxAttempts: 1, Credentials: aws.AnonymousCredentials{}})
	out, err := anon.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::111122223333:role/app"), RoleSessionName: aws.String("pod-1"), WebIdentityToken: aws.String("a.b.c"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != "pod-1" {
		t.Fatalf("result %+v", out)
	}
	if _, err := anon.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); code(err) != "MissingAuthenticationToken" {
		t.Fatalf("unsigned GetCallerIdentity: %v", err)
	}
	resp, err := http.Post(f.srv.URL, "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", resp.StatusCode)
	}
}
