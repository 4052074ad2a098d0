// Package store owns podiam's storage contract: the records the services
// keep (accounts, users, access keys, roles, managed and inline policies,
// attachments, OIDC providers), the one wide Store interface every backend
// implements, and the sentinel errors callers test with errors.Is.
//
// The backends live below it: store/memory for tests, store/sqlite for the
// embedded default. store/storetest is the one conformance suite every
// backend runs, so that a backend is correct when it passes it.
//
// The contract, which the suite checks:
//   - Each method is one transaction: it happens whole or not at all.
//   - Names of users, roles, managed policies and inline policies are
//     unique within their scope regardless of case (as IAM's are) and are
//     looked up regardless of case; ids, access key ids and ARNs are unique
//     across every account. Creating a duplicate returns ErrAlreadyExists.
//   - Lists are sorted: users, roles, policies and inline policies by name
//     (byte order), access keys by id, attachments by policy ARN or by
//     principal, accounts by id, OIDC providers by ARN.
//   - Updates take a function that edits a copy of the record; if it
//     returns an error the record is unchanged and that error is returned
//     as it is. The function may not change what identifies the record.
//   - The store sets no field itself: times, ids and ARNs come from the
//     caller, and the store keeps times to the nanosecond, in UTC. An empty
//     slice comes back as nil.
//   - The store never sees a plaintext secret: access keys carry their
//     secret sealed by the caller.
//   - Every committed write of IAM records advances the IAM generation,
//     every bucket write the buckets' (Store.Generation), before its
//     method returns; reads advance nothing. Callers cache what they
//     derive from those records by generation (Cache), so that a write,
//     through any path, is seen by the next request.
package store
