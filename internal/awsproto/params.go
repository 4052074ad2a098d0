package awsproto

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Params are the parameters of a Query request, or those of one member of
// a list of structures (see Structs), by name. Names are case-sensitive.
//
// The Query protocol flattens lists as Prefix.member.N (N from 1, without
// gaps), lists of structures as Prefix.member.N.Field and maps as
// Prefix.entry.N.key and Prefix.entry.N.value; an empty list is sent as
// "Prefix=" with an empty value.
type Params struct {
	// path is the name of these parameters in the request: "" at the top,
	// "Tags.member.1." in a member, for error messages.
	path   string
	values map[string]string
}

// Len returns the number of parameters.
func (p Params) Len() int { return len(p.values) }

// Names returns the names of the parameters, sorted.
func (p Params) Names() []string { return slices.Sorted(maps.Keys(p.values)) }

// Lookup returns the value of a parameter and whether it was given.
func (p Params) Lookup(name string) (string, bool) {
	v, ok := p.values[name]
	return v, ok
}

// Get returns the value of a parameter, or "" if it was not given.
func (p Params) Get(name string) string { return p.values[name] }

// Required returns the value of a parameter that must be given, or a
// MissingParameter error. An empty value counts as given: its length is
// the service's to check.
func (p Params) Required(name string) (string, error) {
	v, ok := p.values[name]
	if !ok {
		return "", MissingParameter(p.path + name)
	}
	return v, nil
}

