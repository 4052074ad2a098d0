package s3api

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/s3"
)

// s3Multipart serves the multipart operations of an object; done is
// false when r is none of them.
// maxCompleteBody bounds CompleteMultipartUpload's XML: 10,000 parts
// with their ETags and checksums fit in it.
const maxCompleteBody = 4 << 20

func (api *API) s3Multipart(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key string, q map[string][]string,
	op func(string), ok func(int) error) (done bool, err error) {
	svc := api.svc
	_, uploads := q["uploads"]
	uploadID := ""
	if v := q["uploadId"]; len(v) > 0 {
		uploadID = v[0]
	}
	switch {
	case r.Method == http.MethodPost && uploads:
		op("CreateMultipartUpload")
		if err := checkWriteEncryption(r); err != nil {
			return true, err
		}
		headers, err := objectHeaders(r)
		if err != nil {
			return true, err
		}
		u, err := svc.CreateMultipartUpload(ctx, &a.req, bucket, key, headers, r.Header.Get("X-Amz-Checksum-Algorithm"), r.Header.Get("X-Amz-Acl"))
		if err != nil {
			return true, err
		}
		if alg := u.ChecksumAlgorithm; alg != "" {
			w.Header().Set("x-amz-checksum-algorithm", alg)
		}
		setSSE(w)
		return true, api.s3XML(w, &awsproto.InitiateMultipartUploadResult{Xmlns: awsproto.S3Namespace, Bucket: bucket, Key: key, UploadId: u.ID})
	case uploadID == "":
		return false, nil
	case r.Method == http.MethodPut:
		op("UploadPart")
		if _, named := q["versionId"]; named {
			return true, versionNotAccepted()
		}
		if err := checkWriteEncryption(r); err != nil {
			return true, err
		}
		n, err := strconv.Atoi(firstOf(q, "partNumber"))
		if err != nil {
			return true, invalidArgument("Part number must be an integer between 1 and 10000, inclusive")
		}
		if src := r.Header.Get("X-Amz-Copy-Source"); src != "" {
			op("UploadPartCopy")
			srcBucket, srcKey, srcVersion, err := copySource(src)
			if err != nil {
				return true, err
			}
			first, last := int64(-1), int64(-1)
			if rng := r.Header.Get("X-Amz-Copy-Source-Range"); rng != "" {
				a, b, ok := strings.Cut(strings.TrimPrefix(rng, "bytes="), "-")
				f, ferr := strconv.ParseInt(a, 10, 64)
				l, lerr := strconv.ParseInt(b, 10, 64)
				if !ok || !strings.HasPrefix(rng, "bytes=") || ferr != nil || lerr != nil || f < 0 {
					return true, invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
				}
				first, last = f, l
			}
			p, err := svc.UploadPartCopy(ctx, &a.req, s3.PartInput{Bucket: bucket, Key: key, UploadID: uploadID, Number: n}, srcBucket, srcKey, srcVersion, first, last)
			if err != nil {
				return true, markerHeaders(w, err)
			}
			setSSE(w)
			return true, api.s3XML(w, &awsproto.CopyPartResult{Xmlns: awsproto.S3Namespace, ETag: `"` + p.ETag + `"`, LastModified: awsproto.Timestamp(p.LastModified)})
		}
		p, err := svc.UploadPart(ctx, &a.req, s3.PartInput{Bucket: bucket, Key: key, UploadID: uploadID, Number: n, Body: a.body,
			Size: bodySize(r, a), ContentMD5: r.Header.Get("Content-Md5"), Checksums: a.checksums})
		if err != nil {
			return true, err
		}
		w.Header().Set("ETag", `"`+p.ETag+`"`)
		setSSE(w)
		for alg, v := range p.Checksums {
			w.Header().Set("x-amz-checksum-"+strings.ToLower(alg), v)
		}
		return true, ok(http.StatusOK)
	case r.Method == http.MethodPost:
		op("CompleteMultipartUpload")
		if _, named := q["versionId"]; named {
			return true, versionNotAccepted()
		}
		body, err := readXMLBody(a, maxCompleteBody)
		if err != nil {
			return true, err
		}
		var in awsproto.CompleteMultipartUpload
		if err := xml.Unmarshal(body, &in); err != nil {
			return true, malformedXML()
		}
		var parts []s3.CompletedPart
		for _, p := range in.Parts {
			parts = append(parts, s3.CompletedPart{Number: p.PartNumber, ETag: p.ETag})
		}
		o, err := svc.CompleteMultipartUpload(ctx, &a.req, bucket, key, uploadID, parts)
		if err != nil {
			return true, err
		}
		setVersion(w, s3.VersionHeader(o))
		setSSE(w)
		return true, api.s3XML(w, &awsproto.CompleteMultipartUploadResult{Xmlns: awsproto.S3Namespace, Location: "/" + bucket + "/" + key,
			Bucket: bucket, Key: key, ETag: `"` + o.ETag + `"`})
	case r.Method == http.MethodDelete:
		op("AbortMultipartUpload")
		if err := svc.AbortMultipartUpload(ctx, &a.req, bucket, key, uploadID); err != nil {
			return true, err
		}
		return true, ok(http.StatusNoContent)
	case r.Method == http.MethodGet:
		op("ListParts")
		u, parts, err := svc.ListParts(ctx, &a.req, bucket, key, uploadID)
		if err != nil {
			return true, err
		}
		out := &awsproto.ListPartsResult{Xmlns: awsproto.S3Namespace, Bucket: bucket, Key: key, UploadId: uploadID,
			Initiator: awsproto.S3Initiator{ID: u.Initiator}, Owner: awsproto.S3Owner{ID: u.AccountID}, StorageClass: "STANDARD", MaxParts: s3.MaxParts}
		for _, p := range parts {
			out.Parts = append(out.Parts, awsproto.S3Part{PartNumber: p.Number, LastModified: awsproto.Timestamp(p.LastModified), ETag: `"` + p.ETag + `"`, Size: p.Size})
			out.NextPartNumberMarker = p.Number
		}
		return true, api.s3XML(w, out)
	}
	return false, nil
}
