// Package meta holds tests about the repository itself: every package has
// a doc comment, and the import boundaries of docs/DESIGN.md hold.
package meta
