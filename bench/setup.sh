#!/usr/bin/env bash
# Creates the benchmark-only virtual environments under bench/.work/ (git-ignored).
# None of these packages is a dependency of vmsdq: they exist only to compare against.
#   venv-gx      Great Expectations (pandas execution engine)
#   venv-pandera Pandera with its polars backend
#   venv-soda    Soda Core for DuckDB (pins an old DuckDB, hence its own venv)
# Top-level versions are pinned here; bench/tools/lock-<name>.txt (pip freeze of a working
# install) pins the transitive ones and is used as a constraints file when present.
set -euo pipefail
cd "$(dirname "$0")"
PY="${PYTHON:-python3.11}"
WORK=.work
mkdir -p "$WORK"

make_venv() {  # name, packages...
  local name="$1"; shift
  local venv="$WORK/venv-$name" lock="tools/lock-$name.txt"
  if [ ! -x "$venv/bin/python" ]; then "$PY" -m venv "$venv"; fi
  local constraints=()
  if [ -f "$lock" ]; then constraints=(-c "$lock"); fi
  "$venv/bin/pip" install -q "${constraints[@]}" "$@"
  if [ ! -f "$lock" ]; then "$venv/bin/pip" freeze --exclude-editable > "$lock"; fi
  echo "$name: $("$venv/bin/python" --version) ok"
}

which="${1:-all}"
if [ "$which" = all ] || [ "$which" = gx ]; then
  make_venv gx "great-expectations==1.24.1" "pyarrow==26.0.1"
fi
if [ "$which" = all ] || [ "$which" = pandera ]; then
  make_venv pandera "pandera[polars]==0.35.0" "polars==2.1.0"
fi
if [ "$which" = all ] || [ "$which" = soda ]; then
  make_venv soda "soda-core-duckdb==3.5.6"
fi
