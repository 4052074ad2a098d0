package server

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
)

// TestSessionKeyRotation: the keyring gets a new current key once a day;
// sessions of the old key keep opening while they can last, and the old
// key goes once no session of it can.
func TestSessionKeyRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session.keys")
	rnd := bytes.NewReader(bytes.Repeat([]byte("0123456789abcdef"), 64))
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	k1, err := loadSessionKeys(path, t0, rnd, true)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keyring file %v, %v", fi, err)
	}
	// A 36-hour session made with the first key.
	c, err := k1.Issue(creds.Session{Kind: creds.UserSession, Account: "111122223333", Issued: t0.Unix(), Expires: t0.Add(36 * time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	// Within the day: the same key.
	before, _ := os.ReadFile(path)
	if _, err := loadSessionKeys(path, t0.Add(23*time.Hour), rnd, false); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("the keyring changed within its first day")
	}
	// A day later: rotated, and the old session still opens.
	k2, err := loadSessionKeys(path, t0.Add(25*time.Hour), rnd, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := k2.OpenSession(c.AccessKeyID, c.Token, t0.Add(30*time.Hour)); err != nil {
		t.Fatalf("old session after rotation: %v", err)
	}
	c2, _ := k2.Issue(creds.Session{Kind: creds.UserSession, Account: "111122223333", Issued: t0.Add(25 * time.Hour).Unix(), Expires: t0.Add(26 * time.Hour).Unix()})
	if _, _, err := k1.OpenSession(c2.AccessKeyID, c2.Token, t0.Add(25*time.Hour)); err == nil {
		t.Fatal("a session of the new key opened with the old keyring alone")
	}
	// Once the old key's sessions have all ended, it is dropped.
	k3, err := loadSessionKeys(path, t0.Add(25*time.Hour+SessionKeyRetention+time.Minute), rnd, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := k3.OpenSession(c.AccessKeyID, c.Token, t0.Add(30*time.Hour)); err != creds.ErrBadToken {
		t.Fatalf("old key after its retention: %v", err)
	}
	var f sessionKeyFile
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &f); err != nil || len(f.Keys) != 2 {
		t.Fatalf("keyring %s (%v)", b, err)
	}
	// A damaged keyring stops the server rather than being replaced.
	os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := loadSessionKeys(path, t0, rnd, true); err == nil || !strings.Contains(err.Error(), "is damaged") {
		t.Fatalf("a damaged keyring: %v", err)
	}
}

// TestSessionKeyringDropsOpenedSessions: the sessions a running server
// opened (and keeps, so as not to open their tokens at every request)
// stop opening once a refresh of the keyring dropped their key.
func TestSessionKeyringDropsOpenedSessions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session.keys")
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	k, err := newSessionKeyring(path, t0, rand.Reader, true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.Issue(creds.Session{Kind: creds.UserSession, Account: "111122223333", Issued: t0.Unix(), Expires: t0.Add(36 * time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := k.OpenSession(c.AccessKeyID, c.Token, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.refresh(t0.Add(25 * time.Hour)); err != nil { // rotated: the old key stays
		t.Fatal(err)
	}
	if _, _, err := k.OpenSession(c.AccessKeyID, c.Token, t0.Add(26*time.Hour)); err != nil {
		t.Fatalf("after a rotation: %v", err)
	}
	if err := k.refresh(t0.Add(25*time.Hour + SessionKeyRetention + time.Minute)); err != nil { // dropped
		t.Fatal(err)
	}
	if _, _, err := k.OpenSession(c.AccessKeyID, c.Token, t0.Add(26*time.Hour)); err != creds.ErrBadToken {
		t.Fatalf("after its key was dropped: %v, want %v", err, creds.ErrBadToken)
	}
}

// TestSessionKeyringLost: a keyring that is gone is made again only at
// the first start; later, at a start or while the server runs, it is an
// error that says what to do, and the file is not made. An empty keyring
// put in its place, as the error advises, gets a new key.
func TestSessionKeyringLost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session.keys")
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	k, err := newSessionKeyring(path, t0, rand.Reader, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.refresh(t0.Add(time.Hour)); err != nil {
		t.Fatalf("refresh of an intact keyring: %v", err)
	}
	os.Remove(path)
	if err := k.refresh(t0.Add(2 * time.Hour)); err == nil {
		t.Fatal("refresh made a new keyring in place of a lost one")
	}
	_, err = newSessionKeyring(path, t0, rand.Reader, false)
	if want := "holds a database but no session keyring (" + path + ")"; err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "echo '{}' > "+path) {
		t.Fatalf("start without the keyring: %v, want %q and what to do", err, want)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the keyring was made again")
	}
	os.WriteFile(path, []byte("{}"), 0o600)
	if k, err = newSessionKeyring(path, t0, rand.Reader, false); err != nil {
		t.Fatalf("an empty keyring: %v", err)
	}
	if _, err := k.Issue(creds.Session{Kind: creds.UserSession, Account: "111122223333", Issued: t0.Unix(), Expires: t0.Add(time.Hour).Unix()}); err != nil {
		t.Fatalf("issue from a keyring begun empty: %v", err)
	}
}

// TestRequestID: request ids are random UUIDs (version 4, RFC 4122
// variant), in AWS's form.
func TestRequestID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := newRequestID()
		if !uuid.MatchString(id) || seen[id] {
			t.Fatalf("request id %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}
