// Package admission is the IRSA webhook's HTTP edge: it decodes an
// AdmissionReview (admission.k8s.io/v1 or v1beta1), finds the pod's
// ServiceAccount, asks package webhook for the patch and answers with
// it, counting what it did for /metrics. A pod is never refused: when
// the webhook cannot help, the pod is allowed unchanged.
package admission
