package accesspolicy_test

import (
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/accesspolicy"
)

func assoc(name string, namespaces ...string) accesspolicy.Associated {
	s := accesspolicy.Scope{Type: accesspolicy.ScopeCluster}
	if len(namespaces) > 0 {
		s = accesspolicy.Scope{Type: accesspolicy.ScopeNamespace, Namespaces: namespaces}
	}
	return accesspolicy.Associated{PolicyARN: accesspolicy.ARNPrefix + name, Scope: s}
}

func res(verb, group, resource, ns string) accesspolicy.Attributes {
	r, sub, _ := strings.Cut(resource, "/")
	return accesspolicy.Attributes{User: "u", Verb: verb, APIGroup: group, Resource: r, Subresource: sub, Namespace: ns}
}

func path(verb, p string) accesspolicy.Attributes {
	return accesspolicy.Attributes{User: "u", Verb: verb, NonResourcePath: p}
}

func TestAllows(t *testing.T) {
	for _, tc := range []struct {
		name     string
		policies []accesspolicy.Associated
		attrs    accesspolicy.Attributes
		want     bool
	}{
		// View: reads most things, never secrets, never writes.
		{"view lists pods", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("list", "", "pods", "default"), true},
		{"view lists pods in every namespace", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("list", "", "pods", ""), true},
		{"view gets deployments", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("get", "apps", "deployments", "a"), true},
		{"view reads pod logs", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("get", "", "pods/log", "a"), true},
		{"view lists namespaces", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("list", "", "namespaces", ""), true},
		{"view cannot delete pods", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("delete", "", "pods", "default"), false},
		{"view cannot read secrets", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("get", "", "secrets", "default"), false},
		{"view cannot exec", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("create", "", "pods/exec", "default"), false},
		{"view: the group matters", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("get", "example.com", "pods", "a"), false},
		{"view cannot read nodes", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, res("list", "", "nodes", ""), false},
		{"view: no non-resource URLs", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy")}, path("get", "/healthz"), false},

		// Edit: writes in its namespaces, by wildcard too.
		{"edit on dev-* edits in dev-a", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy", "dev-*")}, res("create", "apps", "deployments", "dev-a"), true},
		{"edit on dev-* deletes pods in dev-b", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy", "dev-*")}, res("delete", "", "pods", "dev-b"), true},
		{"edit on dev-* reads secrets in dev-a", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy", "dev-*")}, res("get", "", "secrets", "dev-a"), true},
		{"edit on dev-* not in prod", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy", "dev-*")}, res("create", "apps", "deployments", "prod"), false},
		{"edit on dev-* not in dev", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy", "dev-*")}, res("get", "", "pods", "dev"), false},
		{"edit on dev-* not across namespaces", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy", "dev-*")}, res("list", "", "pods", ""), false},
		{"edit on a literal namespace", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy", "team", "dev-*")}, res("update", "", "configmaps", "team"), true},
		{"edit: a namespace is not a prefix", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy", "team")}, res("update", "", "configmaps", "team2"), false},
		{"edit cannot write roles", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy")}, res("create", "rbac.authorization.k8s.io", "roles", "a"), false},
		{"edit impersonates service accounts", []accesspolicy.Associated{assoc("AmazonEKSEditPolicy")}, res("impersonate", "", "serviceaccounts", "a"), true},

		// Admin: roles and bindings too; still not nodes.
		{"admin writes role bindings", []accesspolicy.Associated{assoc("AmazonEKSAdminPolicy", "a")}, res("create", "rbac.authorization.k8s.io", "rolebindings", "a"), true},
		{"admin not cluster roles", []accesspolicy.Associated{assoc("AmazonEKSAdminPolicy")}, res("create", "rbac.authorization.k8s.io", "clusterroles", ""), false},
		{"admin not outside its namespace", []accesspolicy.Associated{assoc("AmazonEKSAdminPolicy", "a")}, res("create", "rbac.authorization.k8s.io", "rolebindings", "b"), false},

		// AdminView: reads everything, secrets included, writes nothing.
		{"admin view reads secrets", []accesspolicy.Associated{assoc("AmazonEKSAdminViewPolicy")}, res("get", "", "secrets", "a"), true},
		{"admin view reads custom resources", []accesspolicy.Associated{assoc("AmazonEKSAdminViewPolicy")}, res("list", "karpenter.sh", "nodepools", ""), true},
		{"admin view cannot write", []accesspolicy.Associated{assoc("AmazonEKSAdminViewPolicy")}, res("patch", "", "configmaps", "a"), false},

		// SecretReader: secrets only.
		{"secret reader reads secrets", []accesspolicy.Associated{assoc("AmazonEKSSecretReaderPolicy", "a")}, res("watch", "", "secrets", "a"), true},
		{"secret reader reads no pods", []accesspolicy.Associated{assoc("AmazonEKSSecretReaderPolicy", "a")}, res("get", "", "pods", "a"), false},
		{"secret reader writes no secrets", []accesspolicy.Associated{assoc("AmazonEKSSecretReaderPolicy", "a")}, res("delete", "", "secrets", "a"), false},

		// ClusterAdmin: everything, non-resource URLs included.
		{"cluster admin deletes nodes", []accesspolicy.Associated{assoc("AmazonEKSClusterAdminPolicy")}, res("delete", "", "nodes", ""), true},
		{"cluster admin escalates", []accesspolicy.Associated{assoc("AmazonEKSClusterAdminPolicy")}, res("escalate", "rbac.authorization.k8s.io", "clusterroles", ""), true},
		{"cluster admin reads /metrics", []accesspolicy.Associated{assoc("AmazonEKSClusterAdminPolicy")}, path("get", "/metrics"), true},
		{"namespaced cluster admin: no URLs", []accesspolicy.Associated{assoc("AmazonEKSClusterAdminPolicy", "a")}, path("get", "/metrics"), false},
		{"namespaced cluster admin: its namespace", []accesspolicy.Associated{assoc("AmazonEKSClusterAdminPolicy", "a")}, res("delete", "", "pods", "a"), true},
		{"namespaced cluster admin: not nodes", []accesspolicy.Associated{assoc("AmazonEKSClusterAdminPolicy", "a")}, res("delete", "", "nodes", ""), false},

		// Several policies: any one allowing is enough.
		{"view plus secret reader", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy"), assoc("AmazonEKSSecretReaderPolicy", "a")}, res("get", "", "secrets", "a"), true},
		{"view plus secret reader elsewhere", []accesspolicy.Associated{assoc("AmazonEKSViewPolicy"), assoc("AmazonEKSSecretReaderPolicy", "a")}, res("get", "", "secrets", "b"), false},

		// Nothing, or what is not a policy, allows nothing.
		{"no policies", nil, res("get", "", "pods", "a"), false},
		{"unknown policy", []accesspolicy.Associated{{PolicyARN: accesspolicy.ARNPrefix + "AmazonEKSAutoNodePolicy", Scope: accesspolicy.Scope{Type: "cluster"}}}, res("get", "", "pods", "a"), false},
		{"policy ARN not in the catalog's prefix", []accesspolicy.Associated{{PolicyARN: "arn:aws:iam::aws:policy/AmazonEKSClusterAdminPolicy", Scope: accesspolicy.Scope{Type: "cluster"}}}, res("get", "", "pods", "a"), false},
		{"an unknown scope type", []accesspolicy.Associated{{PolicyARN: accesspolicy.ARNPrefix + "AmazonEKSClusterAdminPolicy", Scope: accesspolicy.Scope{Type: "account"}}}, res("get", "", "pods", "a"), false},
		{"no verb", []accesspolicy.Associated{assoc("AmazonEKSClusterAdminPolicy")}, res("", "", "pods", "a"), false},
		{"no resource or path", []accesspolicy.Associated{assoc("AmazonEKSClusterAdminPolicy")}, accesspolicy.Attributes{Verb: "get"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := accesspolicy.Allows(tc.policies, tc.attrs)
			if got != tc.want || reason == "" {
				t.Errorf("Allows = %v (%s), want %v", got, reason, tc.want)
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	want := []string{"AmazonEKSAdminPolicy", "AmazonEKSAdminViewPolicy", "AmazonEKSClusterAdminPolicy", "AmazonEKSEditPolicy",
		"AmazonEKSSecretReaderPolicy", "AmazonEKSViewPolicy"}
	cat := accesspolicy.Catalog()
	if len(cat) != len(want) {
		t.Fatalf("catalog has %d policies, want %d", len(cat), len(want))
	}
	for i, p := range cat {
		if p.Name != want[i] || p.ARN != "arn:aws:eks::aws:cluster-access-policy/"+want[i] || len(p.Rules) == 0 {
			t.Errorf("policy %d: %s %s with %d rules", i, p.Name, p.ARN, len(p.Rules))
		}
		if got, ok := accesspolicy.Lookup(p.ARN); !ok || got.Name != p.Name {
			t.Errorf("Lookup(%s) = %v, %v", p.ARN, got.Name, ok)
		}
	}
	for _, bad := range []string{"", accesspolicy.ARNPrefix, accesspolicy.ARNPrefix + "amazonEKSViewPolicy", "AmazonEKSViewPolicy"} {
		if _, ok := accesspolicy.Lookup(bad); ok {
			t.Errorf("Lookup(%q) found a policy", bad)
		}
	}
}

func TestScopeValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		scope accesspolicy.Scope
		ok    bool
	}{
		{"cluster", accesspolicy.Scope{Type: "cluster"}, true},
		{"namespaces", accesspolicy.Scope{Type: "namespace", Namespaces: []string{"a", "dev-*", "x1*"}}, true},
		{"cluster with namespaces", accesspolicy.Scope{Type: "cluster", Namespaces: []string{"a"}}, false},
		{"namespace without any", accesspolicy.Scope{Type: "namespace"}, false},
		{"a lone wildcard", accesspolicy.Scope{Type: "namespace", Namespaces: []string{"*"}}, false},
		{"a wildcard inside", accesspolicy.Scope{Type: "namespace", Namespaces: []string{"d*v"}}, false},
		{"upper case", accesspolicy.Scope{Type: "namespace", Namespaces: []string{"Dev"}}, false},
		{"too long", accesspolicy.Scope{Type: "namespace", Namespaces: []string{strings.Repeat("a", 64)}}, false},
		{"too many", accesspolicy.Scope{Type: "namespace", Namespaces: make([]string, 101)}, false},
		{"no type", accesspolicy.Scope{}, false},
		{"Cluster", accesspolicy.Scope{Type: "Cluster"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.scope.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// FuzzAllows checks, for any scope pattern, namespace and request, that
// Allows never panics; that a namespace scope allows only inside the
// namespaces it covers, and never a non-resource request; that a valid
// wildcard covers exactly the namespaces with its prefix.
func FuzzAllows(f *testing.F) {
	f.Add("dev-*", "dev-a", "get", "", "pods", "", "")
	f.Add("prod", "prod", "delete", "apps", "deployments", "scale", "")
	f.Add("a", "", "get", "", "", "", "/metrics")
	f.Fuzz(func(t *testing.T, pattern, ns, verb, group, resource, sub, urlPath string) {
		scope := accesspolicy.Scope{Type: accesspolicy.ScopeNamespace, Namespaces: []string{pattern}}
		attrs := accesspolicy.Attributes{Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Namespace: ns, NonResourcePath: urlPath}
		ok, _ := accesspolicy.Allows([]accesspolicy.Associated{{PolicyARN: accesspolicy.ARNPrefix + "AmazonEKSClusterAdminPolicy", Scope: scope}}, attrs)
		if ok && (resource == "" || !scope.Covers(ns)) {
			t.Fatalf("namespace scope %q allowed %+v", pattern, attrs)
		}
		if scope.Validate() == nil && ns != "" {
			base, wild := strings.CutSuffix(pattern, "*")
			want := ns == pattern || (wild && strings.HasPrefix(ns, base))
			if scope.Covers(ns) != want {
				t.Fatalf("scope %q covers %q: %v, want %v", pattern, ns, !want, want)
			}
		}
		if verb != "" && resource != "" && ns != "" && scope.Covers(ns) && !ok {
			t.Fatalf("cluster admin on %q refused %+v", pattern, attrs)
		}
	})
}
