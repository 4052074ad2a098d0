package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/podiam/podiam/internal/server"
	"github.com/podiam/podiam/internal/sigv4"
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
// modification times; of the lock file, which each start rewrites with
// its process id, only the name.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "lock" {
			b.WriteString("lock; ")
			return nil
		}
		fmt.Fprintf(&b, "%s %d %s; ", rel, fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestListenFirst: a server that cannot listen, since another has its
// port, leaves a new data directory absent; one that can makes it.
func TestListenFirst(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	data := filepath.Join(t.TempDir(), "data")
	err = server.Run(t.Context(), server.Config{Listen: taken.Addr().String(), DataDir: data})
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Run on a taken port: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the data directory was made by a server that could not listen (%v): %s", err, listDir(t, data))
	}
	start(t, data)
	if _, err := os.Stat(filepath.Join(data, "podiam.db")); err != nil {
		t.Fatalf("a server that listens made no database: %v", err)
	}
}

// TestDataDirLocked: a second server on a data directory refuses to
// start, saying which process holds it, while the first goes on serving:
// an upload in flight on the first when the second starts completes and
// reads back whole. Once the first has stopped, another starts there.
func TestDataDirLocked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes")
	}
	bin := buildPodiam(t)
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	first := serverProcess(t, bin, data, addr)
	defer func() { first.Process.Kill(); first.Wait() }()
	root := readCredentials(t, data)
	c := s3Client("http://"+addr, root)
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("locked")}); err != nil {
		t.Fatal(err)
	}

	// An upload in flight: half its body sent, the rest held back.
	body := objectBody("in-flight")
	body = append(body, objectBody("in-flight, more")...)
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPut, "http://"+addr+"/locked/in-flight", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	hash := sigv4.HashPayload(body)
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(t.Context(), root, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	type result struct {
		status int
		err    error
	}
	put := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			put <- result{err: err}
			return
		}
		resp.Body.Close()
		put <- result{status: resp.StatusCode}
	}()
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for entries, _ := os.ReadDir(filepath.Join(data, "objects", "tmp")); len(entries) == 0; entries, _ = os.ReadDir(filepath.Join(data, "objects", "tmp")) {
		if time.Now().After(deadline) {
			t.Fatal("the upload is not in progress on disk")
		}
		time.Sleep(10 * time.Millisecond)
	}

	second := exec.Command(bin, "server", "--data", data, "--listen", "127.0.0.1:0")
	out, err := second.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("the second server: %v, want exit status 1\n%s", err, out)
	}
	want := fmt.Sprintf("podiam: the data directory %s is in use: another podiam server (process %d) holds its lock (%s); stop that server first, or start this one with another data directory",
		data, first.Process.Pid, filepath.Join(data, "lock"))
	if !strings.Contains(string(out), want) {
		t.Fatalf("the second server said\n%s\nwant\n%s", out, want)
	}

	if _, err := pw.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if r := <-put; r.err != nil || r.status != http.StatusOK {
		t.Fatalf("the upload in flight: %d, %v", r.status, r.err)
	}
	if _, got := getObject(t, c, aws.String("locked"), aws.String("in-flight")); !bytes.Equal(got, body) {
		t.Fatalf("the upload reads back %d bytes, not its %d", len(got), len(body))
	}

	// Positive control: with the first stopped, a server starts there.
	first.Process.Signal(os.Interrupt)
	first.Wait()
	next := serverProcess(t, bin, data, addr)
	defer func() { next.Process.Signal(os.Interrupt); next.Wait() }()
	if _, got := getObject(t, c, aws.String("locked"), aws.String("in-flight")); !bytes.Equal(got, body) {
		t.Fatal("the object differs after the restart")
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
