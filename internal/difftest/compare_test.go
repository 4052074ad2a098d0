package difftest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/corpus"
)

// outcome is one case decided by both sides.
type outcome struct {
	Case   *corpus.Case
	Req    *authz.Request
	Line   line
	Podiam authz.Result
	Oracle answer
	// BuildErr is set when the case does not build; nothing else is.
	BuildErr error
}

// agree reports whether both sides reached the same decision.
func (o *outcome) agree() bool {
	return o.Oracle.Error == "" && o.Oracle.Decision == o.Podiam.Decision.String()
}

// oracleSays is the oracle's decision, or its error.
func (o *outcome) oracleSays() string {
	if o.Oracle.Error != "" {
		return "error: " + o.Oracle.Error
	}
	return o.Oracle.Decision
}

// explain describes a disagreement for a test log: both answers, and the
// line that reproduces the oracle's.
func (o *outcome) explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "podiam %s (%s; %s), iam-simulate %s",
		o.Podiam.Decision, o.Podiam.Reason, strings.Join(corpus.Refs(o.Podiam.Statements), ","), o.oracleSays())
	if o.Oracle.Detail != "" {
		fmt.Fprintf(&b, " [%s]", o.Oracle.Detail)
	}
	l, _ := json.Marshal(o.Line)
	fmt.Fprintf(&b, "\n    oracle line: %s", l)
	return b.String()
}

// decide runs every case through podiam and the oracle, in one batch.
// A case that does not build gets an outcome with BuildErr set and is not
// sent to the oracle.
func decide(t *testing.T, orc *oracle, cases []corpus.Case) []outcome {
	t.Helper()
	out := make([]outcome, len(cases))
	lines := make([]line, 0, len(cases))
	var sent []int
	for i := range cases {
		o := &out[i]
		o.Case = &cases[i]
		req, set, err := o.Case.Build()
		if err != nil {
			o.BuildErr = err
			continue
		}
		o.Req = req
		authz.Evaluate(req, set, &o.Podiam)
		o.Line = newLine(len(lines), req, &o.Case.Policies)
		lines = append(lines, o.Line)
		sent = append(sent, i)
	}
	if len(lines) == 0 {
		return out
	}
	answers, err := orc.ask(lines)
	if err != nil {
		t.Fatal(err)
	}
	for j, i := range sent {
		out[i].Oracle = answers[j]
	}
	return out
}
