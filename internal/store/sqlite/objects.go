package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/podiam/podiam/internal/store"
)

// Buckets

const bucketCols = `name, account_id, region, policy, policy_ids, settings, created_at`

func scanBucket(s scanner) (store.Bucket, error) {
	var b store.Bucket
	var ids, settings, created string
	if err := s.Scan(&b.Name, &b.AccountID, &b.Region, &b.Policy, &ids, &settings, &created); err != nil {
		return store.Bucket{}, err
	}
	var err error
	if b.PolicyPrincipalIDs, err = parseIDs(ids); err != nil {
		return store.Bucket{}, err
	}
	if b.Settings, err = parseStringMap(settings, "bucket settings"); err != nil {
		return store.Bucket{}, err
	}
	b.CreatedAt, err = parseTime(created)
	return b, err
}

func getBucket(ctx context.Context, tx querier, what, name string) (store.Bucket, error) {
	b, err := scanBucket(tx.QueryRowContext(ctx, `SELECT `+bucketCols+` FROM buckets WHERE name = ?`, name))
	return b, one(err, what, name)
}

func (db *DB) CreateBucket(ctx context.Context, b store.Bucket) error {
	return db.write(ctx, store.Buckets, func(tx *sql.Tx) error {
		if err := accountPresent(ctx, tx, "create bucket", b.AccountID); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create bucket", b.Name, `SELECT 1 FROM buckets WHERE name = ?`, b.Name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO buckets (name, account_id, region, policy, policy_ids, settings, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			b.Name, b.AccountID, b.Region, b.Policy, idsText(b.PolicyPrincipalIDs), idsText(b.Settings), timeText(b.CreatedAt))
		return err
	})
}

func (db *DB) GetBucket(ctx context.Context, name string) (b store.Bucket, err error) {
	b, err = getBucket(ctx, db.reads, "get bucket", name)
	return result(b, err)
}

func (db *DB) ListBuckets(ctx context.Context, accountID string) (out []store.Bucket, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanBucket, `SELECT `+bucketCols+` FROM buckets WHERE account_id = ? ORDER BY name`, accountID)
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateBucket(ctx context.Context, name string, update func(*store.Bucket) error) (store.Bucket, error) {
	return db.updateBucket(ctx, name, false, func(b *store.Bucket, _ map[string]string) error { return update(b) })
}

func (db *DB) UpdateBucketWithAccountSettings(ctx context.Context, name string, update func(*store.Bucket, map[string]string) error) (store.Bucket, error) {
	return db.updateBucket(ctx, name, true, update)
}

// updateBucket updates a bucket in one transaction; update gets its
// owner's settings, read in that transaction, when withSettings (nil
// otherwise).
func (db *DB) updateBucket(ctx context.Context, name string, withSettings bool, update func(*store.Bucket, map[string]string) error) (b store.Bucket, err error) {
	err = db.write(ctx, store.Buckets, func(tx *sql.Tx) error {
		old, err := getBucket(ctx, tx, "update bucket", name)
		if err != nil {
			return err
		}
		var settings map[string]string
		if withSettings {
			if settings, err = accountSettings(ctx, tx, old.AccountID); err != nil {
				return err
			}
		}
		b = old
		if err := update(&b, settings); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &b); err != nil {
			return fmt.Errorf("update bucket %q: %w", name, err)
		}
		if len(b.Settings) == 0 {
			b.Settings = nil // as read back
		}
		_, err = tx.ExecContext(ctx, `UPDATE buckets SET policy = ?, policy_ids = ?, settings = ? WHERE name = ?`,
			b.Policy, idsText(b.PolicyPrincipalIDs), idsText(b.Settings), name)
		return err
	})
	return result(b, err)
}

