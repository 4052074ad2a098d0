package stsapi

import (
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/sts"
)

func wireCredentials(r sts.Result) awsproto.Credentials {
	return awsproto.Credentials{AccessKeyId: r.Credentials.AccessKeyID, SecretAccessKey: r.Credentials.Secret.Reveal(),
		SessionToken: r.Credentials.Token, Expiration: awsproto.Timestamp(r.Expiration)}
}

func packed(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}

// stsTags reads Tags.member.N.{Key,Value}.
func stsTags(q *awsproto.QueryRequest) ([]sts.Tag, error) {
	members, err := q.Structs("Tags", "Key", "Value")
	if err != nil {
		return nil, err
	}
	out := make([]sts.Tag, len(members))
	for i, m := range members {
		k, err := m.Required("Key")
		if err != nil {
			return nil, err
		}
		out[i] = sts.Tag{Key: k, Value: m.Get("Value")}
	}
	return out, nil
}

// policyARNs reads PolicyArns.member.N.arn.
func policyARNs(q *awsproto.QueryRequest) ([]string, error) {
	members, err := q.Structs("PolicyArns", "arn")
	if err != nil {
		return nil, err
	}
	out := make([]string, len(members))
	for i, m := range members {
		out[i] = m.Get("arn")
	}
	return out, nil
}
