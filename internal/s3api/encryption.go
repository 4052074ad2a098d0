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

// ssecHeaders reports whether h carries SSE-C headers of the object
// itself (x-amz-server-side-encryption-customer-*) or, with source, of a
// copy's source (x-amz-copy-source-server-side-encryption-customer-*).
func ssecHeaders(h http.Header, source bool) bool {
	for name := range h {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-server-side-encryption-customer-") ||
			source && strings.HasPrefix(l, "x-amz-copy-source-server-side-encryption-customer-") {
			return true
		}
	}
	return false
}

// checkWriteEncryption checks the encryption a write asks for (PutObject,
// CopyObject, CreateMultipartUpload, UploadPart): SSE-S3 or nothing; SSE-KMS
// and SSE-C are refused as S3 refuses them for a bucket without a usable
// KMS key and one that blocks SSE-C.
func checkWriteEncryption(r *http.Request) error {
	if ssecHeaders(r.Header, false) {
		return s3.SSECBlocked()
	}
	if ssecHeaders(r.Header, true) {
		return notApplicable()
	}
	return s3.CheckSSE(r.Header.Get(sseHeader), r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"))
}

// checkReadEncryption refuses SSE-C headers on a read: no object is
// encrypted with a customer's key.
func checkReadEncryption(r *http.Request) error {
	if ssecHeaders(r.Header, false) {
		return notApplicable()
	}
	return nil
}

func notApplicable() error {
	return refuse(fault.InvalidInput, fault.Request, "The encryption parameters are not applicable to this object.")
}
