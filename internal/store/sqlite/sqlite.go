package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"

	"github.com/podiam/podiam/internal/store"
)

var _ store.Store = (*DB)(nil)

// DB is a store.Store in one SQLite file.
type DB struct {
	w     *sql.DB // the one writing connection
	r     *sql.DB // read-only connections
	reads *reads  // single-statement reads on r

	writes chan *writeReq // to the group committer
	done   chan struct{}  // closed when the group committer has stopped

	observe atomic.Pointer[func(kind string, d time.Duration)]

	// gens are the generations, by store.Records: in memory, since the
	// database is one server's (the data directory's lock).
	gens [store.NumRecords]atomic.Uint64
}

// untracked is the class of the writes that no generation counts:
// objects, uploads and parts.
const untracked store.Records = 0

// Generation implements store.Store.
func (db *DB) Generation(_ context.Context, r store.Records) (uint64, error) {
	return db.gens[r].Load(), nil
}

// Observe has fn told the time of every transaction and single read, by
// kind ("read", "write"): a group of writes committed together is one
// write. Set it once, before the database is used.
func (db *DB) Observe(fn func(kind string, d time.Duration)) {
	db.observe.Store(&fn)
	db.reads.observe.Store(&fn)
}

// timed reports the time since start to the observer, if any.
func timed(o *atomic.Pointer[func(string, time.Duration)], kind string, start time.Time) {
	if fn := o.Load(); fn != nil {
		(*fn)(kind, time.Since(start))
	}
}

// busyTimeout is how long a connection waits for another process's lock
// before a method returns store.ErrConflict.
const busyTimeout = 10 * time.Second

// dsn is the driver's name for the database at path: the pragmas run on
// every new connection.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens the database at path, creating it if needed, and brings its
// schema up to date.
func Open(path string) (*DB, error) {
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// A fixed pool of readers: a connection closed because too many were
	// idle costs its next opening (the schema read again, a cold page
	// cache) on the request path.
	r.SetMaxOpenConns(readers())
	r.SetMaxIdleConns(readers())
	db := &DB{w: w, r: r, reads: &reads{db: r}, writes: make(chan *writeReq), done: make(chan struct{})}
	go db.commitLoop()
	return db, nil
}

// readers is the size of the read pool: reads are short and mostly CPU
// (the page cache), so a few a core, and never fewer than 8.
func readers() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// Close closes the database.
func (db *DB) Close() error {
	close(db.writes)
	<-db.done
	db.reads.close()
	return errors.Join(db.r.Close(), db.w.Close())
}

// write runs fn, a write of records r, in a BEGIN IMMEDIATE transaction
// and commits it if fn returns nil; once committed, r's generation
// advances, before write returns.
//
// Writes are committed in groups: while one transaction commits (and
// waits for its fsync), the writes that arrive queue up, and the next
// transaction runs each of them in a savepoint of its own and commits
// them together. A write that fails is rolled back to its savepoint and
// fails alone; a failed commit fails every write of its group. Each
// method still sees the writes before it, in order, and returns only once
// its write is durable.
func (db *DB) write(ctx context.Context, r store.Records, fn func(*sql.Tx) error) error {
	req := &writeReq{ctx: ctx, records: r, fn: fn, done: make(chan error, 1)}
	select {
	case db.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-req.done
}

// writeReq is one write waiting for the group committer.
type writeReq struct {
	ctx     context.Context
	records store.Records
	fn      func(*sql.Tx) error
	done    chan error
}

// finish tells the writer of r its outcome, after advancing the
// generation of what it wrote if it committed.
func (db *DB) finish(r *writeReq, err error) {
	if err == nil && r.records != untracked {
		db.gens[r.records].Add(1)
	}
	r.done <- err
}

// maxGroup bounds the writes committed together.
const maxGroup = 128

// commitLoop runs the writes, a group per transaction, until writes is
// closed.
func (db *DB) commitLoop() {
	defer close(db.done)
	for req := range db.writes {
		group := []*writeReq{req}
	gather:
		for len(group) < maxGroup {
			select {
			case r, ok := <-db.writes:
				if !ok {
					break gather
				}
				group = append(group, r)
			default:
				break gather
			}
		}
		db.commitGroup(group)
	}
}

func (db *DB) commitGroup(group []*writeReq) {
	defer timed(&db.observe, "write", time.Now())
	if len(group) == 1 {
		r := group[0]
		db.finish(r, inTx(r.ctx, db.w, r.fn))
		return
	}
	errs := make([]error, len(group))
	err := inTx(context.Background(), db.w, func(tx *sql.Tx) error {
		for i, r := range group {
			if err := r.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.ExecContext(r.ctx, `SAVEPOINT w`); err != nil {
				return err
			}
			if err := r.fn(tx); err != nil {
				errs[i] = dbErr(err)
				if _, rerr := tx.ExecContext(context.Background(), `ROLLBACK TO w`); rerr != nil {
					return rerr
				}
			}
			if _, err := tx.ExecContext(context.Background(), `RELEASE w`); err != nil {
				return err
			}
		}
		return nil
	})
	for i, r := range group {
		if errs[i] == nil {
			errs[i] = err
		}
		db.finish(r, errs[i])
	}
}

// read runs fn in a read transaction, so that its queries see one state.
func (db *DB) read(ctx context.Context, fn func(*sql.Tx) error) error {
	defer timed(&db.observe, "read", time.Now())
	return inTx(ctx, db.r, fn)
}

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return dbErr(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return dbErr(err)
	}
	return dbErr(tx.Commit())
}

