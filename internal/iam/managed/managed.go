package managed

import (
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

//go:embed *.json
var documents embed.FS

// ARNPrefix is where AWS-managed policies live.
const ARNPrefix = "arn:aws:iam::aws:policy/"

// Policy is one AWS-managed policy.
type Policy struct {
	Name, Document string
}

// Policies returns the shipped policies, sorted by name. Each document is
// valid as an identity policy (a test checks it).
func Policies() []Policy {
	entries, err := documents.ReadDir(".")
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []Policy
	for _, e := range entries {
		b, err := documents.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		out = append(out, Policy{Name: strings.TrimSuffix(e.Name(), path.Ext(e.Name())), Document: strings.TrimSpace(string(b))})
	}
	slices.SortFunc(out, func(a, b Policy) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// idAlphabet is that of AWS unique ids.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// policyID derives a stable ANPA id from the policy's name, so that every
// server gives an AWS-managed policy the same id.
func policyID(name string) string {
	h := sha256.Sum256([]byte("aws-managed-policy:" + name))
	b := []byte("ANPA")
	for _, c := range h[:17] {
		b = append(b, idAlphabet[c&31])
	}
	return string(b)
}

// Seed puts every shipped policy in the store that is not there yet.
func Seed(ctx context.Context, st store.Store, now time.Time) error {
	for _, p := range Policies() {
		// AWS-managed policies are not held to the customer size quota
		// (ReadOnlyAccess is far larger).
		if _, err := policy.ParseDocument([]byte(p.Document), policy.Identity, policy.Options{MaxSize: -1}); err != nil {
			return fmt.Errorf("AWS-managed policy %s: %w", p.Name, err)
		}
		arn := ARNPrefix + p.Name
		mp := store.ManagedPolicy{
			Name: p.Name, Path: "/", ID: policyID(p.Name), ARN: arn, DefaultVersionID: "v1",
			Versions:  []store.PolicyVersion{{ID: "v1", Document: p.Document, CreatedAt: now}},
			CreatedAt: now,
		}
		if err := st.CreateManagedPolicy(ctx, mp); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return fmt.Errorf("seed %s: %w", arn, err)
		}
	}
	return nil
}

// IsAWSManaged reports whether arn names an AWS-managed policy, which no
// account may change or delete.
func IsAWSManaged(arn string) bool { return strings.HasPrefix(arn, ARNPrefix) }
