package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestMinRateBodyServerTime: time the server spends before or between
// reads of a body (here 2.5 windows, as a slow lookup or a stalled disk
// would) is not counted against the client, whose whole 1 MiB body was
// sent at once; a client that stops sending is still cut. The rate asks
// for more than the connection's 4 KiB read buffer holds, so that the
// first read after the pause goes to the connection.
func TestMinRateBodyServerTime(t *testing.T) {
	e := &Edge{cfg: Config{BodyTimeout: time.Second, BodyMinRate: 64 << 10}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = e.paceBody(w, r)
		if r.URL.Path == "/busy" {
			time.Sleep(2500 * time.Millisecond)
		}
		n, err := io.Copy(io.Discard, r.Body)
		if bodyTimedOut(r) {
			http.Error(w, "timed out", http.StatusRequestTimeout)
			return
		}
		fmt.Fprintf(w, "%d %v", n, err)
	}))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/busy", "application/octet-stream", bytes.NewReader(make([]byte, 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "1048576 <nil>" {
		t.Fatalf("a body sent at once, read after the server's pause: %d %s", resp.StatusCode, b)
	}

	// A client that sends 2 KiB of a 1 MiB body and stops.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 1<<20)
	conn.Write(make([]byte, 2048))
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	got, _ := io.ReadAll(conn)
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 408")) {
		t.Fatalf("a stalled body: %q", got)
	}
}
