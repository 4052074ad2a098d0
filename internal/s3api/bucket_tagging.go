package s3api

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/store"
)

func init() {
	bucketSubresources["tagging"] = bucketSubresource{get: getBucketTagging, put: putBucketTagging, del: deleteBucketTagging}
}

func getBucketTagging(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketTagging")
	tags, err := api.svc.GetBucketTagging(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	out := &awsproto.Tagging{Xmlns: awsproto.S3Namespace, TagSet: []awsproto.S3Tag{}}
	for _, t := range tags {
		out.TagSet = append(out.TagSet, awsproto.S3Tag{Key: t.Key, Value: t.Value})
	}
	return xmlOK(out)
}

func putBucketTagging(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketTagging")
	body, err := readXMLBody(a, maxSettingBody)
	if err != nil {
		return err
	}
	var in awsproto.Tagging
	if err := xml.Unmarshal(body, &in); err != nil {
		return malformedXML()
	}
	tags := make([]store.Tag, len(in.TagSet))
	for i, t := range in.TagSet {
		tags[i] = store.Tag{Key: t.Key, Value: t.Value}
	}
	if err := api.svc.PutBucketTagging(ctx, &a.req, bucket, tags); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}

func deleteBucketTagging(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("DeleteBucketTagging")
	if err := api.svc.DeleteBucketTagging(ctx, &a.req, bucket); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}
