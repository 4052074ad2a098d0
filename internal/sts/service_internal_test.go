package sts

import (
	"bytes"
	"compress/flate"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/creds"
)

// TestPackedSizeReused: a reused compressor gives the size a new one
// gives, whatever came before it.
func TestPackedSizeReused(t *testing.T) {
	fresh := func(doc string, arns []string, tags []creds.SessionTag) int {
		plain := doc + strings.Join(arns, "")
		for _, tg := range tags {
			plain += tg.Key + "\x00" + tg.Value
		}
		if plain == "" {
			return 0
		}
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.BestCompression)
		w.Write([]byte(plain))
		w.Close()
		return (b.Len()*100 + MaxPackedSize - 1) / MaxPackedSize
	}
	big := strings.Repeat(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/`, 200)
	cases := []struct {
		doc  string
		arns []string
		tags []creds.SessionTag
	}{
		{doc: ""},
		{doc: big},
		{tags: []creds.SessionTag{{Key: "kubernetes-namespace", Value: "default"}, {Key: "eks-cluster-name", Value: "dev"}}},
		{doc: `{"Version":"2012-10-17"}`, arns: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}},
	}
	for range 3 {
		for i, c := range cases {
			if got, want := packedSize(c.doc, c.arns, c.tags), fresh(c.doc, c.arns, c.tags); got != want {
				t.Fatalf("case %d: %d, want %d", i, got, want)
			}
		}
	}
	if packedSize(big, nil, nil) <= packedSize("x", nil, nil) {
		t.Fatal("a large document packs no larger than one byte")
	}
}
