#!/usr/bin/env bash
# Installs everything the tests need; safe to run again (it skips what is there).
# Sourced by scripts/test.sh; sets PY_NEW to the newer Python it used. The demo has its own, smaller
# virtualenv: scripts/demo.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/common.sh

PACKAGES=(-e . -e backends/s3 -e backends/gcs -e backends/azure -e ".[dev,docs]")

ensure_uv
[ -x .venv/bin/python ] || uv venv --quiet -p "$(find_python 3.11)" .venv
uv pip install --quiet -p .venv "Django>=5.2,<5.3" "${PACKAGES[@]}"

PY_NEW=$(find_python 3.13 || find_python 3.12)
export PY_NEW
mkdir -p .tools
ensure_azurite
ensure_uppy

if [ "${SKIP_DJANGO6:-}" != 1 ]; then
  [ -x .venv-django6/bin/python ] || uv venv --quiet -p "$PY_NEW" .venv-django6
  uv pip install --quiet -p .venv-django6 "Django>=6,<7" "${PACKAGES[@]}"
fi

if [ ! -x /usr/bin/chromium ] && [ "${SKIP_BROWSER:-}" != 1 ]; then
  echo "installing Debian's chromium for the browser tests"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# libmagic, which python-magic loads for the content check on complete (s3_file_uploads/content_check.py).
if ! ldconfig -p | grep -q 'libmagic\.so\.1 '; then
  echo "installing Debian's libmagic1 for the content check"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libmagic1 >/dev/null
fi

# wrk, the HTTP load generator of the benchmarks (benchmarks/overhttp.py).
if ! command -v wrk >/dev/null; then
  echo "installing Debian's wrk for the benchmarks"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

# PostgreSQL for the fault and concurrency tests (tests/servers/postgres.py runs its own cluster).
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  echo "installing Debian's postgresql for the concurrency tests"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# django-s3-file-upload 0.1.0, the package this one replaces, in a virtualenv of its own, on the
# same Django and DRF: the migration test builds a database with it, the benchmarks measure it.
if [ ! -x .tools/seed-venv/bin/python ]; then
  uv venv --quiet -p "$(find_python 3.11)" .tools/seed-venv
  uv pip install --quiet -p .tools/seed-venv "django-s3-file-upload==0.1.0" "Django>=5.2,<5.3" \
    "djangorestframework>=3.15" requests
fi
# gunicorn, to serve 0.1.0 in the HTTP benchmarks.
[ -x .tools/seed-venv/bin/gunicorn ] || uv pip install --quiet -p .tools/seed-venv gunicorn

# LocalStack's S3 (tests/servers/localstack.py), for the S3 rules moto does not enforce: its own
# Python 3.13 virtualenv (2026.3.0 uses 3.12+ syntax), pinned (the project was archived 2026-03),
# and its service catalog built once so each start takes about a second.
if [ ! -x .tools/localstack-venv/bin/localstack-supervisor ]; then
  PY313=$(find_python 3.13)
  uv venv --quiet --allow-existing -p "$PY313" .tools/localstack-venv
  # Newer cbor2 and pyopenssl break it; its twisted (localstack-twisted 26.4) needs service-identity.
  uv pip install --quiet -p .tools/localstack-venv "localstack-core[base-runtime]==2026.3.0" \
    "cbor2<6" "pyopenssl<26" service-identity
fi
if ! ls .tools/localstack-root/usr/lib/localstack/service-catalog-*.dill >/dev/null 2>&1; then
  mkdir -p .tools/localstack-root/usr/lib/localstack
  FILESYSTEM_ROOT=.tools/localstack-root OVERRIDE_IN_DOCKER=0 \
    .tools/localstack-venv/bin/python -m localstack.aws.spec >/dev/null
fi
