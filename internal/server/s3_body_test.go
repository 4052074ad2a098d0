package server_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// bodyProof is how a request vouches for its body: the signed
// x-amz-content-sha256, a signed x-amz-checksum-crc32 beside
// UNSIGNED-PAYLOAD, or a signed Content-MD5 beside UNSIGNED-PAYLOAD.
type bodyProof string

const (
	proofSHA256 bodyProof = "sha256"
	proofCRC32  bodyProof = "crc32"
	proofMD5    bodyProof = "md5"
)

// sendAltered signs a request for the body signed, as proof says, and
// sends the body sent instead, as one replaying a captured request with
// another body would (Content-Length is left out of the signature, as
// the SDKs and the CLI leave it out). It returns the status and the error
// code ("" for a success).
func sendAltered(t *testing.T, url string, c aws.Credentials, method, path string, proof bodyProof, signed, sent []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	hash := "UNSIGNED-PAYLOAD"
	switch proof {
	case proofSHA256:
		sum := sha256.Sum256(signed)
		hash = hex.EncodeToString(sum[:])
	case proofCRC32:
		req.Header.Set("X-Amz-Checksum-Crc32", base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(signed))))
	case proofMD5:
		sum := md5.Sum(signed)
		req.Header.Set("Content-Md5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(sent)), int64(len(sent))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	m := regexp.MustCompile(`<Code>([^<]*)</Code>`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s %s: %d with no error code: %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, string(m[1])
}

// pad is b followed by spaces up to n bytes: what the XML and JSON
// parsers skip after the document.
func pad(b []byte, n int) []byte {
	return append(append([]byte{}, b...), bytes.Repeat([]byte(" "), n-len(b))...)
}

