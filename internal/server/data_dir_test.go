package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestKeyFilesLost: in a data directory past its first start, a key file
// that is missing, unreadable (a directory in its place) or damaged stops
// the start with a message naming the file and what to do, and nothing
// is made in its place; so does object data without its database. The
// intact directory restarts and its root key still verifies.
func TestKeyFilesLost(t *testing.T) {
	const restore = "restore the file from a backup"
	tests := []struct {
		name   string
		damage func(dir string) error
		want   []string // in the error, with the data directory for D
	}{
		{name: "intact", damage: func(string) error { return nil }},
		{name: "seal key missing", damage: remove("seal.key"),
			want: []string{"the data directory D holds a database but no seal key (D/seal.key): the secrets sealed in it cannot be opened; " + restore + ", or start with a new data directory"}},
		{name: "seal key a directory", damage: directory("seal.key"),
			want: []string{"the seal key D/seal.key cannot be read", restore + ", or start with a new data directory"}},
		{name: "seal key truncated", damage: truncate("seal.key"),
			want: []string{"the seal key D/seal.key holds 16 bytes, not 32", restore + ", or start with a new data directory"}},
		{name: "session keyring missing", damage: remove("session.keys"),
			want: []string{"the data directory D holds a database but no session keyring (D/session.keys): the sessions issued so far cannot be checked; " + restore + ", or, to end every session issued so far, put an empty keyring in its place: echo '{}' > D/session.keys"}},
		{name: "session keyring a directory", damage: directory("session.keys"),
			want: []string{"the session keyring D/session.keys cannot be read", restore}},
		{name: "session keyring truncated", damage: truncate("session.keys"),
			want: []string{"the session keyring D/session.keys is damaged", restore}},
		{name: "database missing", damage: func(dir string) error {
			for _, f := range []string{"podiam.db", "podiam.db-wal", "podiam.db-shm"} {
				if err := os.Remove(filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
					return err
				}
			}
			return nil
		}, want: []string{"the data directory D holds object data (D/objects) but no database (D/podiam.db)", "restore the database from a backup, or start with a new data directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			r := start(t, dir)
			root := readCredentials(t, dir)
			r.stop()
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			before := listDir(t, dir)
			r, err := tryStart(t, dir, nil)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("the intact directory did not restart: %v", err)
				}
				if got := aws.ToString(callerIdentity(t, r.url, root).Arn); !strings.HasSuffix(got, ":root") {
					t.Fatalf("identity %s", got)
				}
				return
			}
			if err == nil {
				t.Fatal("the server started")
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "D", dir); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
			if after := listDir(t, dir); after != before {
				t.Errorf("the refused start changed the data directory:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func remove(name string) func(string) error {
	return func(dir string) error { return os.Remove(filepath.Join(dir, name)) }
}

func directory(name string) func(string) error {
	return func(dir string) error {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return err
		}
		return os.Mkdir(filepath.Join(dir, name), 0o700)
	}
}

func truncate(name string) func(string) error {
	return func(dir string) error { return os.Truncate(filepath.Join(dir, name), 16) }
}

// listDir lists what is in dir and below it: names, sizes and
// modification times.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(&b, "%s %d %s; ", rel, fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
