# A user for a CI job, with an inline policy, a managed policy and a key.

resource "aws_iam_user" "ci" {
  name = "ci"
  path = "/ci/"
  tags = {
    team = "platform"
  }
}

resource "aws_iam_user_policy" "ci" {
  name = "assume-app"
  user = aws_iam_user.ci.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.app.arn }]
  })
}

resource "aws_iam_user_policy_attachment" "ci" {
  user       = aws_iam_user.ci.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
