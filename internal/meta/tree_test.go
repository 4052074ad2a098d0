package meta

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// goPackage is one directory of non-test Go files.
type goPackage struct {
	Dir     string   // relative to the module root, slash-separated ("." for the root)
	Name    string   // package clause
	Doc     []string // the package doc comment of each file that has one
	Imports []string // sorted, without duplicates
}

// moduleRoot finds the directory holding go.mod above the working
// directory and returns it with the module path.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
					return dir, strings.Trim(strings.TrimSpace(m), `"`)
				}
			}
			t.Fatalf("%s: no module line", filepath.Join(dir, "go.mod"))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// skipDir reports whether the go tool ignores the directory name (or we
// do: node_modules holds JavaScript for the oracle).
func skipDir(name string) bool {
	return name == "testdata" || name == "node_modules" || name == "vendor" ||
		strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// loadPackages parses the package clause, doc comments and imports of the
// non-test Go files of every package under root.
func loadPackages(root string) ([]goPackage, error) {
	byDir := map[string]*goPackage{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") ||
			strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		p := byDir[rel]
		if p == nil {
			p = &goPackage{Dir: rel, Name: f.Name.Name}
			byDir[rel] = p
		}
		if p.Name != f.Name.Name {
			return fmt.Errorf("%s: package %s, but other files of %s say %s", path, f.Name.Name, rel, p.Name)
		}
		if f.Doc != nil {
			p.Doc = append(p.Doc, f.Doc.Text())
		}
		for _, im := range f.Imports {
			p.Imports = append(p.Imports, strings.Trim(im.Path.Value, "`\""))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]goPackage, 0, len(byDir))
	for _, p := range byDir {
		sort.Strings(p.Imports)
		p.Imports = compactStrings(p.Imports)
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// writeTree creates files (slash-separated path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
