package s3_test

import (
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/s3"
)

func TestValidateBucketName(t *testing.T) {
	for name, ok := range map[string]bool{
		"abc": true, "my-bucket.logs": true, "a1b2c3": true, strings.Repeat("a", 63): true,
		"ab": false, strings.Repeat("a", 64): false, "My-Bucket": false, "-abc": false, "abc-": false,
		"a..b": false, "192.168.1.1": false, "xn--abc": false, "abc-s3alias": false, "abc--ol-s3": false,
		"a_b": false, "": false, "ab c": false, "sthree-x": false,
	} {
		if err := s3.ValidateBucketName(name); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", name, err, ok)
		}
	}
}

func TestValidateKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"a": true, "../../etc/passwd": true, "dir//x": true, "ünïcödé/😀": true, "ctrl\x01char": true,
		strings.Repeat("k", 1024): true, "": false, strings.Repeat("k", 1025): false, "bad\xffutf8": false, "nul\x00": false,
	} {
		if err := s3.ValidateKey(key); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", key, err, ok)
		}
	}
}
