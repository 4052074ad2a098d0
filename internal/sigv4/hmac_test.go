package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
)

// TestHMAC compares the written-out HMAC with crypto/hmac for keys and
// messages of every length around the block size.
func TestHMAC(t *testing.T) {
	for _, kl := range []int{0, 1, 32, 63, 64, 65, 200} {
		for _, ml := range []int{0, 1, 55, 56, 64, 191, 192, 193, 1000} {
			key := []byte(strings.Repeat("k", kl))
			msg := strings.Repeat("m", ml)
			m := hmac.New(sha256.New, key)
			m.Write([]byte(msg))
			want := m.Sum(nil)
			got := hmacSHA256(key, msg)
			if !hmac.Equal(got[:], want) {
				t.Fatalf("key %d bytes, message %d bytes: %x, want %x", kl, ml, got, want)
			}
		}
	}
}