func (db *DB) DeleteBucket(ctx context.Context, name string) error {
	return db.write(ctx, store.Buckets, func(tx *sql.Tx) error {
		if _, err := getBucket(ctx, tx, "delete bucket", name); err != nil {
			return err
		}
		for _, q := range []string{`SELECT 1 FROM objects WHERE bucket = ? LIMIT 1`, `SELECT 1 FROM object_versions WHERE bucket = ? LIMIT 1`, `SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1`} {
			found, err := exists(ctx, tx, q, name)
			if err != nil {
				return err
			}
			if found {
				return fmt.Errorf("delete bucket %q: %w", name, store.ErrDeleteConflict)
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM buckets WHERE name = ?`, name)
		return err
	})
}

// Account settings

func (db *DB) AccountSettings(ctx context.Context, accountID string) (out map[string]string, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if err := accountPresent(ctx, tx, "get account settings", accountID); err != nil {
			return err
		}
		out, err = accountSettings(ctx, tx, accountID)
		return err
	})
	return result(out, err)
}

// accountSettings reads the settings of an account, nil for none.
func accountSettings(ctx context.Context, tx *sql.Tx, accountID string) (out map[string]string, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, value FROM account_settings WHERE account_id = ?`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = value
	}
	return out, rows.Err()
}

func (db *DB) PutAccountSetting(ctx context.Context, accountID, name, value string) error {
	return db.write(ctx, store.Buckets, func(tx *sql.Tx) error {
		if err := accountPresent(ctx, tx, "put account setting", accountID); err != nil {
			return err
		}
		if value == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM account_settings WHERE account_id = ? AND name = ?`, accountID, name)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO account_settings (account_id, name, value) VALUES (?, ?, ?)
			ON CONFLICT (account_id, name) DO UPDATE SET value = excluded.value`, accountID, name, value)
		return err
	})
}

// Objects

const objectCols = `bucket, key, blob_id, size, etag, headers, checksums, tags, last_modified, version_id, null_version, delete_marker`

// versionCols are objectCols and, for a noncurrent version, when it
// stopped being current ("" for a current one).
const versionCols = objectCols + `, noncurrent_since`

func scanObject(s scanner) (store.Object, error) {
	return scanObjectRow(s, false)
}

func scanVersion(s scanner) (store.Object, error) {
	return scanObjectRow(s, true)
}

func scanObjectRow(s scanner, version bool) (store.Object, error) {
	var o store.Object
	var headers, checksums, tags, modified, noncurrent string
	dest := []any{&o.Bucket, &o.Key, &o.BlobID, &o.Size, &o.ETag, &headers, &checksums, &tags, &modified, &o.VersionID, &o.Null, &o.DeleteMarker}
	if version {
		dest = append(dest, &noncurrent)
	}
	if err := s.Scan(dest...); err != nil {
		return store.Object{}, err
	}
	var err error
	if o.Headers, err = parseMap(headers); err != nil {
		return store.Object{}, err
	}
	if o.Checksums, err = parseMap(checksums); err != nil {
		return store.Object{}, err
	}
	if o.Tags, err = parseTags(tags); err != nil {
		return store.Object{}, err
	}
	if noncurrent != "" {
		if o.NoncurrentSince, err = parseTime(noncurrent); err != nil {
			return store.Object{}, err
		}
	}
	o.LastModified, err = parseTime(modified)
	return o, err
}

// objectArgs are o's values for objectCols.
func objectArgs(o store.Object) []any {
	return []any{o.Bucket, o.Key, o.BlobID, o.Size, o.ETag, idsText(o.Headers), idsText(o.Checksums), tagsText(o.Tags), timeText(o.LastModified),
		o.VersionID, o.Null, o.DeleteMarker}
}

const insertObject = `INSERT OR REPLACE INTO objects (` + objectCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const insertVersion = `INSERT INTO object_versions (` + versionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// parseMap reads a stored JSON object of strings; empty is nil. The
// objects idsText wrote with no escape in them (names of headers and
// checksums, most values) are read without encoding/json.
func parseMap(s string) (map[string]string, error) {
	if s == "{}" || s == "null" {
		return nil, nil
	}
	if m, ok := plainMap(s); ok {
		return m, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("parse stored map: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// plainMap reads {"k":"v",...} as json.Marshal writes a map of strings
// when no key or value needs an escape or is past ASCII; ok is false for
// anything else.
func plainMap(s string) (map[string]string, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	m := map[string]string{}
	rest := s[1 : len(s)-1]
	for rest != "" {
		k, after, ok := plainString(rest)
		if !ok || after == "" || after[0] != ':' {
			return nil, false
		}
		v, after, ok := plainString(after[1:])
		if !ok {
			return nil, false
		}
		m[k] = v
		if after == "" {
			break
		}
		if after[0] != ',' || len(after) == 1 {
			return nil, false
		}
		rest = after[1:]
	}
	return m, true
}

// plainString reads a JSON string without escapes at the start of s, and
// returns its text and what follows it.
func plainString(s string) (text, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		return "", "", false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return s[1:i], s[i+1:], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", "", false
		}
	}
	return "", "", false
}

func getObject(ctx context.Context, tx querier, bucket, key string) (store.Object, error) {
	o, err := scanObject(tx.QueryRowContext(ctx, `SELECT `+objectCols+` FROM objects WHERE bucket = ? AND key = ?`, bucket, key))
	return o, one(err, "get object", key)
}

func (db *DB) PutObject(ctx context.Context, o store.Object) (replaced *store.Object, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		b, err := getBucket(ctx, tx, "put object: bucket", o.Bucket)
		if err != nil {
			return err
		}
		replaced, err = putObject(ctx, tx, b, o)
		return err
	})
	return result(replaced, err)
}

func (db *DB) PutObjectIf(ctx context.Context, o store.Object, current string) (replaced *store.Object, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		b, err := getBucket(ctx, tx, "put object: bucket", o.Bucket)
		if err != nil {
			return err
		}
		cur, err := getObject(ctx, tx, o.Bucket, o.Key)
		if err != nil {
			return err
		}
		if cur.VersionID != current {
			return fmt.Errorf("put object %q: version %q is no longer current: %w", o.Key, current, store.ErrConflict)
		}
		replaced, err = putObject(ctx, tx, b, o)
		return err
	})
	return result(replaced, err)
}

