// Package meta holds tests about the repository itself: every package has
// a doc comment, the import boundaries of docs/DESIGN.md hold, and no
// domain package names an AWS error code (they return kinds of failure;
// awsproto's tables name the codes).
package meta
