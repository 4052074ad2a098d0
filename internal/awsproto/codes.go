package awsproto

import (
	"net/http"
	"slices"

	"github.com/podiam/podiam/internal/fault"
)

// A protocol's codec maps the kind of a domain failure (package fault), and
// what it concerns, to the protocol's error code and HTTP status with one
// table: Query (IAM and STS), JSON (Organizations), REST-XML (S3) and
// REST-JSON (EKS, EKS Auth). A (kind, subject) pair a table lacks falls
// back to (kind, None), and a kind it lacks to its Failure: a domain error
// no protocol names is the server's failure, never a guess. The statuses
// are those of botocore's models (iam/2010-05-08, sts/2011-06-15, s3,
// organizations) for modelled errors and of AWS's "Common Errors"
// reference for the rest; where observed AWS behaviour differs, the row
// says so.

// code is a table's row: the code and status of a kind of failure.
// Message, when set, is the protocol's fixed wording, shown instead of the
// error's own (a Failure's text is for the log only).
type code struct {
	Code    string
	Status  int
	Message string
}

type key struct {
	Kind    fault.Kind
	Subject fault.Subject
}

type table map[key]code

// failureMessage is what the Query, JSON and REST-JSON services say of a
// failure of their own.
const failureMessage = "The request processing has failed because of an unknown error, exception or failure."

// common are the rows of AWS's Common Errors, which the Query, JSON and
// REST-JSON protocols share: signatures, credentials, failures.
var common = table{
	{fault.Failure, fault.None}:              {"ServiceFailure", http.StatusInternalServerError, failureMessage},
	{fault.Unsigned, fault.None}:             {"MissingAuthenticationToken", http.StatusForbidden, ""},
	{fault.Malformed, fault.Authorization}:   {"IncompleteSignature", http.StatusBadRequest, ""},
	{fault.Malformed, fault.PresignedURL}:    {"IncompleteSignature", http.StatusBadRequest, ""},
	{fault.Mismatch, fault.Signature}:        {"SignatureDoesNotMatch", http.StatusForbidden, ""},
	{fault.Expired, fault.None}:              {"RequestExpired", http.StatusBadRequest, ""},
	{fault.Expired, fault.PresignedURL}:      {"RequestExpired", http.StatusBadRequest, ""},
	{fault.InvalidToken, fault.AccessKey}:    {"InvalidClientTokenId", http.StatusForbidden, ""},
	{fault.InvalidToken, fault.SessionToken}: {"InvalidClientTokenId", http.StatusForbidden, ""},
	// The Common Errors reference says 400, but IAM and STS answer 403
	// (observed responses quoted in public SDK issues), and so do we.
	{fault.Expired, fault.SessionToken}: {"ExpiredToken", http.StatusForbidden, ""},
	// S3's code and message: AWS documents none for these protocols, and
	// SDKs retry RequestTimeout (aws-sdk-go-v2 and botocore list it among
	// their transient errors).
	{fault.Timeout, fault.None}: {"RequestTimeout", http.StatusBadRequest, ""},
}

// queryCodes is the Query protocol's table (IAM and STS).
var queryCodes = with(common, table{
	{fault.AccessDenied, fault.None}:            {"AccessDenied", http.StatusForbidden, ""},
	{fault.NotFound, fault.None}:                {"NoSuchEntity", http.StatusNotFound, ""},
	{fault.AlreadyExists, fault.None}:           {"EntityAlreadyExists", http.StatusConflict, ""},
	{fault.DeleteConflict, fault.None}:          {"DeleteConflict", http.StatusConflict, ""},
	{fault.LimitExceeded, fault.None}:           {"LimitExceeded", http.StatusConflict, ""},
	{fault.Validation, fault.None}:              {"ValidationError", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.None}:            {"InvalidInput", http.StatusBadRequest, ""},
	{fault.InvalidParameter, fault.None}:        {"InvalidParameterValue", http.StatusBadRequest, ""},
	{fault.Malformed, fault.Policy}:             {"MalformedPolicyDocument", http.StatusBadRequest, ""},
	{fault.TooLarge, fault.PackedPolicy}:        {"PackedPolicyTooLarge", http.StatusBadRequest, ""},
	{fault.InvalidToken, fault.IdentityToken}:   {"InvalidIdentityToken", http.StatusBadRequest, ""},
	{fault.Expired, fault.IdentityToken}:        {"ExpiredTokenException", http.StatusBadRequest, ""},
	{fault.AccessDenied, fault.IdentityToken}:   {"IDPRejectedClaim", http.StatusForbidden, ""},
	{fault.Unavailable, fault.IdentityProvider}: {"IDPCommunicationError", http.StatusBadRequest, ""},
})