// putObject makes o the current version of its key in bucket b (as read
// in tx), as PutObject says, once its stamp fits b's versioning state.
func putObject(ctx context.Context, tx *sql.Tx, b store.Bucket, o store.Object) (replaced *store.Object, err error) {
	cur, err := getObject(ctx, tx, o.Bucket, o.Key)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var current *store.Object
	if found {
		current = &cur
	}
	if err := store.CheckVersioning(b.Settings, current, o); err != nil {
		return nil, err
	}
	switch {
	case !found:
	case o.VersionID == "" || (o.IsNull() && cur.IsNull()):
		replaced = &cur
	default:
		cur.NoncurrentSince = o.LastModified
		if _, err := tx.ExecContext(ctx, insertVersion, append(objectArgs(cur), timeText(cur.NoncurrentSince))...); err != nil {
			return nil, err
		}
	}
	if o.VersionID != "" && o.IsNull() && replaced == nil {
		old, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionCols+` FROM object_versions WHERE bucket = ? AND key = ? AND (version_id = '' OR null_version)`, o.Bucket, o.Key))
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, err
		default:
			replaced = &old
			if _, err := tx.ExecContext(ctx, `DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?`, o.Bucket, o.Key, old.VersionID); err != nil {
				return nil, err
			}
		}
	}
	o.NoncurrentSince = time.Time{}
	_, err = tx.ExecContext(ctx, insertObject, objectArgs(o)...)
	return replaced, err
}

// versionWhere selects version versionID of a key (NullVersion: the null
// version) in either table.
func versionWhere(bucket, key, versionID string) (string, []any) {
	if versionID == store.NullVersion {
		return ` WHERE bucket = ? AND key = ? AND (version_id = '' OR null_version)`, []any{bucket, key}
	}
	return ` WHERE bucket = ? AND key = ? AND version_id = ?`, []any{bucket, key, versionID}
}

// getVersion reads a version of a key; current tells whether it is the
// key's current version.
func getVersion(ctx context.Context, tx querier, bucket, key, versionID string) (o store.Object, current bool, err error) {
	where, args := versionWhere(bucket, key, versionID)
	o, err = scanObject(tx.QueryRowContext(ctx, `SELECT `+objectCols+` FROM objects`+where, args...))
	if err == nil {
		return o, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.Object{}, false, err
	}
	o, err = scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionCols+` FROM object_versions`+where, args...))
	return o, false, one(err, "get object version", key+"?versionId="+versionID)
}

