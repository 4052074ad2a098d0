package s3api

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/s3"
)

// lifecycleDoc wraps rules in a LifecycleConfiguration.
func lifecycleDoc(rules ...string) string {
	return `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</LifecycleConfiguration>`
}

// readLifecycle parses and validates a body as PutBucketLifecycleConfiguration does.
func readLifecycle(body string) (*s3.Lifecycle, error) {
	l, err := parseLifecycle([]byte(body))
	if err != nil {
		return nil, err
	}
	return l, l.Validate()
}

// TestParseLifecycle: configurations S3 takes are taken, and read back
// the same through the XML S3 shows; each one it refuses gets its code,
// status and message.
func TestParseLifecycle(t *testing.T) {
	good := map[string]string{
		"days under a prefix filter": lifecycleDoc(`<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>`),
		"empty filter, a date":       lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>`),
		"legacy prefix":              lifecycleDoc(`<Rule><Prefix>tmp/</Prefix><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>`),
		"tag":                        lifecycleDoc(`<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>`),
		"and of everything": lifecycleDoc(`<Rule><ID>a</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag>` +
			`<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>1000</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>` +
			`<Expiration><Days>5</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`),
		"size alone": lifecycleDoc(`<Rule><Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>5</Days></Expiration></Rule>`),
		"abort and delete markers": lifecycleDoc(`<Rule><ID>clean</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>` +
			`<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`),
		"transitions kept": lifecycleDoc(`<Rule><ID>t</ID><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>` +
			`<Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition><NoncurrentVersionTransition><NoncurrentDays>0</NoncurrentDays><StorageClass>GLACIER_IR</StorageClass></NoncurrentVersionTransition>` +
			`<Expiration><Days>365</Days></Expiration></Rule>`),
		"two rules": lifecycleDoc(`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`,
			`<Rule><ID>b</ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>`),
	}
	for name, body := range good {
		t.Run("good/"+name, func(t *testing.T) {
			l, err := readLifecycle(body)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			out, err := xml.Marshal(lifecycleXML(l))
			if err != nil {
				t.Fatal(err)
			}
			again, err := readLifecycle(string(out))
			if err != nil || !reflect.DeepEqual(again, l) {
				t.Fatalf("read back from %s:\n%+v, %v\nwant %+v", out, again, err, l)
			}
		})
	}
	const (
		malformed = "MalformedXML"
		argument  = "InvalidArgument"
		request   = "InvalidRequest"
	)
	malformedMsg := "The XML you provided was not well-formed or did not validate against our published schema."
	many := make([]string, 1001)
	for i := range many {
		many[i] = `<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`
	}
	bad := []struct{ name, body, code, msg string }{
		{"not XML", `<Lifecycle`, malformed, malformedMsg},
		{"another root", `<Tagging><TagSet/></Tagging>`, malformed, malformedMsg},
		{"no rules", lifecycleDoc(), malformed, malformedMsg},
		{"too many rules", lifecycleDoc(many...), argument, "The number of lifecycle rules must not exceed the allowed limit of 1000 rules"},
		{"bad status", lifecycleDoc(`<Rule><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed, malformedMsg},
		{"long ID", lifecycleDoc(`<Rule><ID>` + strings.Repeat("x", 256) + `</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), argument, "ID length should not exceed allowed limit of 255"},
		{"same ID twice", lifecycleDoc(`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`,
			`<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>`), argument, "Rule ID must be unique. Found same ID for more than one rule"},
		{"neither filter nor prefix", lifecycleDoc(`<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed, malformedMsg},
		{"filter and prefix", lifecycleDoc(`<Rule><Prefix>a</Prefix><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed, malformedMsg},
		{"filter of two", lifecycleDoc(`<Rule><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), malformed, malformedMsg},
		{"no action", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status></Rule>`), request, "At least one action needs to be specified in a rule"},
		{"zero days", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>`), argument, "'Days' for Expiration action must be a positive integer"},
		{"days and date", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>`), malformed, malformedMsg},
		{"days and delete marker", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`), malformed, malformedMsg},
		{"empty expiration", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration></Expiration></Rule>`), malformed, malformedMsg},
		{"date not at midnight", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration></Rule>`), argument, "'Date' must be at midnight GMT"},
		{"midnight elsewhere", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00+01:00</Date></Expiration></Rule>`), argument, "'Date' must be at midnight GMT"},
		{"not a date", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>tomorrow</Date></Expiration></Rule>`), malformed, malformedMsg},
		{"days not a number", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>x</Days></Expiration></Rule>`), malformed, malformedMsg},
		{"zero noncurrent days", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration></Rule>`),
			argument, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
		{"too many newer versions", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`),
			argument, "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100"},
		{"zero abort days", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`),
			argument, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"},
		{"abort with a tag", lifecycleDoc(`<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`),
			request, "AbortIncompleteMultipartUpload cannot be specified with tags."},
		{"delete marker with a tag", lifecycleDoc(`<Rule><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`),
			request, "ExpiredObjectDeleteMarker cannot be specified with tags."},
		{"duplicate tag keys", lifecycleDoc(`<Rule><Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`),
			argument, "Duplicate Tag Keys are not allowed."},
		{"sizes crossed", lifecycleDoc(`<Rule><Filter><And><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`),
			argument, "ObjectSizeLessThan must be greater than ObjectSizeGreaterThan"},
		{"unknown storage class", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>STANDARD</StorageClass></Transition></Rule>`), malformed, malformedMsg},
		{"IA too soon", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Transition><Days>29</Days><StorageClass>STANDARD_IA</StorageClass></Transition></Rule>`),
			argument, "'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'"},
		{"expiration before transition", lifecycleDoc(`<Rule><Filter/><Status>Enabled</Status><Transition><Days>40</Days><StorageClass>GLACIER</StorageClass></Transition><Expiration><Days>40</Days></Expiration></Rule>`),
			argument, "'Days' in the Expiration action for filter must be greater than 'Days' in the Transition action"},
	}
	for _, c := range bad {
		t.Run("bad/"+c.name, func(t *testing.T) {
			_, err := readLifecycle(c.body)
			if err == nil {
				t.Fatal("taken")
			}
			e := awsproto.RESTXMLError(err)
			if e.Code != c.code || e.Status != http.StatusBadRequest || e.Message != c.msg {
				t.Fatalf("got %s %d %q, want %s 400 %q", e.Code, e.Status, e.Message, c.code, c.msg)
			}
		})
	}
}

