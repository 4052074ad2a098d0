// Package cli owns podiam's command line: the command tree (on cobra),
// the environment commands write to, and the rule that every flag may
// also be set through a PODIAM_* environment variable (flag beats
// environment beats default). Each noun has its own package (policycmd,
// ...) with one file per verb; this package only assembles the tree and
// renders errors.
package cli
