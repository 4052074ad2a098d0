package difftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCategoriesDocumented checks that docs/differential-testing.md has a
// row for every category of disagreement, so that a new category cannot
// go unexplained.
func TestCategoriesDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "differential-testing.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, c := range categories {
		if !strings.Contains(doc, "| `"+c.name+"` |") {
			t.Errorf("docs/differential-testing.md has no table row for category %q", c.name)
		}
		if c.why == "" {
			t.Errorf("category %q has no reason", c.name)
		}
	}
}
