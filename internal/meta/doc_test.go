package meta

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// docProblem says what is wrong with a package's doc comment, or "".
func docProblem(p goPackage) string {
	want := []string{"Package " + p.Name + " "}
	if p.Name == "main" {
		want = []string{"Package main ", "Command "}
	}
	for _, doc := range p.Doc {
		doc = strings.ReplaceAll(doc, "\n", " ")
		for _, w := range want {
			if strings.HasPrefix(doc, w) {
				return ""
			}
		}
	}
	if len(p.Doc) == 0 {
		return fmt.Sprintf("%s (package %s): no package doc comment (add a doc.go)", p.Dir, p.Name)
	}
	return fmt.Sprintf("%s (package %s): doc comment does not start with %q", p.Dir, p.Name, strings.TrimSpace(want[0]))
}

func docProblems(pkgs []goPackage) []string {
	var out []string
	for _, p := range pkgs {
		if msg := docProblem(p); msg != "" {
			out = append(out, msg)
		}
	}
	return out
}

// TestPackageDocs checks that every package of the module has a doc
// comment that starts "Package <name>" ("Command <name>" for a command).
func TestPackageDocs(t *testing.T) {
	root, _ := moduleRoot(t)
	pkgs, err := loadPackages(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(pkgs, func(p goPackage) bool { return p.Dir == "internal/meta" }) {
		t.Fatalf("the walk from %s did not find internal/meta; found %d packages", root, len(pkgs))
	}
	if bad := docProblems(pkgs); len(bad) > 0 {
		t.Errorf("%d packages lack a proper doc comment:\n\t%s", len(bad), strings.Join(bad, "\n\t"))
	}
}

// TestDocProblems checks the checker on small trees.
func TestDocProblems(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // package directories reported
	}{
		{
			name:  "doc in doc.go",
			files: map[string]string{"a/doc.go": "// Package a does a.\npackage a\n", "a/a.go": "package a\n"},
		},
		{
			name:  "doc in any file",
			files: map[string]string{"a/x.go": "package a\n", "a/y.go": "// Package a\n// does a.\npackage a\n"},
		},
		{
			name:  "command",
			files: map[string]string{"cmd/x/main.go": "// Command x runs x.\npackage main\n"},
		},
		{
			name:  "package main",
			files: map[string]string{"cmd/x/main.go": "// Package main runs x.\npackage main\n"},
		},
		{
			name:  "missing",
			files: map[string]string{"a/a.go": "package a\n", "b/doc.go": "// Package b does b.\npackage b\n"},
			want:  []string{"a"},
		},
		{
			name:  "wrong name",
			files: map[string]string{"a/doc.go": "// Package b does a.\npackage a\n"},
			want:  []string{"a"},
		},
		{
			name:  "name is a prefix of another word",
			files: map[string]string{"a/doc.go": "// Package ab does a.\npackage a\n"},
			want:  []string{"a"},
		},
		{
			name:  "comment not attached to the package clause",
			files: map[string]string{"a/a.go": "// Package a does a.\n\npackage a\n"},
			want:  []string{"a"},
		},
		{
			name:  "only in a test file",
			files: map[string]string{"a/a.go": "package a\n", "a/a_test.go": "// Package a does a.\npackage a\n"},
			want:  []string{"a"},
		},
		{
			name: "skipped directories",
			files: map[string]string{
				"a/doc.go":                      "// Package a does a.\npackage a\n",
				"a/testdata/x.go":               "package x\n",
				"node_modules/m/m.go":           "package m\n",
				".hidden/h.go":                  "package h\n",
				"_old/o.go":                     "package o\n",
				"test/oracle/node_modules/n.go": "package n\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			pkgs, err := loadPackages(root)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				if docProblem(p) != "" {
					got = append(got, p.Dir)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("reported %q, want %q", got, tt.want)
			}
		})
	}
}
