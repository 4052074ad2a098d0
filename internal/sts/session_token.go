package sts

import (
	"context"
	"fmt"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
)

// SessionTokenResult is GetSessionToken's outcome.
type SessionTokenResult struct {
	Credentials creds.SessionCredentials
	Expiration  time.Time
}

// GetSessionToken makes a session of a user or root from its long-term
// key: 12 hours by default, 900 s to 36 h, and at most an hour for the
// root (longer requests are cut to an hour, as AWS does). Such sessions
// may call STS and every service but IAM.
func (s *Service) GetSessionToken(ctx context.Context, caller iam.Caller, durationSeconds int) (SessionTokenResult, error) {
	if err := validateDuration(durationSeconds, MaxSessionTokenDuration); err != nil {
		return SessionTokenResult{}, err
	}
	if caller.Session != nil {
		return SessionTokenResult{}, fault.Errorf(fault.AccessDenied, "Cannot call GetSessionToken with session credentials")
	}
	d := durationSeconds
	if d == 0 {
		d = DefaultSessionToken
	}
	if caller.Root && d > MaxRootSessionToken {
		d = MaxRootSessionToken
	}
	id, err := s.ids.CallerIdentity(ctx, caller)
	if err != nil {
		return SessionTokenResult{}, err
	}
	userID := id.Principal.UserID
	if caller.Root {
		userID = caller.Account
	}
	now := s.now().UTC().Truncate(time.Second)
	sess := creds.Session{
		Kind: creds.UserSession, Account: caller.Account, UserARN: caller.ARN, UserID: userID,
		Issued: now.Unix(), Expires: now.Add(time.Duration(d) * time.Second).Unix(),
	}
	c, err := s.sessions.Issue(sess)
	if err != nil {
		return SessionTokenResult{}, fmt.Errorf("issue session: %w", err)
	}
	return SessionTokenResult{Credentials: c, Expiration: sess.ExpiresAt()}, nil
}
