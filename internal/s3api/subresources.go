package s3api

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/store"
)

// s3Subresource serves ?tagging and ?acl of an object; done is false when
// r is neither.
func (api *API) s3Subresource(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key, versionID string, q map[string][]string,
	op func(string), ok func(int) error) (bool, error) {
	svc := api.svc
	_, tagging := q["tagging"]
	_, acl := q["acl"]
	if tagging || acl {
		// The version a request named is echoed back.
		setVersion(w, versionID)
	}
	switch {
	case tagging && r.Method == http.MethodGet:
		op("GetObjectTagging")
		tags, err := svc.GetObjectTagging(ctx, &a.req, bucket, key, versionID)
		if err != nil {
			return true, err
		}
		out := &awsproto.Tagging{Xmlns: awsproto.S3Namespace, TagSet: []awsproto.S3Tag{}}
		for _, t := range tags {
			out.TagSet = append(out.TagSet, awsproto.S3Tag{Key: t.Key, Value: t.Value})
		}
		return true, api.s3XML(w, out)
	case tagging && r.Method == http.MethodPut:
		op("PutObjectTagging")
		body, err := readXMLBody(a, maxSettingBody)
		if err != nil {
			return true, err
		}
		var in awsproto.Tagging
		if err := xml.Unmarshal(body, &in); err != nil {
			return true, malformedXML()
		}
		tags := make([]store.Tag, len(in.TagSet))
		for i, t := range in.TagSet {
			tags[i] = store.Tag{Key: t.Key, Value: t.Value}
		}
		if err := svc.PutObjectTagging(ctx, &a.req, bucket, key, versionID, tags); err != nil {
			return true, err
		}
		return true, ok(http.StatusOK)
	case tagging && r.Method == http.MethodDelete:
		op("DeleteObjectTagging")
		if err := svc.DeleteObjectTagging(ctx, &a.req, bucket, key, versionID); err != nil {
			return true, err
		}
		return true, ok(http.StatusNoContent)
	case acl && r.Method == http.MethodGet:
		op("GetObjectAcl")
		owner, err := svc.GetObjectACL(ctx, &a.req, bucket, key, versionID)
		if err != nil {
			return true, err
		}
		return true, api.s3XML(w, awsproto.OwnerACL(owner))
	case acl && r.Method == http.MethodPut:
		op("PutObjectAcl")
		if err := svc.PutObjectACL(ctx, &a.req, bucket, key, versionID, r.Header.Get("X-Amz-Acl")); err != nil {
			return true, err
		}
		return true, ok(http.StatusOK)
	}
	return false, nil
}
