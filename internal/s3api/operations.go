package s3api

import (
	"net/http"
	"sort"
)

// operationNames names the S3 operation of a request by its subresource
// and method, for requests no handler named (one podiam does not serve,
// or a method the subresource does not take), so that the audit log
// records what every request asked for, refused or not.
var operationNames = map[string]map[string]string{
	// Bucket subresources.
	"abac":                {"GET": "GetBucketAbac", "PUT": "PutBucketAbac"},
	"accelerate":          {"GET": "GetBucketAccelerateConfiguration", "PUT": "PutBucketAccelerateConfiguration"},
	"analytics":           {"GET": "GetBucketAnalyticsConfiguration", "PUT": "PutBucketAnalyticsConfiguration", "DELETE": "DeleteBucketAnalyticsConfiguration"},
	"cors":                {"GET": "GetBucketCors", "PUT": "PutBucketCors", "DELETE": "DeleteBucketCors"},
	"encryption":          {"GET": "GetBucketEncryption", "PUT": "PutBucketEncryption", "DELETE": "DeleteBucketEncryption"},
	"intelligent-tiering": {"GET": "GetBucketIntelligentTieringConfiguration", "PUT": "PutBucketIntelligentTieringConfiguration", "DELETE": "DeleteBucketIntelligentTieringConfiguration"},
	"inventory":           {"GET": "GetBucketInventoryConfiguration", "PUT": "PutBucketInventoryConfiguration", "DELETE": "DeleteBucketInventoryConfiguration"},
	"lifecycle":           {"GET": "GetBucketLifecycleConfiguration", "PUT": "PutBucketLifecycleConfiguration", "DELETE": "DeleteBucketLifecycle"},
	"location":            {"GET": "GetBucketLocation"},
	"logging":             {"GET": "GetBucketLogging", "PUT": "PutBucketLogging"},
	"metadataTable":       {"GET": "GetBucketMetadataTableConfiguration", "POST": "CreateBucketMetadataTableConfiguration", "DELETE": "DeleteBucketMetadataTableConfiguration"},
	"metrics":             {"GET": "GetBucketMetricsConfiguration", "PUT": "PutBucketMetricsConfiguration", "DELETE": "DeleteBucketMetricsConfiguration"},
	"notification":        {"GET": "GetBucketNotificationConfiguration", "PUT": "PutBucketNotificationConfiguration"},
	"object-lock":         {"GET": "GetObjectLockConfiguration", "PUT": "PutObjectLockConfiguration"},
	"ownershipControls":   {"GET": "GetBucketOwnershipControls", "PUT": "PutBucketOwnershipControls", "DELETE": "DeleteBucketOwnershipControls"},
	"policy":              {"GET": "GetBucketPolicy", "PUT": "PutBucketPolicy", "DELETE": "DeleteBucketPolicy"},
	"policyStatus":        {"GET": "GetBucketPolicyStatus"},
	"publicAccessBlock":   {"GET": "GetPublicAccessBlock", "PUT": "PutPublicAccessBlock", "DELETE": "DeletePublicAccessBlock"},
	"replication":         {"GET": "GetBucketReplication", "PUT": "PutBucketReplication", "DELETE": "DeleteBucketReplication"},
	"requestPayment":      {"GET": "GetBucketRequestPayment", "PUT": "PutBucketRequestPayment"},
	"session":             {"GET": "CreateSession"},
	"versioning":          {"GET": "GetBucketVersioning", "PUT": "PutBucketVersioning"},
	"versions":            {"GET": "ListObjectVersions"},
	"website":             {"GET": "GetBucketWebsite", "PUT": "PutBucketWebsite", "DELETE": "DeleteBucketWebsite"},
	"delete":              {"POST": "DeleteObjects"},
	// Object subresources (acl, tagging and uploads name bucket and
	// object operations alike: objectOperationNames has the objects').
	"retention":  {"GET": "GetObjectRetention", "PUT": "PutObjectRetention"},
	"legal-hold": {"GET": "GetObjectLegalHold", "PUT": "PutObjectLegalHold"},
	"restore":    {"POST": "RestoreObject"},
	"select":     {"POST": "SelectObjectContent"},
	"torrent":    {"GET": "GetObjectTorrent"},
	"attributes": {"GET": "GetObjectAttributes"},
}

// bucketOperationNames and objectOperationNames are the subresources
// whose operation differs between a bucket and an object.
var (
	bucketOperationNames = map[string]map[string]string{
		"acl":     {"GET": "GetBucketAcl", "PUT": "PutBucketAcl"},
		"tagging": {"GET": "GetBucketTagging", "PUT": "PutBucketTagging", "DELETE": "DeleteBucketTagging"},
		"uploads": {"GET": "ListMultipartUploads"},
	}
	objectOperationNames = map[string]map[string]string{
		"acl":      {"GET": "GetObjectAcl", "PUT": "PutObjectAcl"},
		"tagging":  {"GET": "GetObjectTagging", "PUT": "PutObjectTagging", "DELETE": "DeleteObjectTagging"},
		"uploads":  {"POST": "CreateMultipartUpload"},
		"uploadId": {"GET": "ListParts", "PUT": "UploadPart", "POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload"},
	}
	// plainOperationNames name a request with no subresource.
	plainBucketOperations = map[string]string{"GET": "ListObjects", "PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket", "POST": "PostObject"}
	plainObjectOperations = map[string]string{"GET": "GetObject", "PUT": "PutObject", "DELETE": "DeleteObject", "HEAD": "HeadObject", "POST": "PostObject"}
)

// operationName names the operation a request to a bucket (key "") or an
// object asks for by its method and query: the first subresource in name
// order that names one, else the plain operation of the method; "" when
// S3 has no operation of that method (on a subresource it names, or at
// all: OPTIONS is CORS preflight, named by its handler).
func operationName(method string, object bool, q map[string][]string) string {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	own := bucketOperationNames
	plain := plainBucketOperations
	if object {
		own, plain = objectOperationNames, plainObjectOperations
	}
	known := false
	for _, k := range names {
		if n := own[k][method]; n != "" {
			return n
		}
		if n := operationNames[k][method]; n != "" {
			return n
		}
		known = known || own[k] != nil || operationNames[k] != nil
	}
	if known {
		return "" // a subresource S3 has no operation of with this method
	}
	if method == http.MethodGet && !object && q["list-type"] != nil {
		return "ListObjectsV2"
	}
	return plain[method]
}

// auditAction is the action the audit log records for a request that no
// handler named: "s3:" and its operation's name, "" when it names none.
func auditAction(method, bucket, key string, q map[string][]string) string {
	if bucket == "" {
		if method == http.MethodGet {
			return "s3:ListBuckets"
		}
		return ""
	}
	if name := operationName(method, key != "", q); name != "" {
		return "s3:" + name
	}
	return ""
}
