#!/usr/bin/env bash
# Build the packed Python environment of the platform's scoring job for EMR Serverless (docs/batch.md):
# a virtualenv on Amazon Linux 2023 (the OS of the emr-7.x images) holding its own Python 3.11 and the
# job's requirements, packed with venv-pack. EMR unpacks it as ./environment (spark.archives) and runs
# ./environment/bin/python (PYSPARK_PYTHON); the job has no internet, so nothing is installed at run time.
#
#   scripts/build_batch_env.sh OUT.tar.gz [EXTRA_REQUIREMENTS...]
#
# Needs docker. Upload the result to s3://<data bucket>/<project>/code/env/batch-env.tar.gz, SSE-KMS with
# the project key (ci-templates/mlzone-batch-env.yml does both).
set -euo pipefail
out="${1:?usage: build_batch_env.sh OUT.tar.gz [EXTRA_REQUIREMENTS...]}"
shift
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/mlzone/jobs/requirements.txt" "$work/requirements.txt"
for extra in "$@"; do cat "$extra" >>"$work/requirements.txt"; done
docker run --rm --platform linux/amd64 -v "$work:/build" public.ecr.aws/amazonlinux/amazonlinux:2023 bash -euo pipefail -c '
  dnf install -y -q python3.11 python3.11-pip tar gzip >/dev/null
  python3.11 -m venv --copies /environment
  cp -r /usr/lib64/python3.11/* /environment/lib64/python3.11/  # the standard library travels with it
  /environment/bin/pip install -q --upgrade pip venv-pack
  /environment/bin/pip install -q -r /build/requirements.txt
  /environment/bin/venv-pack -p /environment -o /build/batch-env.tar.gz
'
mv "$work/batch-env.tar.gz" "$out"
echo "$out"
