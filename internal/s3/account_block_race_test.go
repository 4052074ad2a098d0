package s3

import (
	"testing"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// TestAccountBlockRace: a public bucket policy whose request began before
// the account's BlockPublicPolicy was set, and reaches the store after,
// is refused, and the bucket keeps no policy; beside it, the control
// where nothing intervenes and the policy is set. Both backends.
func TestAccountBlockRace(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::race/*"}]}`
	for _, block := range []bool{true, false} {
		for _, backend := range []string{"memory", "sqlite"} {
			name := "nothing meanwhile/" + backend
			if block {
				name = "account block set meanwhile/" + backend
			}
			t.Run(name, func(t *testing.T) {
				ctx := t.Context()
				svc, r, st := raceService(t, backend)
				// The request's view before it writes: no block anywhere.
				if p, err := svc.effectiveBlock(ctx, mustBucket(t, svc)); err != nil || p.BlockPublicPolicy {
					t.Fatalf("block in effect before: %+v, %v", p, err)
				}
				st.hook = func() {}
				if block {
					st.hook = func() {
						if err := svc.PutAccountPublicAccessBlock(ctx, r, "111122223333", PublicAccessBlock{BlockPublicPolicy: true}); err != nil {
							t.Fatal(err)
						}
					}
				}
				err := svc.PutBucketPolicy(ctx, r, "race", doc)
				if st.hook != nil {
					t.Fatal("the policy's update did not reach the store")
				}
				_, getErr := svc.GetBucketPolicy(ctx, r, "race")
				if block {
					if fe, ok := fault.As(err); !ok || fe.Kind != fault.AccessDenied {
						t.Fatalf("put a public policy as the account's block is set: %v, want AccessDenied", err)
					}
					if fe, ok := fault.As(getErr); !ok || fe.Kind != fault.NotFound {
						t.Fatalf("the bucket's policy after the refusal: %v, want none", getErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("put a public policy: %v", err)
				}
				if getErr != nil {
					t.Fatalf("get the policy put: %v", getErr)
				}
			})
		}
	}
}

func mustBucket(t *testing.T, svc *Service) store.Bucket {
	t.Helper()
	b, err := svc.bucket(t.Context(), "race")
	if err != nil {
		t.Fatal(err)
	}
	return b
}
