// Package accesspolicy owns EKS's access policies as an authorizer sees
// them: the catalog of the six cluster access policies podiam serves
// (their Kubernetes rules as EKS documents them), the scopes an
// association gives a policy (the cluster, or namespaces with a trailing
// wildcard), and Allows, which decides a Kubernetes request's attributes
// against a principal's associated policies. It is pure: no I/O, no
// clock, no Kubernetes client; the SubjectAccessReview webhook adapts
// requests to Attributes, and package eks keeps the associations.
package accesspolicy