// RequiredAll reads the named required parameters, in order.
func (p Params) RequiredAll(names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := p.Required(n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// Int returns the value of an integer parameter (32 bits, as the Query
// APIs' Integer type) and whether it was given.
func (p Params) Int(name string) (int, bool, error) {
	v, ok := p.values[name]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, true, InvalidParameterValue(fmt.Sprintf("Value %q for parameter %s is not a valid integer", v, p.path+name))
	}
	return int(n), true, nil
}

// Bool returns the value of a boolean parameter ("true" or "false", in any
// case) and whether it was given.
func (p Params) Bool(name string) (bool, bool, error) {
	v, ok := p.values[name]
	if !ok {
		return false, false, nil
	}
	switch {
	case strings.EqualFold(v, "true"):
		return true, true, nil
	case strings.EqualFold(v, "false"):
		return false, true, nil
	}
	return false, true, InvalidParameterValue(fmt.Sprintf("Value %q for parameter %s is not a valid boolean", v, p.path+name))
}

// List returns the strings of the list Prefix.member.1, Prefix.member.2,
// ...: nil if none was given, an empty slice for the empty list "Prefix=".
func (p Params) List(prefix string) ([]string, error) {
	groups, err := p.members(prefix, "member")
	if groups == nil || err != nil {
		return nil, err
	}
	out := make([]string, len(groups))
	for i, g := range groups {
		v, ok := g[""]
		if !ok || len(g) > 1 {
			return nil, InvalidParameterValue(fmt.Sprintf("%s is a list of strings: give %s.member.%d, not fields of it", p.path+prefix, p.path+prefix, i+1))
		}
		out[i] = v
	}
	return out, nil
}

// Structs returns the members of the list of structures
// Prefix.member.N.Field, each as the Params of its fields (with lists and
// structures below them): nil if none was given, an empty slice for the
// empty list "Prefix=". With fields, a member's field must be one of them.
//
//	tags, err := q.Structs("Tags", "Key", "Value")
//	for _, t := range tags { key, err := t.Required("Key"); ... }
func (p Params) Structs(prefix string, fields ...string) ([]Params, error) {
	groups, err := p.members(prefix, "member")
	if groups == nil || err != nil {
		return nil, err
	}
	out := make([]Params, len(groups))
	for i, g := range groups {
		path := p.path + prefix + ".member." + strconv.Itoa(i+1) + "."
		for name := range g {
			if name == "" {
				return nil, InvalidParameterValue(fmt.Sprintf("%s is a list of structures: give its fields, not %s", p.path+prefix, strings.TrimSuffix(path, ".")))
			}
			field, _, _ := strings.Cut(name, ".")
			if len(fields) > 0 && !slices.Contains(fields, field) {
				return nil, InvalidParameterValue(fmt.Sprintf("Unknown parameter %s%s: the fields of %s are %s", path, field, p.path+prefix, strings.Join(fields, ", ")))
			}
		}
		out[i] = Params{path: path, values: g}
	}
	return out, nil
}

// Map returns the map Prefix.entry.N.key / Prefix.entry.N.value: nil if
// none was given. Keys must be distinct.
func (p Params) Map(prefix string) (map[string]string, error) {
	groups, err := p.members(prefix, "entry")
	if groups == nil || err != nil {
		return nil, err
	}
	out := make(map[string]string, len(groups))
	for i, g := range groups {
		entry := fmt.Sprintf("%s.entry.%d", p.path+prefix, i+1)
		k, ok := g["key"]
		if !ok {
			return nil, MissingParameter(entry + ".key")
		}
		for name := range g {
			if name != "key" && name != "value" {
				return nil, InvalidParameterValue(fmt.Sprintf("Unknown parameter %s.%s: a map entry has a key and a value", entry, name))
			}
		}
		if _, dup := out[k]; dup {
			return nil, InvalidParameterValue(fmt.Sprintf("Key %q of %s appears more than once", k, p.path+prefix))
		}
		out[k] = g["value"]
	}
	return out, nil
}

// members groups the parameters Prefix.sep.N[.rest] by N, each group
// mapping rest (or "" for Prefix.sep.N itself) to the value, in the order
// of N. N must run from 1 without gaps. It returns nil if the request has
// no such parameters, and an empty slice for "Prefix=".
func (p Params) members(prefix, sep string) ([]map[string]string, error) {
	full := p.path + prefix
	empty, hasEmpty := p.values[prefix]
	if hasEmpty && empty != "" {
		return nil, InvalidParameterValue(fmt.Sprintf("%s is a list: give %s.%s.1, %s.%s.2, ...", full, full, sep, full, sep))
	}
	head := prefix + "." + sep + "."
	var byIndex map[int]map[string]string
	for name, v := range p.values {
		rest, ok := strings.CutPrefix(name, head)
		if !ok {
			if strings.HasPrefix(name, prefix+".") {
				return nil, InvalidParameterValue(fmt.Sprintf("Unknown parameter %s: the members of %s are named %s.%s.N", p.path+name, full, full, sep))
			}
			continue
		}
		idx, tail, dotted := strings.Cut(rest, ".")
		n, ok := parseIndex(idx)
		if !ok || (dotted && tail == "") {
			return nil, InvalidParameterValue(fmt.Sprintf("Invalid parameter %s: members are numbered 1, 2, ...", p.path+name))
		}
		if byIndex == nil {
			byIndex = map[int]map[string]string{}
		}
		g := byIndex[n]
		if g == nil {
			g = map[string]string{}
			byIndex[n] = g
		}
		g[tail] = v
	}
	if byIndex == nil {
		if hasEmpty {
			return []map[string]string{}, nil
		}
		return nil, nil
	}
	if hasEmpty {
		return nil, InvalidParameterValue(fmt.Sprintf("%s is given both as the empty list and with members", full))
	}
	out := make([]map[string]string, len(byIndex))
	for i := range out {
		g, ok := byIndex[i+1]
		if !ok {
			return nil, InvalidParameterValue(fmt.Sprintf("%s.%s.%d is missing: members are numbered from 1 without gaps", full, sep, i+1))
		}
		out[i] = g
	}
	return out, nil
}

// parseIndex parses a member number: decimal digits without a leading
// zero, from 1.
func parseIndex(s string) (int, bool) {
	if s == "" || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
