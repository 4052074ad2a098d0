package server

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/creds"
)

func TestWriteCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n\n[default]\naws_access_key_id = OLD\naws_secret_access_key = old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := Profile{Name: "default", AccessKeyID: "AKIANEW", SecretAccessKey: creds.SecretFromText("s3cr3t")}
	if err := writeCredentials(path, p); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n\n[default]\naws_access_key_id = AKIANEW\naws_secret_access_key = s3cr3t\n"
	if string(got) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestLoadSealKey: the first start makes the seal key and later starts
// read it back; in a directory past its first start, a missing, short or
// unreadable key is an error that names the file and what to do, and no
// key is made in its place.
func TestLoadSealKey(t *testing.T) {
	dir := dataDir(t.TempDir())
	k1, err := dir.loadSealKey(true, bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil || len(k1) != creds.KeySize {
		t.Fatalf("create: %x, %v", k1, err)
	}
	k2, err := dir.loadSealKey(false, bytes.NewReader(bytes.Repeat([]byte{9}, 64)))
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("reload gave %x, %v; want the first key", k2, err)
	}
	if fi, _ := os.Stat(dir.path(sealKeyFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	for name, damage := range map[string]struct {
		do   func(path string) error
		want string
	}{
		"missing":   {func(p string) error { return os.Remove(p) }, "holds a database but no seal key"},
		"short":     {func(p string) error { return os.WriteFile(p, []byte("short"), 0o600) }, "holds 5 bytes, not 32"},
		"directory": {func(p string) error { os.Remove(p); return os.Mkdir(p, 0o700) }, "cannot be read"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := dataDir(t.TempDir())
			if _, err := dir.loadSealKey(true, bytes.NewReader(bytes.Repeat([]byte{7}, 64))); err != nil {
				t.Fatal(err)
			}
			if err := damage.do(dir.path(sealKeyFile)); err != nil {
				t.Fatal(err)
			}
			_, err := dir.loadSealKey(false, bytes.NewReader(bytes.Repeat([]byte{9}, 64)))
			if err == nil || !strings.Contains(err.Error(), damage.want) || !strings.Contains(err.Error(), dir.path(sealKeyFile)) ||
				!strings.Contains(err.Error(), "restore the file from a backup, or start with a new data directory") {
				t.Fatalf("error %v, want one naming the file, saying %q and what to do", err, damage.want)
			}
			if name == "missing" {
				if _, err := os.Stat(dir.path(sealKeyFile)); err == nil {
					t.Fatal("a new seal key was made in a directory past its first start")
				}
			}
		})
	}
}
