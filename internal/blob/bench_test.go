package blob

import (
	"io"
	"testing"
)

// BenchmarkCommit writes and commits one blob per iteration, in chunks
// of 32 KiB as a request body arrives: the fsyncs dominate small blobs,
// the disk's write rate large ones.
func BenchmarkCommit(b *testing.B) {
	for _, bb := range []struct {
		name string
		size int
	}{
		{"4KiB", 4 << 10},
		{"64MiB", 64 << 20},
	} {
		b.Run(bb.name, func(b *testing.B) {
			s := newStore(b, nil)
			data := randomBytes(3, bb.size)
			b.SetBytes(int64(bb.size))
			for b.Loop() {
				put(b, s, data)
			}
		})
	}
}

// BenchmarkOpenRead opens a 64 MiB blob and reads it whole per iteration;
// after the first read the file is in the page cache.
func BenchmarkOpenRead(b *testing.B) {
	const size = 64 << 20
	s := newStore(b, nil)
	id := put(b, s, randomBytes(4, size))
	buf := make([]byte, chunk)
	b.SetBytes(size)
	for b.Loop() {
		f, err := s.Open(id)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
		f.Close()
		if err != nil || n != size {
			b.Fatalf("read %d bytes, %v; want %d", n, err, size)
		}
	}
}
