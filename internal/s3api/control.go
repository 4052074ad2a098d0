package s3api

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/s3"
)

// S3 Control speaks S3's REST-XML under /v20180820/, signed for "s3",
// about the account named by the x-amz-account-id header. On AWS its host
// is <account>.s3-control.<region>.amazonaws.com; the SDKs put the same
// <account>. before a custom endpoint's host (<account>.localhost, say),
// which names a bucket under the configured domains: Owns claims the
// request for S3 Control by its path, before S3 takes it.

// controlPrefix starts the path of every S3 Control operation.
const controlPrefix = "/v20180820/"

// controlNamespace is the XML namespace of S3 Control's documents.
const controlNamespace = "http://awss3control.amazonaws.com/doc/2018-08-20/"

// Control is S3 Control's protocol: the account-level operations podiam
// serves (block public access), authenticated as S3 requests are.
type Control struct{ api *API }

// Control returns S3 Control's protocol, served with the API's service
// and authentication.
func (api *API) Control() *Control { return &Control{api: api} }

var _ httpapi.Claimer = (*Control)(nil)

// Owns reports whether r is an S3 Control request: its path is under
// /v20180820/ and its host names no bucket, or names as one the account
// of its x-amz-account-id (the host prefix the SDKs add). A path-style
// request to a bucket named v20180820 is therefore never S3's, and an
// object key under v20180820/ of a virtual-hosted bucket stays S3's.
func (c *Control) Owns(r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, controlPrefix) {
		return false
	}
	b := c.api.bucketHost(r)
	return b == "" || b == r.Header.Get("X-Amz-Account-Id")
}

// controlOperation is what an S3 Control request asks for: its audit
// name and its handler.
type controlOperation struct {
	name  string
	serve func(c *Control, ctx context.Context, w http.ResponseWriter, a *s3Auth, account, id string) error
}

// controlOperations are the S3 Control operations served, by path and
// method.
var controlOperations = map[string]map[string]controlOperation{
	"/v20180820/configuration/publicAccessBlock": {
		http.MethodGet:    {"GetAccountPublicAccessBlock", (*Control).getPublicAccessBlock},
		http.MethodPut:    {"PutAccountPublicAccessBlock", (*Control).putPublicAccessBlock},
		http.MethodDelete: {"DeleteAccountPublicAccessBlock", (*Control).deletePublicAccessBlock},
	},
}

// Serve serves one S3 Control request: it names the operation (the
// audit's action is the name CloudTrail gives it), authenticates the
// request and runs it for the account of x-amz-account-id.
func (c *Control) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, in *authn.Request, rec *audit.Record) error {
	w.Header().Set("x-amz-request-id", rec.RequestID)
	ops, found := controlOperations[r.URL.Path]
	if !found {
		rec.Action = "s3control:" + r.Method + " " + r.URL.Path // no metric label of its own
		return refuse(fault.Unsupported, fault.None, "podiam serves no S3 Control operation at "+r.URL.Path+".")
	}
	op, found := ops[r.Method]
	if !found {
		rec.Action = "s3control:" + r.Method + " " + r.URL.Path // no metric label of its own
		return methodNotAllowed()
	}
	rec.Action = "s3:" + op.name
	a, err := c.api.authenticateS3(r, in, rec)
	if err != nil {
		return err
	}
	account := r.Header.Get("X-Amz-Account-Id")
	if account == "" {
		return refuse(fault.InvalidInput, fault.Request, "Missing required header for this request: x-amz-account-id")
	}
	if err := op.serve(c, ctx, w, a, account, rec.RequestID); err != nil {
		return err
	}
	rec.Status = http.StatusOK
	return nil
}

// controlPublicAccessBlock is S3 Control's PublicAccessBlockConfiguration:
// GetPublicAccessBlock's result and PutPublicAccessBlock's body (an
// element left out is false).
type controlPublicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

func (c *Control) getPublicAccessBlock(ctx context.Context, w http.ResponseWriter, a *s3Auth, account, id string) error {
	p, err := c.api.svc.GetAccountPublicAccessBlock(ctx, &a.req, account)
	if err != nil {
		return err
	}
	return awsproto.WriteS3XML(w, http.StatusOK, id, &controlPublicAccessBlock{Xmlns: controlNamespace, BlockPublicAcls: p.BlockPublicACLs,
		IgnorePublicAcls: p.IgnorePublicACLs, BlockPublicPolicy: p.BlockPublicPolicy, RestrictPublicBuckets: p.RestrictPublicBuckets})
}

func (c *Control) putPublicAccessBlock(ctx context.Context, w http.ResponseWriter, a *s3Auth, account, id string) error {
	var in controlPublicAccessBlock
	if err := readXML(a, &in); err != nil {
		return err
	}
	p := s3.PublicAccessBlock{BlockPublicACLs: in.BlockPublicAcls, IgnorePublicACLs: in.IgnorePublicAcls,
		BlockPublicPolicy: in.BlockPublicPolicy, RestrictPublicBuckets: in.RestrictPublicBuckets}
	if err := c.api.svc.PutAccountPublicAccessBlock(ctx, &a.req, account, p); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (c *Control) deletePublicAccessBlock(ctx context.Context, w http.ResponseWriter, a *s3Auth, account, id string) error {
	if err := c.api.svc.DeleteAccountPublicAccessBlock(ctx, &a.req, account); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// controlError is S3 Control's error document: the code and message
// (with what a signature error adds) inside an ErrorResponse, as the SDKs
// read it.
type controlError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Code             string `xml:"Code"`
		Message          string `xml:"Message"`
		AWSAccessKeyID   string `xml:"AWSAccessKeyId,omitempty"`
		StringToSign     string `xml:"StringToSign,omitempty"`
		CanonicalRequest string `xml:"CanonicalRequest,omitempty"`
		HeadersNotSigned string `xml:"HeadersNotSigned,omitempty"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
}

// WriteError renders err as S3 Control's error document, with the code
// and status S3 gives it; a slow body is RequestTimeout.
func (c *Control) WriteError(w http.ResponseWriter, r *http.Request, id string, err error) (string, int) {
	out := &controlError{RequestID: id, HostID: id}
	var te *httpapi.TimeoutError
	if errors.As(err, &te) {
		err = &fault.Error{Kind: fault.Timeout, Message: awsproto.RequestTimeoutMessage, Cause: err}
	} else if d, ok := errors.AsType[*detailed](err); ok {
		out.Error.AWSAccessKeyID, out.Error.StringToSign = d.doc.AWSAccessKeyID, d.doc.StringToSign
		out.Error.CanonicalRequest, out.Error.HeadersNotSigned = d.doc.CanonicalRequest, d.doc.HeadersNotSigned
	}
	e := awsproto.RESTXMLError(err)
	out.Error.Code, out.Error.Message = e.Code, e.Message
	awsproto.WriteS3XML(w, e.Status, id, out)
	return e.Code, e.Status
}
