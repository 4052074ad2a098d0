package s3api

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/store"
)

func init() {
	bucketSubresources["lifecycle"] = bucketSubresource{get: getBucketLifecycle, put: putBucketLifecycle, del: deleteBucketLifecycle}
}

// transitionSizeHeader is x-amz-transition-default-minimum-object-size.
const transitionSizeHeader = "X-Amz-Transition-Default-Minimum-Object-Size"

// maxLifecycleBody bounds a lifecycle configuration's XML: 1000 rules of
// S3's largest fit in it.
const maxLifecycleBody = 4 << 20

func getBucketLifecycle(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketLifecycleConfiguration")
	l, err := api.svc.GetBucketLifecycle(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	w.Header().Set(transitionSizeHeader, l.TransitionMinimumSize)
	return xmlOK(lifecycleXML(l))
}

func putBucketLifecycle(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketLifecycleConfiguration")
	var l *s3.Lifecycle
	err := api.svc.PutBucketLifecycle(ctx, &a.req, bucket, func() (*s3.Lifecycle, error) {
		if err := requireIntegrity(r); err != nil {
			return nil, err
		}
		body, err := readXMLBody(a, maxLifecycleBody)
		if err != nil {
			return nil, err
		}
		if l, err = parseLifecycle(body); err != nil {
			return nil, err
		}
		l.TransitionMinimumSize = r.Header.Get(transitionSizeHeader)
		return l, nil
	})
	if err != nil {
		return err
	}
	size := l.TransitionMinimumSize
	if size == "" {
		size = s3.TransitionSize128K
	}
	w.Header().Set(transitionSizeHeader, size)
	return ok(http.StatusOK)
}

func deleteBucketLifecycle(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("DeleteBucketLifecycle")
	if err := api.svc.DeleteBucketLifecycle(ctx, &a.req, bucket); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}

// requireIntegrity holds a body that S3 wants protected to a Content-MD5
// or a checksum: the SDKs send one of them on such calls (readBody checks
// either against the body as it reads it). A request with neither is
// refused, as S3 refuses it.
func requireIntegrity(r *http.Request) error {
	if r.Header.Get("Content-Md5") != "" {
		return nil
	}
	for h := range r.Header {
		if strings.HasPrefix(h, "X-Amz-Checksum-") {
			return nil
		}
	}
	if strings.Contains(strings.ToLower(r.Header.Get("X-Amz-Trailer")), "x-amz-checksum-") {
		return nil
	}
	return refuse(fault.InvalidInput, fault.Request, "Missing required header for this request: Content-MD5")
}

// parseLifecycle reads a lifecycle configuration's XML; what the schema
// refuses is MalformedXML. The configuration still needs Validate.
func parseLifecycle(body []byte) (*s3.Lifecycle, error) {
	var in awsproto.LifecycleConfiguration
	if err := xml.Unmarshal(body, &in); err != nil {
		return nil, malformedXML()
	}
	l := &s3.Lifecycle{Rules: make([]s3.LifecycleRule, len(in.Rules))}
	for i, x := range in.Rules {
		r := &l.Rules[i]
		if x.ID != nil {
			r.ID = *x.ID
		}
		switch x.Status {
		case "Enabled":
			r.Enabled = true
		case "Disabled":
		default:
			return nil, malformedXML()
		}
		r.Prefix = x.Prefix
		if f := x.Filter; f != nil {
			r.Filter = &s3.LifecycleFilter{Prefix: f.Prefix, SizeGreaterThan: f.ObjectSizeGreaterThan, SizeLessThan: f.ObjectSizeLessThan}
			if f.Tag != nil {
				r.Filter.Tag = &store.Tag{Key: f.Tag.Key, Value: f.Tag.Value}
			}
			if a := f.And; a != nil {
				r.Filter.And = &s3.LifecycleAnd{Prefix: a.Prefix, SizeGreaterThan: a.ObjectSizeGreaterThan, SizeLessThan: a.ObjectSizeLessThan}
				for _, t := range a.Tags {
					r.Filter.And.Tags = append(r.Filter.And.Tags, store.Tag{Key: t.Key, Value: t.Value})
				}
			}
		}
		if e := x.Expiration; e != nil {
			r.Expiration = &s3.Expiration{Days: e.Days, ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
			if e.Date != nil {
				d, err := lifecycleDate(*e.Date)
				if err != nil {
					return nil, err
				}
				r.Expiration.Date = &d
			}
		}
		if n := x.NoncurrentVersionExpiration; n != nil {
			r.NoncurrentExpiration = &s3.NoncurrentExpiration{NoncurrentDays: n.NoncurrentDays, NewerNoncurrentVersions: n.NewerNoncurrentVersions}
		}
		if a := x.AbortIncompleteMultipartUpload; a != nil {
			if a.DaysAfterInitiation == nil {
				return nil, malformedXML()
			}
			r.AbortUploadDays = a.DaysAfterInitiation
		}
		for _, t := range x.Transitions {
			tr := s3.Transition{Days: t.Days, StorageClass: t.StorageClass}
			if t.Date != nil {
				d, err := lifecycleDate(*t.Date)
				if err != nil {
					return nil, err
				}
				tr.Date = &d
			}
			r.Transitions = append(r.Transitions, tr)
		}
		for _, t := range x.NoncurrentVersionTransitions {
			r.NoncurrentTransitions = append(r.NoncurrentTransitions, s3.NoncurrentTransition{NoncurrentDays: t.NoncurrentDays,
				NewerNoncurrentVersions: t.NewerNoncurrentVersions, StorageClass: t.StorageClass})
		}
	}
	return l, nil
}

// lifecycleDate reads an ISO 8601 date and time (2026-01-01T00:00:00Z,
// with or without fractions or an offset); anything else is
// MalformedXML.
func lifecycleDate(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, malformedXML()
	}
	return t.UTC(), nil
}

// lifecycleXML is the XML of a configuration, as S3 shows it.
func lifecycleXML(l *s3.Lifecycle) *awsproto.LifecycleConfiguration {
	out := &awsproto.LifecycleConfiguration{Xmlns: awsproto.S3Namespace}
	for _, r := range l.Rules {
		x := awsproto.LifecycleRule{Status: "Disabled", Prefix: r.Prefix}
		if r.Enabled {
			x.Status = "Enabled"
		}
		if r.ID != "" {
			id := r.ID
			x.ID = &id
		}
		if f := r.Filter; f != nil {
			x.Filter = &awsproto.LifecycleFilter{Prefix: f.Prefix, ObjectSizeGreaterThan: f.SizeGreaterThan, ObjectSizeLessThan: f.SizeLessThan}
			if f.Tag != nil {
				x.Filter.Tag = &awsproto.S3Tag{Key: f.Tag.Key, Value: f.Tag.Value}
			}
			if a := f.And; a != nil {
				x.Filter.And = &awsproto.LifecycleAnd{Prefix: a.Prefix, ObjectSizeGreaterThan: a.SizeGreaterThan, ObjectSizeLessThan: a.SizeLessThan}
				for _, t := range a.Tags {
					x.Filter.And.Tags = append(x.Filter.And.Tags, awsproto.S3Tag{Key: t.Key, Value: t.Value})
				}
			}
		}
		if e := r.Expiration; e != nil {
			x.Expiration = &awsproto.LifecycleExpiration{Days: e.Days, ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
			if e.Date != nil {
				d := formatLifecycleDate(*e.Date)
				x.Expiration.Date = &d
			}
		}
		if n := r.NoncurrentExpiration; n != nil {
			x.NoncurrentVersionExpiration = &awsproto.NoncurrentVersionExpiration{NoncurrentDays: n.NoncurrentDays, NewerNoncurrentVersions: n.NewerNoncurrentVersions}
		}
		if r.AbortUploadDays != nil {
			x.AbortIncompleteMultipartUpload = &awsproto.AbortIncompleteMultipartUpload{DaysAfterInitiation: r.AbortUploadDays}
		}
		for _, t := range r.Transitions {
			tx := awsproto.LifecycleTransition{Days: t.Days, StorageClass: t.StorageClass}
			if t.Date != nil {
				d := formatLifecycleDate(*t.Date)
				tx.Date = &d
			}
			x.Transitions = append(x.Transitions, tx)
		}
		for _, t := range r.NoncurrentTransitions {
			x.NoncurrentVersionTransitions = append(x.NoncurrentVersionTransitions, awsproto.NoncurrentVersionTransition{
				NoncurrentDays: t.NoncurrentDays, NewerNoncurrentVersions: t.NewerNoncurrentVersions, StorageClass: t.StorageClass})
		}
		out.Rules = append(out.Rules, x)
	}
	return out
}

// formatLifecycleDate writes a rule's date as S3 does.
func formatLifecycleDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
