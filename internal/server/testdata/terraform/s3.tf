# A bucket with tags, a policy that lets the role read it, and an object.

variable "bucket" {
  type = string
}

resource "aws_s3_bucket" "data" {
  bucket = var.bucket
  tags = {
    env = "test"
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.app.arn }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.data.arn}/*"
    }]
  })
}

resource "aws_s3_object" "hello" {
  bucket       = aws_s3_bucket.data.id
  key          = "hello.txt"
  content      = "hello from terraform\n"
  content_type = "text/plain"
}
