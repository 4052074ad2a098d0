package sigv4_test

import (
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/podiam/podiam/internal/sigv4"
)

// TestChecksumKnownAnswers checks each algorithm against published check
// values ("123456789" for the CRCs, from the CRC catalogue) and the
// base64 forms S3 and its SDKs show.
func TestChecksumKnownAnswers(t *testing.T) {
	tests := []struct {
		name   string // as given to NewChecksum
		input  string
		hex    string // the big-endian digest
		base64 string // as S3 sends it; "" to skip
	}{
		{name: "CRC32", input: "123456789", hex: "cbf43926"},
		{name: "crc32c", input: "123456789", hex: "e3069283"},
		{name: "CRC64NVME", input: "123456789", hex: "ae8b14860a799888"},
		{name: "x-amz-checksum-crc64nvme", input: "", hex: "0000000000000000", base64: "AAAAAAAAAAA="},
		{name: "X-Amz-Checksum-CRC32", input: "", hex: "00000000", base64: "AAAAAA=="},
		{name: "sha1", input: "abc", hex: "a9993e364706816aba3e25717850c26c9cd0d89d", base64: "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="},
		// aws-sdk-go-v2's example of an aws-chunked trailer.
		{name: "SHA256", input: "Hello world", hex: "64ec88ca00b268e5ba1a35678a1b5316d212f4f366b2477232534a8aeca37f3c", base64: "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="},
		{name: "SHA512", input: "abc", hex: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.input, func(t *testing.T) {
			h, ok := sigv4.NewChecksum(tt.name)
			if !ok {
				t.Fatalf("NewChecksum(%q) is unknown", tt.name)
			}
			h.Write([]byte(tt.input))
			if got := hex.EncodeToString(h.Sum(nil)); got != tt.hex {
				t.Errorf("digest %s, want %s", got, tt.hex)
			}
			if tt.base64 != "" {
				if got := sigv4.Base64Digest(h); got != tt.base64 {
					t.Errorf("Base64Digest %s, want %s", got, tt.base64)
				}
			}
		})
	}
}

// TestCRC64NVMEBitwise compares CRC64NVME with a bit-at-a-time reference
// of CRC-64/NVME (reflected polynomial, init and xorout all ones) on data
// of many lengths, written in pieces so that every path of the table
// implementation runs.
func TestCRC64NVMEBitwise(t *testing.T) {
	ref := func(p []byte) uint64 {
		crc := ^uint64(0)
		for _, b := range p {
			crc ^= uint64(b)
			for range 8 {
				if crc&1 == 1 {
					crc = crc>>1 ^ 0x9a6c9329ac4bc9b5
				} else {
					crc >>= 1
				}
			}
		}
		return ^crc
	}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 10000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 2047, 2048, 2049, 10000} {
		for _, piece := range []int{1, 13, 4096} {
			h, _ := sigv4.NewChecksum("CRC64NVME")
			for p := data[:n]; len(p) > 0; {
				k := min(piece, len(p))
				h.Write(p[:k])
				p = p[k:]
			}
			want := ref(data[:n])
			var got uint64
			for _, b := range h.Sum(nil) {
				got = got<<8 | uint64(b)
			}
			if got != want {
				t.Fatalf("%d bytes in pieces of %d: %#x, want %#x", n, piece, got, want)
			}
		}
	}
}

// TestChecksumNames checks which names are algorithms, and their headers.
func TestChecksumNames(t *testing.T) {
	tests := []struct {
		name   string
		header string // "" when unknown
	}{
		{"CRC32", "x-amz-checksum-crc32"},
		{"crc32c", "x-amz-checksum-crc32c"},
		{"Crc64Nvme", "x-amz-checksum-crc64nvme"},
		{"SHA1", "x-amz-checksum-sha1"},
		{"sha256", "x-amz-checksum-sha256"},
		{"SHA512", "x-amz-checksum-sha512"},
		{"x-amz-checksum-sha256", "x-amz-checksum-sha256"},
		{"X-AMZ-CHECKSUM-CRC32C", "x-amz-checksum-crc32c"},
		{"MD5", ""},
		{"XXHASH64", ""},
		{"x-amz-checksum-", ""},
		{"x-amz-checksum-x-amz-checksum-crc32", ""},
		{"crc", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sigv4.ChecksumHeader(tt.name); got != tt.header {
				t.Errorf("ChecksumHeader = %q, want %q", got, tt.header)
			}
			if _, ok := sigv4.NewChecksum(tt.name); ok != (tt.header != "") {
				t.Errorf("NewChecksum known = %v, want %v", ok, tt.header != "")
			}
		})
	}
}

// BenchmarkChecksum hashes 1 MiB in writes of 32 KiB, as a ChunkedReader
// feeds a trailer checksum.
func BenchmarkChecksum(b *testing.B) {
	data := make([]byte, 1<<20)
	for _, alg := range []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"} {
		b.Run(alg, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				h, _ := sigv4.NewChecksum(alg)
				for p := data; len(p) > 0; p = p[32<<10:] {
					h.Write(p[:32<<10])
				}
				sigv4.Base64Digest(h)
			}
		})
	}
}
