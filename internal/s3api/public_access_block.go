package s3api

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/s3"
)

func init() {
	bucketSubresources["publicAccessBlock"] = bucketSubresource{get: getPublicAccessBlock, put: putPublicAccessBlock, del: deletePublicAccessBlock}
}

// publicAccessBlockConfiguration is GetPublicAccessBlock's result and
// PutPublicAccessBlock's body (an element left out is false).
type publicAccessBlockConfiguration struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

func getPublicAccessBlock(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetPublicAccessBlock")
	p, err := api.svc.GetPublicAccessBlock(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	return xmlOK(&publicAccessBlockConfiguration{Xmlns: awsproto.S3Namespace, BlockPublicAcls: p.BlockPublicACLs, IgnorePublicAcls: p.IgnorePublicACLs,
		BlockPublicPolicy: p.BlockPublicPolicy, RestrictPublicBuckets: p.RestrictPublicBuckets})
}

func putPublicAccessBlock(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutPublicAccessBlock")
	var in publicAccessBlockConfiguration
	if err := readXML(a, &in); err != nil {
		return err
	}
	p := s3.PublicAccessBlock{BlockPublicACLs: in.BlockPublicAcls, IgnorePublicACLs: in.IgnorePublicAcls,
		BlockPublicPolicy: in.BlockPublicPolicy, RestrictPublicBuckets: in.RestrictPublicBuckets}
	if err := api.svc.PutPublicAccessBlock(ctx, &a.req, bucket, p); err != nil {
		return err
	}
	return ok(http.StatusOK)
}

func deletePublicAccessBlock(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("DeletePublicAccessBlock")
	if err := api.svc.DeletePublicAccessBlock(ctx, &a.req, bucket); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}
