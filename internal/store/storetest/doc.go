// Package storetest is the conformance suite of store.Store: every backend
// runs Run, and backends that persist also run RunPersistent, so that all
// of them keep the same contract. A backend's own test file only opens the
// backend and calls these.
package storetest
