package difftest

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

var (
	seedFlag = flag.Uint64("difftest.seed", 1, "seed of TestGeneratedAgreement's case generator")
	nFlag    = flag.Int("difftest.n", 3000, "number of cases TestGeneratedAgreement generates")
)

// maxShown bounds how many disagreements of one kind a run prints.
const maxShown = 100

// TestGeneratedAgreement runs generated cases through podiam and the
// oracle. Each disagreement is put in a known category when one fits;
// the test fails on the rest, and on every disagreement in a podiam-bug
// category.
func TestGeneratedAgreement(t *testing.T) {
	orc := sharedOracle(t)
	seed, n := *seedFlag, *nFlag
	cases := newGenerator(seed).cases(seed, n)
	outcomes := decide(t, orc, cases)

	agreed := 0
	byDecision := map[string]int{}
	byCategory := map[string]int{}
	var unclassified []*outcome
	shown := map[string]int{}
	for i := range outcomes {
		o := &outcomes[i]
		byDecision[o.Podiam.Decision.String()]++
		if o.agree() {
			agreed++
			continue
		}
		if o.Oracle.Error != "" {
			t.Errorf("%s: the oracle rejected a generated case (a generator bug): %s", o.Case.Name, o.explain())
			continue
		}
		name := classify(o)
		if name == "" {
			unclassified = append(unclassified, o)
			continue
		}
		byCategory[name]++
		if strings.HasPrefix(name, bugPrefix) {
			if shown[name]++; shown[name] <= maxShown {
				t.Errorf("%s: %s: %s\n    case: %s", o.Case.Name, name, o.explain(), caseJSON(o))
			}
		}
	}
	for i, o := range unclassified {
		if i == maxShown {
			t.Errorf("... and %d more unclassified disagreements", len(unclassified)-maxShown)
			break
		}
		t.Errorf("%s: unclassified disagreement: %s\n    case: %s", o.Case.Name, o.explain(), caseJSON(o))
	}

	var b strings.Builder
	fmt.Fprintf(&b, "generated (seed %d): %d cases, %d agree (%.2f%%), %d disagree",
		seed, len(outcomes), agreed, 100*float64(agreed)/float64(len(outcomes)), len(outcomes)-agreed)
	fmt.Fprintf(&b, "\n    podiam decided: %d allowed, %d explicitDeny, %d implicitDeny",
		byDecision["allowed"], byDecision["explicitDeny"], byDecision["implicitDeny"])
	for _, name := range slices.Sorted(maps.Keys(byCategory)) {
		fmt.Fprintf(&b, "\n    %-45s %d", name, byCategory[name])
	}
	if len(unclassified) > 0 {
		fmt.Fprintf(&b, "\n    %-45s %d", "unclassified", len(unclassified))
	}
	t.Log(b.String())
}

// caseJSON prints a case in the corpus format, ready to be added to
// testdata/corpus once someone has decided its expected answer.
func caseJSON(o *outcome) string {
	c := *o.Case
	c.Expect.Decision = "?"
	b, err := json.Marshal(c)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
