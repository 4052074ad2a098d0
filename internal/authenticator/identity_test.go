package authenticator

import (
	"testing"

	"github.com/podiam/podiam/internal/fault"
)

func TestCanonicalize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"arn:aws:sts::111122223333:assumed-role/ci/build-7", "arn:aws:iam::111122223333:role/ci"},
		{"arn:aws-cn:sts::111122223333:assumed-role/ci/a@b.c", "arn:aws-cn:iam::111122223333:role/ci"},
		{"arn:aws:iam::111122223333:user/team/alice", "arn:aws:iam::111122223333:user/team/alice"},
		{"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root"},
		{"arn:aws:sts::111122223333:federated-user/bob", "arn:aws:sts::111122223333:federated-user/bob"},
		{"arn:aws:iam::111122223333:role/ci", "arn:aws:iam::111122223333:role/ci"},
		// Refused.
		{"arn:aws:sts::111122223333:assumed-role/ci", ""},
		{"arn:aws:sts::111122223333:assumed-role/ci/s/x", ""},
		{"arn:aws:sts::1111:assumed-role/ci/s", ""},
		{"arn:aws:s3:::bucket", ""},
		{"arn:aws:iam:us-east-1:111122223333:user/alice", ""},
		{"arn:aws:iam::111122223333:user/", ""},
		{"arn:aws:iam::111122223333:group/g", ""},
		{"not an arn", ""},
		{"", ""},
	} {
		got, err := Canonicalize(tt.in)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("Canonicalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err != nil && fault.KindOf(err) != fault.InvalidToken {
			t.Errorf("Canonicalize(%q): kind %v, want InvalidToken", tt.in, fault.KindOf(err))
		}
	}
}

func TestStripPath(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"arn:aws:iam::111122223333:role/team/a/ci", "arn:aws:iam::111122223333:role/ci"},
		{"arn:aws:iam::111122223333:role/ci", "arn:aws:iam::111122223333:role/ci"},
		{"arn:aws:iam::111122223333:user/team/alice", "arn:aws:iam::111122223333:user/alice"},
		{"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root"},
	} {
		if got := StripPath(tt.in); got != tt.want {
			t.Errorf("StripPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewCaller(t *testing.T) {
	c, err := NewCaller(Identity{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/ci/s@x", UserID: "AROAEXAMPLE:s@x", AccessKeyID: "ASIAX"})
	if err != nil || c.PrincipalID != "AROAEXAMPLE" || c.SessionName != "s@x" || c.CanonicalARN != "arn:aws:iam::111122223333:role/ci" {
		t.Errorf("role session: %+v, %v", c, err)
	}
	c, err = NewCaller(Identity{Account: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice", UserID: "AIDAEXAMPLE"})
	if err != nil || c.PrincipalID != "AIDAEXAMPLE" || c.SessionName != "" {
		t.Errorf("user: %+v, %v", c, err)
	}
	// A role session whose UserId has no session part is refused.
	if _, err := NewCaller(Identity{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/ci/s", UserID: "AROAEXAMPLE"}); fault.KindOf(err) != fault.InvalidToken {
		t.Errorf("UserId without session: %v", err)
	}
}
