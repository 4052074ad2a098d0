package s3api

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestCopyBody: a body is the file's bytes from start, read into a pooled
// buffer (up to smallBody) or copied from the file (past it).
func TestCopyBody(t *testing.T) {
	data := make([]byte, 200<<10)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		name          string
		start, length int64
	}{
		{"all", 0, int64(len(data))},
		{"a small range", 100, 100},
		{"exactly the buffer", 0, smallBody},
		{"one past the buffer, offset", 1, smallBody + 1},
		{"a large range", 70000, 100000},
		{"nothing", 5, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			n := copyBody(&out, f, c.start, c.length)
			if n != c.length || !bytes.Equal(out.Bytes(), data[c.start:c.start+c.length]) {
				t.Fatalf("wrote %d bytes (%d), want %d from %d", n, out.Len(), c.length, c.start)
			}
		})
	}
}
