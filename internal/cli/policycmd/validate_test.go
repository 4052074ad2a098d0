package policycmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/corpus"
)

// TestValidateCorpus runs every validation case through the command: exit
// 0 and "valid" for a valid document, exit 2 and AWS's error code for an
// invalid one.
func TestValidateCorpus(t *testing.T) {
	cases, err := corpus.LoadValidation()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no validation cases")
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(dir, c.Name+".json")
			if err := os.WriteFile(path, []byte(c.Document), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := run(t, nil, "policy", "validate", "--kind", c.Kind, path)
			if c.Valid {
				if code != 0 || !strings.Contains(stdout, "valid "+c.Kind+" policy") {
					t.Fatalf("exit %d, stdout %q, stderr %q; want valid", code, stdout, stderr)
				}
				return
			}
			if code != 2 {
				t.Fatalf("exit %d, want 2; stdout %q", code, stdout)
			}
			if !strings.HasPrefix(stdout, path+": "+c.Error+": ") {
				t.Fatalf("output %q does not start with %q", stdout, path+": "+c.Error+": ")
			}
		})
	}
}

func TestValidateSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`), 0o644)
	os.WriteFile(bad, []byte(`{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}`), 0o644)
	code, stdout, _ := run(t, nil, "policy", "validate", good, bad, filepath.Join(dir, "missing.json"))
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{good + ": valid identity policy", bad + `: MalformedPolicyDocument: Invalid effect "allow" in Statement[0]`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output %q lacks %q", stdout, want)
		}
	}
}
