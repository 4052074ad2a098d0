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

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seal.key")
	k1, err := loadOrCreateKey(path, bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil || len(k1) != creds.KeySize {
		t.Fatalf("create: %x, %v", k1, err)
	}
	k2, err := loadOrCreateKey(path, bytes.NewReader(bytes.Repeat([]byte{9}, 64)))
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("reload gave %x, %v; want the first key", k2, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	os.WriteFile(path, []byte("short"), 0o600)
	if _, err := loadOrCreateKey(path, bytes.NewReader(nil)); err == nil {
		t.Fatal("a damaged key file was accepted")
	}
}
