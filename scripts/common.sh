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

# Uppy from npm into .tools/uppy/<major>/ (the Uppy demo page and its browser tests): the current
# major and the one before, each pinned. Only its prebuilt bundle (dist/uppy.min.mjs and its CSS)
# is served, by the demo's static files; each major has a folder of its own, so installing one
# never prunes the other (or Azurite).
UPPY_VERSIONS=(6.0.1 5.2.4)
ensure_uppy() {
  local version major dir
  command -v npm >/dev/null || { echo "npm is missing: the Uppy page needs Node.js and npm" >&2; return 0; }
  for version in "${UPPY_VERSIONS[@]}"; do
    major=${version%%.*}
    dir=.tools/uppy/$major
    if ! grep -qs "\"version\": \"$version\"" "$dir/node_modules/uppy/package.json"; then
      mkdir -p "$dir"
      # --prefix: without it npm installs into the nearest node_modules above (.tools/, Azurite's).
      npm install --prefix "$dir" --silent --no-save --no-package-lock --no-audit --no-fund \
        "uppy@$version" >/dev/null 2>&1
      grep -qs "\"version\": \"$version\"" "$dir/node_modules/uppy/package.json" ||
        { echo "npm could not install uppy@$version into $dir" >&2; return 1; }
    fi
  done
}
