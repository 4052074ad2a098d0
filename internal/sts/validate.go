package sts

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/podiam/podiam/internal/fault"
)

// Limits of the STS operations.
const (
	MinDuration             = 900
	DefaultDuration         = 3600
	MaxRoleDuration         = 43200
	MaxChainedDuration      = 3600
	MaxSessionTokenDuration = 129600
	DefaultSessionToken     = 43200
	MaxRootSessionToken     = 3600
	MaxSessionPolicyChars   = 2048
	MaxPolicyARNs           = 10
	MaxSessionTags          = 50
	MaxTagKeyLen            = 128
	MaxTagValueLen          = 256
	// MaxPackedSize is the budget of the packed session policies and tags,
	// in bytes after compression (PackedPolicySize is the percentage used).
	MaxPackedSize = 1024
)

// wordChars reports whether s holds only [\w+=,.@-] and, with extra, the
// characters in extra too.
func wordChars(s, extra string) bool {
	for _, c := range s {
		if c < utf8.RuneSelf && (c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.ContainsRune("+=,.@-"+extra, c)) {
			continue
		}
		return false
	}
	return true
}

func validateSessionName(name string) error {
	switch {
	case len(name) < 2:
		return constraint(name, "roleSessionName", "Member must have length greater than or equal to 2")
	case len(name) > 64:
		return constraint(name, "roleSessionName", "Member must have length less than or equal to 64")
	case !wordChars(name, ""):
		return constraint(name, "roleSessionName", `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	return nil
}

func validateRoleARN(arn string) error {
	switch {
	case len(arn) < 20:
		return constraint(arn, "roleArn", "Member must have length greater than or equal to 20")
	case len(arn) > 2048:
		return constraint(arn, "roleArn", "Member must have length less than or equal to 2048")
	}
	return nil
}

// validateDuration checks DurationSeconds when given (0: not given).
func validateDuration(seconds, max int) error {
	if seconds == 0 {
		return nil
	}
	if seconds < MinDuration || seconds > max {
		return constraint(strconv.Itoa(seconds), "durationSeconds", "Member must have value between "+strconv.Itoa(MinDuration)+" and "+strconv.Itoa(max))
	}
	return nil
}

func validateExternalID(id string) error {
	switch {
	case id == "":
		return nil
	case len(id) < 2:
		return constraint(id, "externalId", "Member must have length greater than or equal to 2")
	case len(id) > 1224:
		return constraint(id, "externalId", "Member must have length less than or equal to 1224")
	case !wordChars(id, ":/"):
		return constraint(id, "externalId", `Member must satisfy regular expression pattern: [\w+=,.@:\/-]*`)
	}
	return nil
}

func validateSourceIdentity(si string) error {
	switch {
	case si == "":
		return nil
	case len(si) < 2:
		return constraint(si, "sourceIdentity", "Member must have length greater than or equal to 2")
	case len(si) > 64:
		return constraint(si, "sourceIdentity", "Member must have length less than or equal to 64")
	case !wordChars(si, ""):
		return constraint(si, "sourceIdentity", `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	case strings.HasPrefix(strings.ToLower(si), "aws:"):
		return fault.Errorf(fault.Validation, "SourceIdentity may not begin with the reserved prefix aws:")
	}
	return nil
}

// tagChars reports whether s holds only [\p{L}\p{Z}\p{N}_.:/=+\-@].
func tagChars(s string) bool {
	for _, c := range s {
		if unicode.IsLetter(c) || unicode.Is(unicode.Z, c) || unicode.IsNumber(c) || strings.ContainsRune("_.:/=+-@", c) {
			continue
		}
		return false
	}
	return true
}

const tagPattern = `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`

// validateTags checks session tags: count, lengths, characters, the
// reserved aws: prefix, and keys unique regardless of case.
func validateTags(tags []Tag, field string) error {
	if len(tags) > MaxSessionTags {
		return constraint("["+strconv.Itoa(len(tags))+" tags]", field, "Member must have length less than or equal to 50")
	}
	seen := map[string]bool{}
	for i, t := range tags {
		where := field + "." + strconv.Itoa(i+1) + ".member"
		switch {
		case len(t.Key) < 1:
			return constraint(t.Key, where+".key", "Member must have length greater than or equal to 1")
		case utf8.RuneCountInString(t.Key) > MaxTagKeyLen:
			return constraint(t.Key, where+".key", "Member must have length less than or equal to 128")
		case !tagChars(t.Key):
			return constraint(t.Key, where+".key", tagPattern)
		case utf8.RuneCountInString(t.Value) > MaxTagValueLen:
			return constraint(t.Value, where+".value", "Member must have length less than or equal to 256")
		case !tagChars(t.Value):
			return constraint(t.Value, where+".value", tagPattern)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return fault.Errorf(fault.InvalidParameter, "Tag keys may not begin with the reserved prefix aws:")
		case seen[strings.ToLower(t.Key)]:
			return fault.Errorf(fault.InvalidParameter, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(t.Key)] = true
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
