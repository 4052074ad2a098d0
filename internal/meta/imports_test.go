package meta

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// boundaries are the import rules of docs/DESIGN.md, one row per package:
// besides the standard library, a package may import only what starts with
// one of its allowed prefixes. Prefixes starting with "internal/" or equal
// to "." are relative to the module; others are import paths as written.
// A package listed here must exist, so that a rename cannot silently drop
// its rule. Extend the table as packages arrive.
var boundaries = []struct {
	pkg     string
	allowed []string
}{
	{pkg: "internal/arn"},
	{pkg: "internal/policy", allowed: []string{"internal/arn", "internal/fault"}},
	{pkg: "internal/authz", allowed: []string{"internal/policy", "internal/arn"}},
	{pkg: "internal/corpus", allowed: []string{"."}},
	{pkg: "internal/sigv4"},
	{pkg: "internal/fault"},
	{pkg: "internal/awsproto", allowed: []string{"internal/fault"}},
	{pkg: "internal/creds"},
	{pkg: "internal/audit"},
	{pkg: "internal/httpapi", allowed: []string{"internal/awsproto", "internal/sigv4", "internal/audit", "internal/authn", "internal/iam", "internal/metrics", "internal/fault"}},
	{pkg: "internal/authn", allowed: []string{"internal/sigv4", "internal/creds", "internal/iam", "internal/store"}},
	{pkg: "internal/iamapi", allowed: []string{"internal/httpapi", "internal/awsproto", "internal/iam", "internal/store"}},
	{pkg: "internal/stsapi", allowed: []string{"internal/httpapi", "internal/awsproto", "internal/iam", "internal/sts"}},
	{pkg: "internal/orgsapi", allowed: []string{"internal/httpapi", "internal/awsproto", "internal/iam", "internal/orgs"}},
	{pkg: "internal/s3api", allowed: []string{"internal/httpapi", "internal/authn", "internal/audit", "internal/awsproto", "internal/sigv4", "internal/s3", "internal/store", "internal/iam", "internal/metrics", "internal/fault"}},
	{pkg: "internal/orgs", allowed: []string{"internal/store", "internal/iam", "internal/creds", "internal/fault"}},
	{pkg: "internal/iam", allowed: []string{"internal/store", "internal/creds", "internal/policy", "internal/authz", "internal/arn", "internal/fault"}},
	{pkg: "internal/iam/managed", allowed: []string{"internal/store", "internal/creds", "internal/policy"}},
	{pkg: "internal/oidc", allowed: []string{"github.com/go-jose/go-jose/v4"}},
	{pkg: "internal/oidc/oidctest", allowed: []string{"internal/oidc"}},
	{pkg: "internal/sts", allowed: []string{"internal/store", "internal/creds", "internal/iam", "internal/oidc", "internal/policy", "internal/authz", "internal/arn", "internal/fault"}},
	{pkg: "internal/eks", allowed: []string{"internal/accesspolicy", "internal/store", "internal/iam", "internal/policy", "internal/arn", "internal/fault", "internal/oidc", "github.com/go-jose/go-jose/v4"}},
	{pkg: "internal/accesspolicy"},
	{pkg: "internal/accessclient", allowed: []string{"internal/accesspolicy", "internal/awsproto", "github.com/aws/aws-sdk-go-v2/aws"}},
	{pkg: "internal/eksapi", allowed: []string{"internal/httpapi", "internal/awsproto", "internal/iam", "internal/eks", "internal/accesspolicy"}},
	{pkg: "internal/eksauth", allowed: []string{"internal/store", "internal/iam", "internal/sts", "internal/oidc", "internal/eks", "internal/arn", "internal/fault"}},
	{pkg: "internal/eksauth/eksauthtest", allowed: []string{"github.com/go-jose/go-jose/v4"}},
	{pkg: "internal/eksauthapi", allowed: []string{"internal/httpapi", "internal/awsproto", "internal/eksauth", "internal/fault"}},
	{pkg: "internal/blob", allowed: []string{"github.com/minio/sio"}},
	{pkg: "internal/s3", allowed: []string{"internal/store", "internal/iam", "internal/policy", "internal/authz", "internal/fault"}},
	{pkg: "internal/server", allowed: []string{"internal"}},                                                   // the composition root
	{pkg: "internal/server/servertest", allowed: []string{"internal/server", "github.com/aws/aws-sdk-go-v2"}}, // tests only
	{pkg: "internal/store"},
	{pkg: "internal/store/memory", allowed: []string{"internal/store"}},
	{pkg: "internal/store/sqlite", allowed: []string{"internal/store", "modernc.org/sqlite"}},
	{pkg: "internal/store/storetest", allowed: []string{"internal/store"}},
	{pkg: "internal/discovery"},
	{pkg: "internal/webhook", allowed: []string{"k8s.io/api"}},
	{pkg: "internal/admission", allowed: []string{"internal/webhook", "internal/tlsreload", "k8s.io/api", "k8s.io/apimachinery"}},
	{pkg: "internal/associations", allowed: []string{"github.com/aws/aws-sdk-go-v2/aws", "github.com/aws/aws-sdk-go-v2/service/eks"}},
	{pkg: "internal/kubetest"},
	{pkg: "internal/cli", allowed: []string{"internal/cli", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/cli/command", allowed: []string{"github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/cli/policycmd", allowed: []string{"internal/cli/command", "internal/arn", "internal/authz", "internal/policy", "internal/fault", "internal/awsproto", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/cli/servercmd", allowed: []string{"internal/cli/command", "internal/server", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/cli/webhookcmd", allowed: []string{"internal/cli/command", "internal/tlsreload", "internal/admission", "internal/associations", "internal/kube", "internal/webhook", "github.com/aws/aws-sdk-go-v2", "k8s.io/api", "k8s.io/apimachinery", "sigs.k8s.io/yaml", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/cli/agentcmd", allowed: []string{"internal/cli/command", "internal/agent", "github.com/aws/aws-sdk-go-v2/config", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	// EKS tokens: the authenticator parses them; clients make them with the SDK's STS presigner.
	{pkg: "internal/k8stoken", allowed: []string{"github.com/aws/aws-sdk-go-v2/aws/signer/v4", "github.com/aws/aws-sdk-go-v2/service/sts", "github.com/aws/smithy-go/transport/http"}},
	{pkg: "internal/cli/tokencmd", allowed: []string{"internal/cli/command", "internal/k8stoken", "github.com/aws/aws-sdk-go-v2", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/cli/versioncmd", allowed: []string{"internal/cli/command", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/tlsreload"},
	{pkg: "internal/authenticator", allowed: []string{"internal/fault", "internal/k8stoken", "internal/accessclient", "internal/accesspolicy", "internal/tlsreload", "k8s.io/api/authentication/v1", "k8s.io/api/authorization/v1", "k8s.io/apimachinery/pkg/apis/meta/v1", "sigs.k8s.io/yaml"}},
	{pkg: "internal/cli/authenticatorcmd", allowed: []string{"internal/cli/command", "internal/authenticator", "internal/accessclient", "github.com/aws/aws-sdk-go-v2", "internal/kube", "internal/tlsreload", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/agent/agenttest"},
	// The node agent is a client of podiam's public API (eks-auth): never the store or a service.
	{pkg: "internal/agent", allowed: []string{"github.com/aws/aws-sdk-go-v2/aws", "golang.org/x/sync/singleflight", "golang.org/x/time/rate", "github.com/prometheus/client_golang"}},
	{pkg: "internal/metrics", allowed: []string{"github.com/prometheus/client_golang"}},
	{pkg: "internal/cli/clustercmd", allowed: []string{"internal/cli/command", "internal/awsproto", "internal/kube", "github.com/aws/aws-sdk-go-v2", "k8s.io/apimachinery", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/cli/irsacmd", allowed: []string{"internal/cli/command", "internal/discovery", "internal/kube", "github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go", "k8s.io/api", "k8s.io/apimachinery", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{pkg: "internal/e2e"},      // tests only
	{pkg: "internal/difftest"}, // tests only
	{pkg: "internal/meta"},     // tests only
	{pkg: "cmd/podiam", allowed: []string{"internal/cli"}},
	{pkg: "tools/k8s", allowed: []string{"k8s.io/kubernetes", "go.etcd.io/etcd"}}, // a module of its own: the test control plane's pins
	{pkg: "bench/internal/loadgen"},
	{pkg: "bench/iamload", allowed: []string{"bench/internal/loadgen", "github.com/aws/aws-sdk-go-v2"}},
	{pkg: "bench/internal/serverproc", allowed: []string{"github.com/aws/aws-sdk-go-v2/aws", "github.com/prometheus/common/expfmt", "github.com/prometheus/common/model"}},
	// The pods' side of EKS Pod Identity: the agent's eks-auth client and tokens shaped like kube-apiserver's.
	{pkg: "bench/internal/podident", allowed: []string{"internal/agent", "internal/eksauth/eksauthtest", "github.com/aws/aws-sdk-go-v2"}},
	{pkg: "bench/podagent", allowed: []string{"bench/internal/podident", "bench/internal/serverproc", "internal/agent"}},
	{pkg: "bench/callcost", allowed: []string{"bench/internal/loadgen", "bench/internal/podident", "bench/internal/serverproc", "internal/agent", "github.com/aws/aws-sdk-go-v2"}},
	{pkg: "bench/s3load", allowed: []string{"bench/internal/loadgen", "github.com/aws/aws-sdk-go-v2"}},
	{pkg: "internal/kube", allowed: []string{"k8s.io/api/core/v1", "k8s.io/apimachinery", "k8s.io/client-go/rest",
		"k8s.io/client-go/tools/clientcmd", "k8s.io/client-go/tools/cache", "k8s.io/client-go/metadata", "k8s.io/client-go/dynamic",
		"k8s.io/client-go/transport", "k8s.io/klog/v2", "github.com/go-logr/logr"}},
}

// heavyImports are client-go packages that link every API group's typed
// client (the clientset took cmd/podiam from 43 to 68 MB when measured):
// the metadata, dynamic and REST clients serve podiam, and informers
// are built with tools/cache over them.
var heavyImports = []string{
	"k8s.io/client-go/kubernetes",
	"k8s.io/client-go/informers",
	"k8s.io/client-go/metadata/metadatainformer",
	"k8s.io/client-go/dynamic/dynamicinformer",
}

// domainPackages never import a wire package (DESIGN.md: "Domain packages
// never import awsproto or httpapi"). A row applies to the package and the
// packages below it, and only once they exist.
var domainPackages = []string{
	"internal/arn", "internal/policy", "internal/authz", "internal/corpus",
	"internal/sigv4", "internal/oidc", "internal/creds",
	"internal/iam", "internal/sts", "internal/eks", "internal/eksauth", "internal/s3", "internal/orgs", "internal/fault",
}

// wirePackages render AWS's wire formats or authenticate requests: the
// edge, its adapters and the server use them, never a domain package.
var wirePackages = []string{"internal/awsproto", "internal/httpapi", "internal/authn", "internal/iamapi", "internal/stsapi", "internal/orgsapi", "internal/eksapi", "internal/eksauthapi", "internal/s3api"}

// isStdlib reports whether an import path names a standard-library
// package: its first element has no dot.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// under reports whether path is prefix or a package below it.
func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// resolve turns a table prefix into an import path of module: "." is the
// module, internal/... and bench/... its packages.
func resolve(module, prefix string) string {
	if prefix == "." {
		return module
	}
	if strings.HasPrefix(prefix, "internal/") || strings.HasPrefix(prefix, "bench/") || prefix == "internal" {
		return module + "/" + prefix
	}
	return prefix
}

// importProblems lists the imports of p that its allowed prefixes do not
// cover.
func importProblems(module string, p goPackage, allowed []string) []string {
	var out []string
	for _, im := range p.Imports {
		if isStdlib(im) {
			continue
		}
		if !slices.ContainsFunc(allowed, func(a string) bool { return under(im, resolve(module, a)) }) {
			out = append(out, fmt.Sprintf("%s imports %s", p.Dir, im))
		}
	}
	return out
}

// wireProblems lists the imports of wire packages by domain packages.
func wireProblems(module string, pkgs []goPackage) []string {
	var out []string
	for _, p := range pkgs {
		if !slices.ContainsFunc(domainPackages, func(d string) bool { return under(p.Dir, d) }) {
			continue
		}
		for _, im := range p.Imports {
			for _, w := range wirePackages {
				if under(im, resolve(module, w)) {
					out = append(out, fmt.Sprintf("%s imports wire package %s", p.Dir, im))
				}
			}
		}
	}
	return out
}

// TestImportBoundaries checks the import rules of docs/DESIGN.md on the
// non-test files of the module.
func TestImportBoundaries(t *testing.T) {
	root, module := moduleRoot(t)
	pkgs, err := loadPackages(root)
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]goPackage{}
	for _, p := range pkgs {
		byDir[p.Dir] = p
	}
	for _, b := range boundaries {
		t.Run(b.pkg, func(t *testing.T) {
			p, ok := byDir[b.pkg]
			if !ok {
				t.Fatalf("package %s not found; update the boundaries table if it moved", b.pkg)
			}
			for _, msg := range importProblems(module, p, b.allowed) {
				t.Errorf("%s, but may import only the standard library and %q", msg, b.allowed)
			}
		})
	}
	t.Run("every package has a row", func(t *testing.T) {
		rows := map[string]bool{}
		for _, b := range boundaries {
			rows[b.pkg] = true
		}
		for _, p := range pkgs {
			if !rows[p.Dir] && p.Dir != "." {
				t.Errorf("package %s has no row in the boundaries table", p.Dir)
			}
		}
	})
	t.Run("wire", func(t *testing.T) {
		for _, msg := range wireProblems(module, pkgs) {
			t.Error(msg)
		}
	})
	t.Run("heavy", func(t *testing.T) {
		for _, msg := range heavyProblems(pkgs) {
			t.Error(msg)
		}
	})
}

// heavyProblems lists the imports of heavyImports.
func heavyProblems(pkgs []goPackage) []string {
	var out []string
	for _, p := range pkgs {
		for _, im := range p.Imports {
			if slices.ContainsFunc(heavyImports, func(h string) bool { return under(im, h) }) {
				out = append(out, fmt.Sprintf("%s imports %s, which links every API group's typed client", p.Dir, im))
			}
		}
	}
	return out
}

// TestHeavyChecks checks heavyProblems on made-up packages.
func TestHeavyChecks(t *testing.T) {
	for _, tt := range []struct {
		imports []string
		want    int
	}{
		{[]string{"k8s.io/client-go/metadata", "k8s.io/client-go/tools/cache", "k8s.io/client-go/rest"}, 0},
		{[]string{"k8s.io/client-go/kubernetes"}, 1},
		{[]string{"k8s.io/client-go/kubernetes/typed/core/v1"}, 1},
		{[]string{"k8s.io/client-go/metadata/metadatainformer", "k8s.io/client-go/informers/core/v1"}, 2},
		{[]string{"k8s.io/client-go/kubernetesx"}, 0},
	} {
		if got := heavyProblems([]goPackage{{Dir: "internal/kube", Imports: tt.imports}}); len(got) != tt.want {
			t.Errorf("%v: %q, want %d problems", tt.imports, got, tt.want)
		}
	}
}

// TestImportChecks checks the import checker on made-up packages.
func TestImportChecks(t *testing.T) {
	const mod = "example.com/m"
	tests := []struct {
		name    string
		pkg     goPackage
		allowed []string
		want    int // problems reported by importProblems
		wire    int // problems reported by wireProblems
	}{
		{name: "stdlib only", pkg: goPackage{Dir: "internal/arn", Imports: []string{"errors", "net/netip", "unicode/utf8"}}},
		{name: "third party", pkg: goPackage{Dir: "internal/arn", Imports: []string{"fmt", "github.com/x/y"}}, want: 1},
		{name: "golang.org/x is not stdlib", pkg: goPackage{Dir: "internal/arn", Imports: []string{"golang.org/x/text"}}, want: 1},
		{name: "allowed sibling", pkg: goPackage{Dir: "internal/policy", Imports: []string{mod + "/internal/arn"}}, allowed: []string{"internal/arn"}},
		{name: "allowed prefix covers subpackages", pkg: goPackage{Dir: "internal/s3", Imports: []string{mod + "/internal/store/memory"}}, allowed: []string{"internal/store"}},
		{name: "prefix is not a string prefix", pkg: goPackage{Dir: "internal/policy", Imports: []string{mod + "/internal/arnx"}}, allowed: []string{"internal/arn"}, want: 1},
		{name: "disallowed sibling", pkg: goPackage{Dir: "internal/arn", Imports: []string{mod + "/internal/policy"}}, want: 1},
		{name: "whole module", pkg: goPackage{Dir: "internal/corpus", Imports: []string{mod + "/internal/authz", "encoding/json"}}, allowed: []string{"."}},
		{name: "whole module but not outside it", pkg: goPackage{Dir: "internal/corpus", Imports: []string{"example.com/other"}}, allowed: []string{"."}, want: 1},
		{name: "external allowed by path", pkg: goPackage{Dir: "internal/oidc", Imports: []string{"github.com/go-jose/go-jose/v4"}}, allowed: []string{"github.com/go-jose/go-jose"}},
		{name: "domain imports wire", pkg: goPackage{Dir: "internal/sts", Imports: []string{mod + "/internal/awsproto"}}, allowed: []string{"."}, wire: 1},
		{name: "domain subpackage imports wire", pkg: goPackage{Dir: "internal/iam/rules", Imports: []string{mod + "/internal/httpapi/mw"}}, allowed: []string{"."}, wire: 1},
		{name: "wire package may use wire", pkg: goPackage{Dir: "internal/httpapi", Imports: []string{mod + "/internal/awsproto"}}, allowed: []string{"."}},
		{name: "server may use wire", pkg: goPackage{Dir: "internal/server", Imports: []string{mod + "/internal/httpapi"}}, allowed: []string{"."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := importProblems(mod, tt.pkg, tt.allowed); len(got) != tt.want {
				t.Errorf("importProblems = %q, want %d problems", got, tt.want)
			}
			if got := wireProblems(mod, []goPackage{tt.pkg}); len(got) != tt.wire {
				t.Errorf("wireProblems = %q, want %d problems", got, tt.wire)
			}
		})
	}
}

// confined are modules that only the packages under one prefix may import
// (DESIGN.md): the command line is on cobra, in internal/cli alone.
var confined = []struct {
	module string // an import path prefix
	within string // relative to the module
}{
	{"github.com/spf13/cobra", "internal/cli"},
	{"github.com/spf13/pflag", "internal/cli"},
}

// confinedProblems lists the imports of a confined module from outside
// the packages allowed it.
func confinedProblems(pkgs []goPackage) []string {
	var out []string
	for _, p := range pkgs {
		for _, im := range p.Imports {
			for _, c := range confined {
				if under(im, c.module) && !under(p.Dir, c.within) {
					out = append(out, fmt.Sprintf("%s imports %s, which only %s may", p.Dir, im, c.within))
				}
			}
		}
	}
	return out
}

// TestConfinedImports checks the confined modules on the module's
// packages, and the checker on made-up ones.
func TestConfinedImports(t *testing.T) {
	root, _ := moduleRoot(t)
	pkgs, err := loadPackages(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range confinedProblems(pkgs) {
		t.Error(msg)
	}
	for _, tt := range []struct {
		pkg  goPackage
		want int
	}{
		{goPackage{Dir: "internal/cli", Imports: []string{"github.com/spf13/cobra"}}, 0},
		{goPackage{Dir: "internal/cli/policycmd", Imports: []string{"github.com/spf13/cobra", "github.com/spf13/pflag"}}, 0},
		{goPackage{Dir: "internal/server", Imports: []string{"github.com/spf13/pflag"}}, 1},
		{goPackage{Dir: "cmd/podiam", Imports: []string{"github.com/spf13/cobra/doc"}}, 1},
		{goPackage{Dir: "internal/client", Imports: []string{"github.com/spf13/cobra"}}, 1},
	} {
		if got := confinedProblems([]goPackage{tt.pkg}); len(got) != tt.want {
			t.Errorf("%s: confinedProblems = %q, want %d problems", tt.pkg.Dir, got, tt.want)
		}
	}
}
