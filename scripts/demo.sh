#!/usr/bin/env bash
# The demo on a fresh machine: install, migrate SQLite, serve the page with the local backend.
# DEMO_STORAGE=s3|azure|gcs runs it against a local moto / Azurite / fake-gcs-server instead.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_ONLY_DEMO=1 source scripts/setup.sh
ADDRESS="${DEMO_ADDRESS:-127.0.0.1:8000}"
export DEMO_ADDRESS="$ADDRESS"
if [ "${DEMO_STORAGE:-local}" != local ]; then
  exec .venv/bin/python scripts/demo_cloud.py
fi
cd example
../.venv/bin/python manage.py migrate --noinput -v 0
printf '\n  Demo page: http://%s/   (Ctrl-C stops it)\n\n' "$ADDRESS"
exec ../.venv/bin/python manage.py runserver "$ADDRESS"
