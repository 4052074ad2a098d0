package s3api

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/s3"
)

func init() {
	bucketSubresources["versioning"] = bucketSubresource{get: getBucketVersioning, put: putBucketVersioning}
}

func getBucketVersioning(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketVersioning")
	status, err := api.svc.GetBucketVersioning(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	return xmlOK(&awsproto.VersioningConfiguration{Xmlns: awsproto.S3Namespace, Status: status})
}

func putBucketVersioning(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketVersioning")
	body, err := readXMLBody(a, maxSettingBody)
	if err != nil {
		return err
	}
	var in awsproto.VersioningConfiguration
	if err := xml.Unmarshal(body, &in); err != nil {
		return malformedXML()
	}
	if err := api.svc.PutBucketVersioning(ctx, &a.req, bucket, in.Status, in.MFADelete); err != nil {
		return err
	}
	return ok(http.StatusOK)
}

// s3ListVersions serves ListObjectVersions.
func (api *API) s3ListVersions(ctx context.Context, a *s3Auth, bucket string, q map[string][]string, get func(string) string, op func(string), xmlOK func(any) error) error {
	op("ListObjectVersions")
	for k := range q {
		switch k {
		case "versions", "prefix", "delimiter", "key-marker", "version-id-marker", "max-keys", "encoding-type", "x-id":
		default:
			return notImplemented(q)
		}
	}
	maxKeys, enc, err := listParams(get)
	if err != nil {
		return err
	}
	in := s3.VersionListInput{Bucket: bucket, Prefix: get("prefix"), Delimiter: get("delimiter"), KeyMarker: get("key-marker"),
		VersionIDMarker: get("version-id-marker"), MaxKeys: maxKeys}
	page, err := api.svc.ListObjectVersions(ctx, &a.req, in)
	if err != nil {
		return err
	}
	out := &awsproto.ListVersionsResult{Xmlns: awsproto.S3Namespace, Name: bucket, Prefix: encodeKey(in.Prefix, enc), KeyMarker: encodeKey(in.KeyMarker, enc),
		VersionIDMarker: in.VersionIDMarker, Delimiter: encodeKey(in.Delimiter, enc), EncodingType: enc, MaxKeys: s3.MaxListKeys, IsTruncated: page.Truncated}
	if maxKeys >= 0 && maxKeys < s3.MaxListKeys {
		out.MaxKeys = maxKeys
	}
	if page.Truncated {
		out.NextKeyMarker, out.NextVersionIDMarker = encodeKey(page.NextKeyMarker, enc), page.NextVersionIDMarker
	}
	owner := awsproto.S3Owner{ID: page.Owner}
	for _, o := range page.Versions {
		latest := o.NoncurrentSince.IsZero()
		if o.DeleteMarker {
			out.Entries = append(out.Entries, awsproto.DeleteMarkerEntry{Key: encodeKey(o.Key, enc), VersionID: s3.ListedVersionID(o), IsLatest: latest,
				LastModified: awsproto.Timestamp(o.LastModified), Owner: owner})
			continue
		}
		out.Entries = append(out.Entries, awsproto.ObjectVersion{Key: encodeKey(o.Key, enc), VersionID: s3.ListedVersionID(o), IsLatest: latest,
			LastModified: awsproto.Timestamp(o.LastModified), ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: "STANDARD", Owner: owner})
	}
	for _, p := range page.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, awsproto.S3CommonPrefix{Prefix: encodeKey(p, enc)})
	}
	return xmlOK(out)
}
