package creds_test

import (
	"bytes"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
)

var sessionNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func keyring(t testing.TB, current byte, ids ...byte) *creds.SessionKeys {
	t.Helper()
	keys := map[byte][]byte{}
	for _, id := range ids {
		keys[id] = bytes.Repeat([]byte{id}, creds.KeySize)
	}
	k, err := creds.NewSessionKeys(keys, current, mrand.NewChaCha8([32]byte{current}))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func roleSession() creds.Session {
	return creds.Session{
		Kind: creds.RoleSession, Account: "111122223333", RoleARN: "arn:aws:iam::111122223333:role/apps/reader",
		RoleID: "AROAEXAMPLE000000001", SessionName: "pod-1", Issued: sessionNow.Unix(), Expires: sessionNow.Add(time.Hour).Unix(),
		Policies:       []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`},
		PolicyARNs:     []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
		Tags:           []creds.SessionTag{{Key: "team", Value: "blue"}, {Key: "kubernetes-namespace", Value: "default"}},
		TransitiveKeys: []string{"team"}, SourceIdentity: "alice", FederatedProvider: "arn:aws:iam::111122223333:oidc-provider/oidc.example.com",
	}
}

func TestSessionRoundTrip(t *testing.T) {
	k := keyring(t, 1, 1)
	c, err := k.Issue(roleSession())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || len(c.AccessKeyID) != 20 || len(c.Secret.Reveal()) != creds.SecretLength {
		t.Fatalf("credentials %s / %d-character secret", c.AccessKeyID, len(c.Secret.Reveal()))
	}
	if strings.ContainsAny(c.Token, "+/=%") {
		t.Fatalf("token is not URL-safe: %q", c.Token)
	}
	s, secret, err := k.OpenSession(c.AccessKeyID, c.Token, sessionNow.Add(59*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := roleSession()
	want.AccessKeyID = c.AccessKeyID
	if s.RoleARN != want.RoleARN || s.SessionName != want.SessionName || len(s.Tags) != 2 || s.Tags[1] != want.Tags[1] ||
		s.Policies[0] != want.Policies[0] || s.SourceIdentity != "alice" || s.AccessKeyID != c.AccessKeyID || !s.ExpiresAt().Equal(sessionNow.Add(time.Hour)) {
		t.Fatalf("opened %+v", s)
	}
	if !secret.Equal(c.Secret) {
		t.Fatal("the derived secret differs from the issued one")
	}
	// Another session gets another key and secret.
	c2, _ := k.Issue(roleSession())
	if c2.AccessKeyID == c.AccessKeyID || c2.Secret.Equal(c.Secret) || c2.Token == c.Token {
		t.Fatal("two sessions share credentials")
	}
	if len(c.Token) > 1500 {
		t.Errorf("token of %d characters for a typical session", len(c.Token))
	}
}

func TestSessionRefused(t *testing.T) {
	k := keyring(t, 1, 1)
	c, err := k.Issue(roleSession())
	if err != nil {
		t.Fatal(err)
	}
	other := keyring(t, 7, 7)
	foreign, _ := other.Issue(roleSession())
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, tc := range []struct {
		name, id, token string
		now             time.Time
		want            error
	}{
		{"expired", c.AccessKeyID, c.Token, sessionNow.Add(time.Hour), creds.ErrExpiredToken},
		{"another access key id", "ASIAAAAAAAAAAAAAAAAA", c.Token, sessionNow, creds.ErrBadToken},
		{"foreign server key", foreign.AccessKeyID, foreign.Token, sessionNow, creds.ErrBadToken},
		{"truncated", c.AccessKeyID, c.Token[:len(c.Token)-5], sessionNow, creds.ErrBadToken},
		{"tampered middle", c.AccessKeyID, flip(c.Token, len(c.Token)/2), sessionNow, creds.ErrBadToken},
		{"tampered key byte", c.AccessKeyID, flip(c.Token, 1), sessionNow, creds.ErrBadToken},
		{"empty", c.AccessKeyID, "", sessionNow, creds.ErrBadToken},
		{"not base64", c.AccessKeyID, "!!!" + c.Token, sessionNow, creds.ErrBadToken},
		{"huge", c.AccessKeyID, strings.Repeat("A", 70000), sessionNow, creds.ErrBadToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := k.OpenSession(tc.id, tc.token, tc.now); err != tc.want {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// Every single-character change of the token is refused.
	for i := range c.Token {
		if _, _, err := k.OpenSession(c.AccessKeyID, flip(c.Token, i), sessionNow); err == nil {
			t.Fatalf("token changed at %d opened", i)
		}
	}
}

// TestSessionKeyRotation: sessions of an older key keep opening while the
// key is in the keyring, and stop when it is dropped.
func TestSessionKeyRotation(t *testing.T) {
	old := keyring(t, 1, 1)
	c, _ := old.Issue(roleSession())
	rotated := keyring(t, 2, 1, 2)
	if _, _, err := rotated.OpenSession(c.AccessKeyID, c.Token, sessionNow); err != nil {
		t.Fatalf("old session after rotation: %v", err)
	}
	c2, _ := rotated.Issue(roleSession())
	if _, _, err := old.OpenSession(c2.AccessKeyID, c2.Token, sessionNow); err != creds.ErrBadToken {
		t.Fatalf("new key's session opened by a server without it: %v", err)
	}
	dropped := keyring(t, 2, 2)
	if _, _, err := dropped.OpenSession(c.AccessKeyID, c.Token, sessionNow); err != creds.ErrBadToken {
		t.Fatalf("old session after its key was dropped: %v", err)
	}
	if _, err := creds.NewSessionKeys(map[byte][]byte{1: make([]byte, 16)}, 1, nil); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
	if _, err := creds.NewSessionKeys(map[byte][]byte{1: make([]byte, 32)}, 2, nil); err == nil {
		t.Fatal("a current id without a key was accepted")
	}
}

// TestOpenedSessionCached: a token opened once opens from the keyring's
// cache after, with the same checks: its expiry against the clock of each
// call, and its own access key id only.
func TestOpenedSessionCached(t *testing.T) {
	k := keyring(t, 1, 1)
	c, err := k.Issue(roleSession())
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := k.OpenSession(c.AccessKeyID, c.Token, sessionNow)
	if err != nil {
		t.Fatal(err)
	}
	again, secret, err := k.OpenSession(c.AccessKeyID, c.Token, sessionNow.Add(59*time.Minute))
	if err != nil || again.AccessKeyID != first.AccessKeyID || again.RoleID != first.RoleID || !secret.Equal(c.Secret) {
		t.Fatalf("opened again: %+v, %v", again, err)
	}
	if _, _, err := k.OpenSession(c.AccessKeyID, c.Token, sessionNow.Add(time.Hour)); err != creds.ErrExpiredToken {
		t.Fatalf("opened again once expired: %v, want %v", err, creds.ErrExpiredToken)
	}
	if _, _, err := k.OpenSession("ASIAAAAAAAAAAAAAAAAA", c.Token, sessionNow); err != creds.ErrBadToken {
		t.Fatalf("opened again with another access key id: %v, want %v", err, creds.ErrBadToken)
	}
	// An expired session is not kept: a keyring that opened it only once
	// it had expired refuses it too.
	k2 := keyring(t, 1, 1)
	if _, _, err := k2.OpenSession(c.AccessKeyID, c.Token, sessionNow.Add(2*time.Hour)); err != creds.ErrExpiredToken {
		t.Fatalf("expired: %v", err)
	}
	if _, _, err := k2.OpenSession(c.AccessKeyID, c.Token, sessionNow.Add(2*time.Hour)); err != creds.ErrExpiredToken {
		t.Fatalf("expired, again: %v", err)
	}
}

// FuzzOpenSession: nothing but an issued token opens, and only with its
// own access key id; no input panics.
func FuzzOpenSession(f *testing.F) {
	k := keyring(f, 1, 1)
	issued := map[string]string{}
	for i := 0; i < 3; i++ {
		s := roleSession()
		s.SessionName = strings.Repeat("x", i+2)
		c, err := k.Issue(s)
		if err != nil {
			f.Fatal(err)
		}
		issued[c.Token] = c.AccessKeyID
		f.Add(c.AccessKeyID, c.Token)
		f.Add(c.AccessKeyID, c.Token[:len(c.Token)/2])
	}
	f.Add("ASIA", "AQ")
	f.Fuzz(func(t *testing.T, id, token string) {
		s, secret, err := k.OpenSession(id, token, sessionNow)
		if err != nil {
			return
		}
		if issued[token] != id || s.AccessKeyID != id || secret.IsZero() {
			t.Fatalf("opened a token that was not issued for %q: %q", id, token)
		}
	})
}

// BenchmarkOpenSession: opening a token the first time (each iteration
// a keyring of its own, so that nothing is cached) and again.
func BenchmarkOpenSession(b *testing.B) {
	c, _ := keyring(b, 1, 1).Issue(roleSession())
	b.Run("first", func(b *testing.B) {
		keys := map[byte][]byte{1: bytes.Repeat([]byte{1}, creds.KeySize)}
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			k, err := creds.NewSessionKeys(keys, 1, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, _, err := k.OpenSession(c.AccessKeyID, c.Token, sessionNow); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		k := keyring(b, 1, 1)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := k.OpenSession(c.AccessKeyID, c.Token, sessionNow); err != nil {
				b.Fatal(err)
			}
		}
	})
}
