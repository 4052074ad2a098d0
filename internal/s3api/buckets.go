package s3api

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/s3"
)

// maxDeleteBody bounds DeleteObjects' XML: a thousand keys of S3's
// longest, with their version ids, fit in it.
const maxDeleteBody = 2 << 20

// maxPolicyBody bounds PutBucketPolicy's body. S3 counts a policy's 20
// KB without whitespace (the service checks that); a body this long
// cannot be one.
const maxPolicyBody = 64 << 10

// policyTooLarge is PutBucketPolicy's error for a body over maxPolicyBody.
func policyTooLarge() error {
	return refuse(fault.Malformed, fault.Policy, "Policies must not exceed 20480 characters without whitespace (this body is over 65536 bytes)")
}

// s3Bucket serves the bucket operations.
func (api *API) s3Bucket(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	svc := api.svc
	has := func(k string) bool { _, found := q[k]; return found }
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if done, err := api.s3BucketSubresource(ctx, w, r, a, bucket, q, op, ok, xmlOK); done {
		return err
	}
	switch r.Method {
	case http.MethodPut:
		if has("policy") {
			op("PutBucketPolicy")
			doc, err := readBody(a, maxPolicyBody, policyTooLarge)
			if err != nil {
				return err
			}
			if err := svc.PutBucketPolicy(ctx, &a.req, bucket, string(doc)); err != nil {
				return err
			}
			return ok(http.StatusNoContent)
		}
		if len(q) > 0 {
			return notImplemented(q)
		}
		op("CreateBucket")
		if v := r.Header.Get("X-Amz-Object-Ownership"); v != "" {
			if err := s3.CheckObjectOwnership(v); err != nil {
				return err
			}
		}
		body, err := readXMLBody(a, maxSettingBody)
		if err != nil {
			return err
		}
		var cfg awsproto.CreateBucketConfiguration
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := xml.Unmarshal(body, &cfg); err != nil {
				return malformedXML()
			}
		}
		if err := svc.CreateBucket(ctx, &a.req, bucket, cfg.LocationConstraint); err != nil {
			return err
		}
		w.Header().Set("Location", "/"+bucket)
		return ok(http.StatusOK)
	case http.MethodPost:
		if !has("delete") {
			return notImplemented(q)
		}
		op("DeleteObjects")
		body, err := readXMLBody(a, maxDeleteBody)
		if err != nil {
			return err
		}
		var in awsproto.DeleteRequest
		if err := xml.Unmarshal(body, &in); err != nil {
			return malformedXML()
		}
		ids := make([]s3.ObjectID, len(in.Objects))
		for i, o := range in.Objects {
			ids[i] = s3.ObjectID{Key: o.Key, VersionID: o.VersionID}
		}
		res, err := svc.DeleteObjects(ctx, &a.req, bucket, ids)
		if err != nil {
			return err
		}
		out := &awsproto.DeleteResult{Xmlns: awsproto.S3Namespace}
		for _, d := range res {
			if d.Err != nil {
				e := awsproto.RESTXMLError(d.Err)
				out.Errors = append(out.Errors, awsproto.DeleteError{Key: d.Key, VersionID: d.ObjectID.VersionID, Code: e.Code, Message: e.Message})
			} else if !in.Quiet {
				del := awsproto.DeletedObject{Key: d.Key, VersionID: d.ObjectID.VersionID, DeleteMarker: d.DeleteMarker}
				if d.DeleteMarker {
					del.DeleteMarkerVersionID = d.DeleteOutcome.VersionID
				}
				out.Deleted = append(out.Deleted, del)
			}
		}
		return xmlOK(out)
	case http.MethodHead:
		op("HeadBucket")
		b, err := svc.HeadBucket(ctx, &a.req, bucket)
		if err != nil {
			return err
		}
		w.Header().Set("x-amz-bucket-region", regionOf(b.Region))
		return ok(http.StatusOK)
	case http.MethodDelete:
		if has("policy") {
			op("DeleteBucketPolicy")
			if err := svc.DeleteBucketPolicy(ctx, &a.req, bucket); err != nil {
				return err
			}
			return ok(http.StatusNoContent)
		}
		if len(q) > 0 {
			return notImplemented(q)
		}
		op("DeleteBucket")
		if err := svc.DeleteBucket(ctx, &a.req, bucket); err != nil {
			return err
		}
		return ok(http.StatusNoContent)
	case http.MethodGet:
		switch {
		case has("location"):
			op("GetBucketLocation")
			loc, err := svc.GetBucketLocation(ctx, &a.req, bucket)
			if err != nil {
				return err
			}
			return xmlOK(&awsproto.LocationConstraint{Xmlns: awsproto.S3Namespace, Value: loc})
		case has("acl"):
			op("GetBucketAcl")
			owner, err := svc.GetBucketACL(ctx, &a.req, bucket)
			if err != nil {
				return err
			}
			return xmlOK(awsproto.OwnerACL(owner))
		case has("policy"):
			op("GetBucketPolicy")
			doc, err := svc.GetBucketPolicy(ctx, &a.req, bucket)
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "application/json")
			ok(http.StatusOK)
			_, err = io.WriteString(w, doc)
			return err
		}
		if has("versions") {
			return api.s3ListVersions(ctx, a, bucket, q, get, op, xmlOK)
		}
		if has("uploads") {
			op("ListMultipartUploads")
			us, err := svc.ListMultipartUploads(ctx, &a.req, bucket, get("prefix"))
			if err != nil {
				return err
			}
			out := &awsproto.ListMultipartUploadsResult{Xmlns: awsproto.S3Namespace, Bucket: bucket, Prefix: get("prefix"), MaxUploads: 1000}
			for _, u := range us {
				out.Uploads = append(out.Uploads, awsproto.S3Upload{Key: u.Key, UploadId: u.ID, Initiator: awsproto.S3Initiator{ID: u.Initiator},
					Owner: awsproto.S3Owner{ID: u.AccountID}, StorageClass: "STANDARD", Initiated: awsproto.Timestamp(u.CreatedAt)})
			}
			return xmlOK(out)
		}
		for k := range q {
			switch k {
			case "list-type", "prefix", "delimiter", "marker", "max-keys", "continuation-token", "start-after", "encoding-type", "fetch-owner", "acl", "x-id":
			default:
				return notImplemented(q)
			}
		}
		return api.s3List(ctx, a, bucket, get, op, xmlOK)
	}
	return methodNotAllowed()
}
