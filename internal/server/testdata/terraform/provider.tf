# The AWS provider pointed at podiam. TestTerraform writes the variables
# (terraform.tfvars.json) and runs init, apply, plan, apply and destroy
# over every .tf file of this directory: a file added here is applied and
# checked for drift with the rest.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  type = string
}

variable "access_key" {
  type = string
}

variable "secret_key" {
  type      = string
  sensitive = true
}

provider "aws" {
  region     = "us-east-1"
  access_key = var.access_key
  secret_key = var.secret_key

  endpoints {
    iam = var.endpoint
    sts = var.endpoint
    s3  = var.endpoint
  }
  s3_use_path_style = true

  # podiam serves sts:GetCallerIdentity, so the provider checks the
  # credentials and reads the account id as it does against AWS; only the
  # EC2 metadata service and the region list are not there to ask.
  skip_metadata_api_check = true
  skip_region_validation  = true
}

data "aws_caller_identity" "current" {}

output "account_id" {
  value = data.aws_caller_identity.current.account_id
}
