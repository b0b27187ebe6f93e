#!/usr/bin/env bash
# Install mlzone and its test tools into ./.venv (idempotent; safe to re-run).
#   --with-cdktf-cli   also install the npm cdktf CLI 0.21.0 into .mlzone/node (for `cdktf synth`),
#                      every dependency pinned by scripts/cdktf-cli/package-lock.json
#   --with-browser     also install Debian's chromium (the portal's browser tests drive it headless)
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1 || { echo "error: $1 not found; fix: $2" >&2; exit 2; }; }
need python3 "install Python >= 3.10"
need node "install Node.js >= 18 (the cdktf Python bindings run on the jsii Node runtime)"
need "${MLZONE_TERRAFORM:-terraform}" "install Terraform >= 1.10 on PATH, or set MLZONE_TERRAFORM=/path/to/terraform"

[ -x .venv/bin/python ] || python3 -m venv .venv
# scripts/constraints.txt pins every package to the versions CI passed with (resolved on Python 3.11, CI's
# Python), so a release published upstream cannot change a fresh clone; other Pythons resolve pyproject's ranges.
pins=()
[ "$(.venv/bin/python -c 'import sys; print(sys.version_info[:2] == (3, 11))')" = True ] && pins=(-c scripts/constraints.txt)
# The filter hides pip's notes about unreachable extra indexes configured on some machines.
.venv/bin/python -m pip install --quiet --progress-bar off "${pins[@]}" -e '.[dev]' 2> >(grep -v "is ignored" >&2)

with() { case " $ARGS " in *" $1 "*) return 0;; esac; return 1; }
ARGS="$*"

if with --with-cdktf-cli && [ ! -x .mlzone/node/node_modules/.bin/cdktf ]; then
  need npm "install npm (comes with Node.js)"
  mkdir -p .mlzone/node
  # npm ci installs the lockfile's versions exactly: a dependency published upstream since cannot break it.
  cp scripts/cdktf-cli/package.json scripts/cdktf-cli/package-lock.json .mlzone/node/
  npm ci --prefix .mlzone/node --no-audit --no-fund --loglevel=error >/dev/null
fi
if with --with-browser && ! command -v chromium >/dev/null 2>&1; then
  need apt-get "install Chromium with your package manager (the browser tests look for \`chromium\` on PATH)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
fi
echo "mlzone installed in .venv ($(.venv/bin/python -c 'import mlzone; print(mlzone.__version__)'))"
