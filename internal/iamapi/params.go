package iamapi

import (
	"context"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

func noOutput(f func(ctx context.Context, c iam.Caller, p []string) error, names ...string) func(context.Context, iam.Caller, *awsproto.QueryRequest) (any, error) {
	return func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
		p, err := q.RequiredAll(names...)
		if err != nil {
			return nil, err
		}
		return nil, f(ctx, c, p)
	}
}

func paged(name string, f func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error)) func(context.Context, iam.Caller, *awsproto.QueryRequest) (any, error) {
	return func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
		p, err := q.RequiredAll(name)
		if err != nil {
			return nil, err
		}
		pr, err := pageRequest(q)
		if err != nil {
			return nil, err
		}
		return f(ctx, c, q, p[0], pr)
	}
}

func pageRequest(q *awsproto.QueryRequest) (iam.PageRequest, error) {
	n, given, err := q.Int("MaxItems")
	if err != nil {
		return iam.PageRequest{}, err
	}
	if given {
		if err := iam.ValidateMaxItems(n); err != nil {
			return iam.PageRequest{}, err
		}
	}
	return iam.PageRequest{Marker: q.Get("Marker"), MaxItems: n}, nil
}

func tags(q *awsproto.QueryRequest) ([]iam.Tag, error) {
	members, err := q.Structs("Tags", "Key", "Value")
	if err != nil {
		return nil, err
	}
	out := make([]iam.Tag, len(members))
	for i, m := range members {
		k, err := m.Required("Key")
		if err != nil {
			return nil, err
		}
		out[i] = iam.Tag{Key: k, Value: m.Get("Value")}
	}
	return out, nil
}
