package oidc

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// untrustedError is a TLS peer that verifyPeer refused. It is a policy
// failure (InvalidToken), not a network one.
type untrustedError struct{ err error }

func (e *untrustedError) Error() string { return "untrusted TLS certificate: " + e.err.Error() }
func (e *untrustedError) Unwrap() error { return e.err }

// normalizeThumbprints returns the provider's thumbprints lower-cased,
// trimmed, sorted and without duplicates or empty entries.
func normalizeThumbprints(in []string) []string {
	out := make([]string, 0, len(in))
	for _, t := range in {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Thumbprint is the hex SHA-1 of a certificate's DER encoding, lower case,
// as IAM's ThumbprintList holds it.
func Thumbprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return hex.EncodeToString(sum[:])
}

// verifyPeer decides whether to trust the certificates a TLS server
// presented (leaf first) for host at time now, as AWS does for an OIDC
// issuer:
//
//  1. the chain verifies against roots (nil: the system's), or else
//  2. the SHA-1 thumbprint of the last certificate presented (the top of
//     the chain) is one of thumbprints (normalized), and the leaf verifies
//     with that certificate as the only root: it is issued (through the
//     presented intermediates) by that certificate, valid for host and
//     valid at now, for server authentication.
//
// A thumbprint never makes a certificate trusted that is not in the chain
// the thumbprinted certificate issued, nor one for another host or time.
func verifyPeer(certs []*x509.Certificate, host string, roots *x509.CertPool, thumbprints []string, now time.Time) error {
	if len(certs) == 0 {
		return &untrustedError{errors.New("no certificate presented")}
	}
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	_, err := leaf.Verify(opts)
	if err == nil {
		return nil
	}
	if len(thumbprints) == 0 {
		return &untrustedError{err}
	}
	top := certs[len(certs)-1]
	if !slices.Contains(thumbprints, Thumbprint(top)) {
		return &untrustedError{fmt.Errorf("%w; and the thumbprint of the top certificate is not the provider's", err)}
	}
	anchor := x509.NewCertPool()
	anchor.AddCert(top)
	inter = x509.NewCertPool()
	if len(certs) > 2 { // the certificates between the leaf and the top
		for _, c := range certs[1 : len(certs)-1] {
			inter.AddCert(c)
		}
	}
	opts.Roots, opts.Intermediates = anchor, inter
	if _, err := leaf.Verify(opts); err != nil {
		return &untrustedError{fmt.Errorf("thumbprint matches, but: %w", err)}
	}
	return nil
}
