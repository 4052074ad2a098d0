package audit

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// FuzzAppendRecord: a record is written byte for byte as encoding/json
// marshals it, whatever its strings hold.
func FuzzAppendRecord(f *testing.F) {
	f.Add(int64(1764000000), 123456789, "arn:aws:iam::111122223333:user/alice", "iam:CreateRole", "p/#1", 403, "aws-sdk-go-v2/1.0")
	f.Add(int64(0), 0, "", "", "", 0, "")
	f.Add(int64(-62167219200), 1, "<>&\"\\\n\r\t\b\f\x00\x1f\x7f", "\u2028\u2029é\U0001F600", "\xff\xfe", -1, "\xed\xa0\x80")
	f.Add(int64(253402300800), 5, "a", "b", "c", 200, "d")
	f.Fuzz(func(t *testing.T, sec int64, nsec int, a, b, c string, status int, ua string) {
		r := &Record{Time: time.Unix(sec, int64(nsec)).UTC(), RequestID: a, Account: b, Principal: c, AccessKey: a, Action: b,
			Resource: c, Decision: a, Reason: b, ErrorCode: c, Status: status, SourceIP: a, UserAgent: ua}
		if status%2 == 0 {
			r.Statements = []string{a, b, c}
		}
		got, err := appendRecord(nil, r)
		want, werr := json.Marshal(r)
		if (err == nil) != (werr == nil) {
			t.Fatalf("error %v, encoding/json's %v", err, werr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

// BenchmarkWrite: one record, as the edge writes one per request.
func BenchmarkWrite(b *testing.B) {
	l := New(discard{})
	r := &Record{Time: time.Now().UTC(), RequestID: "4d5f5a76-29c5-4b4d-be98-0317ea07d2cc", Account: "111122223333",
		Principal: "arn:aws:sts::111122223333:assumed-role/app/pod", AccessKey: "ASIAEXAMPLEEXAMPLE01", Action: "s3:GetObject",
		Resource: "arn:aws:s3:::data/k", Decision: "allowed", Reason: "identity-allow", Statements: []string{"read/#0"}, Status: 200,
		SourceIP: "127.0.0.1", UserAgent: "aws-sdk-go-v2/1.41.0 os/linux lang/go#1.26.8 md/GOOS#linux api/s3#1.93.0"}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Write(r); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
