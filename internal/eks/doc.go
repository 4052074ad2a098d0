// Package eks owns the EKS control plane that podiam serves: clusters
// (with podiam's binding of a record to a real Kubernetes cluster: its API
// server, CA, and the service-account signing keys pushed from inside it),
// the hosted issuer of each cluster (<public URL>/id/<32 hex>: discovery
// document and key set), add-ons (eks-pod-identity-agent) and Pod
// Identity associations. Every operation is authorized through IAM policy
// evaluation with EKS's action names, resource ARNs and condition keys;
// failures are fault kinds with EKS's messages, never wire codes.
// ClusterByName and AssociationFor serve eks-auth, which authorizes its
// own action.
package eks
