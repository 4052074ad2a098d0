package meta

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/awsproto"
)

// kindPackages return kinds of failure (package fault), never AWS's error
// codes: the codes and their statuses live in the protocols' tables
// (awsproto), one per protocol (STYLE.md: "one wire package maps a kind
// to the AWS error code and HTTP status"). A row applies to the package
// and the packages below it, once they exist.
var kindPackages = []string{
	"internal/fault", "internal/iam", "internal/sts", "internal/s3", "internal/orgs", "internal/eks",
	"internal/policy", "internal/authz", "internal/oidc", "internal/sigv4", "internal/creds",
}

// codeProblems lists where files name an AWS error code: an exported
// constant whose name starts with Code, or a string literal equal to one
// of codes.
func codeProblems(fset *token.FileSet, files []*ast.File, codes []string) []string {
	var out []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GenDecl:
				if n.Tok != token.CONST {
					return true
				}
				for _, spec := range n.Specs {
					for _, name := range spec.(*ast.ValueSpec).Names {
						if name.IsExported() && strings.HasPrefix(name.Name, "Code") {
							out = append(out, fmt.Sprintf("%s: exported constant %s names an error code", fset.Position(name.Pos()), name.Name))
						}
					}
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				if s, err := strconv.Unquote(n.Value); err == nil && slices.Contains(codes, s) {
					out = append(out, fmt.Sprintf("%s: %q is an AWS error code", fset.Position(n.Pos()), s))
				}
			}
			return true
		})
	}
	return out
}

// parseTree parses the non-test Go files under dir.
func parseTree(fset *token.FileSet, dir string) ([]*ast.File, error) {
	var files []*ast.File
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, f)
		return nil
	})
	return files, err
}

// TestDomainNamesNoErrorCode: no domain package names an AWS error code
// that a protocol's table holds, nor exports a Code constant.
func TestDomainNamesNoErrorCode(t *testing.T) {
	root, _ := moduleRoot(t)
	codes := awsproto.Codes()
	if len(codes) < 40 {
		t.Fatalf("awsproto.Codes() = %v: the tables are not all there", codes)
	}
	checked := 0
	for _, pkg := range kindPackages {
		dir := filepath.Join(root, filepath.FromSlash(pkg))
		if _, err := os.Stat(dir); err != nil {
			continue // not written yet
		}
		fset := token.NewFileSet()
		files, err := parseTree(fset, dir)
		if err != nil {
			t.Fatal(err)
		}
		checked += len(files)
		for _, p := range codeProblems(fset, files, codes) {
			t.Error(p)
		}
	}
	if checked == 0 {
		t.Fatal("no domain package found")
	}
}

// TestCodeProblems: the check finds what it looks for.
func TestCodeProblems(t *testing.T) {
	codes := []string{"NoSuchEntity", "InvalidDigest"}
	tests := []struct {
		name, src string
		want      int
	}{
		{"clean", `package p; const MaxTags = 50; func f() error { return errorf(NotFound, "The role %s cannot be found.", "x") }`, 0},
		{"exported Code constant", `package p; const CodeNoSuchEntity = "NoSuchEntity"`, 2},
		{"exported Code constant of another value", `package p; const (CodeMalformed = "X")`, 1},
		{"unexported code constant", `package p; const codeX = "X"`, 0},
		{"a code as a literal", `package p; func f() error { return errorf("InvalidDigest", "The Content-MD5 you specified is not valid.") }`, 1},
		{"a code inside a message", `package p; var m = "NoSuchEntity: gone"`, 0},
		{"a code in a raw string", "package p; var m = `NoSuchEntity`", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", tt.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := codeProblems(fset, []*ast.File{f}, codes); len(got) != tt.want {
				t.Errorf("got %d problems %q, want %d", len(got), got, tt.want)
			}
		})
	}
}
