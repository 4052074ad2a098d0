package s3

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/podiam/podiam/internal/fault"
)

// MaxKeyLen is the longest object key, in bytes.
const MaxKeyLen = 1024

// ValidateBucketName checks AWS's rules for general purpose bucket names:
// 3 to 63 characters of lower-case letters, digits, dots and hyphens,
// beginning and ending with a letter or digit, no two adjacent dots, not
// an IP address, and none of the reserved prefixes and suffixes.
func ValidateBucketName(name string) error {
	bad := about(fault.InvalidInput, fault.Bucket, name, "The specified bucket is not valid.")
	if len(name) < 3 || len(name) > 63 {
		return bad
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad
		}
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) || strings.Contains(name, "..") {
		return bad
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return bad
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return bad
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return bad
		}
	}
	return nil
}

// ValidateKey checks an object key: 1 to 1,024 bytes of UTF-8.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fault.Errorf(fault.InvalidInput, "An object key must not be empty.")
	case len(key) > MaxKeyLen:
		return about(fault.TooLarge, fault.Key, key[:64]+"...", "Your key is too long")
	case !utf8.ValidString(key):
		return fault.Errorf(fault.InvalidInput, "An object key must be UTF-8.")
	case strings.IndexByte(key, 0) >= 0:
		// XML 1.0, in which keys are listed, cannot hold U+0000.
		return fault.Errorf(fault.InvalidInput, "An object key must not contain the NUL character.")
	}
	return nil
}
