#!/usr/bin/env bash
# Installs, from Debian bookworm's packages, everything Moat needs to build,
# run and test. Idempotent: installs only what is missing.
# Usage: scripts/install-deps.sh [image]   ("image": also what builds and boots the image)
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang libclang-rt-14-dev pkg-config
  libpoco-dev libc-ares-dev libsqlite3-dev libssl-dev libgtest-dev libgmock-dev
  libgmime-3.0-dev libarchive-dev libclamav-dev libseccomp-dev
  # the console: CivetWeb (HTTPS; it dlopens libssl.so/libcrypto.so, which libssl-dev provides), Argon2id,
  # TOTP two-factor login (liboath) and its enrolment QR code drawn as SVG (libqrencode)
  libcivetweb-dev libsodium-dev liboath-dev libqrencode-dev
  # run and test: real SMTP clients and servers, DNS, tools
  postfix swaks libnet-ssleay-perl python3 python3-pytest python3-dnslib nsd openssl sqlite3 iproute2 procps
  # the firewall agent: libnftables to build moat-firewall, nft to look at its table in the tests;
  # sd-journal (libsystemd) for moat-sshwatch, and a real sshd to fail logins against in its test
  libnftables-dev nftables libsystemd-dev openssh-server openssh-client
  # content: the Public Suffix List for URIBL registered domains
  publicsuffix
  # virus scanning tests: sigtool builds the test signatures; ClamAV's own test files; zip and 7z
  # (p7zip-full) make password-protected zips (traditional and AES) and 7z archives
  clamav clamav-testfiles zip p7zip-full
  # packages and units: systemd-analyze (verify, security), lintian, mmdebstrap and systemd-nspawn
  # (tests/integration/test_units.py, test_packages.py)
  systemd systemd-container lintian mmdebstrap
  # console browser tests: Debian's chromium, driven by playwright-core (npm, tests/browser)
  chromium
)
# The appliance image (firmware-build/build-image.sh) and its boot test under qemu
# (tests/integration/test_image.py with MOAT_IMAGE_TEST=1): only with the argument
# "image", since CI runs the image test's light part only (docs/image.md, "Testing").
if [ "${1:-}" = image ]; then
  packages+=(mmdebstrap grub-pc-bin grub-efi-amd64-bin dosfstools mtools fdisk qemu-utils qemu-system-x86 ovmf
             openssh-client)
fi
# node and npm for the browser tests, unless a node is already installed (e.g. from NodeSource,
# whose nodejs package carries its own npm and conflicts with Debian's npm package)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Postfix is only used as a test peer (smtp-sink, smtp-source, benchmark relay):
  # keep its system instance from taking port 25.
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