// FuzzParseLifecycle: any body either is refused with an S3 error of
// status 400 or yields a configuration whose XML and canonical encoding
// read back to the same configuration.
func FuzzParseLifecycle(f *testing.F) {
	f.Add(lifecycleDoc(`<Rule><ID>x</ID><Filter><And><Prefix>p</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`))
	f.Add(lifecycleDoc(`<Rule><Prefix>tmp/</Prefix><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`))
	f.Add(lifecycleDoc(`<Rule><Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration><Transition><Date>2030-01-01T00:00:00+00:00</Date><StorageClass>GLACIER</StorageClass></Transition></Rule>`))
	f.Add(`<LifecycleConfiguration><Rule></Rule></LifecycleConfiguration>`)
	f.Fuzz(func(t *testing.T, body string) {
		l, err := readLifecycle(body)
		if err != nil {
			if e := awsproto.RESTXMLError(err); e.Status != http.StatusBadRequest {
				t.Fatalf("refused with %s %d %q", e.Code, e.Status, e.Message)
			}
			return
		}
		enc, err := s3.EncodeLifecycle(l)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := s3.DecodeLifecycle(enc)
		if err != nil {
			t.Fatal(err)
		}
		if enc2, _ := s3.EncodeLifecycle(dec); enc2 != enc {
			t.Fatalf("canonical encoding not stable:\n%s\n%s", enc, enc2)
		}
		out, err := xml.Marshal(lifecycleXML(dec))
		if err != nil {
			t.Fatal(err)
		}
		again, err := readLifecycle(string(out))
		if err != nil {
			t.Fatalf("its own XML %s is refused: %v", out, err)
		}
		if enc3, _ := s3.EncodeLifecycle(again); enc3 != enc {
			t.Fatalf("XML round trip changed it:\n%s\n%s", enc, enc3)
		}
	})
}

// TestCheckIntegrity: a lifecycle body needs a Content-MD5 that matches
// it, or a checksum (verified as the body is read); with neither it is
// refused.
func TestCheckIntegrity(t *testing.T) {
	body := []byte("<LifecycleConfiguration/>")
	sum := md5.Sum(body)
	for _, c := range []struct {
		name    string
		headers map[string]string
		code    string
	}{
		{"matching Content-MD5", map[string]string{"Content-Md5": base64.StdEncoding.EncodeToString(sum[:])}, ""},
		{"a checksum header", map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}, ""},
		{"a checksum trailer", map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"}, ""},
		{"neither", nil, "InvalidRequest"},
		{"another trailer", map[string]string{"X-Amz-Trailer": "x-amz-meta-x"}, "InvalidRequest"},
		{"Content-MD5 of other bytes", map[string]string{"Content-Md5": base64.StdEncoding.EncodeToString(make([]byte, 16))}, "BadDigest"},
		{"Content-MD5 not base64", map[string]string{"Content-Md5": "!!"}, "InvalidDigest"},
	} {
		r, _ := http.NewRequest(http.MethodPut, "http://x/b?lifecycle", nil)
		for k, v := range c.headers {
			r.Header.Set(k, v)
		}
		got := ""
		err := requireIntegrity(r)
		if err == nil {
			err = checkMD5(r.Header.Get("Content-Md5"), sum[:])
		}
		if err != nil {
			got = awsproto.RESTXMLError(err).Code
		}
		if got != c.code {
			t.Errorf("%s: %q, want %q", c.name, got, c.code)
		}
	}
}
