package policy

import (
	"strings"
	"testing"
)

// allOperators is the sealed set, spelled out so that removing or
// renaming an operator fails here.
var allOperators = []struct {
	name string
	kind opKind
}{
	{"StringEquals", opStringEquals},
	{"StringNotEquals", opStringNotEquals},
	{"StringEqualsIgnoreCase", opStringEqualsIgnoreCase},
	{"StringNotEqualsIgnoreCase", opStringNotEqualsIgnoreCase},
	{"StringLike", opStringLike},
	{"StringNotLike", opStringNotLike},
	{"NumericEquals", opNumericEquals},
	{"NumericNotEquals", opNumericNotEquals},
	{"NumericLessThan", opNumericLessThan},
	{"NumericLessThanEquals", opNumericLessThanEquals},
	{"NumericGreaterThan", opNumericGreaterThan},
	{"NumericGreaterThanEquals", opNumericGreaterThanEquals},
	{"DateEquals", opDateEquals},
	{"DateNotEquals", opDateNotEquals},
	{"DateLessThan", opDateLessThan},
	{"DateLessThanEquals", opDateLessThanEquals},
	{"DateGreaterThan", opDateGreaterThan},
	{"DateGreaterThanEquals", opDateGreaterThanEquals},
	{"Bool", opBool},
	{"BinaryEquals", opBinaryEquals},
	{"IpAddress", opIPAddress},
	{"NotIpAddress", opNotIPAddress},
	{"ArnEquals", opArnEquals},
	{"ArnLike", opArnLike},
	{"ArnNotEquals", opArnNotEquals},
	{"ArnNotLike", opArnNotLike},
	{"Null", opNull},
}

func TestParseOperatorAll(t *testing.T) {
	if len(allOperators) != len(opNames) {
		t.Errorf("the test lists %d operators, opNames has %d", len(allOperators), len(opNames))
	}
	for _, o := range allOperators {
		variants := []struct {
			prefix, suffix string
			want           operator
		}{
			{"", "", operator{kind: o.kind}},
			{"", "IfExists", operator{kind: o.kind, ifExists: true}},
			{"ForAllValues:", "", operator{kind: o.kind, qual: qualForAll}},
			{"ForAnyValue:", "", operator{kind: o.kind, qual: qualForAny}},
			{"ForAllValues:", "IfExists", operator{kind: o.kind, qual: qualForAll, ifExists: true}},
			{"ForAnyValue:", "IfExists", operator{kind: o.kind, qual: qualForAny, ifExists: true}},
		}
		for _, v := range variants {
			s := v.prefix + o.name + v.suffix
			t.Run(s, func(t *testing.T) {
				got, err := parseOperator(s)
				if o.kind == opNull && v.suffix == "IfExists" {
					if err == nil {
						t.Fatalf("parseOperator(%q) = %+v, want an error: Null takes no IfExists", s, got)
					}
					return
				}
				if err != nil {
					t.Fatalf("parseOperator(%q): %v", s, err)
				}
				if got != v.want {
					t.Errorf("parseOperator(%q) = %+v, want %+v", s, got, v.want)
				}
			})
		}
	}
}

func TestParseOperatorErrors(t *testing.T) {
	tests := []struct {
		in  string
		msg string
	}{
		{"", "invalid condition type"},
		{"stringequals", "invalid condition type"},
		{"STRINGEQUALS", "invalid condition type"},
		{"StringEqual", "invalid condition type"},
		{"StringEquals ", "invalid condition type"},
		{"IfExists", "invalid condition type"},
		{"StringEqualsIfExistsIfExists", "invalid condition type"},
		{"StringEqualsifexists", "invalid condition type"},
		{"NullIfExists", `"NullIfExists"`},
		{"ForAnyValue:NullIfExists", "invalid condition type"},
		{"ForSomeValues:StringEquals", `invalid condition set qualifier "ForSomeValues"`},
		{"forallvalues:StringEquals", "invalid condition set qualifier"},
		{"ForAllValue:StringEquals", "invalid condition set qualifier"},
		{":StringEquals", "invalid condition set qualifier"},
		{"ForAllValues:", "invalid condition type"},
		{"ForAllValues:ForAnyValue:StringEquals", "invalid condition type"},
		{"ForAnyValue:StringEquals:x", "invalid condition type"},
		{"IfExists:StringEquals", "invalid condition set qualifier"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseOperator(tt.in)
			if err == nil {
				t.Fatalf("parseOperator(%q) = %+v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestOperatorClasses(t *testing.T) {
	negated := map[opKind]bool{
		opStringNotEquals: true, opStringNotEqualsIgnoreCase: true, opStringNotLike: true,
		opNumericNotEquals: true, opDateNotEquals: true, opNotIPAddress: true,
		opArnNotEquals: true, opArnNotLike: true,
	}
	for _, o := range allOperators {
		t.Run(o.name, func(t *testing.T) {
			if got := o.kind.negated(); got != negated[o.kind] {
				t.Errorf("negated() = %v, want %v", got, negated[o.kind])
			}
			vars := strings.HasPrefix(o.name, "String") || strings.HasPrefix(o.name, "Arn")
			if got := o.kind.variables(); got != vars {
				t.Errorf("variables() = %v, want %v", got, vars)
			}
		})
	}
}
