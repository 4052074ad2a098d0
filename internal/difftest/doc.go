// Package difftest runs the policy corpus and generated cases through
// podiam's engine and an independent evaluator, iam-simulate, in an
// external node process, and reports where they disagree.
//
// Everything but this comment lives in _test.go files: the package builds
// into nothing. The evaluator is the test/oracle process (AGPL-licensed
// code that podiam never links or copies); the tests speak JSON lines to
// it over a pipe and skip unless PODIAM_ORACLE names its script, as
// `make test` does. docs/differential-testing.md says how to run them and
// what each known disagreement means.
package difftest
