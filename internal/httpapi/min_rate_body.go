package httpapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// minRateBody is a request body that must arrive at a minimum rate. The
// connection's read deadline starts window ahead and moves window ahead
// again each time perWindow more bytes have come in, so a body that
// stalls, or trickles in slower than perWindow bytes a window, fails its
// read with the deadline's error; the edge then answers RequestTimeout.
// The deadline moves at most once a read, and only once perWindow bytes
// have come, so a fast upload hardly pays for it. Time the server spends
// between two reads (a slow disk, a lookup before the first read) is
// not the client's: when it is more than an eighth of the window, the
// deadline moves on by as much.
//
// Connection deadlines are on the real clock (time.Now), not the edge's
// Now, which tests may freeze.
type minRateBody struct {
	body      io.ReadCloser
	rc        *http.ResponseController
	window    time.Duration
	perWindow int64
	deadline  time.Time // the connection's read deadline
	got       int64     // bytes since the deadline last moved
	back      time.Time // when the last read returned
	timedOut  atomic.Bool
	err       error // the deadline's error, once it has passed
}

// paceBody returns r with its body under the minimum rate of cfg, or r
// itself when it has no body, no rate is configured, or w has no
// connection deadline to set (a test's recorder).
func (e *Edge) paceBody(w http.ResponseWriter, r *http.Request) *http.Request {
	if e.cfg.BodyTimeout <= 0 || r.Body == nil || r.Body == http.NoBody {
		return r
	}
	now := time.Now()
	b := &minRateBody{body: r.Body, rc: http.NewResponseController(w), window: e.cfg.BodyTimeout, back: now,
		perWindow: max(1, int64(float64(e.cfg.BodyMinRate)*e.cfg.BodyTimeout.Seconds()))}
	if err := b.move(now.Add(b.window)); err != nil {
		return r
	}
	// A shallow copy: the server keeps its own request, and with it the
	// body it drains or closes after the handler.
	paced := r.WithContext(r.Context())
	paced.Body = b
	return paced
}

func (b *minRateBody) move(deadline time.Time) error {
	b.deadline = deadline
	return b.rc.SetReadDeadline(deadline)
}

func (b *minRateBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if away := time.Since(b.back); away > b.window/8 && !b.deadline.IsZero() {
		_ = b.move(b.deadline.Add(away))
	}
	n, err := b.body.Read(p)
	b.back = time.Now()
	b.got += int64(n)
	switch {
	case err == io.EOF:
		// All in: lift the deadline, so that it does not cut the server's
		// own read of the idle connection while the handler works.
		_ = b.move(time.Time{})
	case err != nil:
		if errors.Is(err, os.ErrDeadlineExceeded) {
			b.err = err
			b.timedOut.Store(true)
		}
	case b.got >= b.perWindow:
		b.got = 0
		_ = b.move(b.back.Add(b.window))
	}
	return n, err
}

func (b *minRateBody) Close() error { return b.body.Close() }

// bodyTimedOut reports whether r's body missed its minimum rate.
func bodyTimedOut(r *http.Request) bool {
	b, ok := r.Body.(*minRateBody)
	return ok && b.timedOut.Load()
}
