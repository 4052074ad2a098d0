package s3

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// CORSRule is one rule of a bucket's CORS configuration.
type CORSRule struct {
	ID             string   `json:"id,omitempty"`
	AllowedOrigins []string `json:"allowedOrigins"`
	AllowedMethods []string `json:"allowedMethods"`
	AllowedHeaders []string `json:"allowedHeaders,omitempty"`
	ExposeHeaders  []string `json:"exposeHeaders,omitempty"`
	// MaxAgeSeconds is -1 when the rule gives none.
	MaxAgeSeconds int `json:"maxAgeSeconds"`
}

// settingCORS is the bucket setting of its CORS rules, []CORSRule as
// JSON.
const settingCORS = "cors"

// MaxCORSRules is how many rules a CORS configuration may have, as S3's.
const MaxCORSRules = 100

// ValidateCORS checks a CORS configuration as S3 does: 1 to 100 rules;
// each with an origin and a method; methods among GET, PUT, POST, DELETE
// and HEAD; at most one wildcard in an origin or a header; an ID of at
// most 255 characters.
func ValidateCORS(rules []CORSRule) error {
	if len(rules) == 0 || len(rules) > MaxCORSRules {
		return malformedXML()
	}
	for _, r := range rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 || len(r.ID) > 255 || r.MaxAgeSeconds < -1 {
			return malformedXML()
		}
		for _, m := range r.AllowedMethods {
			switch m {
			case "GET", "PUT", "POST", "DELETE", "HEAD":
			default:
				return invalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is " + m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return invalidRequest("AllowedOrigin \"" + o + "\" can not have more than one wildcard.")
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return invalidRequest("AllowedHeader \"" + h + "\" can not have more than one wildcard.")
			}
		}
	}
	return nil
}

// corsRules reads a bucket's CORS rules; none is nil.
func corsRules(b store.Bucket) ([]CORSRule, error) {
	v, ok := b.Settings[settingCORS]
	if !ok {
		return nil, nil
	}
	var rules []CORSRule
	if err := json.Unmarshal([]byte(v), &rules); err != nil {
		return nil, fault.Internal("read the CORS rules of bucket "+b.Name, err)
	}
	return rules, nil
}

// GetBucketCors returns a bucket's CORS rules; a bucket without them is
// NoSuchCORSConfiguration.
func (s *Service) GetBucketCors(ctx context.Context, r *Request, bucket string) ([]CORSRule, error) {
	v, found, err := s.bucketSetting(ctx, r, bucket, settingCORS, "s3:GetBucketCORS")
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, about(fault.NotFound, fault.CORS, bucket, "The CORS configuration does not exist")
	}
	var rules []CORSRule
	if err := json.Unmarshal([]byte(v), &rules); err != nil {
		return nil, fault.Internal("read the CORS rules of bucket "+bucket, err)
	}
	return rules, nil
}

// PutBucketCors replaces a bucket's CORS rules (see ValidateCORS).
func (s *Service) PutBucketCors(ctx context.Context, r *Request, bucket string, rules []CORSRule) error {
	if err := ValidateCORS(rules); err != nil {
		return err
	}
	v, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	return s.putBucketSetting(ctx, r, bucket, settingCORS, "s3:PutBucketCORS", string(v), nil)
}

// DeleteBucketCors removes a bucket's CORS rules; S3 guards it with
// s3:PutBucketCORS.
func (s *Service) DeleteBucketCors(ctx context.Context, r *Request, bucket string) error {
	return s.putBucketSetting(ctx, r, bucket, settingCORS, "s3:PutBucketCORS", "", nil)
}

// CORS answers a cross-origin request to bucket: the first rule that
// matches origin, method and the request headers asked for (nil when
// none does), and whether the bucket has rules at all. No caller is
// authorized: a browser's preflight carries no credentials, and the
// rules only say which headers a response gets.
func (s *Service) CORS(ctx context.Context, bucket, origin, method string, headers []string) (rule *CORSRule, configured bool, err error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, false, err
	}
	rules, err := corsRules(b)
	if err != nil || rules == nil {
		return nil, false, err
	}
	for i := range rules {
		if rules[i].Matches(origin, method, headers) {
			return &rules[i], true, nil
		}
	}
	return nil, true, nil
}

// Matches says whether r allows a request from origin with method that
// sends headers: an origin and the method listed (an origin may hold one
// wildcard), every header allowed (case aside; one wildcard each).
func (r *CORSRule) Matches(origin, method string, headers []string) bool {
	ok := false
	for _, o := range r.AllowedOrigins {
		if wildcardMatch(o, origin, false) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	ok = false
	for _, m := range r.AllowedMethods {
		if m == method {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	for _, h := range headers {
		allowed := false
		for _, a := range r.AllowedHeaders {
			if wildcardMatch(a, h, true) {
				allowed = true
				break
			}
		}
		if !allowed {
			return false
		}
	}
	return true
}

// wildcardMatch matches s against pattern p holding at most one "*" (any
// run of characters).
func wildcardMatch(p, s string, fold bool) bool {
	if fold {
		p, s = strings.ToLower(p), strings.ToLower(s)
	}
	prefix, suffix, star := strings.Cut(p, "*")
	if !star {
		return p == s
	}
	return len(s) >= len(prefix)+len(suffix) && strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)
}

// corsForbidden is S3's refusal of a preflight.
func corsForbidden(message string) *fault.Error {
	return about(fault.AccessDenied, fault.CORS, "", message)
}

// CORSNotAllowed is the refusal of a preflight no rule matches.
func CORSNotAllowed() error {
	return corsForbidden("CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
}

// CORSNotEnabled is the refusal of a preflight to a bucket without CORS
// rules.
func CORSNotEnabled() error {
	return corsForbidden("CORSResponse: CORS is not enabled for this bucket.")
}

// CORSInsufficient is the refusal of a preflight without an Origin or
// an Access-Control-Request-Method.
func CORSInsufficient() error {
	return about(fault.InvalidInput, fault.CORS, "", "Insufficient information. Origin request header needed.")
}
