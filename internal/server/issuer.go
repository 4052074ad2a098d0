package server

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/fault"
)

// The documents of an EKS cluster's hosted issuer, under /id/<32 hex>.
const (
	issuerPrefix    = "/id/"
	issuerDiscovery = "/.well-known/openid-configuration"
	issuerKeys      = "/keys"
)

// publicURL is the default public URL: the scheme and the bound address,
// with localhost for an unspecified host (0.0.0.0, ::).
func publicURL(scheme string, addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + "://" + addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// issuerRequest reports whether r asks for a hosted issuer's document,
// and which: an unsigned GET or HEAD of /id/<32 hex>/.well-known/
// openid-configuration or /id/<32 hex>/keys, without a query string or an
// X-Amz-* header, on a host that names no bucket. Such a request is
// otherwise an anonymous read of bucket "id": a bucket so named is not
// read anonymously at these keys.
func (p *probes) issuerRequest(r *http.Request) (id, doc string, ok bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.URL.RawQuery != "" {
		return "", "", false
	}
	rest, found := strings.CutPrefix(r.URL.Path, issuerPrefix)
	if !found || len(rest) < 32 {
		return "", "", false
	}
	id, doc = rest[:32], rest[32:]
	if !eks.IsIssuerID(id) || (doc != issuerDiscovery && doc != issuerKeys) {
		return "", "", false
	}
	for name := range r.Header {
		if name == "Authorization" || strings.HasPrefix(name, "X-Amz-") {
			return "", "", false
		}
	}
	return id, doc, !p.namesBucket(r.Host)
}

// serveIssuer answers a hosted issuer's discovery document or key set.
func (s *Server) serveIssuer(w http.ResponseWriter, r *http.Request, id, doc string) {
	c, err := s.eks.HostedIssuer(r.Context(), id)
	if err != nil {
		status := http.StatusInternalServerError
		if fault.KindOf(err) == fault.NotFound {
			status = http.StatusNotFound
		} else {
			s.cfg.Logger.Error("hosted issuer", "issuer", id, "error", err)
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	var body []byte
	if doc == issuerDiscovery {
		body, err = json.Marshal(eks.DiscoveryOf(c))
	} else {
		body, err = eks.KeysDocument(c)
	}
	if err != nil {
		s.cfg.Logger.Error("hosted issuer", "issuer", id, "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=60")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}
