package arn_test

import (
	"errors"
	"testing"

	"github.com/podiam/podiam/internal/arn"
)

func TestParseRoundTrip(t *testing.T) {
	type tc struct {
		name string
		in   string
		want arn.ARN
	}
	var tests []tc
	for _, p := range arn.Partitions {
		tests = append(tests,
			tc{name: p + "/s3 object", in: "arn:" + p + ":s3:::bucket/key/with/slashes",
				want: arn.ARN{Partition: p, Service: "s3", Resource: "bucket/key/with/slashes"}},
			tc{name: p + "/iam role", in: "arn:" + p + ":iam::123456789012:role/path/app",
				want: arn.ARN{Partition: p, Service: "iam", Account: "123456789012", Resource: "role/path/app"}},
		)
	}
	tests = append(tests,
		tc{name: "all segments", in: "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc",
			want: arn.ARN{Partition: "aws", Service: "ec2", Region: "us-east-1", Account: "123456789012", Resource: "instance/i-0abc"}},
		tc{name: "colons in resource", in: "arn:aws:logs:eu-west-1:123456789012:log-group:/app:log-stream:s1",
			want: arn.ARN{Partition: "aws", Service: "logs", Region: "eu-west-1", Account: "123456789012", Resource: "log-group:/app:log-stream:s1"}},
		tc{name: "region without account", in: "arn:aws:s3:us-west-2::thing",
			want: arn.ARN{Partition: "aws", Service: "s3", Region: "us-west-2", Resource: "thing"}},
		tc{name: "wildcards are text", in: "arn:aws:s3:::bucket/*",
			want: arn.ARN{Partition: "aws", Service: "s3", Resource: "bucket/*"}},
		tc{name: "resource is a colon", in: "arn:aws:svc:::" + ":",
			want: arn.ARN{Partition: "aws", Service: "svc", Resource: ":"}},
		tc{name: "non-ASCII resource", in: "arn:aws:s3:::bücket/日本",
			want: arn.ARN{Partition: "aws", Service: "s3", Resource: "bücket/日本"}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := arn.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %q, want %q", s, tt.in)
			}
			again, err := arn.Parse(got.String())
			if err != nil || again != got {
				t.Errorf("Parse(String()) = %+v, %v; want %+v", again, err, got)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{name: "empty", in: "", want: arn.ErrNotARN},
		{name: "no arn prefix", in: "aws:s3:::bucket", want: arn.ErrNotARN},
		{name: "other prefix", in: "urn:aws:s3:::bucket", want: arn.ErrNotARN},
		{name: "upper-case prefix", in: "ARN:aws:s3:::bucket", want: arn.ErrNotARN},
		{name: "prefix only", in: "arn:", want: arn.ErrNotARN},
		{name: "four colons", in: "arn:aws:s3::bucket", want: arn.ErrNotARN},
		{name: "three colons", in: "arn:aws:s3:bucket", want: arn.ErrNotARN},
		{name: "unknown partition", in: "arn:aws-mars:s3:::bucket", want: arn.ErrPartition},
		{name: "partition case", in: "arn:AWS:s3:::bucket", want: arn.ErrPartition},
		{name: "empty partition", in: "arn::s3:::bucket", want: arn.ErrPartition},
		{name: "wildcard partition", in: "arn:*:s3:::bucket", want: arn.ErrPartition},
		{name: "empty service", in: "arn:aws::::bucket", want: arn.ErrNotARN},
		{name: "empty resource", in: "arn:aws:s3:::", want: arn.ErrNotARN},
		{name: "empty service and resource", in: "arn:aws::::", want: arn.ErrNotARN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := arn.Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %+v, %v; want error %v", tt.in, got, err, tt.want)
			}
			if got != (arn.ARN{}) {
				t.Errorf("Parse(%q) returned %+v with its error, want the zero ARN", tt.in, got)
			}
		})
	}
}

func TestKnownPartition(t *testing.T) {
	for _, p := range arn.Partitions {
		if !arn.KnownPartition(p) {
			t.Errorf("KnownPartition(%q) = false", p)
		}
	}
	for _, p := range []string{"", "Aws", "aws-", "aws-cn ", "*"} {
		if arn.KnownPartition(p) {
			t.Errorf("KnownPartition(%q) = true", p)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   [6]string
		wantOK bool
	}{
		{name: "full", in: "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
			want: [6]string{"arn", "aws", "ec2", "us-east-1", "123456789012", "instance/i-1"}, wantOK: true},
		{name: "empty segments", in: "arn:::::", want: [6]string{"arn", "", "", "", "", ""}, wantOK: true},
		{name: "resource keeps colons", in: "arn:a:b:c:d:e:f:g", want: [6]string{"arn", "a", "b", "c", "d", "e:f:g"}, wantOK: true},
		{name: "unknown partition is still split", in: "arn:x:y:::z", want: [6]string{"arn", "x", "y", "", "", "z"}, wantOK: true},
		{name: "wildcards", in: "arn:*:s3:*:*:*", want: [6]string{"arn", "*", "s3", "*", "*", "*"}, wantOK: true},
		{name: "four colons", in: "arn:a:b:c:d"},
		{name: "no prefix", in: "xarn:a:b:c:d:e"},
		{name: "upper-case prefix", in: "ARN:a:b:c:d:e"},
		{name: "empty", in: ""},
		{name: "star", in: "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := arn.Split(tt.in)
			if ok != tt.wantOK {
				t.Fatalf("Split(%q) ok = %v, want %v", tt.in, ok, tt.wantOK)
			}
			if ok && got != tt.want {
				t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsAccountID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"123456789012", true},
		{"000000000000", true},
		{"12345678901", false},
		{"1234567890123", false},
		{"", false},
		{"12345678901a", false},
		{"-12345678901", false},
		{" 12345678901", false},
		{"１２３４５６７８９０１２", false}, // full-width digits
		{"١٢٣٤٥٦", false},
		{"*", false},
		{"12345678901?", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := arn.IsAccountID(tt.in); got != tt.want {
				t.Errorf("IsAccountID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRoot(t *testing.T) {
	tests := []struct {
		partition, account, want string
	}{
		{"aws", "123456789012", "arn:aws:iam::123456789012:root"},
		{"aws-cn", "210987654321", "arn:aws-cn:iam::210987654321:root"},
		{"aws-us-gov", "000000000001", "arn:aws-us-gov:iam::000000000001:root"},
	}
	for _, tt := range tests {
		t.Run(tt.partition, func(t *testing.T) {
			got := arn.Root(tt.partition, tt.account)
			if got != tt.want {
				t.Fatalf("Root(%q, %q) = %q, want %q", tt.partition, tt.account, got, tt.want)
			}
			a, err := arn.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if want := (arn.ARN{Partition: tt.partition, Service: "iam", Account: tt.account, Resource: "root"}); a != want {
				t.Errorf("Parse(Root) = %+v, want %+v", a, want)
			}
		})
	}
}
