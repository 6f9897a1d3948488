#!/usr/bin/env bash
# Installs what building and testing gatecheck needs, only when it is missing.
# Debian packages: libcurl (the HTTP client), pkg-config (to find it), xmllint (JUnit schema checks in tests).
# PyPI: aws-sam-translator (pinned; the SAM transform `--template` / a suite's `template:` runs), and with --test
# junitparser (JUnit checks in tests), cfn-lint (lints the staging fixture template), moto[server]
# (the AWS-compatible endpoint of the service-integration tests; skipped when it cannot be installed), aws-cdk-lib
# (synthesizes the CDK app of the CloudFormation reader's test; skipped when it cannot be installed),
# check-jsonschema 0.39.0 (validates `gatecheck lint --format sarif` against ../shared/sarif's SARIF 2.1.0 schema).
# --test also installs Debian's chromium (the HTML report's headless-browser test; skipped when it cannot be installed).
set -euo pipefail

apt_packages=(libcurl4-openssl-dev pkg-config libxml2-utils)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]} with apt-get" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The SAM transform (gatecheck emulate --template, a suite's `template:`): aws-sam-translator, pinned to the version
# gatecheck's SAM cache keys name (Sources/GatecheckCore/Templates/SAMTransformWorker.swift).
sam_translator_version=1.110.0
if ! python3 -c "import samtranslator, sys; sys.exit(samtranslator.__version__ != '$sam_translator_version')" 2>/dev/null; then
    echo "install-deps: installing aws-sam-translator==$sam_translator_version with pip (the SAM transform)" >&2
    python3 -m pip install -q "aws-sam-translator==$sam_translator_version" \
        || echo "install-deps: aws-sam-translator could not be installed; SAM templates cannot be read (plain CloudFormation still can)" >&2
fi

if [ "${1:-}" = "--test" ]; then
    if ! command -v chromium >/dev/null 2>&1; then
        echo "install-deps: installing chromium with apt-get (for the HTML report's browser test)" >&2
        sudo_cmd=""
        [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
        { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null; } \
            || echo "install-deps: chromium could not be installed; the browser test will be skipped" >&2
    fi
    pip_missing=()
    python3 -c "import junitparser" 2>/dev/null || pip_missing+=(junitparser)
    command -v cfn-lint >/dev/null 2>&1 || pip_missing+=(cfn-lint)
    check-jsonschema --version 2>/dev/null | grep -q "0\.39\.0" || pip_missing+=("check-jsonschema==0.39.0")
    if [ "${#pip_missing[@]}" -gt 0 ]; then
        echo "install-deps: installing ${pip_missing[*]} with pip" >&2
        python3 -m pip install -q "${pip_missing[@]}"
    fi
    # aws-cdk-lib (runs on the installed node through jsii): synthesizes fixtures/cdk-app for the CloudFormation
    # reader's CDK test (skipped when it cannot be installed).
    if ! python3 -c "import aws_cdk" 2>/dev/null; then
        echo "install-deps: installing aws-cdk-lib with pip (for the CDK template test)" >&2
        python3 -m pip install -q "aws-cdk-lib==2.275.0" \
            || echo "install-deps: aws-cdk-lib could not be installed; the CDK template test will be skipped" >&2
    fi
    # moto's server mode: the AWS-compatible endpoint the service-integration tests send SQS/DynamoDB calls to.
    if ! python3 -c "import moto.server, boto3, flask" 2>/dev/null; then
        echo "install-deps: installing moto[server] with pip (for the AWS service integration tests)" >&2
        python3 -m pip install -q "moto[server]" \
            || echo "install-deps: moto[server] could not be installed; the moto service-integration tests will be skipped" >&2
    fi
fi