// jsonCodes is the JSON protocol's table (Organizations, whose model
// gives its errors no status: 400).
var jsonCodes = with(common, table{
	{fault.AccessDenied, fault.None}:       {"AccessDeniedException", http.StatusBadRequest, ""},
	{fault.AccessDenied, fault.Headers}:    {"AccessDeniedException", http.StatusForbidden, ""},
	{fault.NotFound, fault.Account}:        {"AccountNotFoundException", http.StatusBadRequest, ""},
	{fault.NotFound, fault.AccountRequest}: {"CreateAccountStatusNotFoundException", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.None}:       {"InvalidInputException", http.StatusBadRequest, ""},
	{fault.LimitExceeded, fault.None}:      {"ConstraintViolationException", http.StatusBadRequest, ""},
	{fault.Malformed, fault.Policy}:        {"MalformedPolicyDocumentException", http.StatusBadRequest, ""},
})

// restJSONCodes is the REST-JSON protocol's table (EKS, EKS Auth), with
// the statuses of botocore's eks/2017-11-01 model.
var restJSONCodes = with(common, table{
	{fault.AccessDenied, fault.None}:     {"AccessDeniedException", http.StatusForbidden, ""},
	{fault.NotFound, fault.None}:         {"ResourceNotFoundException", http.StatusNotFound, ""},
	{fault.AlreadyExists, fault.None}:    {"ResourceInUseException", http.StatusConflict, ""},
	{fault.InvalidParameter, fault.None}: {"InvalidParameterException", http.StatusBadRequest, ""},
	{fault.Validation, fault.None}:       {"InvalidParameterException", http.StatusBadRequest, ""},
	{fault.Malformed, fault.Policy}:      {"InvalidParameterException", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.None}:     {"InvalidRequestException", http.StatusBadRequest, ""},
	{fault.LimitExceeded, fault.None}:    {"ResourceLimitExceededException", http.StatusBadRequest, ""},
	// EKS's tag operations (TagResource, UntagResource,
	// ListTagsForResource) have errors of their own.
	{fault.NotFound, fault.Tagging}:         {"NotFoundException", http.StatusNotFound, ""},
	{fault.InvalidParameter, fault.Tagging}: {"BadRequestException", http.StatusBadRequest, ""},
})

// internalServerMessage is EKS Auth's message for a failure of its own.
const internalServerMessage = "An internal error occurred. Retry the request."

// eksAuthCodes is EKS Auth's table (eks-auth/2023-11-26): the REST-JSON
// rows, with what its model answers otherwise (AccessDeniedException is
// 400 where EKS's is 403) and its own errors.
var eksAuthCodes = with(restJSONCodes, table{
	{fault.Failure, fault.None}:               {"InternalServerException", http.StatusInternalServerError, internalServerMessage},
	{fault.AccessDenied, fault.None}:          {"AccessDeniedException", http.StatusBadRequest, ""},
	{fault.Malformed, fault.Policy}:           {"InvalidRequestException", http.StatusBadRequest, ""},
	{fault.TooLarge, fault.PackedPolicy}:      {"InvalidRequestException", http.StatusBadRequest, ""},
	{fault.InvalidToken, fault.IdentityToken}: {"InvalidTokenException", http.StatusBadRequest, ""},
	{fault.Expired, fault.IdentityToken}:      {"ExpiredTokenException", http.StatusBadRequest, ""},
	{fault.Unavailable, fault.None}:           {"ServiceUnavailableException", http.StatusServiceUnavailable, ""},
	{fault.LimitExceeded, fault.None}:         {"ThrottlingException", http.StatusTooManyRequests, ""},
})

// s3InternalMessage is S3's message for a failure of its own.
const s3InternalMessage = "We encountered an internal error. Please try again."

