package s3api

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
)

func init() {
	bucketSubresources["abac"] = bucketSubresource{get: getBucketAbac, put: putBucketAbac}
}

// abacStatus is GetBucketAbac's result and PutBucketAbac's body.
type abacStatus struct {
	XMLName xml.Name `xml:"AbacStatus"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status"`
}

func getBucketAbac(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketAbac")
	status, err := api.svc.GetBucketAbac(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	return xmlOK(&abacStatus{Xmlns: awsproto.S3Namespace, Status: status})
}

func putBucketAbac(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketAbac")
	var in abacStatus
	if err := readXML(a, &in); err != nil {
		return err
	}
	if err := api.svc.PutBucketAbac(ctx, &a.req, bucket, in.Status); err != nil {
		return err
	}
	return ok(http.StatusOK)
}
