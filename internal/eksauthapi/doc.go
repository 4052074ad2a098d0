// Package eksauthapi is EKS Auth's REST-JSON adapter (SigV4 service
// eks-auth): POST /clusters/{clusterName}/assume-role-for-pod-identity
// with {"token": ...} is decoded, package eksauth called, and its result
// written in EKS Auth's shape (credentials.expiration in epoch seconds);
// failures go to the edge, which codes them with EKS Auth's table
// (awsproto.EKSAuthError: AccessDeniedException is 400 here).
package eksauthapi
