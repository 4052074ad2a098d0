package s3api

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/s3"
)

func init() {
	bucketSubresources["cors"] = bucketSubresource{get: getBucketCors, put: putBucketCors, del: deleteBucketCors}
}

// corsConfiguration is GetBucketCors' result and PutBucketCors' body.
type corsConfiguration struct {
	XMLName xml.Name   `xml:"CORSConfiguration"`
	Xmlns   string     `xml:"xmlns,attr,omitempty"`
	Rules   []corsRule `xml:"CORSRule"`
}

type corsRule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds"`
}

// rules are the configuration's rules as package s3 has them; a
// negative MaxAgeSeconds is MalformedXML.
func (in *corsConfiguration) rules() ([]s3.CORSRule, error) {
	rules := make([]s3.CORSRule, len(in.Rules))
	for i, c := range in.Rules {
		rules[i] = s3.CORSRule{ID: c.ID, AllowedOrigins: c.AllowedOrigins, AllowedMethods: c.AllowedMethods, AllowedHeaders: c.AllowedHeaders,
			ExposeHeaders: c.ExposeHeaders, MaxAgeSeconds: -1}
		if c.MaxAgeSeconds != nil {
			if *c.MaxAgeSeconds < 0 {
				return nil, malformedXML()
			}
			rules[i].MaxAgeSeconds = *c.MaxAgeSeconds
		}
	}
	return rules, nil
}

// corsXML is the configuration of rules as GetBucketCors writes it.
func corsXML(rules []s3.CORSRule) *corsConfiguration {
	out := &corsConfiguration{Xmlns: awsproto.S3Namespace}
	for _, r := range rules {
		c := corsRule{ID: r.ID, AllowedHeaders: r.AllowedHeaders, AllowedMethods: r.AllowedMethods, AllowedOrigins: r.AllowedOrigins, ExposeHeaders: r.ExposeHeaders}
		if r.MaxAgeSeconds >= 0 {
			c.MaxAgeSeconds = &r.MaxAgeSeconds
		}
		out.Rules = append(out.Rules, c)
	}
	return out
}

func getBucketCors(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("GetBucketCors")
	rules, err := api.svc.GetBucketCors(ctx, &a.req, bucket)
	if err != nil {
		return err
	}
	return xmlOK(corsXML(rules))
}

func putBucketCors(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("PutBucketCors")
	var in corsConfiguration
	if err := readXML(a, &in); err != nil {
		return err
	}
	rules, err := in.rules()
	if err != nil {
		return err
	}
	if err := api.svc.PutBucketCors(ctx, &a.req, bucket, rules); err != nil {
		return err
	}
	return ok(http.StatusOK)
}

func deleteBucketCors(api *API, ctx context.Context, w http.ResponseWriter, r *http.Request, a *s3Auth, bucket string, q map[string][]string,
	op func(string), ok func(int) error, xmlOK func(any) error) error {
	op("DeleteBucketCors")
	if err := api.svc.DeleteBucketCors(ctx, &a.req, bucket); err != nil {
		return err
	}
	return ok(http.StatusNoContent)
}

// preflight answers a browser's OPTIONS before a cross-origin request to
// a bucket or its objects, unauthenticated, from the first rule that
// matches its Origin, Access-Control-Request-Method and
// Access-Control-Request-Headers.
func (api *API) preflight(ctx context.Context, w http.ResponseWriter, r *http.Request, bucket, key string, rec *audit.Record) error {
	rec.Action = "s3:PreflightRequest"
	origin, method := r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method")
	if origin == "" || method == "" {
		return s3.CORSInsufficient()
	}
	var headers []string
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for h := range strings.SplitSeq(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				headers = append(headers, h)
			}
		}
	}
	rule, configured, err := api.svc.CORS(ctx, bucket, origin, method, headers)
	switch {
	case err != nil:
		return err
	case !configured:
		return corsRefused(s3.CORSNotEnabled(), method, key)
	case rule == nil:
		return corsRefused(s3.CORSNotAllowed(), method, key)
	}
	h := w.Header()
	corsHeaders(h, rule, origin)
	h.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	if rule.MaxAgeSeconds >= 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(rule.MaxAgeSeconds))
	}
	rec.Status = http.StatusOK
	w.WriteHeader(http.StatusOK)
	return nil
}

// corsRefused adds to a refused preflight what S3's error names besides
// its message: the Access-Control-Request-Method and whether the request
// is for an OBJECT (key set) or the BUCKET.
func corsRefused(err error, method, key string) error {
	f, ok := fault.As(err)
	if !ok {
		return err
	}
	d := &detailed{err: f}
	d.doc.Method, d.doc.ResourceType = method, "BUCKET"
	if key != "" {
		d.doc.ResourceType = "OBJECT"
	}
	return d
}

// corsHeaders sets the headers rule gives a response to origin: the
// origin allowed ("*" when the rule allows any, else the origin itself,
// with credentials), the headers exposed, and Vary.
func corsHeaders(h http.Header, rule *s3.CORSRule, origin string) {
	anyOrigin := false
	for _, o := range rule.AllowedOrigins {
		anyOrigin = anyOrigin || o == "*"
	}
	if anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(rule.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	h.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
}

// crossOrigin gives a request that carries an Origin the headers of the
// bucket's first rule that matches it and its method, before it is
// served, so that its answer has them whether it succeeds or fails, as
// S3's does. A bucket that cannot be read gives none.
func (api *API) crossOrigin(ctx context.Context, w http.ResponseWriter, r *http.Request, bucket string) {
	origin := r.Header.Get("Origin")
	if origin == "" || bucket == "" {
		return
	}
	rule, _, err := api.svc.CORS(ctx, bucket, origin, r.Method, nil)
	if err != nil || rule == nil {
		return
	}
	corsHeaders(w.Header(), rule, origin)
}
