package awsproto

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
)

// S3Namespace is the XML namespace of S3's results.
const S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// S3Owner is a bucket's or object's owner.
type S3Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// S3Bucket is a bucket in ListAllMyBucketsResult.
type S3Bucket struct {
	Name         string    `xml:"Name"`
	CreationDate Timestamp `xml:"CreationDate"`
	BucketRegion string    `xml:"BucketRegion,omitempty"`
}

// ListAllMyBucketsResult is ListBuckets' result.
type ListAllMyBucketsResult struct {
	XMLName xml.Name   `xml:"ListAllMyBucketsResult"`
	Xmlns   string     `xml:"xmlns,attr"`
	Owner   S3Owner    `xml:"Owner"`
	Buckets []S3Bucket `xml:"Buckets>Bucket"`
}

// S3Object is an object in a listing.
type S3Object struct {
	Key          string    `xml:"Key"`
	LastModified Timestamp `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        *S3Owner  `xml:"Owner,omitempty"`
}

// S3CommonPrefix is a rolled-up key prefix in a listing.
type S3CommonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// ListBucketResult is the result of ListObjects (V1, Marker fields) and
// ListObjectsV2 (KeyCount and continuation fields).
type ListBucketResult struct {
	XMLName               xml.Name         `xml:"ListBucketResult"`
	Xmlns                 string           `xml:"xmlns,attr"`
	Name                  string           `xml:"Name"`
	Prefix                string           `xml:"Prefix"`
	Marker                *string          `xml:"Marker"`
	NextMarker            string           `xml:"NextMarker,omitempty"`
	StartAfter            string           `xml:"StartAfter,omitempty"`
	ContinuationToken     string           `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string           `xml:"NextContinuationToken,omitempty"`
	KeyCount              *int             `xml:"KeyCount"`
	MaxKeys               int              `xml:"MaxKeys"`
	Delimiter             string           `xml:"Delimiter,omitempty"`
	EncodingType          string           `xml:"EncodingType,omitempty"`
	IsTruncated           bool             `xml:"IsTruncated"`
	Contents              []S3Object       `xml:"Contents"`
	CommonPrefixes        []S3CommonPrefix `xml:"CommonPrefixes"`
}

// LocationConstraint is GetBucketLocation's result; empty for us-east-1.
type LocationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr"`
	Value   string   `xml:",chardata"`
}

// CreateBucketConfiguration is CreateBucket's optional body.
type CreateBucketConfiguration struct {
	LocationConstraint string `xml:"LocationConstraint"`
}

// S3Error is S3's error body (no namespace). SignatureDoesNotMatch adds
// what the server computed; a refused CORS preflight the method it asked
// for and whether the resource is an OBJECT or the BUCKET.
type S3Error struct {
	XMLName          xml.Name `xml:"Error"`
	Code             string   `xml:"Code"`
	Message          string   `xml:"Message"`
	Resource         string   `xml:"Resource,omitempty"`
	AWSAccessKeyID   string   `xml:"AWSAccessKeyId,omitempty"`
	StringToSign     string   `xml:"StringToSign,omitempty"`
	CanonicalRequest string   `xml:"CanonicalRequest,omitempty"`
	HeadersNotSigned string   `xml:"HeadersNotSigned,omitempty"`
	MaxSizeAllowed   string   `xml:"MaxSizeAllowed,omitempty"`
	Method           string   `xml:"Method,omitempty"`
	ResourceType     string   `xml:"ResourceType,omitempty"`
	RequestID        string   `xml:"RequestId"`
	HostID           string   `xml:"HostId"`
}

// WriteS3XML writes an S3 result (a struct with its XMLName) with status.
func WriteS3XML(w http.ResponseWriter, status int, requestID string, v any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Header().Set("x-amz-request-id", requestID)
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

// WriteS3Error writes e as S3's error body; a HEAD request gets the
// status alone.
func WriteS3Error(w http.ResponseWriter, r *http.Request, requestID string, status int, e S3Error) {
	e.RequestID, e.HostID = requestID, requestID
	if r.Method == http.MethodHead {
		w.Header().Set("x-amz-request-id", requestID)
		w.WriteHeader(status)
		return
	}
	WriteS3XML(w, status, requestID, &e)
}

// InitiateMultipartUploadResult is CreateMultipartUpload's result.
type InitiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadId string   `xml:"UploadId"`
}

