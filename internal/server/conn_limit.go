package server

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit bounds the connections the server serves at once. Accept
// takes the next connection and then a slot for it; the http.Server's
// ConnState hook gives the slot back when the connection closes or is
// hijacked. When every slot is taken, the connection idle the longest
// between two requests is closed to make room (its client opens another,
// as after the idle timeout); when none is idle, the new connection
// waits until one ends or turns idle. At most one connection waits at a
// time; others wait in the listen queue.
//
// golang.org/x/net/netutil.LimitListener cannot do this: it releases a
// slot when the connection is closed and does not know which ones are
// idle. It also wraps each connection, hiding *net.TCPConn's ReadFrom
// (sendfile when a response body is a file) and CloseWrite (the
// half-close net/http makes before closing a connection it refused);
// connLimit hands the server the listener's own connections.
type connLimit struct {
	net.Listener
	slots     chan struct{}
	idled     chan struct{} // a connection turned idle
	done      chan struct{}
	closeOnce sync.Once

	mu   sync.Mutex
	idle map[net.Conn]time.Time // since when each idle connection is
}

func newConnLimit(ln net.Listener, n int) *connLimit {
	return &connLimit{Listener: ln, slots: make(chan struct{}, n), idled: make(chan struct{}, 1),
		done: make(chan struct{}), idle: map[net.Conn]time.Time{}}
}

// Accept returns the next connection once it has a slot.
func (l *connLimit) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	for {
		select {
		case l.slots <- struct{}{}:
			return c, nil
		default:
		}
		wake := l.idled
		if l.closeOldestIdle() {
			wake = nil // its slot comes back once the server lets it go
		}
		select {
		case l.slots <- struct{}{}:
			return c, nil
		case <-wake:
		case <-l.done:
			c.Close()
			return nil, net.ErrClosed
		}
	}
}

// Close closes the listener and ends a wait for a slot.
func (l *connLimit) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// connState is the http.Server's ConnState hook.
func (l *connLimit) connState(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch s {
	case http.StateIdle:
		l.idle[c] = time.Now()
		select {
		case l.idled <- struct{}{}:
		default:
		}
	case http.StateActive:
		delete(l.idle, c)
	case http.StateClosed, http.StateHijacked:
		delete(l.idle, c)
		<-l.slots
	}
}

// closeOldestIdle closes the connection idle the longest and reports
// whether there was one.
func (l *connLimit) closeOldestIdle() bool {
	l.mu.Lock()
	var oldest net.Conn
	var since time.Time
	for c, t := range l.idle {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	delete(l.idle, oldest)
	l.mu.Unlock()
	if oldest == nil {
		return false
	}
	oldest.Close()
	return true
}
