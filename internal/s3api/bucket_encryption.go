package s3api

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/s3"
)

func init() {
	bucketSubresources["encryption"] = bucketSubresource{get: getBucketEncryption, put: putBucketEncryption, del: deleteBucketEncryption}
}

// sseAlgorithms are the values of S3's ServerSideEncryption enum; another
// is not in the schema (MalformedXML).
var sseAlgorithms = []string{s3.SSES3, "aws:kms", "aws:kms:dsse", "aws:fsx"}

func getBucketEncryption(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketEncryption")
	e, err := api.svc.GetBucketEncryption(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	rule := awsproto.ServerSideEncRule{Default: &awsproto.ServerSideEncByDefault{SSEAlgorithm: e.Algorithm, KMSMasterKeyID: e.KMSKeyID},
		BucketKeyEnabled: &e.BucketKeyEnabled}
	if len(e.Blocked) > 0 {
		rule.Blocked = &awsproto.BlockedEncryptionTypes{EncryptionType: e.Blocked}
	}
	return xmlOK(&awsproto.ServerSideEncryptionConfiguration{Xmlns: awsproto.S3Namespace, Rules: []awsproto.ServerSideEncRule{rule}})
}

func putBucketEncryption(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketEncryption")
	body, err := readXMLBody(a, maxSettingBody)
	if err != nil {
		return err
	}
	e, err := parseBucketEncryption(body)
	if err != nil {
		return err
	}
	if err := api.svc.PutBucketEncryption(ctx, &a.req, bucket, e); err != nil {
		return err
	}
	return ok(http.StatusOK)
}

// parseBucketEncryption reads a PutBucketEncryption body: one rule, with
// an algorithm of S3's enum.
func parseBucketEncryption(body []byte) (s3.BucketEncryption, error) {
	var in awsproto.ServerSideEncryptionConfiguration
	if err := xml.Unmarshal(body, &in); err != nil || len(in.Rules) != 1 {
		return s3.BucketEncryption{}, malformedXML()
	}
	rule := in.Rules[0]
	if rule.Default == nil || !slices.Contains(sseAlgorithms, rule.Default.SSEAlgorithm) {
		return s3.BucketEncryption{}, malformedXML()
	}
	e := s3.BucketEncryption{Algorithm: rule.Default.SSEAlgorithm, KMSKeyID: rule.Default.KMSMasterKeyID}
	if rule.BucketKeyEnabled != nil {
		e.BucketKeyEnabled = *rule.BucketKeyEnabled
	}
	if rule.Blocked != nil {
		e.Blocked = rule.Blocked.EncryptionType
	}
	return e, nil
}

func deleteBucketEncryption(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("DeleteBucketEncryption")
	if err := api.svc.DeleteBucketEncryption(ctx, &a.req, bucket); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}
