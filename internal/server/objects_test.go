package server

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestBlobKey: the key that seals objects' data keys is derived from the
// seal key, the same on every start, and is not the seal key itself; a
// known answer pins the derivation (a change would leave every object on
// disk unreadable).
func TestBlobKey(t *testing.T) {
	seal := bytes.Repeat([]byte{7}, 32)
	a, err := blobKey(seal)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := blobKey(seal)
	if !bytes.Equal(a, b) || len(a) != 32 {
		t.Fatalf("blobKey is not a stable 32-byte key: %x, %x", a, b)
	}
	if bytes.Equal(a, seal) {
		t.Fatal("blobKey returns the seal key itself")
	}
	other, _ := blobKey(bytes.Repeat([]byte{8}, 32))
	if bytes.Equal(a, other) {
		t.Fatal("two seal keys derive the same object key")
	}
	if got := hex.EncodeToString(a); got != knownBlobKey {
		t.Fatalf("blobKey(7...) = %s, want %s", got, knownBlobKey)
	}
}

// knownBlobKey is HKDF-SHA256 of 32 bytes of 7 with no salt and
// blobKeyLabel as info, computed apart from Go (Python's hmac).
const knownBlobKey = "37186fdc67836f30ab50683a18b5828ffd309d2e7ead93fb1efde5c11ef9844c"
