package difftest

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/podiam/podiam/internal/corpus"
)

// knownFile lists the corpus cases on which podiam and iam-simulate are
// known to disagree, each with the reason.
var knownFile = filepath.Join("testdata", "known.json")

func loadKnown(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(knownFile)
	if err != nil {
		t.Fatal(err)
	}
	var known map[string]string
	if err := json.Unmarshal(data, &known); err != nil {
		t.Fatalf("%s: %v", knownFile, err)
	}
	for name, why := range known {
		if why == "" {
			t.Errorf("%s: %q has no reason", knownFile, name)
		}
	}
	return known
}

// TestCorpusAgreement runs every corpus case through podiam and the
// oracle. It fails on a disagreement that testdata/known.json does not
// list, and on a listed case that no longer disagrees or no longer
// exists, so that the list stays true.
func TestCorpusAgreement(t *testing.T) {
	orc := sharedOracle(t)
	known := loadKnown(t)
	cases, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("the corpus is empty")
	}
	outcomes := decide(t, orc, cases)
	agreed := 0
	seen := map[string]bool{}
	for i := range outcomes {
		o := &outcomes[i]
		name := o.Case.Name
		if o.BuildErr != nil {
			t.Errorf("%s (%s): build: %v", name, o.Case.File, o.BuildErr)
			continue
		}
		seen[name] = true
		why, listed := known[name]
		switch {
		case o.agree() && listed:
			t.Errorf("%s (%s): both now say %s, but %s lists it (%q); remove the entry", name, o.Case.File, o.Oracle.Decision, knownFile, why)
		case o.agree():
			agreed++
		case listed:
			t.Logf("known: %s: podiam %s, iam-simulate %s: %s", name, o.Podiam.Decision, o.oracleSays(), why)
		default:
			t.Errorf("%s (%s): the corpus expects %s; %s\n    doc: %s", name, o.Case.File, o.Case.Expect.Decision, o.explain(), o.Case.Doc)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(known)) {
		if !seen[name] {
			t.Errorf("%s lists %q, which is not a corpus case; remove the entry", knownFile, name)
		}
	}
	t.Logf("corpus: %d of %d cases agree (%.1f%%); %d known disagreements",
		agreed, len(outcomes), 100*float64(agreed)/float64(len(outcomes)), len(outcomes)-agreed)
}
