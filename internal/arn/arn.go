package arn

import (
	"errors"
	"fmt"
	"strings"
)

// Partitions lists the AWS partitions an ARN may name.
var Partitions = []string{
	"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc",
}

// KnownPartition reports whether p is one of [Partitions].
func KnownPartition(p string) bool {
	for _, k := range Partitions {
		if p == k {
			return true
		}
	}
	return false
}

// ARN is a parsed Amazon Resource Name:
// arn:partition:service:region:account:resource.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string
}

// Errors returned by [Parse].
var (
	ErrNotARN    = errors.New("not an ARN")
	ErrPartition = errors.New("unknown partition")
)

// Parse parses s as an ARN. The partition must be known and the service and
// resource non-empty; region and account may be empty (S3, IAM).
func Parse(s string) (ARN, error) {
	seg, ok := Split(s)
	if !ok {
		return ARN{}, fmt.Errorf("parse %q: %w", s, ErrNotARN)
	}
	a := ARN{Partition: seg[1], Service: seg[2], Region: seg[3], Account: seg[4], Resource: seg[5]}
	if !KnownPartition(a.Partition) {
		return ARN{}, fmt.Errorf("parse %q: %w %q", s, ErrPartition, a.Partition)
	}
	if a.Service == "" || a.Resource == "" {
		return ARN{}, fmt.Errorf("parse %q: %w: empty service or resource", s, ErrNotARN)
	}
	return a, nil
}

// String formats a as arn:partition:service:region:account:resource.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// Split cuts s at its first five colons. It reports false unless s starts
// with "arn:" and has at least five colons. The sixth segment keeps any
// further colons.
func Split(s string) (seg [6]string, ok bool) {
	if !strings.HasPrefix(s, "arn:") {
		return seg, false
	}
	rest := s
	for i := range 5 {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return seg, false
		}
		seg[i] = rest[:j]
		rest = rest[j+1:]
	}
	seg[5] = rest
	return seg, true
}

// Root returns the ARN of account's root user in partition.
func Root(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":root"
}

// IsAccountID reports whether s is a 12-digit AWS account id.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
