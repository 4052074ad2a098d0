package difftest

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/corpus"
)

var (
	seedFlag = flag.Uint64("difftest.seed", 1, "seed of TestGeneratedAgreement's case generator")
	nFlag    = flag.Int("difftest.n", 3000, "number of cases TestGeneratedAgreement generates")
)

// maxShown bounds how many disagreements of one kind a run prints.
const maxShown = 10

// TestGeneratedAgreement runs generated cases through podiam and the
// oracle. Each disagreement goes into the first known category whose
// construct is in the case and whose edit makes both sides agree (see
// category); the test fails on the rest, and on every disagreement in a
// podiam-bug category.
func TestGeneratedAgreement(t *testing.T) {
	orc := sharedOracle(t)
	seed, n := *seedFlag, *nFlag
	if n <= 0 {
		t.Fatalf("-difftest.n is %d; want at least 1", n)
	}
	cases := newGenerator(seed).cases(seed, n)
	outcomes := decide(t, orc, cases)

	byDecision := map[string]int{}
	var disagree []*outcome
	for i := range outcomes {
		o := &outcomes[i]
		switch {
		case o.BuildErr != nil:
			t.Errorf("%s: the generator made a case podiam rejects: %v", o.Case.Name, o.BuildErr)
		case o.Oracle.Error != "":
			t.Errorf("%s: the generator made a case the oracle rejects: %s", o.Case.Name, o.explain())
		case !o.agree():
			disagree = append(disagree, o)
		}
		byDecision[o.Podiam.Decision.String()]++
	}
	names := classifyAll(t, orc, disagree)

	byCategory := map[string]int{}
	example := map[string]string{}
	shown := map[string]int{}
	for i, o := range disagree {
		name := names[i]
		byCategory[name]++
		if example[name] == "" {
			example[name] = o.Case.Name
		}
		if name != "" && !strings.HasPrefix(name, bugPrefix) {
			continue
		}
		if shown[name]++; shown[name] > maxShown {
			continue
		}
		what := "unclassified disagreement"
		if name != "" {
			what = "podiam defect " + name
		}
		t.Errorf("%s: %s: %s\n    case: %s", o.Case.Name, what, o.explain(), caseJSON(o.Case))
	}
	for name, k := range shown {
		if k > maxShown {
			t.Errorf("... and %d more disagreements of kind %q", k-maxShown, name)
		}
	}

	agreed := len(outcomes) - len(disagree)
	var b strings.Builder
	fmt.Fprintf(&b, "generated (seed %d): %d cases, %d agree (%.2f%%), %d disagree",
		seed, len(outcomes), agreed, 100*float64(agreed)/float64(len(outcomes)), len(disagree))
	fmt.Fprintf(&b, "\n    podiam decided: %d allowed, %d explicitDeny, %d implicitDeny",
		byDecision["allowed"], byDecision["explicitDeny"], byDecision["implicitDeny"])
	for _, name := range slices.Sorted(maps.Keys(byCategory)) {
		label := name
		if label == "" {
			label = "unclassified"
		}
		fmt.Fprintf(&b, "\n    %-45s %5d  (first: %s)", label, byCategory[name], example[name])
	}
	t.Log(b.String())
}

// classifyAll names the category of each disagreement, or "". It first
// tries the edit of every matching category alone, and takes the first
// under which both sides agree. A case that holds two known differences
// needs more than one edit: for those, it applies every matching edit at
// once, decides the edited case again, and repeats with the categories
// that match the edited case (an edit can uncover another difference:
// a 2008-10-17 policy set to 2012-10-17 may now hold an unresolved
// variable) for up to maxRounds rounds. Such a disagreement is named after
// the first category on its path. Each round's edited cases go to the
// oracle in one batch.
func classifyAll(t *testing.T, orc *oracle, disagree []*outcome) []string {
	t.Helper()
	const maxRounds = 3
	names := make([]string, len(disagree))

	type trial struct {
		d     int    // index into disagree
		first string // the category the trial would confirm
		cur   *outcome
	}
	run := func(trials []trial, variants []corpus.Case) []trial {
		var open []trial
		outs := decide(t, orc, variants)
		for k := range outs {
			v, tr := &outs[k], trials[k]
			switch {
			case names[tr.d] != "" || v.BuildErr != nil || v.Oracle.Error != "":
			case v.agree():
				names[tr.d] = tr.first
			default:
				tr.cur = v
				open = append(open, tr)
			}
		}
		return open
	}

	var trials []trial
	var variants []corpus.Case
	for i, o := range disagree {
		for _, c := range candidates(o) {
			trials = append(trials, trial{d: i, first: c.name})
			variants = append(variants, edited(o, c))
		}
	}
	run(trials, variants)

	var open []trial
	for i, o := range disagree {
		if names[i] == "" {
			open = append(open, trial{d: i, cur: o})
		}
	}
	for range maxRounds {
		trials, variants = trials[:0], variants[:0]
		for _, tr := range open {
			cs := candidates(tr.cur)
			if len(cs) == 0 {
				continue
			}
			if tr.first == "" {
				tr.first = cs[0].name
			}
			trials = append(trials, tr)
			variants = append(variants, edited(tr.cur, cs...))
		}
		if len(trials) == 0 {
			break
		}
		open = run(trials, variants)
	}
	return names
}

// caseJSON prints a case in the corpus format, ready for testdata/corpus
// once someone has decided its expected answer.
func caseJSON(c *corpus.Case) string {
	cc := *c
	cc.Expect = corpus.Expect{Decision: "?", Statements: []string{}}
	b, err := json.Marshal(cc)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
