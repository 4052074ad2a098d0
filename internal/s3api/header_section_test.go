package s3api

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// TestHeaderSection: the size of a head as sent, less the session
// token's value in a header or in the query.
func TestHeaderSection(t *testing.T) {
	token := strings.Repeat("T", 3000)
	for _, tt := range []struct {
		name, head string
		token      int // bytes of token in head
	}{
		{"plain", "GET /b/k?x=1 HTTP/1.1\r\nHost: s3.localhost:4580\r\nX-Amz-Date: 20261124T080000Z\r\nX-Amz-Meta-A: 1\r\nX-Amz-Meta-A: 2\r\n\r\n", 0},
		{"token header", "PUT /b/k HTTP/1.1\r\nHost: h\r\nX-Amz-Security-Token: " + token + "\r\nContent-Length: 0\r\n\r\n", len(token)},
		{"token in the query", "GET /b/k?X-Amz-Credential=c&X-Amz-Security-Token=" + token + "&X-Amz-Signature=s HTTP/1.1\r\nHost: h\r\n\r\n", len(token)},
		{"a look-alike parameter counts", "GET /b/k?My-X-Amz-Security-Token=" + token + " HTTP/1.1\r\nHost: h\r\n\r\n", 0},
	} {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tt.head)))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := headerSection(r), len(tt.head)-tt.token; got != want {
			t.Errorf("%s: %d, want %d", tt.name, got, want)
		}
	}
}
