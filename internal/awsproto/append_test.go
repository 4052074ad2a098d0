package awsproto

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"
)

// reflected is encodeResponse through encoding/xml whatever the result,
// as it was before results wrote themselves.
func reflected(t *testing.T, action, ns, id string, result any) []byte {
	t.Helper()
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	root := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ns}}}
	if err := e.EncodeToken(root); err != nil {
		t.Fatal(err)
	}
	if result != nil {
		if err := e.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			t.Fatal(err)
		}
	}
	meta := struct {
		RequestID string `xml:"RequestId"`
	}{id}
	if err := e.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.EncodeToken(root.End()); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzAppendXML: the results that write themselves write what
// encoding/xml writes, whatever their strings hold.
func FuzzAppendXML(f *testing.F) {
	f.Add("AROAEXAMPLE:pod", "111122223333", "arn:aws:sts::111122223333:assumed-role/app/pod", int64(1767225600), 7, true)
	f.Add("a<b>&\"'\t\n\r", "\x00\x1f\x7f", "\xff\xfe é \U0001F600 \uFFFE", int64(0), 0, false)
	f.Add("", "", "", int64(-62135596800), -1, true)
	f.Fuzz(func(t *testing.T, a, b, c string, unix int64, packed int, withPacked bool) {
		var size *int
		if withPacked {
			size = &packed
		}
		cred := Credentials{AccessKeyId: a, SecretAccessKey: b, SessionToken: c, Expiration: Timestamp(time.Unix(unix%(1<<40), 0))}
		user := AssumedRoleUser{AssumedRoleId: b, Arn: c}
		for _, r := range []any{
			nil,
			&GetCallerIdentityResult{UserId: a, Account: b, Arn: c},
			&AssumeRoleResult{Credentials: cred, AssumedRoleUser: user, PackedPolicySize: size, SourceIdentity: a},
			&AssumeRoleWithWebIdentityResult{Credentials: cred, SubjectFromWebIdentityToken: a, AssumedRoleUser: user, PackedPolicySize: size,
				Provider: b, Audience: c, SourceIdentity: c},
			&GetSessionTokenResult{Credentials: cred},
		} {
			got, err := encodeResponse("Action", "https://sts.amazonaws.com/doc/2011-06-15/"+a, b, r)
			if err != nil {
				t.Fatal(err)
			}
			if want := reflected(t, "Action", "https://sts.amazonaws.com/doc/2011-06-15/"+a, b, r); !bytes.Equal(got, want) {
				t.Fatalf("%T:\n got %s\nwant %s", r, got, want)
			}
		}
	})
}
