package policy

import (
	"fmt"
	"strings"
)

// opKind is the base condition operator, without qualifier or IfExists.
type opKind uint8

const (
	opStringEquals opKind = iota + 1
	opStringNotEquals
	opStringEqualsIgnoreCase
	opStringNotEqualsIgnoreCase
	opStringLike
	opStringNotLike
	opNumericEquals
	opNumericNotEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateNotEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opNotIPAddress
	opArnEquals
	opArnLike
	opArnNotEquals
	opArnNotLike
	opNull
)

// The sealed set of operators, by the name policies use.
var opNames = map[string]opKind{
	"StringEquals":              opStringEquals,
	"StringNotEquals":           opStringNotEquals,
	"StringEqualsIgnoreCase":    opStringEqualsIgnoreCase,
	"StringNotEqualsIgnoreCase": opStringNotEqualsIgnoreCase,
	"StringLike":                opStringLike,
	"StringNotLike":             opStringNotLike,
	"NumericEquals":             opNumericEquals,
	"NumericNotEquals":          opNumericNotEquals,
	"NumericLessThan":           opNumericLessThan,
	"NumericLessThanEquals":     opNumericLessThanEquals,
	"NumericGreaterThan":        opNumericGreaterThan,
	"NumericGreaterThanEquals":  opNumericGreaterThanEquals,
	"DateEquals":                opDateEquals,
	"DateNotEquals":             opDateNotEquals,
	"DateLessThan":              opDateLessThan,
	"DateLessThanEquals":        opDateLessThanEquals,
	"DateGreaterThan":           opDateGreaterThan,
	"DateGreaterThanEquals":     opDateGreaterThanEquals,
	"Bool":                      opBool,
	"BinaryEquals":              opBinaryEquals,
	"IpAddress":                 opIPAddress,
	"NotIpAddress":              opNotIPAddress,
	"ArnEquals":                 opArnEquals,
	"ArnLike":                   opArnLike,
	"ArnNotEquals":              opArnNotEquals,
	"ArnNotLike":                opArnNotLike,
	"Null":                      opNull,
}

// negated reports whether the operator is true when no value matches.
func (o opKind) negated() bool {
	switch o {
	case opStringNotEquals, opStringNotEqualsIgnoreCase, opStringNotLike, opNumericNotEquals,
		opDateNotEquals, opNotIPAddress, opArnNotEquals, opArnNotLike:
		return true
	}
	return false
}

// variables reports whether policy variables are substituted in values of
// this operator (String and Arn operators only).
func (o opKind) variables() bool {
	return o >= opStringEquals && o <= opStringNotLike || o >= opArnEquals && o <= opArnNotLike
}

type qualifier uint8

const (
	qualNone qualifier = iota
	qualForAll
	qualForAny
)

type operator struct {
	kind     opKind
	qual     qualifier
	ifExists bool
}

// operators holds every valid operator name with its qualifier and
// IfExists forms, so that compiling a condition is one lookup.
var operators = func() map[string]operator {
	m := make(map[string]operator)
	for name, k := range opNames {
		for _, q := range []struct {
			prefix string
			qual   qualifier
		}{{"", qualNone}, {"ForAllValues:", qualForAll}, {"ForAnyValue:", qualForAny}} {
			m[q.prefix+name] = operator{kind: k, qual: q.qual}
			if k != opNull {
				m[q.prefix+name+"IfExists"] = operator{kind: k, qual: q.qual, ifExists: true}
			}
		}
	}
	return m
}()

// parseOperator parses a condition operator such as
// "ForAnyValue:StringLikeIfExists".
func parseOperator(s string) (operator, error) {
	if op, ok := operators[s]; ok {
		return op, nil
	}
	return parseOperatorSlow(s)
}

// parseOperatorSlow explains why s is not an operator.
func parseOperatorSlow(s string) (operator, error) {
	var op operator
	name := s
	if q, rest, ok := strings.Cut(name, ":"); ok {
		switch q {
		case "ForAllValues":
			op.qual = qualForAll
		case "ForAnyValue":
			op.qual = qualForAny
		default:
			return op, fmt.Errorf("invalid condition set qualifier %q in %q: use ForAllValues or ForAnyValue", q, s)
		}
		name = rest
	}
	if base, ok := strings.CutSuffix(name, "IfExists"); ok && base != "Null" {
		if _, known := opNames[base]; known {
			op.ifExists = true
			name = base
		}
	}
	k, ok := opNames[name]
	if !ok {
		return op, fmt.Errorf("invalid condition type %q", s)
	}
	op.kind = k
	return op, nil
}

// cost ranks operators by the work of one comparison, cheapest first.
func (o opKind) cost() int {
	switch {
	case o >= opStringEquals && o <= opStringNotLike:
		return 0 // cheap, and usually the most selective
	case o == opNull || o == opBool:
		return 1
	case o >= opArnEquals && o <= opArnNotLike:
		return 2
	case o >= opNumericEquals && o <= opNumericGreaterThanEquals:
		return 3
	case o == opIPAddress || o == opNotIPAddress:
		return 4
	}
	return 5 // dates, binary
}
