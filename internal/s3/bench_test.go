package s3

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
)

type noBlobs struct{}

func (noBlobs) Create() (BlobWriter, error)     { return nil, os.ErrInvalid }
func (noBlobs) Open(string) (BlobReader, error) { return nil, os.ErrNotExist }
func (noBlobs) Remove(string) error             { return nil }

// BenchmarkAuthorizeGetObject: the authorization of one GetObject by a
// role session: load the role's policies (compiled once, cached) and the
// bucket policy, and decide with S3's context keys.
func BenchmarkAuthorizeGetObject(b *testing.B) {
	ctx := context.Background()
	st := memory.New()
	now := time.Now()
	st.CreateAccount(ctx, store.Account{ID: "111122223333", CreatedAt: now})
	seal, _ := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{1}, 32)}, 1, nil)
	ids, err := iam.NewService(iam.Config{Store: st, Sealer: seal})
	if err != nil {
		b.Fatal(err)
	}
	root := iam.Caller{Account: "111122223333", ARN: "arn:aws:iam::111122223333:root", Root: true}
	role, err := ids.CreateRole(ctx, root, iam.CreateRoleInput{RoleName: "app",
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`})
	if err != nil {
		b.Fatal(err)
	}
	ids.PutRolePolicy(ctx, root, "app", "read", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/team/*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`)
	svc, err := New(Config{Store: st, Blobs: noBlobs{}, Identities: ids})
	if err != nil {
		b.Fatal(err)
	}
	bucket := store.Bucket{Name: "data", AccountID: "111122223333",
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::data/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`}
	sess := &creds.Session{Kind: creds.RoleSession, Account: "111122223333", RoleARN: role.ARN, RoleID: role.ID, SessionName: "pod",
		Tags: []creds.SessionTag{{Key: "team", Value: "blue"}}, Issued: now.Unix(), Expires: now.Add(time.Hour).Unix()}
	r := &Request{Caller: &iam.Caller{Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/app/pod", Session: sess},
		SourceIP: "10.0.0.1", Secure: true, AuthType: "REST-HEADER", ContentSHA256: "UNSIGNED-PAYLOAD"}
	if err := svc.authorize(ctx, r, "s3:GetObject", "arn:aws:s3:::data/team/report.csv", bucket, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := svc.authorize(ctx, r, "s3:GetObject", "arn:aws:s3:::data/team/report.csv", bucket, nil); err != nil {
			b.Fatal(err)
		}
	}
}
