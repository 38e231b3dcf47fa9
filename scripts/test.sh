#!/usr/bin/env bash
# The whole test run from a fresh machine: installs what the tests need, then lint, the suite on
# Python 3.11 + Django 5.2 (browser tests included), the suite on Django 6 under Python 3.12+,
# the browser client's own tests, and the docs in strict mode. Servers start inside pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step() { printf '\n=== %s\n' "$*"; }

step "lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "suite: Python 3.11, Django $(.venv/bin/python -c 'import django; print(django.__version__)')"
.venv/bin/python -m pytest -n 2 -q "$@"

step "fault and concurrency suite on PostgreSQL (the line above ran it on SQLite)"
.venv/bin/python -m pytest tests/faults -q -p no:playwright --ds=tests.faults.settings_postgres

if [ -d js-tests ]; then
  step "browser client: node --test"
  node --test js-tests/
fi

step "suite without the browser: Python $("$PY_NEW" -c 'import platform; print(platform.python_version())'), Django 6"
.venv-django6/bin/python -m pytest -q -m "not browser" -p no:playwright "$@"

step "benchmark, quick mode (figures not asserted; it must run)"
.venv/bin/python -m benchmarks.run --quick

export NO_MKDOCS_2_WARNING=1
step "docs: mkdocs build --strict"
.venv/bin/mkdocs build --strict --site-dir .tools/site -q
echo "docs built"
