#!/usr/bin/env bash
# The build rejects an upward include (docs/layers.md). Two probe units, compiled as the store layer's
# own units are: one includes a header of its own layer (must compile: the control), one includes
# the report layer above it (must fail, and for that reason). Run by ctest as `layering_enforced`.
set -uo pipefail
build_dir=$1
if ! out=$(cmake --build "$build_dir" --target layering_probe_own 2>&1); then
  echo "FAIL: the control probe (store including store/store.hpp) does not compile:"
  echo "$out"
  exit 1
fi
if out=$(cmake --build "$build_dir" --target layering_probe_upward 2>&1); then
  echo "FAIL: the store layer compiled an include of report/report.hpp (an upward include)"
  exit 1
fi
if ! grep -q "report/report.hpp: No such file or directory" <<<"$out"; then
  echo "FAIL: the upward probe failed for another reason than the missing include:"
  echo "$out"
  exit 1
fi
echo "ok: store/store.hpp compiles in the store layer; report/report.hpp does not (upward include refused)"
