// Drives podiam's S3 with the AWS SDK for JavaScript v3: credentials from
// STS AssumeRole, then a put/get/list/delete round trip and a call the
// role's policy denies. Configured by the environment (AWS_ENDPOINT_URL,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ROLE_ARN, BUCKET); prints one
// JSON object.
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

const endpoint = process.env.AWS_ENDPOINT_URL;
const region = "us-east-1";
const bucket = process.env.BUCKET;
const sts = new STSClient({ region, endpoint });
const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: process.env.ROLE_ARN, RoleSessionName: "js" }));
const s3 = new S3Client({
  region, endpoint, forcePathStyle: true,
  credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
});
const out = {};
await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "js/hello.txt", Body: "hello from js", ContentType: "text/plain" }));
const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "js/hello.txt" }));
out.body = await got.Body.transformToString();
const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "js/" }));
out.keys = (list.Contents ?? []).map((o) => o.Key);
const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: "js/hello.txt" }), { expiresIn: 60 });
out.presigned = await (await fetch(url)).text();
await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "js/hello.txt" }));
try {
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  out.denied = "allowed";
} catch (e) {
  out.denied = e.name;
}
console.log(JSON.stringify(out));
