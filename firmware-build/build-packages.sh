#!/usr/bin/env bash
# Builds Moat's Debian packages (moat, moat-scand, moat-webui) with CPack from
# the install rules (services/CMakeLists.txt, firmware-build/CMakeLists.txt)
# and checks them with lintian, failing on any lintian error.
# Usage: firmware-build/build-packages.sh [BUILD_DIR [OUT_DIR]]
#   BUILD_DIR  CMake build directory, configured and built if needed (default: build)
#   OUT_DIR    where the .deb files go (default: BUILD_DIR/packages)
# Environment: MOAT_LINTIAN=0 skips lintian.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
out="${2:-$build/packages}"
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

if [ ! -f "$build/CMakeCache.txt" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$build" -G Ninja "${launcher[@]}"
fi
cmake --build "$build"
mkdir -p "$out"
rm -f "$out"/moat*.deb
(cd "$build" && cpack -G DEB -B "$out" >/dev/null)
rm -rf "$out/_CPack_Packages"
ls -1 "$out"/*.deb

if [ "${MOAT_LINTIAN:-1}" != 0 ]; then
  if command -v lintian >/dev/null; then
    # lintian prints E: for errors, W:/I: for the rest; only errors fail.
    report="$(lintian --tag-display-limit 0 "$out"/*.deb 2>&1 | grep -v 'running with root privileges' || true)"
    [ -z "$report" ] || printf '%s\n' "$report"
    if printf '%s\n' "$report" | grep -q '^E: '; then
      echo "build-packages: lintian reports errors" >&2
      exit 1
    fi
    echo "build-packages: lintian: no errors"
  else
    echo "build-packages: lintian not installed (apt-get install lintian); packages not checked"
  fi
fi
