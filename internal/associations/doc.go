// Package associations tells the webhook which ServiceAccounts of one
// cluster have an EKS Pod Identity association, as podiam's EKS API
// (ListPodIdentityAssociations) lists them. Its cache never hides a fresh
// association: a ServiceAccount is answered from memory only when it is
// known to have one; any other is asked of the API at admission time, so a
// pod created right after its association gets Pod Identity (the race of
// amazon-eks-pod-identity-webhook#264 cannot happen). A periodic full list
// fills the cache and drops associations that were deleted.
package associations
