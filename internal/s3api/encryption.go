package s3api

import (
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/s3"
)

// sseHeader is the server-side encryption of an object, in requests and
// in responses.
const sseHeader = "X-Amz-Server-Side-Encryption"

// setSSE says in a response that the object is encrypted with SSE-S3, as
// S3 says for every object it encrypted.
func setSSE(w http.ResponseWriter) { w.Header().Set(sseHeader, s3.SSES3) }

// hasHeaderPrefix reports whether h has a header whose lower-case name
// starts with prefix.
func hasHeaderPrefix(h http.Header, prefix string) bool {
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), prefix) {
			return true
		}
	}
	return false
}

const (
	ssecPrefix       = "x-amz-server-side-encryption-customer-"
	copySourceSSEC   = "x-amz-copy-source-server-side-encryption-customer-"
	ssecAlgorithmHdr = "X-Amz-Server-Side-Encryption-Customer-Algorithm"
)

// checkWriteEncryption checks the form of the encryption headers of a
// write (PutObject, CopyObject, CreateMultipartUpload, UploadPart): SSE-C
// keys without their algorithm, and SSE-C headers for a copy's source (no
// object is encrypted with a customer's key). What the write asks for is
// package s3's to refuse, after authorization (SSE-KMS, SSE-C).
func checkWriteEncryption(r *http.Request) error {
	if hasHeaderPrefix(r.Header, ssecPrefix) && r.Header.Get(ssecAlgorithmHdr) == "" {
		return invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.")
	}
	if hasHeaderPrefix(r.Header, copySourceSSEC) {
		return notApplicable()
	}
	return nil
}

// checkReadEncryption refuses SSE-C headers on a read: no object is
// encrypted with a customer's key.
func checkReadEncryption(r *http.Request) error {
	if hasHeaderPrefix(r.Header, ssecPrefix) {
		return notApplicable()
	}
	return nil
}

func notApplicable() error {
	return refuse(fault.InvalidInput, fault.Request, "The encryption parameters are not applicable to this object.")
}
