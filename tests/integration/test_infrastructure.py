"""template.yaml: cfn-lint passes offline, only the skill can invoke the function, and no secret is in plain text."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
# Values that must never be written in a template or passed as a stack parameter.
SECRET_NAMES = {
    "DATABASE_URL",
    "SECRET_KEY",
    "PIN_PEPPER",
    "STRIPE_API_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "TWILIO_AUTH_TOKEN",
    "SMTP_PASSWORD",
    "ALEXA_OAUTH_CLIENT_SECRET",
}
DYNAMIC_SECRET = re.compile(r"^\{\{resolve:(secretsmanager|ssm-secure):.+\}\}$")
SECRET_LIKE_PARAMETER = re.compile(r"(password|secret|token|pepper|apikey|databaseurl|dsn)", re.IGNORECASE)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    parsed, errors = decode(str(TEMPLATE))
    assert not errors, errors
    assert parsed is not None
    return parsed


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def _literal(value: Any) -> str | None:
    """The string a template value spells out: a plain string or the text of an Fn::Sub."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        return str(value["Fn::Sub"])
    return None


def test_template_passes_cfn_lint_without_network() -> None:
    # A proxy that refuses every connection: any attempt to fetch specs or schemas would fail the run.
    env = {
        **os.environ,
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    env.update({k.lower(): v for k, v in env.items() if k.endswith("_PROXY")})
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_refuses_a_misspelt_alexa_trigger(tmp_path: Path) -> None:
    # The lint step is only worth its CI time if it reads SAM's event schemas: a typo must fail it.
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE.read_text().replace("SkillId: !Ref SkillId", "SkilId: !Ref SkillId"))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(broken)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "SkilId" in result.stdout


def test_function_runs_the_lambda_handler_on_python_311(template: dict[str, Any]) -> None:
    (function,) = _functions(template).values()
    assert function["Runtime"] == "python3.11"
    assert function["Handler"] == "lambda_function.lambda_handler"
    assert function["CodeUri"] == "dist/lambda.zip"
    assert function["Timeout"] <= 10  # Alexa stops waiting after about 8 seconds
    assert template["Parameters"]["Architecture"]["AllowedValues"] == ["x86_64", "arm64"]


def test_only_the_configured_skill_can_invoke_the_function(template: dict[str, Any]) -> None:
    (function,) = _functions(template).values()
    triggers = [event for event in function["Events"].values() if event["Type"] == "AlexaSkill"]
    assert len(triggers) == 1
    assert triggers[0]["Properties"]["SkillId"] == {"Ref": "SkillId"}
    skill_id = template["Parameters"]["SkillId"]
    assert "Default" not in skill_id  # a deploy without the skill id must fail, not open the trigger
    assert re.fullmatch(skill_id["AllowedPattern"], "amzn1.ask.skill.0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9")
    assert not re.fullmatch(skill_id["AllowedPattern"], "")
    assert function["Environment"]["Variables"]["ALEXA_SKILL_ID"] == {"Ref": "SkillId"}


def test_every_secret_is_a_dynamic_reference_never_plain_text(template: dict[str, Any]) -> None:
    for function in _functions(template).values():
        variables = function["Environment"]["Variables"]
        secrets = {name: value for name, value in variables.items() if name in SECRET_NAMES}
        assert {"DATABASE_URL", "SECRET_KEY", "PIN_PEPPER", "STRIPE_API_KEY"} <= secrets.keys()
        for name, value in secrets.items():
            text = _literal(value)
            assert text is not None and DYNAMIC_SECRET.match(text), (
                f"{name} is not resolved from a secret store"
            )
    for name, parameter in template["Parameters"].items():
        if SECRET_LIKE_PARAMETER.search(name) and not name.endswith("Arn"):
            pytest.fail(f"parameter {name} would carry a secret in the stack's parameters")
        assert not (isinstance(parameter.get("Default"), str) and DYNAMIC_SECRET.match(parameter["Default"]))


def test_every_environment_variable_is_one_the_app_reads(template: dict[str, Any]) -> None:
    # A misspelt name would be silently ignored by Settings.from_env and the default used instead.
    source = "\n".join(path.read_text() for path in (ROOT / "skill").rglob("*.py"))
    for function in _functions(template).values():
        for name in function["Environment"]["Variables"]:
            assert f'"{name}"' in source, f"{name} is set by template.yaml but read nowhere under skill/"


def test_role_grants_logging_and_vpc_interfaces_only(template: dict[str, Any]) -> None:
    role = template["Resources"]["SkillFunctionRole"]["Properties"]
    assert "ManagedPolicyArns" not in role  # AWSLambdaBasicExecutionRole would allow logs:* on every group
    actions: set[str] = set()
    for policy in role["Policies"]:
        document = policy["Fn::If"][1] if "Fn::If" in policy else policy
        for statement in document["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions.update(statement["Action"])
    assert actions == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    }
    (function,) = _functions(template).values()
    assert function["Role"] == {"Fn::GetAtt": ["SkillFunctionRole", "Arn"]}
    assert "Policies" not in function  # SAM would otherwise create a second, broader role


def test_vpc_settings_apply_only_when_subnets_are_given(template: dict[str, Any]) -> None:
    (function,) = _functions(template).values()
    condition, in_vpc, outside = function["VpcConfig"]["Fn::If"]
    assert condition == "InVpc"
    assert in_vpc == {"SubnetIds": {"Ref": "SubnetIds"}, "SecurityGroupIds": {"Ref": "SecurityGroupIds"}}
    assert outside == {"Ref": "AWS::NoValue"}
    assert template["Parameters"]["SubnetIds"]["Default"] == ""


def test_outputs_name_the_function_arn_for_the_skill_manifest(template: dict[str, Any]) -> None:
    # `ask deploy` (cfn-deployer) takes the skill's endpoint from the output named SkillEndpoint.
    assert template["Outputs"]["SkillEndpoint"]["Value"] == {"Fn::GetAtt": ["SkillFunction", "Arn"]}


def test_the_cfn_deployer_template_for_ask_deploy_passes_cfn_lint(tmp_path: Path) -> None:
    """`billpay skill package` writes ask-resources.json and the stack `ask deploy` runs, from template.yaml."""
    from skill.packaging.ask_deploy import TEMPLATE_PATH, cfn_deployer_template

    stack = tmp_path / "skill-stack.yaml"
    stack.write_text(cfn_deployer_template(TEMPLATE.read_text()))
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(stack)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    parsed, errors = decode(str(stack))
    assert not errors and parsed is not None
    # The six parameters the cfn-deployer always passes, and the code from the object it uploaded.
    assert {"SkillId", "LambdaRuntime", "LambdaHandler", "CodeBucket", "CodeKey", "CodeVersion"} <= set(
        parsed["Parameters"]
    )
    [function] = _functions(parsed).values()
    assert function["CodeUri"]["Bucket"] == {"Ref": "CodeBucket"}
    assert function["Handler"] == {"Ref": "LambdaHandler"}
    assert TEMPLATE_PATH.endswith("skill-stack.yaml")


def test_the_deployer_template_generator_refuses_a_template_it_no_longer_understands() -> None:
    from skill.packaging.ask_deploy import TemplateShapeError, cfn_deployer_template

    with pytest.raises(TemplateShapeError):
        cfn_deployer_template(
            TEMPLATE.read_text().replace("CodeUri: dist/lambda.zip", "CodeUri: build/x.zip")
        )
