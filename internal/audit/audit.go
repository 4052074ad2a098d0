package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Record is one audited request.
type Record struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	Account   string    `json:"account,omitempty"`
	Principal string    `json:"principal,omitempty"` // the caller's ARN, or "anonymous"
	AccessKey string    `json:"accessKeyId,omitempty"`
	Action    string    `json:"action"` // service:Action
	Resource  string    `json:"resource,omitempty"`
	Decision  string    `json:"decision,omitempty"` // allowed, explicitDeny, implicitDeny
	Reason    string    `json:"reason,omitempty"`
	// Statements names the deciding statements as <policy>/<Sid or #index>.
	Statements []string `json:"statements,omitempty"`
	ErrorCode  string   `json:"errorCode,omitempty"`
	Status     int      `json:"status,omitempty"`
	SourceIP   string   `json:"sourceIp,omitempty"`
	UserAgent  string   `json:"userAgent,omitempty"`
}

// Log writes records as JSON lines to one writer, one whole line per
// record even when called from many goroutines.
//
// A record is written before Write returns, as it always was; the records
// of concurrent requests are written together: while one goroutine
// writes, the records that arrive wait for its write to end and go out in
// the next one, so that a busy server makes one write for many requests
// rather than one each.
type Log struct {
	w io.Writer

	mu      sync.Mutex
	err     error  // the first write error; every later Write returns it
	writing bool   // a goroutine is writing
	next    *batch // the records waiting for the next write
}

// batch is records written together, and the outcome of their write.
type batch struct {
	lines []byte
	done  chan struct{} // closed once written
	err   error
}

// New returns a log writing to w.
func New(w io.Writer) *Log { return &Log{w: w} }

// Write appends r. After a write error every later call returns it, so a
// full disk is noticed rather than silently dropping records.
func (l *Log) Write(r *Record) error {
	var small [1024]byte
	line, err := appendRecord(small[:0], r)
	if err != nil {
		return fmt.Errorf("audit: encode record: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	if l.err != nil {
		err := l.err
		l.mu.Unlock()
		return err
	}
	if l.next == nil {
		l.next = &batch{done: make(chan struct{})}
	}
	mine := l.next
	mine.lines = append(mine.lines, line...)
	if l.writing {
		l.mu.Unlock()
		<-mine.done
		return mine.err
	}
	// Write the waiting batches, this one first, until none is left.
	l.writing = true
	for l.next != nil {
		b := l.next
		l.next = nil
		l.mu.Unlock()
		_, err := l.w.Write(b.lines)
		l.mu.Lock()
		if err != nil && l.err == nil {
			l.err = fmt.Errorf("audit: write: %w", err)
		}
		if err != nil {
			b.err = l.err
		}
		close(b.done)
	}
	l.writing = false
	l.mu.Unlock()
	return mine.err
}

// appendRecord appends r as encoding/json marshals it (FuzzAppendRecord
// holds it to that), without its reflection.
func appendRecord(b []byte, r *Record) ([]byte, error) {
	if y := r.Time.Year(); y < 0 || y > 9999 {
		out, err := json.Marshal(r) // the error encoding/json gives
		return append(b, out...), err
	}
	b = append(b, `{"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","requestId":`...)
	b = appendString(b, r.RequestID)
	b = appendField(b, "account", r.Account)
	b = appendField(b, "principal", r.Principal)
	b = appendField(b, "accessKeyId", r.AccessKey)
	b = append(b, `,"action":`...)
	b = appendString(b, r.Action)
	b = appendField(b, "resource", r.Resource)
	b = appendField(b, "decision", r.Decision)
	b = appendField(b, "reason", r.Reason)
	if len(r.Statements) > 0 {
		b = append(b, `,"statements":[`...)
		for i, s := range r.Statements {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	}
	b = appendField(b, "errorCode", r.ErrorCode)
	if r.Status != 0 {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
	}
	b = appendField(b, "sourceIp", r.SourceIP)
	b = appendField(b, "userAgent", r.UserAgent)
	return append(b, '}'), nil
}

// appendField appends ,"name":"value" unless value is empty (omitempty).
func appendField(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":`...)
	return appendString(b, value)
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it: quotes, backslashes and control characters, <, > and & (for
// HTML), U+2028 and U+2029, and bad UTF-8 as U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
