package s3api

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/s3"
)

// listParams reads the max-keys (-1 when absent) and encoding-type that
// the object and version listings share.
func listParams(get func(string) string) (maxKeys int, enc string, err error) {
	maxKeys = -1
	if s := get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, "", invalidArgument("Provided max-keys not an integer or within integer range")
		}
		maxKeys = n
	}
	enc = get("encoding-type")
	if enc != "" && enc != "url" {
		return 0, "", invalidArgument("Invalid Encoding Method specified in Request")
	}
	return maxKeys, enc, nil
}

// s3List serves ListObjects (V1) and ListObjectsV2.
func (api *API) s3List(ctx context.Context, a *s3Auth, bucket string, get func(string) string, op func(string), xmlOK func(any) error) error {
	v2 := get("list-type") == "2"
	maxKeys, enc, err := listParams(get)
	if err != nil {
		return err
	}
	in := s3.ListInput{Bucket: bucket, Prefix: get("prefix"), Delimiter: get("delimiter"), MaxKeys: maxKeys}
	out := &awsproto.ListBucketResult{Xmlns: awsproto.S3Namespace, Name: bucket, Prefix: encodeKey(in.Prefix, enc), Delimiter: encodeKey(in.Delimiter, enc), EncodingType: enc}
	if v2 {
		op("ListObjectsV2")
		in.After = get("start-after")
		out.StartAfter = encodeKey(in.After, enc)
		if tok := get("continuation-token"); tok != "" {
			after, err := hex.DecodeString(tok)
			if err != nil {
				return invalidArgument("The continuation token provided is incorrect")
			}
			in.After = string(after)
			out.ContinuationToken = tok
		}
	} else {
		op("ListObjects")
		m := get("marker")
		out.Marker = &m
		in.After = m
		if in.Delimiter != "" && strings.HasSuffix(m, in.Delimiter) {
			in.After = m + "\xff" // a common prefix: go on after its keys
		}
	}
	page, err := api.svc.ListObjects(ctx, &a.req, in)
	if err != nil {
		return err
	}
	out.MaxKeys = s3.MaxListKeys
	if maxKeys >= 0 && maxKeys < s3.MaxListKeys {
		out.MaxKeys = maxKeys
	}
	out.IsTruncated = page.Truncated
	for _, o := range page.Objects {
		out.Contents = append(out.Contents, awsproto.S3Object{Key: encodeKey(o.Key, enc), LastModified: awsproto.Timestamp(o.LastModified),
			ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: "STANDARD"})
	}
	for _, p := range page.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, awsproto.S3CommonPrefix{Prefix: encodeKey(p, enc)})
	}
	if v2 {
		n := len(page.Objects) + len(page.CommonPrefixes)
		out.KeyCount = &n
		if page.Truncated {
			out.NextContinuationToken = hex.EncodeToString([]byte(page.Next))
		}
	} else if page.Truncated && in.Delimiter != "" {
		out.NextMarker = encodeKey(page.LastName, enc)
	}
	return xmlOK(out)
}

// encodeKey URL-encodes a key for encoding-type=url.
func encodeKey(s, enc string) string {
	if enc != "url" || s == "" {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