// restXMLCodes is the REST-XML protocol's table (S3). A status the S3
// reference does not give is 400.
var restXMLCodes = table{
	{fault.Failure, fault.None}:               {"InternalError", http.StatusInternalServerError, s3InternalMessage},
	{fault.AccessDenied, fault.None}:          {"AccessDenied", http.StatusForbidden, ""},
	{fault.InvalidToken, fault.AccessKey}:     {"InvalidAccessKeyId", http.StatusForbidden, ""},
	{fault.InvalidToken, fault.SessionToken}:  {"InvalidToken", http.StatusBadRequest, ""},
	{fault.Expired, fault.None}:               {"RequestTimeTooSkewed", http.StatusForbidden, ""},
	{fault.Expired, fault.PresignedURL}:       {"AccessDenied", http.StatusForbidden, ""},
	{fault.Expired, fault.SessionToken}:       {"ExpiredToken", http.StatusBadRequest, ""},
	{fault.Malformed, fault.Authorization}:    {"AuthorizationHeaderMalformed", http.StatusBadRequest, ""},
	{fault.Malformed, fault.PresignedURL}:     {"AuthorizationQueryParametersError", http.StatusBadRequest, ""},
	{fault.Malformed, fault.Policy}:           {"MalformedPolicy", http.StatusBadRequest, ""},
	{fault.Malformed, fault.XML}:              {"MalformedXML", http.StatusBadRequest, ""},
	{fault.Mismatch, fault.Signature}:         {"SignatureDoesNotMatch", http.StatusForbidden, ""},
	{fault.Mismatch, fault.Digest}:            {"BadDigest", http.StatusBadRequest, ""},
	{fault.Mismatch, fault.ContentSHA256}:     {"XAmzContentSHA256Mismatch", http.StatusBadRequest, ""},
	{fault.NotFound, fault.Bucket}:            {"NoSuchBucket", http.StatusNotFound, ""},
	{fault.NotFound, fault.Key}:               {"NoSuchKey", http.StatusNotFound, ""},
	{fault.NotFound, fault.Upload}:            {"NoSuchUpload", http.StatusNotFound, ""},
	{fault.NotFound, fault.BucketPolicy}:      {"NoSuchBucketPolicy", http.StatusNotFound, ""},
	{fault.NotFound, fault.TagSet}:            {"NoSuchTagSet", http.StatusNotFound, ""},
	{fault.NotFound, fault.Version}:           {"NoSuchVersion", http.StatusNotFound, ""},
	{fault.NotFound, fault.Encryption}:        {"ServerSideEncryptionConfigurationNotFoundError", http.StatusNotFound, ""},
	{fault.NotFound, fault.PublicAccessBlock}: {"NoSuchPublicAccessBlockConfiguration", http.StatusNotFound, ""},
	{fault.NotFound, fault.OwnershipControls}: {"OwnershipControlsNotFoundError", http.StatusNotFound, ""},
	{fault.NotFound, fault.Lifecycle}:         {"NoSuchLifecycleConfiguration", http.StatusNotFound, ""},
	{fault.NotFound, fault.CORS}:              {"NoSuchCORSConfiguration", http.StatusNotFound, ""},
	{fault.NotFound, fault.Website}:           {"NoSuchWebsiteConfiguration", http.StatusNotFound, ""},
	{fault.NotFound, fault.Replication}:       {"ReplicationConfigurationNotFoundError", http.StatusNotFound, ""},
	{fault.NotFound, fault.ObjectLock}:        {"ObjectLockConfigurationNotFoundError", http.StatusNotFound, ""},
	{fault.InvalidInput, fault.ObjectLock}:    {"InvalidBucketState", http.StatusConflict, ""},
	{fault.AccessDenied, fault.CORS}:          {"AccessForbidden", http.StatusForbidden, ""},
	{fault.InvalidInput, fault.CORS}:          {"BadRequest", http.StatusBadRequest, ""},
	{fault.NotFound, fault.KMSKey}:            {"KMS.NotFoundException", http.StatusBadRequest, ""},
	{fault.AlreadyExists, fault.Bucket}:       {"BucketAlreadyExists", http.StatusConflict, ""},
	{fault.AlreadyExists, fault.OwnBucket}:    {"BucketAlreadyOwnedByYou", http.StatusConflict, ""},
	{fault.DeleteConflict, fault.Bucket}:      {"BucketNotEmpty", http.StatusConflict, ""},
	{fault.InvalidInput, fault.None}:          {"InvalidArgument", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.Bucket}:        {"InvalidBucketName", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.Tag}:           {"InvalidTag", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.Location}:      {"InvalidLocationConstraint", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.Part}:          {"InvalidPart", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.PartOrder}:     {"InvalidPartOrder", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.Digest}:        {"InvalidDigest", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.Range}:         {"InvalidRange", http.StatusRequestedRangeNotSatisfiable, ""},
	{fault.InvalidInput, fault.Request}:       {"InvalidRequest", http.StatusBadRequest, ""},
	{fault.InvalidInput, fault.URI}:           {"InvalidURI", http.StatusBadRequest, ""},
	{fault.TooLarge, fault.None}:              {"EntityTooLarge", http.StatusBadRequest, ""},
	{fault.TooLarge, fault.Key}:               {"KeyTooLongError", http.StatusBadRequest, ""},
	{fault.TooLarge, fault.Metadata}:          {"MetadataTooLarge", http.StatusBadRequest, ""},
	{fault.TooLarge, fault.Headers}:           {"RequestHeaderSectionTooLarge", http.StatusBadRequest, ""},
	{fault.TooLarge, fault.XML}:               {"MaxMessageLengthExceeded", http.StatusBadRequest, ""},
	{fault.TooSmall, fault.None}:              {"EntityTooSmall", http.StatusBadRequest, ""},
	{fault.Incomplete, fault.None}:            {"IncompleteBody", http.StatusBadRequest, ""},
	{fault.Unsupported, fault.None}:           {"NotImplemented", http.StatusNotImplemented, ""},
	{fault.Unsupported, fault.ACL}:            {"AccessControlListNotSupported", http.StatusBadRequest, ""},
	{fault.Unsupported, fault.Method}:         {"MethodNotAllowed", http.StatusMethodNotAllowed, ""},
	{fault.PreconditionFailed, fault.None}:    {"PreconditionFailed", http.StatusPreconditionFailed, ""},
	{fault.Timeout, fault.None}:               {"RequestTimeout", http.StatusBadRequest, ""},
	{fault.Conflict, fault.None}:              {"OperationAborted", http.StatusConflict, ""},
}

