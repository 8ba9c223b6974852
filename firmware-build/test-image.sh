#!/usr/bin/env bash
# Boots the appliance image under qemu (TCG: no KVM needed) with user-mode
# networking and checks that it comes up: the SMTP banner on port 25 (forwarded
# to a free host port), the console's HTTPS login page on 443, and the
# console's first-run link on the serial console (moat-issue.service). Prints the time from power-on to the banner.
# Usage: firmware-build/test-image.sh [IMAGE] [bios|uefi]
#   IMAGE  default build/image/moat.qcow2 (booted with -snapshot: left unchanged)
# Environment: MOAT_BOOT_BUDGET seconds to wait for the banner (default 300;
#   the target is 60), MOAT_QEMU_MEMORY (default 2048 MiB).
# Needs qemu-system-x86 (and ovmf for uefi). Exit status non-zero on failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
image="${1:-$root/build/image/moat.qcow2}"
firmware="${2:-bios}"
budget="${MOAT_BOOT_BUDGET:-300}"
memory="${MOAT_QEMU_MEMORY:-2048}"
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
smtp=$(free_port); https=$(free_port); ssh=$(free_port)

fw=()
if [ "$firmware" = uefi ]; then
  cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"
  fw=(-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
      -drive if=pflash,format=raw,file="$work/vars.fd")
fi
start=$(date +%s.%N)
qemu-system-x86_64 -machine q35 -accel tcg -m "$memory" -smp 2 "${fw[@]}" \
  -drive file="$image",if=virtio,snapshot=on \
  -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$smtp-:25,hostfwd=tcp:127.0.0.1:$https-:443,hostfwd=tcp:127.0.0.1:$ssh-:22 \
  -device virtio-net-pci,netdev=n0 \
  -display none -serial file:"$work/serial.log" -monitor none &
qemu=$!
cleanup() { kill "$qemu" 2>/dev/null || true; wait "$qemu" 2>/dev/null || true; }
trap cleanup EXIT

banner=""
while [ -z "$banner" ]; do
  now=$(date +%s.%N)
  if awk -v a="$start" -v b="$now" -v t="$budget" 'BEGIN{exit !(b-a>t)}'; then
    echo "test-image: no SMTP banner within ${budget}s; serial console:" >&2
    tail -40 "$work/serial.log" >&2
    exit 1
  fi
  kill -0 "$qemu" 2>/dev/null || { echo "test-image: qemu exited" >&2; tail -40 "$work/serial.log" >&2; exit 1; }
  # One line: the server keeps the connection open, so read to the newline, not to a byte count.
  banner=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$smtp && head -n 1 <&3" 2>/dev/null | tr -d '\r' | grep '^220 ' || true)
  [ -n "$banner" ] || sleep 2
done
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b-a}')
echo "test-image: $firmware: SMTP banner after ${elapsed}s: $banner"
code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 30 "https://127.0.0.1:$https/" || true)
echo "test-image: console https: $code"
[ "$code" = 200 ] || { echo "test-image: console did not answer" >&2; exit 1; }
for _ in $(seq 60); do grep -q "#/first-run/" "$work/serial.log" && break; sleep 1; done
if grep -a "First run" "$work/serial.log"; then
  echo "test-image: first-run link on the serial console"
else
  echo "test-image: no first-run link on the serial console" >&2
  tail -20 "$work/serial.log" >&2
  exit 1
fi
rm -rf "$work"
