package sigv4

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
	"sync"
)

// S3's additional checksums: a client names the algorithm in
// x-amz-checksum-algorithm or x-amz-sdk-checksum-algorithm and sends the
// value in the header (or trailer) x-amz-checksum-<algorithm, lower case>,
// as the base64 of the big-endian digest.

// checksumHeaderPrefix starts every checksum header and trailer name.
const checksumHeaderPrefix = "x-amz-checksum-"

// crc64NVME is the CRC-64/NVME polynomial 0xad93d23594c93659 bit-reversed,
// as hash/crc64 takes it (the same constant as aws-sdk-go-v2's).
const crc64NVME = 0x9a6c9329ac4bc9b5

var (
	crc32cTable    = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })
	crc64NVMETable = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64NVME) })
)

// checksumAlgorithms are the algorithm names, as S3 spells them.
var checksumAlgorithms = [...]string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "SHA512"}

// checksumAlgorithm returns the algorithm that name stands for, given as an
// algorithm ("crc32", "CRC32") or as its header (x-amz-checksum-crc32),
// without regard to case; "" when it stands for none.
func checksumAlgorithm(name string) string {
	if len(name) > len(checksumHeaderPrefix) && strings.EqualFold(name[:len(checksumHeaderPrefix)], checksumHeaderPrefix) {
		name = name[len(checksumHeaderPrefix):]
	}
	for _, a := range checksumAlgorithms {
		if strings.EqualFold(name, a) {
			return a
		}
	}
	return ""
}

// NewChecksum returns a new hash for a checksum algorithm, named as S3
// names it (CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512) or by its
// header (x-amz-checksum-crc32, ...), in any case. CRC32 is IEEE's,
// CRC32C Castagnoli's, CRC64NVME the CRC-64/NVME of the NVMe
// specification. It reports false for any other name.
func NewChecksum(name string) (hash.Hash, bool) {
	switch checksumAlgorithm(name) {
	case "CRC32":
		return crc32.NewIEEE(), true
	case "CRC32C":
		return crc32.New(crc32cTable()), true
	case "CRC64NVME":
		return crc64.New(crc64NVMETable()), true
	case "SHA1":
		return sha1.New(), true
	case "SHA256":
		return sha256.New(), true
	case "SHA512":
		return sha512.New(), true
	}
	return nil, false
}

// ChecksumHeader returns the header (and trailer) name that carries a
// checksum algorithm's value, such as x-amz-checksum-crc32 for CRC32; ""
// for an unknown algorithm.
func ChecksumHeader(alg string) string {
	a := checksumAlgorithm(alg)
	if a == "" {
		return ""
	}
	return checksumHeaderPrefix + strings.ToLower(a)
}

// Base64Digest returns h's digest as S3 writes checksums: the base64 of
// the big-endian digest (hash/crc32 and hash/crc64 sum in big-endian).
func Base64Digest(h hash.Hash) string {
	var b [sha512.Size]byte
	return base64.StdEncoding.EncodeToString(h.Sum(b[:0]))
}
