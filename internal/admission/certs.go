package admission

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// CertFiles serves a certificate and key from files and picks up new
// ones when either file changes (cert-manager and kubelet secret
// updates replace them in place), checking at most once per interval.
// A pair that does not load keeps the previous one in use.
type CertFiles struct {
	CertFile, KeyFile string
	Interval          time.Duration
	Now               func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the files' sizes and modification times at the last load
	checked time.Time
}

// Load reads the pair once; call it at start so that a bad pair is an
// error then rather than a failed handshake later.
func (c *CertFiles) Load() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reload()
}

func (c *CertFiles) reload() error {
	stamp, err := c.fileStamp()
	if err != nil {
		return err
	}
	if stamp == c.stamp && c.cert != nil {
		return nil
	}
	pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return fmt.Errorf("load the TLS certificate: %w", err)
	}
	c.cert, c.stamp = &pair, stamp
	return nil
}

func (c *CertFiles) fileStamp() (string, error) {
	var s string
	for _, f := range []string{c.CertFile, c.KeyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("TLS certificate: %w", err)
		}
		s += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return s, nil
}

// GetCertificate is for tls.Config.
func (c *CertFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.Now(); c.cert == nil || now.Sub(c.checked) >= c.Interval {
		c.checked = now
		if err := c.reload(); err != nil && c.cert == nil {
			return nil, err
		}
	}
	return c.cert, nil
}
