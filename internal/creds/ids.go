package creds

import (
	"fmt"
	"io"
)

// Prefixes of AWS unique ids and access key ids.
const (
	PrefixUser          = "AIDA"
	PrefixRole          = "AROA"
	PrefixPolicy        = "ANPA"
	PrefixProfile       = "AIPA" // instance profile
	PrefixAccessKey     = "AKIA" // long-term access key
	PrefixTempAccessKey = "ASIA" // STS session access key
)

// idAlphabet is the alphabet of AWS ids: upper-case letters and the
// digits 2-7 (base32), so that ids are easy to read out.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewUniqueID returns a unique id such as AIDAJQABLZS4A3QDU576Q: the
// prefix and 17 characters (21 in all), as IAM makes them.
func NewUniqueID(rand io.Reader, prefix string) (string, error) {
	return newID(rand, prefix, 17)
}

// NewAccessKeyID returns an access key id of 20 characters with the
// prefix (AKIA for long-term keys, ASIA for session keys).
func NewAccessKeyID(rand io.Reader, prefix string) (string, error) {
	return newID(rand, prefix, 20-len(prefix))
}

func newID(rand io.Reader, prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("make id: %w", err)
	}
	out := make([]byte, 0, len(prefix)+n)
	out = append(out, prefix...)
	for _, c := range b {
		out = append(out, idAlphabet[c&31])
	}
	return string(out), nil
}

// NewAccountID returns a random 12-digit AWS account id.
func NewAccountID(rand io.Reader) (string, error) {
	b := make([]byte, 12)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("make account id: %w", err)
	}
	for i, c := range b {
		b[i] = '0' + c%10
	}
	return string(b), nil
}
