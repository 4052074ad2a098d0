// Package podident sets up EKS Pod Identity on a running podiam server for
// the bench commands, through its public APIs only: a role that trusts
// pods.eks.amazonaws.com, a node user allowed
// eks-auth:AssumeRoleForPodIdentity, a cluster (EKS CreateCluster) whose
// service-account signing key is pushed with podiam's cluster binding, and
// one Pod Identity association per ServiceAccount; and it signs the pods'
// tokens as kube-apiserver would.
package podident
