// Package eksapi is the EKS API's REST-JSON adapter: each operation's
// method and path (net/http ServeMux patterns), its JSON input and
// output in EKS's wire shapes, the domain package eks called with the
// authenticated caller, and the domain's errors handed back to the edge
// (httpapi.Fail) for the REST-JSON table. One file per resource group.
package eksapi
