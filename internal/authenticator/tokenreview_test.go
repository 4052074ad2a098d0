package authenticator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/podiam/podiam/internal/fault"
)

// fakeVerifier answers by token.
type fakeVerifier map[string]any // Identity or error

func (f fakeVerifier) Verify(_ context.Context, token string) (Identity, error) {
	switch v := f[token].(type) {
	case Identity:
		return v, nil
	case error:
		return Identity{}, v
	}
	return Identity{}, fault.Errorf(fault.InvalidToken, "unknown token")
}

func newAuthenticate(t *testing.T, log io.Writer) *Authenticate {
	a, err := ParseAWSAuth(map[string]string{"mapRoles": awsAuthRoles})
	if err == nil {
		t.Fatal("the fixture's bad entries are not reported")
	}
	m := &Mapper{}
	m.SetAWSAuth(a)
	v := fakeVerifier{
		"good":      Identity{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/ci/s@x", UserID: "AROACI:s@x", AccessKeyID: "ASIAKEY"},
		"unmapped":  Identity{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/other/s", UserID: "AROAOTHER:s", AccessKeyID: "ASIAKEY"},
		"reserved":  Identity{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/reserved/s", UserID: "AROARES:s", AccessKeyID: "ASIAKEY"},
		"badarn":    Identity{Account: "111122223333", ARN: "arn:aws:s3:::bucket", UserID: "X"},
		"throttled": fault.Errorf(fault.LimitExceeded, "STS throttled"),
		"down":      &fault.Error{Kind: fault.Unavailable, Message: "call STS"},
		"expired":   fault.Errorf(fault.Expired, "older than 15 minutes"),
	}
	return &Authenticate{Verifier: v, Mapper: m, Log: slog.New(slog.NewTextHandler(log, nil))}
}

func review(apiVersion, token string) string {
	b, _ := json.Marshal(map[string]any{"apiVersion": apiVersion, "kind": "TokenReview", "spec": map[string]any{"token": token, "audiences": []string{"https://kubernetes.default.svc"}}})
	return string(b)
}

func TestAuthenticate(t *testing.T) {
	var log bytes.Buffer
	h := newAuthenticate(t, &log)
	for _, tt := range []struct {
		name, method, body string
		status             int
		apiVersion         string // of the answer, for JSON answers
		logs               string // in podiam's log
	}{
		{name: "v1", method: "POST", body: review(authenticationV1, "good"), status: 200, apiVersion: authenticationV1},
		{name: "v1beta1", method: "POST", body: review(authenticationV1beta1, "good"), status: 200, apiVersion: authenticationV1beta1},
		{name: "no TypeMeta", method: "POST", body: `{"spec":{"token":"good"}}`, status: 200},
		{name: "GET", method: "GET", status: 405},
		{name: "not JSON", method: "POST", body: "{", status: 400},
		{name: "another kind", method: "POST", body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{"token":"good"}}`, status: 400},
		{name: "another version", method: "POST", body: review("authentication.k8s.io/v2", "good"), status: 400},
		{name: "too large", method: "POST", body: review(authenticationV1, strings.Repeat("a", maxReviewBody)), status: 413},
		{name: "no token", method: "POST", body: review(authenticationV1, ""), status: 403, apiVersion: authenticationV1, logs: "no token"},
		{name: "bad token", method: "POST", body: review(authenticationV1, "forged"), status: 403, apiVersion: authenticationV1, logs: "unknown token"},
		{name: "expired", method: "POST", body: review(authenticationV1beta1, "expired"), status: 403, apiVersion: authenticationV1beta1, logs: "older than 15 minutes"},
		{name: "unmapped", method: "POST", body: review(authenticationV1, "unmapped"), status: 403, apiVersion: authenticationV1, logs: "role/other (AROAOTHER) is not mapped"},
		{name: "reserved", method: "POST", body: review(authenticationV1, "reserved"), status: 403, apiVersion: authenticationV1, logs: `prefix \"eks:\" is reserved`},
		{name: "not a caller ARN", method: "POST", body: review(authenticationV1, "badarn"), status: 403, apiVersion: authenticationV1, logs: "not a caller ARN"},
		{name: "throttled", method: "POST", body: review(authenticationV1, "throttled"), status: 429, apiVersion: authenticationV1, logs: "STS throttled"},
		{name: "STS down", method: "POST", body: review(authenticationV1, "down"), status: 503, apiVersion: authenticationV1, logs: "call STS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			log.Reset()
			req := httptest.NewRequest(tt.method, "/authenticate?timeout=30s", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if !strings.Contains(log.String(), tt.logs) {
				t.Errorf("log %q does not say %q", log.String(), tt.logs)
			}
			if tt.status >= 400 && tt.apiVersion == "" {
				return
			}
			var out authenticationv1.TokenReview
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("answer %s: %v", rec.Body, err)
			}
			if out.APIVersion != tt.apiVersion || (tt.apiVersion != "" && out.Kind != "TokenReview") {
				t.Errorf("answer's TypeMeta %+v, want %s", out.TypeMeta, tt.apiVersion)
			}
			if len(out.Status.Audiences) != 0 {
				t.Errorf("audiences %q", out.Status.Audiences)
			}
			if tt.status != 200 {
				// A generic body: nothing about why.
				if out.Status.Authenticated || out.Status.User.Username != "" || out.Status.Error != "" || strings.Contains(rec.Body.String(), "AROA") {
					t.Errorf("refusal body %s", rec.Body)
				}
				return
			}
			u := out.Status.User
			if !out.Status.Authenticated || u.Username != "ci:s-x" || !slices.Equal(u.Groups, []string{"system:masters", "acct-111122223333"}) ||
				u.UID != "aws-iam-authenticator:111122223333:AROACI" {
				t.Errorf("user %+v", out.Status)
			}
			want := map[string]string{"arn": "arn:aws:sts::111122223333:assumed-role/ci/s@x", "canonicalArn": "arn:aws:iam::111122223333:role/ci",
				"sessionName": "s@x", "accessKeyId": "ASIAKEY", "principalId": "AROACI", "sigs.k8s.io/aws-iam-authenticator/principalId": "AROACI"}
			if len(u.Extra) != len(want) {
				t.Errorf("extra %v", u.Extra)
			}
			for k, v := range want {
				if !slices.Equal(u.Extra[k], authenticationv1.ExtraValue{v}) {
					t.Errorf("extra %s = %q, want [%q]", k, u.Extra[k], v)
				}
			}
		})
	}
}

// countingVerifier counts its calls.
type countingVerifier struct {
	calls   int
	err     error
	expires time.Time
}

func (c *countingVerifier) Verify(context.Context, string) (Identity, error) {
	c.calls++
	return Identity{Account: "111122223333", Expires: c.expires}, c.err
}

func TestCached(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	v := &countingVerifier{}
	c := &Cached{Verifier: v, Now: func() time.Time { return now }}
	for range 3 {
		if _, err := c.Verify(t.Context(), "a"); err != nil {
			t.Fatal(err)
		}
	}
	if v.calls != 1 {
		t.Errorf("%d calls for one token within the TTL, want 1", v.calls)
	}
	c.Verify(t.Context(), "b")
	if v.calls != 2 {
		t.Errorf("another token: %d calls, want 2", v.calls)
	}
	now = now.Add(DefaultCacheTTL)
	c.Verify(t.Context(), "a")
	if v.calls != 3 {
		t.Errorf("after the TTL: %d calls, want 3", v.calls)
	}
	// A refusal is never kept.
	v.err = fault.Errorf(fault.InvalidToken, "no")
	for range 2 {
		if _, err := c.Verify(t.Context(), "c"); err == nil {
			t.Fatal("refusal not returned")
		}
	}
	if v.calls != 5 {
		t.Errorf("refusals: %d calls, want 5", v.calls)
	}
	// A token about to pass its 15 minutes is kept only until then, not
	// for the whole TTL; the control, one of plenty of time, is above.
	v.err, v.calls = nil, 0
	v.expires = now.Add(3 * time.Second)
	c.Verify(t.Context(), "d")
	now = now.Add(2 * time.Second)
	c.Verify(t.Context(), "d")
	if v.calls != 1 {
		t.Errorf("within the token's life: %d calls, want 1", v.calls)
	}
	now = now.Add(2 * time.Second)
	c.Verify(t.Context(), "d")
	if v.calls != 2 {
		t.Errorf("past the token's life, within the TTL: %d calls, want 2", v.calls)
	}
	v.expires = time.Time{}
	// A negative TTL keeps nothing.
	v.err, v.calls = nil, 0
	off := &Cached{Verifier: v, TTL: -1}
	off.Verify(t.Context(), "a")
	off.Verify(t.Context(), "a")
	if v.calls != 2 {
		t.Errorf("TTL -1: %d calls, want 2", v.calls)
	}
}

func TestParseCallerIdentity(t *testing.T) {
	const xmlBody = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/alice</Arn><UserId>AIDAALICE</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
	const jsonBody = `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"111122223333","Arn":"arn:aws:iam::111122223333:user/alice","UserId":"AIDAALICE"},"ResponseMetadata":{"RequestId":"r"}}}`
	want := Identity{Account: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice", UserID: "AIDAALICE"}
	for _, tt := range []struct{ ct, body string }{{"text/xml", xmlBody}, {"application/json", jsonBody}, {"", jsonBody}, {"", xmlBody}} {
		if got, err := ParseCallerIdentity(tt.ct, []byte(tt.body)); err != nil || got != want {
			t.Errorf("%s: %+v, %v", tt.ct, got, err)
		}
	}
	for _, body := range []string{"", "{}", `{"GetCallerIdentityResponse":{}}`, "<x/>", strings.Replace(jsonBody, "111122223333\"", "1\"", 1),
		`{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"111122223333","Arn":"","UserId":"A"}}}`} {
		if _, err := ParseCallerIdentity("", []byte(body)); fault.KindOf(err) != fault.Failure {
			t.Errorf("%q: %v, want a Failure", body, err)
		}
	}
}

var _ http.Handler = (*Authenticate)(nil)

// TestSTSAnswers: a refusal is told by STS's status and error code, never
// by its message (which repeats what the request said), and no refusal
// carries the token's URL (its signature and session token) into the log.
func TestSTSAnswers(t *testing.T) {
	const secretQuery = "Action=GetCallerIdentity&X-Amz-Security-Token=SESSIONSECRET&X-Amz-Signature=SIGSECRET"
	answer := func(status int, body string) *STS {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return &STS{Prepare: func(ctx context.Context, _ string) (*http.Request, string, error) {
			r, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/?"+secretQuery, nil)
			return r, "AKIA", err
		}}
	}
	echo := `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>Credential "Throttling" is not valid</Message></Error></ErrorResponse>`
	for _, tt := range []struct {
		name   string
		status int
		body   string
		want   fault.Kind
	}{
		{"an attacker's word Throttling in a refusal's message", http.StatusForbidden, echo, fault.InvalidToken},
		{"a refusal in JSON", http.StatusForbidden, `{"Error":{"Code":"SignatureDoesNotMatch","Message":"Throttling"}}`, fault.InvalidToken},
		{"STS's Throttling code", http.StatusBadRequest, `<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>`, fault.LimitExceeded},
		{"HTTP 429", http.StatusTooManyRequests, ``, fault.LimitExceeded},
		{"HTTP 503", http.StatusServiceUnavailable, ``, fault.Unavailable},
	} {
		_, err := answer(tt.status, tt.body).Verify(t.Context(), "token")
		if fault.KindOf(err) != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if s := fmt.Sprintf("%v %+v", err, err); strings.Contains(s, "SECRET") || strings.Contains(s, "not valid") {
			t.Errorf("%s: the refusal carries the request's or STS's words: %s", tt.name, s)
		}
	}
	// STS cannot be reached: the error names what failed, not the URL.
	down := &STS{Prepare: func(ctx context.Context, _ string) (*http.Request, string, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/?"+secretQuery, nil)
		return r, "AKIA", err
	}}
	_, err := down.Verify(t.Context(), "token")
	if fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("STS down: %v", err)
	}
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Cause != nil && strings.Contains(fe.Cause.Error(), "SECRET") {
		t.Errorf("STS down: the cause carries the token: %v", fe.Cause)
	}
	if fe == nil || fe.Cause == nil || !strings.Contains(fe.Cause.Error(), "connect") {
		t.Errorf("STS down: the cause says nothing of what failed: %v", err)
	}
}