func (db *DB) GetObjectVersion(ctx context.Context, bucket, key, versionID string) (o store.Object, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := getBucket(ctx, tx, "get object version: bucket", bucket); err != nil {
			return err
		}
		o, _, err = getVersion(ctx, tx, bucket, key, versionID)
		return err
	})
	return result(o, err)
}

func (db *DB) UpdateObjectVersion(ctx context.Context, bucket, key, versionID string, update func(*store.Object) error) (o store.Object, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		old, current, err := getVersion(ctx, tx, bucket, key, versionID)
		if err != nil {
			return err
		}
		o = old
		o.Headers, o.Checksums = maps.Clone(old.Headers), maps.Clone(old.Checksums)
		o.Tags = append([]store.Tag(nil), old.Tags...)
		if err := update(&o); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &o); err != nil {
			return fmt.Errorf("update object %q: %w", key, err)
		}
		table := "object_versions"
		if current {
			table = "objects"
		}
		_, err = tx.ExecContext(ctx, `UPDATE `+table+` SET headers = ?, checksums = ?, tags = ?, last_modified = ? WHERE bucket = ? AND key = ? AND version_id = ?`,
			idsText(o.Headers), idsText(o.Checksums), tagsText(o.Tags), timeText(o.LastModified), bucket, key, o.VersionID)
		return err
	})
	return result(o, err)
}

func (db *DB) DeleteObjectVersion(ctx context.Context, bucket, key, versionID string) (o store.Object, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		if _, err := getBucket(ctx, tx, "delete object version: bucket", bucket); err != nil {
			return err
		}
		var current bool
		if o, current, err = getVersion(ctx, tx, bucket, key, versionID); err != nil {
			return err
		}
		if !current {
			_, err = tx.ExecContext(ctx, `DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?`, bucket, key, o.VersionID)
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE bucket = ? AND key = ?`, bucket, key); err != nil {
			return err
		}
		next, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionCols+` FROM object_versions WHERE bucket = ? AND key = ? ORDER BY version_id DESC LIMIT 1`, bucket, key))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM object_versions WHERE bucket = ? AND key = ? AND version_id = ?`, bucket, key, next.VersionID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insertObject, objectArgs(next)...)
		return err
	})
	return result(o, err)
}

func (db *DB) ListObjectVersions(ctx context.Context, bucket, prefix, afterKey, afterVersion string, limit int) (page store.VersionPage, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := getBucket(ctx, tx, "list object versions: bucket", bucket); err != nil {
			return err
		}
		where := ` WHERE bucket = ? AND key >= ? AND key >= ?`
		args := []any{bucket, prefix, afterKey}
		if end := prefixEnd(prefix); end != "" {
			where += ` AND key < ?`
			args = append(args, end)
		}
		query := `SELECT * FROM (SELECT ` + objectCols + `, '' AS noncurrent_since FROM objects` + where +
			` UNION ALL SELECT ` + versionCols + ` FROM object_versions` + where +
			`) WHERE key > ? OR (key = ? AND version_id < ? AND ? <> '') ORDER BY key, version_id DESC`
		args = append(append(args, args...), afterKey, afterKey, afterVersion, afterVersion)
		var err error
		page.Versions, page.More, err = listPage(ctx, tx, scanVersion, limit, query, args...)
		return err
	})
	return result(page, err)
}

// GetObject reads the object in one prepared statement, as every GET
// does; only a missing object costs a second, which says whether its
// bucket is missing too.
func (db *DB) GetObject(ctx context.Context, bucket, key string) (o store.Object, err error) {
	o, err = getObject(ctx, db.reads, bucket, key)
	if errors.Is(err, store.ErrNotFound) {
		if _, berr := getBucket(ctx, db.reads, "get object: bucket", bucket); berr != nil {
			err = berr
		}
	}
	return result(o, err)
}

