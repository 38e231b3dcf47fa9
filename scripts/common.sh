# Shared by scripts/setup.sh (the tests) and scripts/demo.sh (the demo); sourced, not run.

AZURITE_VERSION=3.35.0   # 3.36 needs Node 21, 3.37 Node 22

# A working interpreter of a version (pyenv shims exist for every version but only run the
# global one, so look in pyenv's folders too).
find_python() {
  local candidate
  for candidate in "$(command -v "python$1" || true)" \
      "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1"*/bin/"python$1"; do
    if [ -x "$candidate" ] && "$candidate" -c '' 2>/dev/null; then echo "$candidate"; return; fi
  done
  return 1
}

ensure_uv() {
  command -v uv >/dev/null || python3 -m pip install --quiet uv
}

# Azurite, the Azure Blob stand-in, from npm into .tools/ (the tests and DEMO_STORAGE=azure).
ensure_azurite() {
  if [ ! -x .tools/node_modules/.bin/azurite-blob ]; then
    mkdir -p .tools
    (cd .tools && npm install --silent --no-save --no-package-lock --no-audit --no-fund \
      "azurite@$AZURITE_VERSION" >/dev/null 2>&1)
  fi
}
