package iam

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/podiam/podiam/internal/fault"
)

// Limits from IAM's API reference and quotas.
const (
	MaxUserNameLen       = 64
	MaxRoleNameLen       = 64
	MaxPolicyNameLen     = 128
	MaxPathLen           = 512
	MaxDescriptionLen    = 1000
	MinSessionDuration   = 3600
	MaxSessionDuration   = 43200
	MaxTags              = 50
	MaxTagKeyLen         = 128
	MaxTagValueLen       = 256
	MaxThumbprints       = 5
	MaxClientIDs         = 100
	MaxClientIDLen       = 255
	MaxOIDCURLLen        = 255
	MaxPolicyVersions    = 5
	MaxAccessKeysPerUser = 2
)

// nameChar reports whether c may appear in a user, role or policy name:
// letters, digits and +=,.@_- (the pattern [\w+=,.@-]).
func nameChar(c rune) bool {
	return c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+=,.@_-", c))
}

// ValidateName checks a user, role or policy name; field is the request
// parameter (roleName, userName, policyName) and max its length limit.
func ValidateName(name, field string, max int) error {
	if name == "" {
		return constraint(name, field, "Member must have length greater than or equal to 1")
	}
	if utf8.RuneCountInString(name) > max {
		return constraint(name, field, "Member must have length less than or equal to "+itoa(max))
	}
	for _, c := range name {
		if !nameChar(c) {
			return constraint(name, field, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
		}
	}
	return nil
}

// ValidatePath checks an entity path: "/" or /a/b/, at most 512
// characters of U+0021 to U+007E.
func ValidatePath(path string) error {
	if path == "" {
		return nil // the default, "/"
	}
	if len(path) > MaxPathLen {
		return constraint(path, "path", "Member must have length less than or equal to 512")
	}
	for i := 0; i < len(path); i++ {
		if path[i] < 0x21 || path[i] > 0x7E {
			return constraint(path, "path", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
		}
	}
	if path[0] != '/' || path[len(path)-1] != '/' {
		return constraint(path, "path", `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return nil
}

// ValidateMaxSessionDuration checks a role's MaxSessionDuration in seconds.
func ValidateMaxSessionDuration(seconds int) error {
	if seconds < MinSessionDuration || seconds > MaxSessionDuration {
		return constraint(itoa(seconds), "maxSessionDuration", "Member must have value between 3600 and 43200")
	}
	return nil
}

// Tag is a key and value.
type Tag struct {
	Key, Value string
}

// ValidateTags checks tags as IAM does: at most 50, keys 1-128 and values
// 0-256 characters of letters, digits, spaces and _.:/=+-@, keys unique
// without regard to case, and no key under the reserved aws: prefix.
func ValidateTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for TagsPerEntity: %d", MaxTags)
	}
	seen := make(map[string]bool, len(tags))
	for i, t := range tags {
		field := "tags." + itoa(i+1) + ".member.key"
		n := utf8.RuneCountInString(t.Key)
		switch {
		case n < 1:
			return constraint(t.Key, field, "Member must have length greater than or equal to 1")
		case n > MaxTagKeyLen:
			return constraint(t.Key, field, "Member must have length less than or equal to 128")
		case !tagText(t.Key):
			return constraint(t.Key, field, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return fault.Errorf(fault.InvalidInput, "User-defined tag keys can't start with \"aws:\": %q", t.Key)
		}
		if utf8.RuneCountInString(t.Value) > MaxTagValueLen {
			return constraint(t.Value, "tags."+itoa(i+1)+".member.value", "Member must have length less than or equal to 256")
		}
		if !tagText(t.Value) && t.Value != "" {
			return constraint(t.Value, "tags."+itoa(i+1)+".member.value", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		lk := strings.ToLower(t.Key)
		if seen[lk] {
			return fault.Errorf(fault.InvalidInput, "Duplicate tag keys found. Please note that Tag keys are case insensitive: %q", t.Key)
		}
		seen[lk] = true
	}
	return nil
}

func tagText(s string) bool {
	for _, c := range s {
		if !(unicode.IsLetter(c) || unicode.Is(unicode.Z, c) || unicode.IsNumber(c) || strings.ContainsRune("_.:/=+-@", c)) {
			return false
		}
	}
	return true
}

// NormalizeOIDCURL checks an OIDC provider URL as IAM does (https, a host,
// no port, query or fragment, at most 255 characters) and returns it
// without its scheme, as provider ARNs and token issuers are compared:
// https://oidc.example.com/id/ABC becomes oidc.example.com/id/ABC. A
// trailing slash is kept: it is significant.
func NormalizeOIDCURL(raw string) (string, error) {
	if len(raw) > MaxOIDCURLLen {
		return "", constraint(raw, "url", "Member must have length less than or equal to 255")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "", fault.Errorf(fault.InvalidInput, "Invalid Open ID Connect Provider URL: %q must start with https:// and name a host", raw)
	}
	if u.Port() != "" || u.RawQuery != "" || u.Fragment != "" || strings.Contains(raw, "?") || strings.Contains(raw, "#") {
		return "", fault.Errorf(fault.InvalidInput, "Invalid Open ID Connect Provider URL: %q may not have a port, a query or a fragment", raw)
	}
	return strings.TrimPrefix(raw, "https://"), nil
}

// ValidateThumbprints checks a ThumbprintList: at most 5 values of 40
// hexadecimal characters (the SHA-1 of a certificate). It returns them in
// lower case.
func ValidateThumbprints(tps []string) ([]string, error) {
	if len(tps) > MaxThumbprints {
		return nil, fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: %d", MaxThumbprints)
	}
	out := make([]string, 0, len(tps))
	for i, tp := range tps {
		if len(tp) != 40 || strings.Trim(strings.ToLower(tp), "0123456789abcdef") != "" {
			return nil, constraint(tp, "thumbprintList."+itoa(i+1)+".member", "Member must have length 40 and be hexadecimal")
		}
		out = append(out, strings.ToLower(tp))
	}
	return out, nil
}

// ValidateClientIDs checks a ClientIDList: at most 100 ids of 1 to 255
// characters, without repeats.
func ValidateClientIDs(ids []string) error {
	if len(ids) > MaxClientIDs {
		return fault.Errorf(fault.LimitExceeded, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d", MaxClientIDs)
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if n := utf8.RuneCountInString(id); n < 1 || n > MaxClientIDLen {
			return constraint(id, "clientIDList."+itoa(i+1)+".member", "Member must have length between 1 and 255")
		}
		if seen[id] {
			return fault.Errorf(fault.InvalidInput, "Client ID %q is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
