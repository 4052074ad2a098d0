// Package irsacmd is "podiam irsa": the set-up steps that eksctl does for
// EKS users, against podiam's IAM and any cluster. associate-oidc-provider
// registers the cluster's service-account issuer as an IAM OIDC provider;
// create-service-account makes a role that one ServiceAccount may assume
// and annotates that ServiceAccount with it.
package irsacmd
