# IAM roles for service accounts: a cluster's OIDC provider, a policy and
# a role that a service account of the cluster assumes with its token.

variable "issuer_host" {
  type = string
}

# Against AWS the thumbprint usually comes from
# data "tls_certificate" (the hashicorp/tls provider); here it is given.
variable "thumbprint" {
  type = string
}

variable "read_actions" {
  type = list(string)
}

resource "aws_iam_openid_connect_provider" "cluster" {
  url             = "https://${var.issuer_host}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [var.thumbprint]
  tags = {
    cluster = "test"
  }
}

data "aws_iam_policy_document" "read" {
  statement {
    actions   = var.read_actions
    resources = ["${aws_s3_bucket.data.arn}/*"]
  }
}

resource "aws_iam_policy" "read" {
  name        = "app-read"
  path        = "/app/"
  description = "reads the app's bucket"
  policy      = data.aws_iam_policy_document.read.json
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.cluster.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.issuer_host}:sub"
      values   = ["system:serviceaccount:default:app"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.issuer_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "app"
  path               = "/app/"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags = {
    team = "platform"
  }
}

resource "aws_iam_role_policy_attachment" "app" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_role_policy" "app" {
  name = "logs"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = aws_s3_bucket.data.arn }]
  })
}

resource "aws_iam_instance_profile" "app" {
  name = "app"
  path = "/app/"
  role = aws_iam_role.app.name
  tags = {
    team = "platform"
  }
}

data "aws_iam_role" "app" {
  name = aws_iam_role.app.name
}

data "aws_iam_policy" "read" {
  arn = aws_iam_policy.read.arn
}

output "role_arn" {
  value = data.aws_iam_role.app.arn
}

output "policy_arn" {
  value = data.aws_iam_policy.read.arn
}
