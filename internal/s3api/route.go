package s3api

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
)

// s3Route runs the operation r names and writes its response.
func (api *API) s3Route(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket, key string, q url.Values, rec *audit.Record, id string) error {
	svc := api.svc
	op := func(name string) { rec.Action = "s3:" + name }
	ok := func(status int) error {
		rec.Status = status
		w.Header().Set("x-amz-request-id", id)
		w.WriteHeader(status)
		return nil
	}
	xmlOK := func(v any) error {
		rec.Status = http.StatusOK
		return awsproto.WriteS3XML(w, http.StatusOK, id, v)
	}
	switch {
	case bucket == "":
		if r.Method != http.MethodGet {
			return methodNotAllowed()
		}
		op("ListBuckets")
		bs, err := svc.ListBuckets(ctx, &a.req)
		if err != nil {
			return err
		}
		out := &awsproto.ListAllMyBucketsResult{Xmlns: awsproto.S3Namespace, Owner: awsproto.S3Owner{ID: a.req.Caller.Account}, Buckets: []awsproto.S3Bucket{}}
		for _, b := range bs {
			out.Buckets = append(out.Buckets, awsproto.S3Bucket{Name: b.Name, CreationDate: awsproto.Timestamp(b.CreatedAt), BucketRegion: regionOf(b.Region)})
		}
		return xmlOK(out)
	case key == "":
		return api.s3Bucket(ctx, w, r, a, bucket, q, op, ok, xmlOK)
	}
	return api.s3Object(ctx, w, r, a, bucket, key, q, op, ok)
}

func regionOf(r string) string {
	if r == "" {
		return "us-east-1"
	}
	return r
}

func notImplemented(q map[string][]string) error {
	var names []string
	for k := range q {
		names = append(names, k)
	}
	return refuse(fault.Unsupported, fault.None, "A header or query you provided implies functionality that is not implemented: "+strings.Join(names, ", "))
}

func firstOf(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// s3XML writes a 200 XML result.
func (api *API) s3XML(w http.ResponseWriter, v any) error {
	return awsproto.WriteS3XML(w, http.StatusOK, w.Header().Get("x-amz-request-id"), v)
}
