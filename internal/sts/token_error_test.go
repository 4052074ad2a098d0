package sts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/sts"
)

// failingVerifier refuses every token with err.
type failingVerifier struct{ err error }

func (f failingVerifier) Verify(context.Context, *oidc.Token, oidc.Provider) error { return f.err }

// TestWebIdentityErrorCodes: each kind of verification failure becomes
// STS's kind (and so AWS's code), with the verifier's message for the caller and its cause
// kept for the log only.
func TestWebIdentityErrorCodes(t *testing.T) {
	e := newEnv(t)
	role := e.role(acctA, "my-app", e.irsaTrust(sa, ""))
	cause := errors.New("the cause")
	for _, tc := range []struct {
		kind oidc.Kind
		want string
	}{
		{oidc.InvalidToken, invalidIdentityToken},
		{oidc.ExpiredToken, expiredTokenException},
		{oidc.Rejected, idpRejectedClaim},
		{oidc.Communication, idpCommunication},
		{oidc.Kind(0), invalidIdentityToken},
		{oidc.Kind(99), invalidIdentityToken},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			v := failingVerifier{&oidc.Error{Kind: tc.kind, Message: "the message", Err: cause}}
			svc, err := sts.New(sts.Config{Store: e.st, Identities: e.iam, Verifier: v, Sessions: e.keys, Now: func() time.Time { return e.now }})
			if err != nil {
				t.Fatal(err)
			}
			_, err = svc.AssumeRoleWithWebIdentity(t.Context(), sts.WebIdentityInput{RoleARN: role.ARN, RoleSessionName: "pod-1", WebIdentityToken: e.token(nil)})
			se, ok := fault.As(err)
			if !ok || code(err) != tc.want || se.Message != "the message" || se.Cause != cause {
				t.Fatalf("got %#v, want %s, the message and the cause", err, tc.want)
			}
			if se.Error() != tc.want+": the message: the cause" {
				t.Fatalf("Error() = %q", se.Error())
			}
		})
	}
}
