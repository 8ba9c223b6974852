#!/usr/bin/env bash
# Installs what is missing, checks the layering (scripts/check_layers.py),
# builds, and runs every test: the unit and
# integration suites (ctest), the same again under ASan+UBSan, and a short
# run of every fuzz target. Exit status is non-zero if anything fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jobs="${MOAT_TEST_JOBS:-2}"

scripts/install-deps.sh

echo "== layers (includes point down, SQL only in store/)"
python3 scripts/check_layers.py

echo "== build (RelWithDebInfo)"
scripts/build.sh "$root/build"
echo "== tests"
(cd build && ctest --output-on-failure -j "$jobs")

if [ "${MOAT_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== build (ASan+UBSan)"
  scripts/build.sh "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DMOAT_SANITIZE=ON
  echo "== tests under ASan+UBSan"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp"
  (cd build-asan && ctest --output-on-failure -j "$jobs" -LE no_sanitizer)
fi

if [ "${MOAT_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzz targets (short runs)"
  scripts/build.sh "$root/build-fuzz" -DCMAKE_CXX_COMPILER=clang++ -DMOAT_FUZZ=ON -DMOAT_TESTS=OFF
  for target in build-fuzz/tests/fuzz/fuzz_*; do
    [ -x "$target" ] || continue
    name="$(basename "$target")"
    corpus="$root/tests/fuzz/corpus/$name"
    work="$(mktemp -d)"
    [ -d "$corpus" ] && cp -r "$corpus/." "$work/"
    echo "-- $name"
    "$target" -max_total_time="${MOAT_FUZZ_SECONDS:-10}" -rss_limit_mb=2048 "$work" 2>&1 | tail -3
    rm -rf "$work"
  done
fi
echo "== all tests passed"