// with returns a table of base's rows and own's.
func with(base, own table) table {
	t := make(table, len(base)+len(own))
	for k, c := range base {
		t[k] = c
	}
	for k, c := range own {
		t[k] = c
	}
	return t
}

// QueryError is the Query protocol's error (IAM, STS) for err.
func QueryError(err error) *Error { return queryCodes.encode(err) }

// JSONError is the JSON protocol's error (Organizations) for err.
func JSONError(err error) *Error { return jsonCodes.encode(err) }

// RESTJSONError is the REST-JSON protocol's error (EKS, EKS Auth) for err.
func RESTJSONError(err error) *Error { return restJSONCodes.encode(err) }

// EKSAuthError is EKS Auth's error (REST-JSON) for err.
func EKSAuthError(err error) *Error { return eksAuthCodes.encode(err) }

// RESTXMLError is the REST-XML protocol's error (S3) for err; S3's
// error document adds its own fields (S3Error).
func RESTXMLError(err error) *Error { return restXMLCodes.encode(err) }

// encode looks for the first *Error or *fault.Error in err's chain, the
// outermost deciding: an *Error is the protocol's own, already coded; a
// *fault.Error gets the table's code and status, with its message; an
// error with neither, or of a kind the table lacks, is the protocol's
// failure. The error is the result's cause, for the log.
func (t table) encode(err error) *Error {
	if err == nil {
		return nil
	}
	e, f := first(err)
	if e != nil {
		return e
	}
	if f == nil {
		f = &fault.Error{Kind: fault.Failure}
	}
	c, ok := t.lookup(f.Kind, f.Subject)
	if !ok {
		c, _ = t.lookup(fault.Failure, fault.None)
	}
	msg := f.Message
	if c.Message != "" {
		msg = c.Message
	}
	out := NewError(c.Code, c.Status, msg)
	out.Cause = err
	return out
}

// first returns the first *Error or *fault.Error in err's tree, searched
// as errors.As searches it.
func first(err error) (*Error, *fault.Error) {
	for err != nil {
		switch e := err.(type) {
		case *Error:
			return e, nil
		case *fault.Error:
			return nil, e
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				if e, f := first(inner); e != nil || f != nil {
					return e, f
				}
			}
			return nil, nil
		default:
			return nil, nil
		}
	}
	return nil, nil
}

func (t table) lookup(k fault.Kind, s fault.Subject) (code, bool) {
	if c, ok := t[key{k, s}]; ok {
		return c, true
	}
	c, ok := t[key{k, fault.None}]
	return c, ok
}

// Codes returns every code the tables map a kind to, for tests that
// keep these names out of the domain packages.
func Codes() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range []table{queryCodes, jsonCodes, restJSONCodes, eksAuthCodes, restXMLCodes} {
		for _, c := range t {
			if !seen[c.Code] {
				seen[c.Code] = true
				out = append(out, c.Code)
			}
		}
	}
	slices.Sort(out)
	return out
}
