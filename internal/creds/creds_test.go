package creds_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/creds"
)

// seeded is a deterministic randomness source for tests.
func seeded(seed uint64) *bytes.Reader {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return bytes.NewReader(b)
}

func TestIDs(t *testing.T) {
	tests := []struct {
		name   string
		make   func() (string, error)
		prefix string
		length int
	}{
		{"user", func() (string, error) { return creds.NewUniqueID(seeded(1), creds.PrefixUser) }, "AIDA", 21},
		{"role", func() (string, error) { return creds.NewUniqueID(seeded(2), creds.PrefixRole) }, "AROA", 21},
		{"access key", func() (string, error) { return creds.NewAccessKeyID(seeded(3), creds.PrefixAccessKey) }, "AKIA", 20},
		{"session key", func() (string, error) { return creds.NewAccessKeyID(seeded(4), creds.PrefixTempAccessKey) }, "ASIA", 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := tt.make()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(id, tt.prefix) || len(id) != tt.length {
				t.Fatalf("id %q, want prefix %s and %d characters", id, tt.prefix, tt.length)
			}
			if strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
				t.Fatalf("id %q has characters outside A-Z2-7", id)
			}
		})
	}
	a, _ := creds.NewUniqueID(seeded(9), creds.PrefixUser)
	b, _ := creds.NewUniqueID(seeded(10), creds.PrefixUser)
	if a == b {
		t.Fatal("two seeds gave the same id")
	}
	if _, err := creds.NewUniqueID(bytes.NewReader(nil), creds.PrefixUser); err == nil {
		t.Fatal("an empty randomness source gave an id")
	}
}

// TestSecretNeverPrints: no formatting, logging or encoding path shows a
// secret's text.
func TestSecretNeverPrints(t *testing.T) {
	s, err := creds.NewSecret(seeded(5))
	if err != nil {
		t.Fatal(err)
	}
	text := s.Reveal()
	if len(text) != creds.SecretLength {
		t.Fatalf("secret has %d characters", len(text))
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "secret", s)
	j, _ := json.Marshal(map[string]any{"s": s})
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s), "%#v": fmt.Sprintf("%#v", s),
		"%+v struct": fmt.Sprintf("%+v", struct{ S creds.Secret }{s}), "slog": logged.String(), "json": string(j),
	} {
		if strings.Contains(out, text) || !strings.Contains(out, "redacted") {
			t.Errorf("%s printed %q", name, out)
		}
	}
	if !s.Equal(creds.SecretFromText(text)) || s.Equal(creds.SecretFromText(text+"x")) {
		t.Error("Equal is wrong")
	}
}

func TestSealer(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, creds.KeySize)
	k2 := bytes.Repeat([]byte{2}, creds.KeySize)
	old, err := creds.NewSealer(map[byte][]byte{1: k1}, 1, seeded(6))
	if err != nil {
		t.Fatal(err)
	}
	ct, err := old.Seal([]byte("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), []byte("AKIAEXAMPLE"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("wJalr")) {
		t.Fatal("ciphertext holds the plaintext")
	}
	// After rotation the new key seals and the old key still opens.
	rotated, err := creds.NewSealer(map[byte][]byte{1: k1, 2: k2}, 2, seeded(7))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := rotated.Open(ct, []byte("AKIAEXAMPLE"))
	if err != nil || string(pt) != "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" {
		t.Fatalf("Open after rotation: %q, %v", pt, err)
	}
	ct2, _ := rotated.Seal([]byte("x"), nil)
	if ct2[0] != 2 {
		t.Fatalf("sealed with key %d, want 2", ct2[0])
	}
	tampered := append([]byte{}, ct...)
	tampered[len(tampered)-1] ^= 1
	for name, c := range map[string]struct {
		ct  []byte
		ctx string
	}{
		"other context": {ct, "AKIAOTHER"},
		"tampered":      {tampered, "AKIAEXAMPLE"},
		"truncated":     {ct[:10], "AKIAEXAMPLE"},
		"empty":         {nil, "AKIAEXAMPLE"},
		"unknown key":   {append([]byte{9}, ct[1:]...), "AKIAEXAMPLE"},
	} {
		if _, err := rotated.Open(c.ct, []byte(c.ctx)); err != creds.ErrUnseal {
			t.Errorf("%s: %v, want ErrUnseal", name, err)
		}
	}
	if _, err := creds.NewSealer(map[byte][]byte{1: k1[:16]}, 1, seeded(8)); err == nil {
		t.Error("a short key was accepted")
	}
	if _, err := creds.NewSealer(map[byte][]byte{1: k1}, 2, seeded(8)); err == nil {
		t.Error("a missing current key was accepted")
	}
}
