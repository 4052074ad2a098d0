package eksapi

import (
	"net/http"
	"strconv"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

// handlers holds the EKS service that the named handlers call.
type handlers struct{ svc *eks.Service }

// operation is a handler of one operation: its answer's status and
// result, or an error.
type operation func(r *http.Request, c iam.Caller) (int, any, error)

// New is the EKS API over svc, on the REST-JSON protocol under the
// signing name "eks".
func New(svc *eks.Service) *httpapi.RESTJSONService {
	h := handlers{svc}
	ops := map[string]operation{
		"CreateCluster": h.createCluster, "ListClusters": h.listClusters, "DescribeCluster": h.describeCluster,
		"DeleteCluster": h.deleteCluster, eks.BindingAction: h.putBinding,
		"CreateAddon": h.createAddon, "ListAddons": h.listAddons, "DescribeAddon": h.describeAddon, "DeleteAddon": h.deleteAddon,
		"CreatePodIdentityAssociation": h.createAssociation, "ListPodIdentityAssociations": h.listAssociations,
		"DescribePodIdentityAssociation": h.describeAssociation, "UpdatePodIdentityAssociation": h.updateAssociation,
		"DeletePodIdentityAssociation": h.deleteAssociation,
		"CreateAccessEntry":            h.createAccessEntry, "DescribeAccessEntry": h.describeAccessEntry, "UpdateAccessEntry": h.updateAccessEntry,
		"DeleteAccessEntry": h.deleteAccessEntry, "ListAccessEntries": h.listAccessEntries,
		"AssociateAccessPolicy": h.associateAccessPolicy, "DisassociateAccessPolicy": h.disassociateAccessPolicy,
		"ListAssociatedAccessPolicies": h.listAssociatedAccessPolicies, "ListAccessPolicies": h.listAccessPolicies,
		"UpdateClusterConfig": h.updateClusterConfig, "DescribeUpdate": h.describeUpdate, eks.ResolveAction: h.resolveAccess,
		"TagResource": h.tagResource, "UntagResource": h.untagResource, "ListTagsForResource": h.listTags,
	}
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.Handle(r.pattern, serve(r.operation, ops[r.operation]))
	}
	mux.HandleFunc("/", func(_ http.ResponseWriter, r *http.Request) {
		httpapi.Fail(r.Context(), awsproto.UnknownOperation(http.StatusNotFound, "podiam's EKS API has no operation "+r.Method+" "+r.URL.Path+"."))
	})
	return &httpapi.RESTJSONService{Name: "eks", Handler: mux}
}

// routes are the operations' methods and paths, as EKS's model has them
// (PutClusterBinding and ResolveAccess are podiam's own).
var routes = []struct{ pattern, operation string }{
	{"POST /clusters", "CreateCluster"},
	{"GET /clusters", "ListClusters"},
	{"GET /clusters/{name}", "DescribeCluster"},
	{"DELETE /clusters/{name}", "DeleteCluster"},
	{"PUT /clusters/{name}/podiam/binding", eks.BindingAction},
	{"POST /clusters/{name}/addons", "CreateAddon"},
	{"GET /clusters/{name}/addons", "ListAddons"},
	{"GET /clusters/{name}/addons/{addonName}", "DescribeAddon"},
	{"DELETE /clusters/{name}/addons/{addonName}", "DeleteAddon"},
	{"POST /clusters/{name}/pod-identity-associations", "CreatePodIdentityAssociation"},
	{"GET /clusters/{name}/pod-identity-associations", "ListPodIdentityAssociations"},
	{"GET /clusters/{name}/pod-identity-associations/{associationId}", "DescribePodIdentityAssociation"},
	{"POST /clusters/{name}/pod-identity-associations/{associationId}", "UpdatePodIdentityAssociation"},
	{"DELETE /clusters/{name}/pod-identity-associations/{associationId}", "DeletePodIdentityAssociation"},
	{"POST /clusters/{name}/update-config", "UpdateClusterConfig"},
	{"GET /clusters/{name}/updates/{updateId}", "DescribeUpdate"},
	{"POST /clusters/{name}/access-entries", "CreateAccessEntry"},
	{"GET /clusters/{name}/access-entries", "ListAccessEntries"},
	{"GET /clusters/{name}/access-entries/{principalArn}", "DescribeAccessEntry"},
	{"POST /clusters/{name}/access-entries/{principalArn}", "UpdateAccessEntry"},
	{"DELETE /clusters/{name}/access-entries/{principalArn}", "DeleteAccessEntry"},
	{"POST /clusters/{name}/access-entries/{principalArn}/access-policies", "AssociateAccessPolicy"},
	{"GET /clusters/{name}/access-entries/{principalArn}/access-policies", "ListAssociatedAccessPolicies"},
	{"DELETE /clusters/{name}/access-entries/{principalArn}/access-policies/{policyArn}", "DisassociateAccessPolicy"},
	{"GET /access-policies", "ListAccessPolicies"},
	{"GET /clusters/{name}/podiam/access", eks.ResolveAction},
	{"POST /tags/{resourceArn}", "TagResource"},
	{"DELETE /tags/{resourceArn}", "UntagResource"},
	{"GET /tags/{resourceArn}", "ListTagsForResource"},
}

// Operations names the operations served, for the tests that drive them
// all.
func Operations() []string {
	out := make([]string, len(routes))
	for i, r := range routes {
		out[i] = r.operation
	}
	return out
}

// serve adapts an operation to net/http: it names the operation for the
// audit record, runs it as the authenticated caller, and writes its
// result or hands its error to the edge.
func serve(name string, op operation) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.SetOperation(r.Context(), name)
		c, ok := httpapi.CallerFrom(r.Context())
		if !ok {
			httpapi.Fail(r.Context(), awsproto.ServiceFailure(nil))
			return
		}
		status, result, err := op(r, c)
		if err != nil {
			httpapi.Fail(r.Context(), err)
			return
		}
		_ = awsproto.WriteRESTJSON(w, status, httpapi.RequestIDFrom(r.Context()), result)
	})
}

// page reads maxResults and nextToken from the query string.
func page(r *http.Request) (eks.PageRequest, error) {
	q := r.URL.Query()
	p := eks.PageRequest{NextToken: q.Get("nextToken")}
	if s := q.Get("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return eks.PageRequest{}, awsproto.NewError("InvalidParameterException", http.StatusBadRequest, "maxResults must be an integer between 1 and 100.")
		}
		p.MaxResults = n
	}
	return p, nil
}
