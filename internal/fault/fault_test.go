package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/podiam/podiam/internal/fault"
)

func TestError(t *testing.T) {
	cause := errors.New("database is locked")
	tests := []struct {
		name string
		err  *fault.Error
		want string
	}{
		{"kind and message", fault.Errorf(fault.NotFound, "The role with name %s cannot be found.", "x"), "not found: The role with name x cannot be found."},
		{"subject", &fault.Error{Kind: fault.NotFound, Subject: fault.Bucket, Message: "The specified bucket does not exist"}, "not found (bucket): The specified bucket does not exist"},
		{"internal", fault.Internal("authorize", cause), "failure: authorize: database is locked"},
		{"unknown kind", &fault.Error{Kind: 200}, "Kind(200)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
	wrapped := fmt.Errorf("get role: %w", fault.Internal("authorize", cause))
	if fault.KindOf(wrapped) != fault.Failure || !errors.Is(wrapped, cause) {
		t.Errorf("KindOf(wrapped) = %v", fault.KindOf(wrapped))
	}
	if fault.KindOf(cause) != 0 || fault.KindOf(nil) != 0 {
		t.Error("an error of no kind has a kind")
	}
	if e, ok := fault.As(wrapped); !ok || e.Message != "authorize" {
		t.Errorf("As(wrapped) = %v, %v", e, ok)
	}
}

// TestNames: every kind and subject has a name.
func TestNames(t *testing.T) {
	for k := fault.Failure; k <= fault.Conflict; k++ {
		if s := k.String(); s == "" || s[0] == 'K' {
			t.Errorf("kind %d has no name", k)
		}
	}
	for s := fault.Bucket; s <= fault.KMSKey; s++ {
		if n := s.String(); n == "" || n[0] == 'S' {
			t.Errorf("subject %d has no name", s)
		}
	}
}
