package authenticator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The files of a --state-dir.
const (
	StateCert = "cert.pem"
	StateKey  = "key.pem"
)

// SelfSigned returns the certificate and key files in dir, making a
// self-signed pair for hosts (names or IP addresses) when there is none:
// kept between runs, so that the webhook configuration kube-apiserver
// reads (which carries the certificate) stays right after a restart. The
// certificate lasts 10 years, as aws-iam-authenticator's does.
func SelfSigned(dir string, hosts []string, now time.Time) (certFile, keyFile string, err error) {
	certFile, keyFile = filepath.Join(dir, StateCert), filepath.Join(dir, StateKey)
	_, cerr := os.Stat(certFile)
	_, kerr := os.Stat(keyFile)
	switch {
	case cerr == nil && kerr == nil:
		return certFile, keyFile, nil
	case !errors.Is(cerr, os.ErrNotExist) && cerr != nil:
		return "", "", cerr
	case !errors.Is(kerr, os.ErrNotExist) && kerr != nil:
		return "", "", kerr
	case (cerr == nil) != (kerr == nil):
		return "", "", fmt.Errorf("%s holds one of %s and %s without the other", dir, StateCert, StateKey)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return "", "", err
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "podiam-authenticator"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	// The key first: a certificate without its key is refused above.
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

// WebhookKubeconfig is the file kube-apiserver reads to call a webhook
// (--authentication-token-webhook-config-file,
// --authorization-webhook-config-file): a kubeconfig whose cluster is
// the webhook at serverURL, trusted through caPEM, and a user without
// credentials.
func WebhookKubeconfig(serverURL string, caPEM []byte) []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: podiam-authenticator
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: kube-apiserver
  user: {}
contexts:
- name: webhook
  context:
    cluster: podiam-authenticator
    user: kube-apiserver
current-context: webhook
`, quoteYAML(serverURL), base64.StdEncoding.EncodeToString(caPEM))
}

// quoteYAML writes s as a YAML double-quoted string.
func quoteYAML(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
