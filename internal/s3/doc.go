// Package s3 owns the rules of the S3 object store: buckets (global names,
// AWS's naming rules, an owner account, a bucket policy) and objects (keys
// of up to 1,024 bytes of UTF-8, streamed bytes kept as blobs, ETags,
// representation headers and user metadata, listings with prefix,
// delimiter and paging), and the authorization of every request by the
// policy engine over the caller's policies and the bucket policy, with
// S3's context keys; buckets' lifecycle rules, validated when written
// and applied by LifecycleRunner as of a time it is given. It speaks no wire format: the REST-XML edge in
// httpapi calls it and renders its *fault.Error values (see errors.go).
package s3
