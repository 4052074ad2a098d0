package authz_test

import (
	"testing"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/corpus"
)

// TestCorpus runs every case of testdata/corpus through the engine.
func TestCorpus(t *testing.T) {
	cases, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("the corpus is empty")
	}
	seen := map[string]string{}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if f, dup := seen[c.Name]; dup {
				t.Fatalf("case name also used in %s", f)
			}
			seen[c.Name] = c.File
			req, set, err := c.Build()
			if err != nil {
				t.Fatalf("%s: build: %v", c.File, err)
			}
			var res authz.Result
			authz.Evaluate(req, set, &res)
			if diff := c.Check(&res); diff != "" {
				t.Errorf("%s: %s (reason %s)\n  doc: %s", c.File, diff, res.Reason, c.Doc)
			}
		})
	}
}