// CompleteMultipartUpload is CompleteMultipartUpload's request body.
type CompleteMultipartUpload struct {
	Parts []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

// CompleteMultipartUploadResult is CompleteMultipartUpload's result.
type CompleteMultipartUploadResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	Xmlns    string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// S3Initiator names who started an upload.
type S3Initiator struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// S3Part is a part in ListPartsResult.
type S3Part struct {
	PartNumber   int       `xml:"PartNumber"`
	LastModified Timestamp `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Size         int64     `xml:"Size"`
}

// ListPartsResult is ListParts' result.
type ListPartsResult struct {
	XMLName              xml.Name    `xml:"ListPartsResult"`
	Xmlns                string      `xml:"xmlns,attr"`
	Bucket               string      `xml:"Bucket"`
	Key                  string      `xml:"Key"`
	UploadId             string      `xml:"UploadId"`
	Initiator            S3Initiator `xml:"Initiator"`
	Owner                S3Owner     `xml:"Owner"`
	StorageClass         string      `xml:"StorageClass"`
	PartNumberMarker     int         `xml:"PartNumberMarker"`
	NextPartNumberMarker int         `xml:"NextPartNumberMarker"`
	MaxParts             int         `xml:"MaxParts"`
	IsTruncated          bool        `xml:"IsTruncated"`
	Parts                []S3Part    `xml:"Part"`
}

// S3Upload is an upload in ListMultipartUploadsResult.
type S3Upload struct {
	Key          string      `xml:"Key"`
	UploadId     string      `xml:"UploadId"`
	Initiator    S3Initiator `xml:"Initiator"`
	Owner        S3Owner     `xml:"Owner"`
	StorageClass string      `xml:"StorageClass"`
	Initiated    Timestamp   `xml:"Initiated"`
}

// ListMultipartUploadsResult is ListMultipartUploads' result.
type ListMultipartUploadsResult struct {
	XMLName     xml.Name   `xml:"ListMultipartUploadsResult"`
	Xmlns       string     `xml:"xmlns,attr"`
	Bucket      string     `xml:"Bucket"`
	KeyMarker   string     `xml:"KeyMarker"`
	Prefix      string     `xml:"Prefix"`
	MaxUploads  int        `xml:"MaxUploads"`
	IsTruncated bool       `xml:"IsTruncated"`
	Uploads     []S3Upload `xml:"Upload"`
}

// DeleteRequest is DeleteObjects' request body.
type DeleteRequest struct {
	Quiet   bool `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

// DeletedObject names a key (or version) DeleteObjects deleted, and the
// delete marker it put or removed.
type DeletedObject struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

// DeleteError is a key DeleteObjects could not delete.
type DeleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

// DeleteResult is DeleteObjects' result.
type DeleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	Xmlns   string          `xml:"xmlns,attr"`
	Deleted []DeletedObject `xml:"Deleted"`
	Errors  []DeleteError   `xml:"Error"`
}

// CopyObjectResult is CopyObject's result.
type CopyObjectResult struct {
	XMLName      xml.Name  `xml:"CopyObjectResult"`
	Xmlns        string    `xml:"xmlns,attr"`
	ETag         string    `xml:"ETag"`
	LastModified Timestamp `xml:"LastModified"`
}

// S3Tag is an object tag.
type S3Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// Tagging is the body of Get/PutObjectTagging.
type Tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	TagSet  []S3Tag  `xml:"TagSet>Tag"`
}

// S3Grantee is the grantee of an ACL grant (always the owner here).
type S3Grantee struct {
	XMLNSXsi string `xml:"xmlns:xsi,attr"`
	XsiType  string `xml:"xsi:type,attr"`
	ID       string `xml:"ID"`
}

// S3Grant is one ACL grant.
type S3Grant struct {
	Grantee    S3Grantee `xml:"Grantee"`
	Permission string    `xml:"Permission"`
}

// AccessControlPolicy is GetObjectAcl's and GetBucketAcl's result.
type AccessControlPolicy struct {
	XMLName           xml.Name  `xml:"AccessControlPolicy"`
	Xmlns             string    `xml:"xmlns,attr"`
	Owner             S3Owner   `xml:"Owner"`
	AccessControlList []S3Grant `xml:"AccessControlList>Grant"`
}

// OwnerACL is the ACL of an owner-enforced bucket or object: the owner
// has full control.
func OwnerACL(owner string) *AccessControlPolicy {
	return &AccessControlPolicy{Xmlns: S3Namespace, Owner: S3Owner{ID: owner}, AccessControlList: []S3Grant{{
		Grantee:    S3Grantee{XMLNSXsi: "http://www.w3.org/2001/XMLSchema-instance", XsiType: "CanonicalUser", ID: owner},
		Permission: "FULL_CONTROL",
	}}}
}

// CopyPartResult is UploadPartCopy's result.
type CopyPartResult struct {
	XMLName      xml.Name  `xml:"CopyPartResult"`
	Xmlns        string    `xml:"xmlns,attr"`
	ETag         string    `xml:"ETag"`
	LastModified Timestamp `xml:"LastModified"`
}
