package s3api

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
)

func init() {
	bucketSubresources["ownershipControls"] = bucketSubresource{get: getBucketOwnershipControls, put: putBucketOwnershipControls, del: deleteBucketOwnershipControls}
}

// ownershipControls is GetBucketOwnershipControls' result and
// PutBucketOwnershipControls' body.
type ownershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

func getBucketOwnershipControls(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketOwnershipControls")
	v, err := api.svc.GetBucketOwnershipControls(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	out := &ownershipControls{Xmlns: awsproto.S3Namespace}
	out.Rules = append(out.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{v})
	return xmlOK(out)
}

func putBucketOwnershipControls(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketOwnershipControls")
	var in ownershipControls
	if err := readXML(a, &in); err != nil {
		return err
	}
	if len(in.Rules) != 1 {
		return malformedXML()
	}
	if err := api.svc.PutBucketOwnershipControls(ctx, &a.req, bucket, in.Rules[0].ObjectOwnership); err != nil {
		return err
	}
	return ok(http.StatusOK)
}

func deleteBucketOwnershipControls(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("DeleteBucketOwnershipControls")
	if err := api.svc.DeleteBucketOwnershipControls(ctx, &a.req, bucket); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}
