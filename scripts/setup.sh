#!/usr/bin/env bash
# Installs everything the tests and the demo need; safe to run again (it skips what is there).
# Sourced by scripts/test.sh and scripts/demo.sh; sets PY_NEW to the newer Python it used.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

AZURITE_VERSION=3.35.0   # 3.36 needs Node 21, 3.37 Node 22
PACKAGES=(-e . -e backends/s3 -e backends/gcs -e backends/azure -e ".[dev,docs]")

command -v uv >/dev/null || python3 -m pip install --quiet uv
[ -x .venv/bin/python ] || uv venv --quiet -p python3.11 .venv
uv pip install --quiet -p .venv "Django>=5.2,<5.3" "${PACKAGES[@]}"

PY_NEW=$(command -v python3.13 || command -v python3.12)
if [ "${SKIP_DJANGO6:-}" != 1 ]; then
  [ -x .venv-django6/bin/python ] || uv venv --quiet -p "$PY_NEW" .venv-django6
  uv pip install --quiet -p .venv-django6 "Django>=6,<7" "${PACKAGES[@]}"
fi

mkdir -p .tools
if [ ! -x .tools/node_modules/.bin/azurite-blob ]; then
  (cd .tools && npm install --silent --no-save --no-package-lock --no-audit --no-fund \
    "azurite@$AZURITE_VERSION" >/dev/null 2>&1)
fi

if [ ! -x /usr/bin/chromium ] && [ "${SKIP_BROWSER:-}" != 1 ]; then
  echo "installing Debian's chromium for the browser tests"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export PY_NEW

# django-s3-file-upload 0.1.0, the package this one replaces, in a virtualenv of its own, on the
# same Django and DRF: the migration test builds a database with it, the benchmarks measure it.
if [ ! -x .tools/seed-venv/bin/python ]; then
  uv venv --quiet -p python3.11 .tools/seed-venv
  uv pip install --quiet -p .tools/seed-venv "django-s3-file-upload==0.1.0" "Django>=5.2,<5.3" \
    "djangorestframework>=3.15" requests
fi
