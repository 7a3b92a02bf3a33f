"""What `ask deploy` needs besides the skill package: ask-resources.json and the cfn-deployer's stack template.

The ASK CLI's `@ask-cli/cfn-deployer` zips `code.default.src` (the unpacked Lambda build, so that it ships the
manylinux2014 wheels of `make lambda-package` and never runs pip itself), uploads it to S3 and deploys
`templatePath` passing six parameters of its own: SkillId, LambdaRuntime, LambdaHandler, CodeBucket, CodeKey and
CodeVersion. The stack template is generated from the SAM `template.yaml` (one source for the function, its trigger,
role and secrets): the five parameters SAM's template lacks are added and the code comes from the uploaded object.
https://developer.amazon.com/en-US/docs/alexa/smapi/ask-cli-intro.html (deploy delegates), docs/deploy.md.
"""

from __future__ import annotations

from typing import Any

TEMPLATE_PATH = "./infrastructure/cfn-deployer/skill-stack.yaml"
CODE_SOURCE = "./dist/lambda"
_SAM_CODE = "      CodeUri: dist/lambda.zip\n"
_SAM_HANDLER = "      Handler: lambda_function.lambda_handler\n"
_SAM_RUNTIME = "      Runtime: python3.11\n"
_DEPLOYER_PARAMETERS = """Parameters:
  # Passed by the ASK CLI's cfn-deployer on every deploy (with SkillId, declared below).
  LambdaRuntime:
    Type: String
    Default: python3.11
  LambdaHandler:
    Type: String
    Default: lambda_function.lambda_handler
  CodeBucket:
    Type: String
  CodeKey:
    Type: String
  CodeVersion:
    Type: String
    Default: ""
"""
_DEPLOYER_CODE = """      CodeUri:
        Bucket: !Ref CodeBucket
        Key: !Ref CodeKey
        Version: !If [HasCodeVersion, !Ref CodeVersion, !Ref AWS::NoValue]
"""


class TemplateShapeError(ValueError):
    """template.yaml no longer has a line this generator replaces: update both together."""


def cfn_deployer_template(sam_template: str) -> str:
    """template.yaml as the cfn-deployer runs it: its parameters added, the code taken from the uploaded zip."""
    replaced = sam_template
    for old, new in (
        ("Parameters:\n", _DEPLOYER_PARAMETERS),
        ("Conditions:\n", 'Conditions:\n  HasCodeVersion: !Not [!Equals [!Ref CodeVersion, ""]]\n'),
        (_SAM_CODE, _DEPLOYER_CODE),
        (_SAM_HANDLER, "      Handler: !Ref LambdaHandler\n"),
        (_SAM_RUNTIME, "      Runtime: !Ref LambdaRuntime\n"),
    ):
        if replaced.count(old) != 1:
            raise TemplateShapeError(f"template.yaml must contain {old.strip()!r} exactly once")
        replaced = replaced.replace(old, new)
    return replaced


def ask_resources(*, region: str = "eu-west-1") -> dict[str, Any]:
    """ask-resources.json with the skill package, the code and the infrastructure (edit the parameters once)."""
    return {
        "askcliResourcesVersion": "2020-03-31",
        "profiles": {
            "default": {
                "skillMetadata": {"src": "./skill-package"},
                "code": {"default": {"src": CODE_SOURCE}},
                "skillInfrastructure": {
                    "type": "@ask-cli/cfn-deployer",
                    "userConfig": {
                        "runtime": "python3.11",
                        "handler": "lambda_function.lambda_handler",
                        "templatePath": TEMPLATE_PATH,
                        "awsRegion": region,
                        "cfn": {
                            "capabilities": ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
                            "parameters": {
                                "AppSecretArn": "arn:aws:secretsmanager:REGION:ACCOUNT:secret:billpay/skill",
                                "PublicBaseUrl": "https://pay.example.com",
                            },
                        },
                    },
                },
            }
        },
    }
