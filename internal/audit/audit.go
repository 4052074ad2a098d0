package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
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
type Log struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// New returns a log writing to w.
func New(w io.Writer) *Log { return &Log{w: w} }

// Write appends r. After a write error every later call returns it, so a
// full disk is noticed rather than silently dropping records.
func (l *Log) Write(r *Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("audit: encode record: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if _, err := l.w.Write(line); err != nil {
		l.err = fmt.Errorf("audit: write: %w", err)
		return l.err
	}
	return nil
}
