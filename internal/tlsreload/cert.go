package tlsreload

import (
	"cmp"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DefaultInterval is how often, at most, the files are checked.
const DefaultInterval = 10 * time.Second

// Config says which files hold the certificate and key.
type Config struct {
	CertFile, KeyFile string // PEM
	// Interval is the least time between two checks of the files
	// (DefaultInterval when zero); a check reads only their sizes and
	// modification times, and the pair is loaded again when they change.
	Interval time.Duration
	Now      func() time.Time // time.Now when nil
	// Logger is told when a new pair is taken up, and once for each
	// change of the files that does not load (nil: discard).
	Logger *slog.Logger
}

// Cert serves a certificate and key from files and picks up new ones when
// either file changes, checking at most once an Interval, on a TLS
// handshake. A pair that does not load (a key from another pair while
// only one file has been replaced, a file half written) keeps the
// previous one in use, and is tried again at the next check.
type Cert struct {
	cfg Config

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the files' sizes and modification times at the last load
	failed  string // the stamp of the last pair that did not load
	checked time.Time
}

// New loads the pair once, so that a bad pair is an error at start rather
// than a failed handshake later.
func New(cfg Config) (*Cert, error) {
	cfg.Interval = cmp.Or(cfg.Interval, DefaultInterval)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Cert{cfg: cfg}
	c.checked = cfg.Now()
	if err := c.reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// GetCertificate is for tls.Config.
func (c *Cert) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.cfg.Now(); now.Sub(c.checked) >= c.cfg.Interval {
		c.checked = now
		if err := c.reload(); err != nil {
			c.cfg.Logger.Warn("TLS certificate not reloaded; the previous one stays in use", "cert_file", c.cfg.CertFile, "error", err)
		}
	}
	return c.cert, nil
}

// reload loads the pair if the files changed since the last load. A
// failure is returned once; the same files are not tried again until
// they change.
func (c *Cert) reload() error {
	stamp, err := c.fileStamp()
	if err != nil {
		stamp = err.Error()
	}
	if stamp == c.stamp || stamp == c.failed {
		return nil
	}
	var pair tls.Certificate
	if err == nil {
		pair, err = tls.LoadX509KeyPair(c.cfg.CertFile, c.cfg.KeyFile)
	}
	if err != nil {
		c.failed = stamp
		return fmt.Errorf("load the TLS certificate: %w", err)
	}
	if c.cert != nil {
		c.cfg.Logger.Info("TLS certificate reloaded", "cert_file", c.cfg.CertFile)
	}
	c.cert, c.stamp, c.failed = &pair, stamp, ""
	return nil
}

// fileStamp is the files' sizes and modification times (of what symbolic
// links point at: a Secret volume swaps a link).
func (c *Cert) fileStamp() (string, error) {
	var s string
	for _, f := range []string{c.cfg.CertFile, c.cfg.KeyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		s += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return s, nil
}