// TestS3BodyChecked: a request body altered after signing is refused with
// the mismatch of what vouched for it (XAmzContentSHA256Mismatch for the
// signed hash, BadDigest for a checksum or a Content-MD5), whether the
// altered body is short or padded past the operation's limit (a reader
// stopping at the limit would never check it, and the parser ignores what
// follows the document); nothing of it is applied. The unaltered request
// is accepted; a body of exactly the limit is accepted and one a byte
// over it refused with the operation's error.
func TestS3BodyChecked(t *testing.T) {
	r, root, c := s3Start(t, "held")
	ctx := t.Context()
	for _, k := range []string{"a", "b"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("held"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	pab := func(on bool) []byte {
		v := "false"
		if on {
			v = "true"
		}
		return []byte(`<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>` + v +
			`</BlockPublicAcls><IgnorePublicAcls>` + v + `</IgnorePublicAcls><BlockPublicPolicy>` + v +
			`</BlockPublicPolicy><RestrictPublicBuckets>` + v + `</RestrictPublicBuckets></PublicAccessBlockConfiguration>`)
	}
	tagging := func(team string) []byte {
		return []byte(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>team</Key><Value>` + team + `</Value></Tag></TagSet></Tagging>`)
	}
	policy := func(action string) []byte {
		return []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"` + action + `","Resource":"arn:aws:s3:::held/*"}]}`)
	}
	deletion := func(key string) []byte {
		return []byte(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>` + key + `</Key></Object><Quiet>true</Quiet></Delete>`)
	}
	for _, tc := range []struct {
		name, method, path string
		proofs             []bodyProof
		good, evil         []byte
		limit              int
		tooLarge           string
		// evilApplied says whether the evil body took effect.
		evilApplied func() bool
	}{
		{"PutPublicAccessBlock", "PUT", "/held?publicAccessBlock", []bodyProof{proofSHA256, proofCRC32, proofMD5}, pab(true), pab(false), 64 << 10, "MaxMessageLengthExceeded",
			func() bool {
				out, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String("held")})
				return err == nil && !aws.ToBool(out.PublicAccessBlockConfiguration.BlockPublicAcls)
			}},
		{"PutBucketTagging", "PUT", "/held?tagging", []bodyProof{proofSHA256, proofCRC32}, tagging("blue"), tagging("red"), 64 << 10, "MaxMessageLengthExceeded",
			func() bool {
				out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("held")})
				return err == nil && len(out.TagSet) > 0 && aws.ToString(out.TagSet[0].Value) == "red"
			}},
		{"PutBucketPolicy", "PUT", "/held?policy", []bodyProof{proofSHA256}, policy("s3:DeleteObject"), policy("s3:GetObject"), 64 << 10, "MalformedPolicy",
			func() bool {
				out, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("held")})
				return err == nil && strings.Contains(aws.ToString(out.Policy), "s3:GetObject")
			}},
		{"DeleteObjects", "POST", "/held?delete", []bodyProof{proofSHA256, proofMD5}, deletion("a"), deletion("b"), 2 << 20, "MaxMessageLengthExceeded",
			func() bool {
				_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("held"), Key: aws.String("b")})
				return err != nil
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, proof := range tc.proofs {
				for _, sent := range []struct {
					name string
					body []byte
				}{{"short", tc.evil}, {"padded past the limit", pad(tc.evil, tc.limit+100)}} {
					status, code := sendAltered(t, r.url, root, tc.method, tc.path, proof, tc.good, sent.body)
					want := "XAmzContentSHA256Mismatch"
					if proof != proofSHA256 {
						want = "BadDigest"
					}
					if status != 400 || code != want {
						t.Errorf("%s, %s altered body: %d %q, want 400 %q", proof, sent.name, status, code, want)
					}
					if tc.evilApplied() {
						t.Fatalf("%s, %s altered body: applied", proof, sent.name)
					}
				}
				if status, code := sendAltered(t, r.url, root, tc.method, tc.path, proof, tc.good, tc.good); status >= 300 {
					t.Errorf("%s, the body signed: %d %q", proof, status, code)
				}
			}
			atLimit := pad(tc.good, tc.limit)
			if status, code := sendAltered(t, r.url, root, tc.method, tc.path, proofSHA256, atLimit, atLimit); status >= 300 {
				t.Errorf("a body of the limit: %d %q", status, code)
			}
			over := pad(tc.good, tc.limit+1)
			if status, code := sendAltered(t, r.url, root, tc.method, tc.path, proofSHA256, over, over); status != 400 || code != tc.tooLarge {
				t.Errorf("a body a byte over the limit: %d %q, want 400 %q", status, code, tc.tooLarge)
			}
			if tc.evilApplied() {
				t.Fatal("the altered body was applied")
			}
		})
	}
}

// TestS3LifecycleAuthorizedFirst: PutBucketLifecycleConfiguration
// authorizes the caller before it reads the body: a user without
// s3:PutLifecycleConfiguration is AccessDenied whatever it sends (a
// configuration that does not parse, one over the limit), where the root
// user sending the same is told what is wrong with it; a good one from
// the root user is kept.
func TestS3LifecycleAuthorizedFirst(t *testing.T) {
	r, root, c := s3Start(t, "rules")
	im := iamClient(r.url, root)
	_, user := makeUser(t, im, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetLifecycleConfiguration","Resource":"*"}]}`)
	bad := []byte(`<LifecycleConfiguration><Rule><Status>Sometimes</Status></Rule></LifecycleConfiguration>`)
	huge := pad(bad, 4<<20+1)
	for _, tc := range []struct {
		name     string
		body     []byte
		rootCode string
	}{{"malformed", bad, "MalformedXML"}, {"over the limit", huge, "MaxMessageLengthExceeded"}} {
		if _, code := sendAltered(t, r.url, user, "PUT", "/rules?lifecycle", proofMD5, tc.body, tc.body); code != "AccessDenied" {
			t.Errorf("%s, a caller not allowed: %q, want AccessDenied", tc.name, code)
		}
		if _, code := sendAltered(t, r.url, root, "PUT", "/rules?lifecycle", proofMD5, tc.body, tc.body); code != tc.rootCode {
			t.Errorf("%s, the root user: %q, want %q", tc.name, code, tc.rootCode)
		}
	}
	good := []byte(`<LifecycleConfiguration><Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`)
	if status, code := sendAltered(t, r.url, root, "PUT", "/rules?lifecycle", proofMD5, good, good); status != 200 {
		t.Fatalf("a good configuration: %d %q", status, code)
	}
	if _, code := sendAltered(t, r.url, root, "PUT", "/rules?lifecycle", proofMD5, good, pad(bad, len(good))); code != "BadDigest" {
		t.Errorf("a body altered after its Content-MD5: %q, want BadDigest", code)
	}
	out, err := c.GetBucketLifecycleConfiguration(t.Context(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("rules")})
	if err != nil || len(out.Rules) != 1 || out.Rules[0].Status != s3types.ExpirationStatusEnabled {
		t.Fatalf("the configuration kept: %+v, %v", out, err)
	}
}