// SQLite's primary result codes and the extended ones that name a
// constraint.
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// dbErr adds the store's sentinel to a driver error: the methods check for
// duplicates and missing records themselves, so these are backstops.
func dbErr(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch code := se.Code(); {
	case code&0xff == sqliteBusy, code&0xff == sqliteLocked:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case code == sqliteConstraintPK, code == sqliteConstraintUnique:
		return fmt.Errorf("%w: %w", store.ErrAlreadyExists, err)
	}
	return err
}

// Encodings of the columns.

func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// The JSON forms of slices, with their own names so that renaming a Go
// field cannot change what is stored.
type tagJSON struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

type versionJSON struct {
	ID        string `json:"id"`
	Document  string `json:"doc"`
	CreatedAt string `json:"created"`
}

func tagsText(tags []store.Tag) string {
	out := make([]tagJSON, len(tags))
	for i, t := range tags {
		out[i] = tagJSON(t)
	}
	return jsonText(out)
}

// idsText is a map of ARNs to unique ids as stored: a JSON object.
func idsText(ids map[string]string) string {
	if ids == nil {
		return "{}"
	}
	return jsonText(ids)
}

// parseIDs reads principal ids that idsText wrote; none is nil.
func parseIDs(s string) (map[string]string, error) { return parseStringMap(s, "principal ids") }

// parseStringMap reads a JSON object of strings that idsText wrote; an
// empty one is nil.
func parseStringMap(s, what string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("parse stored %s: %w", what, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

func parseTags(s string) ([]store.Tag, error) {
	if s == "[]" || s == "null" {
		return nil, nil
	}
	var in []tagJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("parse stored tags: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]store.Tag, len(in))
	for i, t := range in {
		out[i] = store.Tag(t)
	}
	return out, nil
}

func versionsText(vs []store.PolicyVersion) string {
	out := make([]versionJSON, len(vs))
	for i, v := range vs {
		out[i] = versionJSON{ID: v.ID, Document: v.Document, CreatedAt: timeText(v.CreatedAt)}
	}
	return jsonText(out)
}

func parseVersions(s string) ([]store.PolicyVersion, error) {
	var in []versionJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("parse stored policy versions: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]store.PolicyVersion, len(in))
	for i, v := range in {
		t, err := parseTime(v.CreatedAt)
		if err != nil {
			return nil, err
		}
		out[i] = store.PolicyVersion{ID: v.ID, Document: v.Document, CreatedAt: t}
	}
	return out, nil
}

func stringsText(s []string) string {
	if s == nil {
		s = []string{}
	}
	return jsonText(s)
}

func parseStrings(s string) ([]string, error) {
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("parse stored list: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// jsonText marshals slices of strings and of the JSON forms above, which
// cannot fail.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlite: marshal %T: %v", v, err))
	}
	return string(b)
}

// querier is a *sql.Tx or the store's reads: a read of one statement
// needs no transaction of its own.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reads runs single-statement reads on the read pool, each query prepared
// once: parsing SQL costs more than running these lookups. The queries are
// constants, so the cache stays small.
type reads struct {
	db      *sql.DB
	stmts   sync.Map // query -> *sql.Stmt
	observe atomic.Pointer[func(kind string, d time.Duration)]
}

// The reads are lookups by key that take microseconds, so they run
// without ctx's cancellation: with it, database/sql and the driver each
// start a goroutine per query to watch ctx, which cost more than the
// lookup. Transactions keep theirs.
func (r *reads) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	defer timed(&r.observe, "read", time.Now())
	ctx = context.WithoutCancel(ctx)
	if s, ok := r.stmts.Load(query); ok {
		return s.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	s, err := r.db.PrepareContext(ctx, query)
	if err != nil {
		return r.db.QueryRowContext(ctx, query, args...) // the row carries the error
	}
	if prev, loaded := r.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		s = prev.(*sql.Stmt)
	}
	return s.QueryRowContext(ctx, args...)
}

func (r *reads) close() {
	r.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// one returns the sentinel for a missing row.
func one(err error, what, name string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %q: %w", what, name, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, name, err)
	}
	return nil
}

// exists reports whether a query returns a row.
func exists(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var found bool
	err := tx.QueryRowContext(ctx, "SELECT EXISTS ("+query+")", args...).Scan(&found)
	return found, err
}

// list runs a query and scans each row with scan.
// listPage runs query with up to limit rows (every row when limit is 0
// or less): one more is asked for, to tell whether more follow.
func listPage[T any](ctx context.Context, tx *sql.Tx, scan func(scanner) (T, error), limit int, query string, args ...any) (page []T, more bool, err error) {
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit+1)
	}
	page, err = list(ctx, tx, scan, query, args...)
	if limit > 0 && len(page) > limit {
		page, more = page[:limit], true
	}
	return page, more, err
}

func list[T any](ctx context.Context, tx *sql.Tx, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// result returns v, or the zero value with a non-nil err.
func result[T any](v T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
