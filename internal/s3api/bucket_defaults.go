package s3api

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
)

// The subresources of features podiam does not run: logging, accelerate,
// requestPayment, website, replication and object-lock (s3's
// bucket_defaults.go says what each answers).

func init() {
	bucketSubresources["logging"] = bucketSubresource{get: getBucketLogging, put: putBucketLogging}
	bucketSubresources["accelerate"] = bucketSubresource{get: getBucketAccelerate, put: putBucketAccelerate}
	bucketSubresources["requestPayment"] = bucketSubresource{get: getBucketRequestPayment, put: putBucketRequestPayment}
	bucketSubresources["website"] = bucketSubresource{get: getBucketWebsite, put: putBucketWebsite, del: deleteBucketWebsite}
	bucketSubresources["replication"] = bucketSubresource{get: getBucketReplication, put: putBucketReplication, del: deleteBucketReplication}
	bucketSubresources["object-lock"] = bucketSubresource{get: getObjectLockConfiguration, put: putObjectLockConfiguration}
}

// bucketLoggingStatus is GetBucketLogging's result and PutBucketLogging's
// body; LoggingEnabled is kept raw: podiam only asks whether it is there.
type bucketLoggingStatus struct {
	XMLName        xml.Name  `xml:"BucketLoggingStatus"`
	Xmlns          string    `xml:"xmlns,attr,omitempty"`
	LoggingEnabled *struct{} `xml:"LoggingEnabled"`
}

type accelerateConfiguration struct {
	XMLName xml.Name `xml:"AccelerateConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status,omitempty"`
}

type requestPaymentConfiguration struct {
	XMLName xml.Name `xml:"RequestPaymentConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Payer   string   `xml:"Payer"`
}

// maxSettingBody bounds a bucket setting's XML body.
const maxSettingBody = 64 << 10

// readXML reads a setting's XML body (at most maxSettingBody, checked
// whole: see readBody) into v; a body that does not parse is
// MalformedXML.
func readXML(a *s3Auth, v any) error {
	body, err := readXMLBody(a, maxSettingBody)
	if err != nil {
		return err
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return malformedXML()
	}
	return nil
}

func getBucketLogging(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketLogging")
	if err := api.svc.GetBucketLogging(ctx, &a.req, bucket); err != nil {
		return err
	}
	return xmlOK(&bucketLoggingStatus{Xmlns: awsproto.S3Namespace})
}

func putBucketLogging(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketLogging")
	var in bucketLoggingStatus
	if err := readXML(a, &in); err != nil {
		return err
	}
	if err := api.svc.PutBucketLogging(ctx, &a.req, bucket, in.LoggingEnabled != nil); err != nil {
		return err
	}
	return ok(http.StatusOK)
}

func getBucketAccelerate(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketAccelerateConfiguration")
	status, err := api.svc.GetBucketAccelerateConfiguration(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	return xmlOK(&accelerateConfiguration{Xmlns: awsproto.S3Namespace, Status: status})
}

func putBucketAccelerate(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketAccelerateConfiguration")
	var in accelerateConfiguration
	if err := readXML(a, &in); err != nil {
		return err
	}
	if err := api.svc.PutBucketAccelerateConfiguration(ctx, &a.req, bucket, in.Status); err != nil {
		return err
	}
	return ok(http.StatusOK)
}

func getBucketRequestPayment(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketRequestPayment")
	if err := api.svc.GetBucketRequestPayment(ctx, &a.req, bucket); err != nil {
		return err
	}
	return xmlOK(&requestPaymentConfiguration{Xmlns: awsproto.S3Namespace, Payer: "BucketOwner"})
}

func putBucketRequestPayment(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketRequestPayment")
	var in requestPaymentConfiguration
	if err := readXML(a, &in); err != nil {
		return err
	}
	if err := api.svc.PutBucketRequestPayment(ctx, &a.req, bucket, in.Payer); err != nil {
		return err
	}
	return ok(http.StatusOK)
}

func getBucketWebsite(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketWebsite")
	return api.svc.GetBucketWebsite(ctx, &a.req, bucket)
}

func putBucketWebsite(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketWebsite")
	return api.svc.PutBucketWebsite(ctx, &a.req, bucket)
}

func deleteBucketWebsite(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("DeleteBucketWebsite")
	if err := api.svc.DeleteBucketWebsite(ctx, &a.req, bucket); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}

func getBucketReplication(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketReplication")
	return api.svc.GetBucketReplication(ctx, &a.req, bucket)
}

func putBucketReplication(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketReplication")
	return api.svc.PutBucketReplication(ctx, &a.req, bucket)
}

func deleteBucketReplication(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("DeleteBucketReplication")
	if err := api.svc.DeleteBucketReplication(ctx, &a.req, bucket); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}

func getObjectLockConfiguration(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetObjectLockConfiguration")
	return api.svc.GetObjectLockConfiguration(ctx, &a.req, bucket)
}

func putObjectLockConfiguration(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutObjectLockConfiguration")
	return api.svc.PutObjectLockConfiguration(ctx, &a.req, bucket)
}
