package oidc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const maxRedirects = 3

// policyError is a fetch that failed for a reason retrying will not fix:
// an error status, a document too large or malformed, a refused URL or
// redirect. It maps to InvalidToken.
type policyError struct{ err error }

func (e *policyError) Error() string { return e.err.Error() }
func (e *policyError) Unwrap() error { return e.err }

func policyErrorf(format string, args ...any) error {
	return &policyError{fmt.Errorf(format, args...)}
}

// fetcher downloads one issuer's keys under one trust policy.
type fetcher struct {
	cfg         *Config
	thumbprints []string // normalized
	now         time.Time
	client      *http.Client
}

func (v *Verifier) newFetcher(thumbprints []string, now time.Time) *fetcher {
	f := &fetcher{cfg: &v.cfg, thumbprints: thumbprints, now: now}
	dial := v.cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: v.cfg.Timeout}).DialContext
	}
	f.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // the environment is not read outside cmd/
			DialContext:           dial,
			DialTLSContext:        f.dialTLS(dial),
			TLSHandshakeTimeout:   v.cfg.Timeout,
			ResponseHeaderTimeout: v.cfg.Timeout,
			MaxIdleConnsPerHost:   1,
		},
		Timeout:       v.cfg.Timeout,
		CheckRedirect: f.checkRedirect,
	}
	return f
}

// dialTLS opens TLS connections whose certificates verifyPeer checks
// against the host of the URL being fetched.
func (f *fetcher) dialTLS(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		raw, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conn := tls.Client(raw, &tls.Config{
			ServerName: host,
			MinVersion: tls.VersionTLS12,
			// Verification is done by VerifyConnection, below, which
			// always runs: the chain against the roots, else the
			// provider's thumbprints.
			InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				return verifyPeer(cs.PeerCertificates, host, f.cfg.RootCAs, f.thumbprints, f.now)
			},
		})
		if err := conn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		return conn, nil
	}
}

func (f *fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return policyErrorf("more than %d redirects", maxRedirects)
	}
	return f.checkURL(req.URL)
}

// checkURL refuses URLs that are not https (or http when AllowHTTP) or
// have no host.
func (f *fetcher) checkURL(u *url.URL) error {
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && f.cfg.AllowHTTP:
	default:
		return policyErrorf("refusing %s URL (https required)", u.Scheme)
	}
	if u.Host == "" || u.User != nil {
		return policyErrorf("refusing a URL without a host or with user info")
	}
	return nil
}

// discoveryURL appends the well-known path to the issuer URL as
// registered, without doubling a trailing slash.
func discoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// download fetches the discovery document of the issuer and the JWKS it
// names, and parses the keys.
func (f *fetcher) download(ctx context.Context, issuer string) (*keySet, error) {
	defer f.client.CloseIdleConnections()
	u, err := url.Parse(discoveryURL(issuer))
	if err != nil {
		return nil, policyErrorf("issuer URL does not parse")
	}
	if err := f.checkURL(u); err != nil {
		return nil, err
	}
	doc, err := f.get(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("get discovery document: %w", err)
	}
	m, err := members(doc)
	if err != nil {
		return nil, policyErrorf("discovery document: %w", err)
	}
	var docIssuer, jwksURI string
	if ok, err := stringMember(m, "issuer", &docIssuer); err != nil {
		return nil, policyErrorf("discovery document: %w", err)
	} else if ok && docIssuer != issuer {
		return nil, policyErrorf("discovery document names issuer %q, not %q", docIssuer, issuer)
	}
	if ok, err := stringMember(m, "jwks_uri", &jwksURI); err != nil || !ok {
		return nil, policyErrorf("discovery document has no jwks_uri string")
	}
	ju, err := url.Parse(jwksURI)
	if err != nil {
		return nil, policyErrorf("jwks_uri does not parse")
	}
	if err := f.checkURL(ju); err != nil {
		return nil, fmt.Errorf("jwks_uri: %w", err)
	}
	body, err := f.get(ctx, ju)
	if err != nil {
		return nil, fmt.Errorf("get JWKS: %w", err)
	}
	set, err := parseJWKS(body)
	if err != nil {
		return nil, &policyError{err}
	}
	return set, nil
}

// get fetches u and returns the body of a 200 response of at most
// MaxDocumentBytes.
func (f *fetcher) get(ctx context.Context, u *url.URL) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, policyErrorf("bad URL")
	}
	// Kubernetes API servers negotiate: they answer the JWKS only to a
	// client that accepts its media type, and 406 otherwise.
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, policyErrorf("%s: status %s", u.Redacted(), resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > f.cfg.MaxDocumentBytes {
		return nil, policyErrorf("%s: larger than %d bytes", u.Redacted(), f.cfg.MaxDocumentBytes)
	}
	return body, nil
}

// fetchError turns a download failure into the caller's *Error: refusals
// and certificate problems are InvalidToken (AWS: "Couldn't retrieve
// verification key"); network failures and timeouts are Communication.
func fetchError(err error) *Error {
	var pe *policyError
	var ue *untrustedError
	var ce *tls.CertificateVerificationError
	if errors.As(err, &pe) || errors.As(err, &ue) || errors.As(err, &ce) {
		return newError(InvalidToken, msgNoKey, err)
	}
	return newError(Communication, msgUnreachable, err)
}
