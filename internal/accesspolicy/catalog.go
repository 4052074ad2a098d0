package accesspolicy

import "strings"

// ARNPrefix begins the ARN of every access policy; the policy's name
// follows it.
const ARNPrefix = "arn:aws:eks::aws:cluster-access-policy/"

// Rule allows its verbs on the resources of its API groups, or on its
// non-resource URLs, as a Kubernetes RBAC PolicyRule does: "*" matches
// anything, a resource may name a subresource ("pods/exec"), and a
// non-resource URL ending in "*" matches by prefix.
type Rule struct {
	APIGroups       []string
	Resources       []string
	Verbs           []string
	NonResourceURLs []string
}

// Policy is an access policy: a name, its ARN and its rules.
type Policy struct {
	Name  string
	ARN   string
	Rules []Rule
}

// The rules below are those the EKS User Guide lists under "Review access
// policy permissions" (awsdocs/amazon-eks-user-guide,
// latest/ug/manage-access/k8s-access/access-policy-reference.adoc, read
// 2026-12), one Rule per row of each policy's table.

var (
	read   = []string{"get", "list", "watch"}
	write  = []string{"create", "delete", "deletecollection", "patch", "update"}
	core   = []string{""}
	anyOne = []string{"*"}
)

// viewRules are AmazonEKSViewPolicy's: read most resources, not secrets.
var viewRules = []Rule{
	{APIGroups: []string{"apps"}, Verbs: read, Resources: []string{"controllerrevisions", "daemonsets", "daemonsets/status",
		"deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status",
		"statefulsets", "statefulsets/scale", "statefulsets/status"}},
	{APIGroups: []string{"autoscaling"}, Verbs: read, Resources: []string{"horizontalpodautoscalers", "horizontalpodautoscalers/status"}},
	{APIGroups: []string{"batch"}, Verbs: read, Resources: []string{"cronjobs", "cronjobs/status", "jobs", "jobs/status"}},
	{APIGroups: []string{"discovery.k8s.io"}, Verbs: read, Resources: []string{"endpointslices"}},
	{APIGroups: []string{"extensions"}, Verbs: read, Resources: []string{"daemonsets", "daemonsets/status", "deployments",
		"deployments/scale", "deployments/status", "ingresses", "ingresses/status", "networkpolicies", "replicasets",
		"replicasets/scale", "replicasets/status", "replicationcontrollers/scale"}},
	{APIGroups: []string{"networking.k8s.io"}, Verbs: read, Resources: []string{"ingresses", "ingresses/status", "networkpolicies"}},
	{APIGroups: []string{"policy"}, Verbs: read, Resources: []string{"poddisruptionbudgets", "poddisruptionbudgets/status"}},
	{APIGroups: core, Verbs: read, Resources: []string{"configmaps", "endpoints", "persistentvolumeclaims",
		"persistentvolumeclaims/status", "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
		"services", "services/status"}},
	{APIGroups: core, Verbs: read, Resources: []string{"bindings", "events", "limitranges", "namespaces/status", "pods/log",
		"pods/status", "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"}},
	{APIGroups: core, Verbs: read, Resources: []string{"namespaces"}},
}

// editRules are what AmazonEKSEditPolicy adds to the view rules: write
// most resources, read secrets and the pods' subresources, impersonate
// service accounts.
var editRules = []Rule{
	{APIGroups: []string{"apps"}, Verbs: write, Resources: []string{"daemonsets", "deployments", "deployments/rollback",
		"deployments/scale", "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"}},
	{APIGroups: []string{"autoscaling"}, Verbs: write, Resources: []string{"horizontalpodautoscalers"}},
	{APIGroups: []string{"batch"}, Verbs: write, Resources: []string{"cronjobs", "jobs"}},
	{APIGroups: []string{"extensions"}, Verbs: write, Resources: []string{"daemonsets", "deployments", "deployments/rollback",
		"deployments/scale", "ingresses", "networkpolicies", "replicasets", "replicasets/scale", "replicationcontrollers/scale"}},
	{APIGroups: []string{"networking.k8s.io"}, Verbs: write, Resources: []string{"ingresses", "networkpolicies"}},
	{APIGroups: []string{"policy"}, Verbs: write, Resources: []string{"poddisruptionbudgets"}},
	{APIGroups: core, Verbs: read, Resources: []string{"pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"}},
	{APIGroups: core, Verbs: []string{"impersonate"}, Resources: []string{"serviceaccounts"}},
	{APIGroups: core, Verbs: write, Resources: []string{"pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"}},
	{APIGroups: core, Verbs: write, Resources: []string{"configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
		"replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"}},
}

// adminRules are what AmazonEKSAdminPolicy adds to the edit rules: roles
// and role bindings, and local subject access reviews.
var adminRules = []Rule{
	{APIGroups: []string{"authorization.k8s.io"}, Verbs: []string{"create"}, Resources: []string{"localsubjectaccessreviews"}},
	{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"rolebindings", "roles"},
		Verbs: []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}},
}

func concat(parts ...[]Rule) []Rule {
	var out []Rule
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// catalog is the access policies podiam serves, by name.
var catalog = []Policy{
	{Name: "AmazonEKSAdminPolicy", Rules: concat(viewRules, editRules, adminRules)},
	{Name: "AmazonEKSAdminViewPolicy", Rules: []Rule{{APIGroups: anyOne, Resources: anyOne, Verbs: read}}},
	{Name: "AmazonEKSClusterAdminPolicy", Rules: []Rule{
		{APIGroups: anyOne, Resources: anyOne, Verbs: anyOne},
		{NonResourceURLs: anyOne, Verbs: anyOne},
	}},
	{Name: "AmazonEKSEditPolicy", Rules: concat(viewRules, editRules)},
	{Name: "AmazonEKSSecretReaderPolicy", Rules: []Rule{{APIGroups: core, Resources: []string{"secrets"}, Verbs: read}}},
	{Name: "AmazonEKSViewPolicy", Rules: viewRules},
}

func init() {
	for i := range catalog {
		catalog[i].ARN = ARNPrefix + catalog[i].Name
	}
}

// Catalog returns the access policies, by name.
func Catalog() []Policy {
	out := make([]Policy, len(catalog))
	copy(out, catalog)
	return out
}

// Lookup returns the access policy an ARN names.
func Lookup(arn string) (Policy, bool) {
	name, ok := strings.CutPrefix(arn, ARNPrefix)
	if !ok {
		return Policy{}, false
	}
	for _, p := range catalog {
		if p.Name == name {
			return p, true
		}
	}
	return Policy{}, false
}
