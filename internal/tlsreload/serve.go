package tlsreload

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ShutdownTimeout is how long Serve waits for requests in flight when
// its context ends.
const ShutdownTimeout = 10 * time.Second

// Serve serves HTTPS on ln with srv (its TLSConfig names the certificate,
// a Certificate's GetCertificate for one that reloads) until ctx ends,
// then shuts srv down, letting requests in flight finish within
// ShutdownTimeout. It returns the error that stopped srv, if not ctx.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