func (db *DB) UpdateObject(ctx context.Context, bucket, key string, update func(*store.Object) error) (o store.Object, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		old, err := getObject(ctx, tx, bucket, key)
		if err != nil {
			return err
		}
		o = old
		o.Headers, o.Checksums = maps.Clone(old.Headers), maps.Clone(old.Checksums)
		o.Tags = append([]store.Tag(nil), old.Tags...)
		if err := update(&o); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &o); err != nil {
			return fmt.Errorf("update object %q: %w", key, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE objects SET headers = ?, checksums = ?, tags = ?, last_modified = ? WHERE bucket = ? AND key = ?`,
			idsText(o.Headers), idsText(o.Checksums), tagsText(o.Tags), timeText(o.LastModified), bucket, key)
		return err
	})
	return result(o, err)
}

// prefixEnd is the smallest string greater than every string that starts
// with prefix, in byte order ("" when there is none).
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return ""
	}
	b[len(b)-1]++
	return string(b)
}

func (db *DB) ListObjects(ctx context.Context, bucket, prefix, after string, limit int) (page store.ObjectPage, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := getBucket(ctx, tx, "list objects: bucket", bucket); err != nil {
			return err
		}
		query := `SELECT ` + objectCols + ` FROM objects WHERE bucket = ? AND key > ? AND key >= ? AND NOT delete_marker`
		args := []any{bucket, after, prefix}
		if end := prefixEnd(prefix); end != "" {
			query += ` AND key < ?`
			args = append(args, end)
		}
		query += ` ORDER BY key`
		var err error
		page.Objects, page.More, err = listPage(ctx, tx, scanObject, limit, query, args...)
		return err
	})
	return result(page, err)
}

func (db *DB) DeleteObject(ctx context.Context, bucket, key string) (o store.Object, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		b, err := getBucket(ctx, tx, "delete object: bucket", bucket)
		if err != nil {
			return err
		}
		o, err = getObject(ctx, tx, bucket, key)
		missing := errors.Is(err, store.ErrNotFound)
		if err != nil && !missing {
			return err
		}
		cur := &o
		if missing {
			cur = nil
		}
		if err := store.CheckVersioning(b.Settings, cur, store.Object{Key: key}); err != nil {
			return err
		}
		if missing {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM objects WHERE bucket = ? AND key = ?`, bucket, key)
		return err
	})
	return result(o, err)
}

func (db *DB) DeleteObjectIf(ctx context.Context, bucket, key, blobID string) (o store.Object, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		b, err := getBucket(ctx, tx, "delete object: bucket", bucket)
		if err != nil {
			return err
		}
		if o, err = getObject(ctx, tx, bucket, key); err != nil {
			return err
		}
		if o.BlobID != blobID {
			return fmt.Errorf("delete object %q: it holds another blob: %w", key, store.ErrConflict)
		}
		if err := store.CheckVersioning(b.Settings, &o, store.Object{Key: key}); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM objects WHERE bucket = ? AND key = ?`, bucket, key)
		return err
	})
	return result(o, err)
}

func (db *DB) BlobReferenced(ctx context.Context, id string) (bool, error) {
	var found bool
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if found, err = exists(ctx, tx, `SELECT 1 FROM objects WHERE blob_id = ? LIMIT 1`, id); err != nil || found {
			return err
		}
		if found, err = exists(ctx, tx, `SELECT 1 FROM object_versions WHERE blob_id = ? LIMIT 1`, id); err != nil || found {
			return err
		}
		found, err = exists(ctx, tx, `SELECT 1 FROM parts WHERE blob_id = ? LIMIT 1`, id)
		return err
	})
	return found, err
}

// Multipart uploads

const uploadCols = `id, bucket, key, initiator, account_id, headers, checksum, created_at`

func scanUpload(s scanner) (store.Upload, error) {
	var u store.Upload
	var headers, created string
	if err := s.Scan(&u.ID, &u.Bucket, &u.Key, &u.Initiator, &u.AccountID, &headers, &u.ChecksumAlgorithm, &created); err != nil {
		return store.Upload{}, err
	}
	var err error
	if u.Headers, err = parseMap(headers); err != nil {
		return store.Upload{}, err
	}
	u.CreatedAt, err = parseTime(created)
	return u, err
}

const partCols = `upload_id, number, blob_id, size, etag, checksums, last_modified`

func scanPart(s scanner) (store.Part, error) {
	var p store.Part
	var checksums, modified string
	if err := s.Scan(&p.UploadID, &p.Number, &p.BlobID, &p.Size, &p.ETag, &checksums, &modified); err != nil {
		return store.Part{}, err
	}
	var err error
	if p.Checksums, err = parseMap(checksums); err != nil {
		return store.Part{}, err
	}
	p.LastModified, err = parseTime(modified)
	return p, err
}

func getUpload(ctx context.Context, tx querier, what, id string) (store.Upload, error) {
	u, err := scanUpload(tx.QueryRowContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = ?`, id))
	return u, one(err, what, id)
}

