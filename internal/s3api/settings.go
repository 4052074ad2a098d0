package s3api

import (
	"context"
	"net/http"
)

// settingHandler serves one method of a bucket subresource.
type settingHandler func(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error

// bucketSubresource is what a bucket subresource (?versioning, ?tagging,
// ?cors...) answers, by method; a nil handler is a method it does not
// take.
type bucketSubresource struct {
	get, put, del settingHandler
}

// bucketSubresources are the bucket subresources served through the
// table, by query name. Each setting's file holds its handlers.
var bucketSubresources = map[string]bucketSubresource{}

// s3BucketSubresource serves r when its query names a subresource of
// bucketSubresources; done is false when it names none.
func (api *API) s3BucketSubresource(ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) (done bool, err error) {
	for name := range q {
		sub, found := bucketSubresources[name]
		if !found {
			continue
		}
		var h settingHandler
		switch r.Method {
		case http.MethodGet:
			h = sub.get
		case http.MethodPut:
			h = sub.put
		case http.MethodDelete:
			h = sub.del
		}
		if h == nil {
			return true, methodNotAllowed()
		}
		return true, h(api, ctx, w, r, a, bucket, q, op, ok, xmlOK)
	}
	return false, nil
}
