package policy

// Policy language versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is Allow or Deny.
type Effect uint8

const (
	Allow Effect = iota + 1
	Deny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "?"
}

// Document is a parsed, validated policy document in the shape AWS gives
// it. It prints back to canonical JSON with [Document.MarshalJSON].
type Document struct {
	Version string // "" when the document gave none
	ID      string
	// Statements in document order.
	Statements []Statement
	// SingleStatement records that Statement was an object, not an array.
	SingleStatement bool
}

// Statement is one statement of a document.
type Statement struct {
	Sid          string
	Effect       Effect
	Principal    *Principals // nil when absent
	NotPrincipal *Principals
	Action       *Strings // nil when absent
	NotAction    *Strings
	Resource     *Strings
	NotResource  *Strings
	Condition    []Condition // sorted by operator, then key
}

// Strings is a JSON value that AWS accepts as a string or a list of
// strings; List records which form was used.
type Strings struct {
	Values []string
	List   bool
}

// Principals is a Principal or NotPrincipal element: either the bare
// string "*" (Wildcard) or a map from principal type (AWS, Federated,
// Service, CanonicalUser) to values.
type Principals struct {
	Wildcard bool
	Types    []PrincipalEntry // sorted by type
}

// PrincipalEntry is one principal type and its values.
type PrincipalEntry struct {
	Type   string
	Values Strings
}

// Condition is one operator/key pair of a Condition block with its values.
type Condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Key      string // as written
	Values   Strings
}