func (db *DB) CreateUpload(ctx context.Context, u store.Upload) error {
	return db.write(ctx, untracked, func(tx *sql.Tx) error {
		if _, err := getBucket(ctx, tx, "create upload: bucket", u.Bucket); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create upload", u.ID, `SELECT 1 FROM uploads WHERE id = ?`, u.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO uploads (`+uploadCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Bucket, u.Key, u.Initiator, u.AccountID, idsText(u.Headers), u.ChecksumAlgorithm, timeText(u.CreatedAt))
		return err
	})
}

func (db *DB) GetUpload(ctx context.Context, id string) (u store.Upload, err error) {
	u, err = getUpload(ctx, db.reads, "get upload", id)
	return result(u, err)
}

func (db *DB) ListUploads(ctx context.Context, bucket string) (out []store.Upload, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := getBucket(ctx, tx, "list uploads: bucket", bucket); err != nil {
			return err
		}
		out, err = list(ctx, tx, scanUpload, `SELECT `+uploadCols+` FROM uploads WHERE bucket = ? ORDER BY key, created_at, id`, bucket)
		return err
	})
	return result(out, err)
}

func (db *DB) PutPart(ctx context.Context, p store.Part) (replaced *store.Part, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		if _, err := getUpload(ctx, tx, "put part: upload", p.UploadID); err != nil {
			return err
		}
		old, err := scanPart(tx.QueryRowContext(ctx, `SELECT `+partCols+` FROM parts WHERE upload_id = ? AND number = ?`, p.UploadID, p.Number))
		if err == nil {
			replaced = &old
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO parts (`+partCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.UploadID, p.Number, p.BlobID, p.Size, p.ETag, idsText(p.Checksums), timeText(p.LastModified))
		return err
	})
	return result(replaced, err)
}

func listParts(ctx context.Context, tx *sql.Tx, id string) ([]store.Part, error) {
	if _, err := getUpload(ctx, tx, "list parts: upload", id); err != nil {
		return nil, err
	}
	return list(ctx, tx, scanPart, `SELECT `+partCols+` FROM parts WHERE upload_id = ? ORDER BY number`, id)
}

func (db *DB) ListParts(ctx context.Context, uploadID string) (out []store.Part, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = listParts(ctx, tx, uploadID)
		return err
	})
	return result(out, err)
}

func deleteUpload(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM parts WHERE upload_id = ?`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id = ?`, id)
	return err
}

func (db *DB) DeleteUpload(ctx context.Context, id string) (parts []store.Part, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		if parts, err = listParts(ctx, tx, id); err != nil {
			return err
		}
		return deleteUpload(ctx, tx, id)
	})
	return result(parts, err)
}

func (db *DB) CompleteUpload(ctx context.Context, id string, o store.Object) (replaced *store.Object, parts []store.Part, err error) {
	err = db.write(ctx, untracked, func(tx *sql.Tx) error {
		if parts, err = listParts(ctx, tx, id); err != nil {
			return err
		}
		b, err := getBucket(ctx, tx, "complete upload: bucket", o.Bucket)
		if err != nil {
			return err
		}
		if replaced, err = putObject(ctx, tx, b, o); err != nil {
			return err
		}
		return deleteUpload(ctx, tx, id)
	})
	if err != nil {
		return nil, nil, err
	}
	return replaced, parts, nil
}
