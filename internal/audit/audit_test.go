package audit_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/audit"
)

func TestWriteLines(t *testing.T) {
	var buf bytes.Buffer
	l := audit.New(&buf)
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := l.Write(&audit.Record{Time: at, RequestID: "r", Principal: "arn:aws:iam::111122223333:user/alice",
				Action: "iam:CreateRole", Resource: "arn:aws:iam::111122223333:role/x", Decision: "implicitDeny",
				Reason: "no-identity-allow", ErrorCode: "AccessDenied", Status: 403, SourceIP: "127.0.0.1", Statements: []string{"p/#" + string(rune('0'+i%10))}})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d is not one JSON record: %q", n+1, sc.Text())
		}
		if r.Action != "iam:CreateRole" || !r.Time.Equal(at) || r.Status != 403 {
			t.Fatalf("record %+v", r)
		}
		n++
	}
	if n != 50 {
		t.Fatalf("%d lines, want 50", n)
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorSticks(t *testing.T) {
	l := audit.New(failing{})
	if err := l.Write(&audit.Record{Action: "a"}); err == nil {
		t.Fatal("no error from a failing writer")
	}
	if err := l.Write(&audit.Record{Action: "b"}); err == nil {
		t.Fatal("the second write forgot the error")
	}
}
