package blob

import (
	"io"
	"testing"
)

// The benchmarks measure the cost of encryption at rest: each runs on a
// store that writes blobs as before encryption (plaintext) and on one
// that encrypts them (encrypted), for a 4 KiB and a 256 MiB object.
// Run briefly (the figures of docs/s3.md came from this):
//
//	go test -run '^$' -bench 'Benchmark(Put|Get)$' -benchtime 3x -count 3 ./internal/blob/
var benchSizes = []struct {
	name string
	size int
}{
	{"4KiB", 4 << 10},
	{"256MiB", 256 << 20},
}

var benchModes = []struct {
	name      string
	plaintext bool
}{
	{"plaintext", true},
	{"encrypted", false},
}

// BenchmarkPut writes and commits one blob per iteration, in chunks of
// 32 KiB as a request body arrives: the fsyncs dominate small blobs, the
// disk's write rate (and the cipher) large ones.
func BenchmarkPut(b *testing.B) {
	for _, m := range benchModes {
		for _, bb := range benchSizes {
			b.Run(m.name+"/"+bb.name, func(b *testing.B) {
				s := newStore(b, nil)
				s.plaintext = m.plaintext
				data := randomBytes(3, bb.size)
				b.SetBytes(int64(bb.size))
				for b.Loop() {
					s.Remove(put(b, s, data))
				}
			})
		}
	}
}

// BenchmarkGet opens a blob and reads it whole per iteration as a GET
// does (s3api.copyBody): one ReadAt for a small object, a stream of
// 32 KiB reads for a large one. After the first read the file is in the
// page cache, so this is the cost of reading and decrypting.
func BenchmarkGet(b *testing.B) {
	for _, m := range benchModes {
		for _, bb := range benchSizes {
			b.Run(m.name+"/"+bb.name, func(b *testing.B) {
				s := newStore(b, nil)
				s.plaintext = m.plaintext
				id := put(b, s, randomBytes(4, bb.size))
				buf := make([]byte, min(bb.size, chunk))
				b.SetBytes(int64(bb.size))
				for b.Loop() {
					r, err := s.Open(id)
					if err != nil {
						b.Fatal(err)
					}
					var n int64
					if bb.size <= chunk {
						k, rerr := r.ReadAt(buf, 0)
						n, err = int64(k), rerr
					} else {
						n, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf)
					}
					r.Close()
					if err != nil || n != int64(bb.size) {
						b.Fatalf("read %d bytes, %v; want %d", n, err, bb.size)
					}
				}
			})
		}
	}
}
