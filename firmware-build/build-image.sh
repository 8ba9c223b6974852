#!/usr/bin/env bash
# Builds the appliance image: a minimal Debian bookworm (mmdebstrap) with Moat's
# packages, unbound, clamav-freshclam, openssh-server (keys only) and chrony, as
# a raw GPT disk and a qcow2 that boot with BIOS and UEFI through GRUB.
# Layout (docs/image.md): 1 BIOS boot (GRUB core), 2 EFI system partition,
# 3 root slot A, 4 root slot B (same size, empty until the first update),
# 5 data (label moat-data: the store, spool, archive, signatures, SSH host keys).
# The root file system is mounted read-only; what must change at run time is on
# the data partition or in RAM (tmpfs).
# Usage: firmware-build/build-image.sh [OUT_DIR]   (root; needs mmdebstrap,
#   grub-pc-bin, grub-efi-amd64-bin, dosfstools, mtools, fdisk, qemu-utils, and the mirror)
# Environment: MOAT_BUILD_DIR (build/), MOAT_DEBIAN_MIRROR, MOAT_IMAGE_REUSE_ROOTFS=1
#   (keep OUT_DIR/rootfs from an earlier run that failed after mmdebstrap),
#   MOAT_APT_CACHE (downloaded packages kept between builds; default
#   BUILD_DIR/package-test-apt-cache), MOAT_IMAGE_AUTHORIZED_KEYS=FILE (SSH
#   public keys that may log in as root; none by default).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/build/image}"
build="${MOAT_BUILD_DIR:-$root/build}"
mirror="${MOAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
slot_mb=1536
data_mb=512
esp_mb=64
[ "$(id -u)" -eq 0 ] || { echo "build-image: needs root (loop devices, mounts)" >&2; exit 1; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
start=$(date +%s)

# Each phase's wall time, printed at the end (docs/benchmarks.md, issue 13).
phases=()
phase_start=$start
phase() {
  local now; now=$(date +%s)
  [ -z "${phase_name:-}" ] || phases+=("$phase_name $((now - phase_start)) s")
  phase_name="$1"; phase_start=$now
  [ "$1" = end ] || echo "== $1"
}

phase packages
MOAT_LINTIAN=0 "$root/firmware-build/build-packages.sh" "$build" "$out/debs" >/dev/null
# mmdebstrap installs them with the rest in one apt run (one set of triggers:
# one initramfs); the hook bind-mounts them into the root at the same path,
# a directory of their own that is removed from the root afterwards.
debdir=$(mktemp -d /tmp/moat-image-debs.XXXXXX)
trap 'rm -rf "$debdir"' EXIT
cp "$out"/debs/moat_*.deb "$out"/debs/moat-scand_*.deb "$out"/debs/moat-webui_*.deb "$debdir"/
debs=("$debdir"/*.deb)

phase "root file system (mmdebstrap)"
tar -C "$root/firmware-build/image/overlay" --owner=0 --group=0 -cf "$out/overlay.tar" .
tree="$out/rootfs"
if [ "${MOAT_IMAGE_REUSE_ROOTFS:-0}" = 1 ] && [ -f "$tree/etc/moat/moat.ini" ]; then
  # A root left by an earlier run that stopped later on: refresh the overlay only.
  echo "(reusing $tree)"
  tar -C "$tree" -xf "$out/overlay.tar"
  chroot "$tree" sh /usr/lib/moat/image/configure-image.sh
else
# A run that failed inside mmdebstrap may have left its bind mounts there.
findmnt -rn -o TARGET | grep "^$tree/" | sort -r | xargs -r umount || true
rm -rf "$tree"
# Downloaded packages are kept between builds (shared with
# integration.test_packages): essential/unlink keeps the essential set's too.
cache="${MOAT_APT_CACHE:-$build/package-test-apt-cache}"
mkdir -p "$cache"
# What an appliance never reads is not unpacked: documentation (but the
# copyright files and Moat's own, which the console serves), manual pages,
# translations, and the kernel's drivers for sound, video capture, wireless,
# Bluetooth, InfiniBand and the big GPUs (the console is serial or firmware
# framebuffer). The initramfs is built once, at the end of the one apt run,
# with only the drivers that find the root (the overlay's
# etc/initramfs-tools, put in place before the kernel is installed).
excludes=()
for p in doc man info locale lintian; do
  excludes+=("--dpkgopt=path-exclude=/usr/share/$p/*")
done
excludes+=("--dpkgopt=path-include=/usr/share/doc/*/copyright" "--dpkgopt=path-include=/usr/share/doc/moat/*")
for m in sound drivers/media drivers/net/wireless net/wireless net/mac80211 net/bluetooth drivers/bluetooth \
         drivers/infiniband drivers/staging drivers/iio drivers/isdn drivers/gpu/drm/amd drivers/gpu/drm/radeon \
         drivers/gpu/drm/nouveau drivers/gpu/drm/i915; do
  excludes+=("--dpkgopt=path-exclude=/lib/modules/*/kernel/$m/*" "--dpkgopt=path-exclude=/usr/lib/modules/*/kernel/$m/*")
done
mmdebstrap --variant=apt --skip=download/empty,essential/unlink --dpkgopt=force-unsafe-io \
  --aptopt='Acquire::Languages "none"' "${excludes[@]}" \
  --include=systemd-sysv,udev,linux-image-amd64,initramfs-tools,zstd,fdisk,grub-pc-bin,grub-efi-amd64-bin,grub2-common,e2fsprogs,cloud-guest-utils,unbound,clamav-freshclam,openssh-server,chrony,iproute2,ca-certificates,openssl,libnss-myhostname,dns-root-data \
  "${debs[@]/#/--include=}" \
  --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
  --setup-hook="tar -C \"\$1\" -xf $out/overlay.tar ./etc/initramfs-tools" \
  --setup-hook="sync-in $cache /var/cache/apt/archives" \
  --customize-hook="rm -rf \"\$1\"$debdir" \
  --customize-hook="sync-out /var/cache/apt/archives $cache" \
  --customize-hook="copy-in $out/overlay.tar /tmp" \
  --customize-hook='tar -C "$1" -xf "$1"/tmp/overlay.tar && rm "$1"/tmp/overlay.tar' \
  --customize-hook="chroot \"\$1\" sh /usr/lib/moat/image/configure-image.sh" \
  bookworm "$tree" "$mirror"
fi
rm -rf "$debdir"

phase disk
img="$out/moat.raw"
total_mb=$((1 + esp_mb + 2 * slot_mb + data_mb + 1))
rm -f "$img"
truncate -s "${total_mb}M" "$img"
sfdisk -q "$img" <<EOF
label: gpt
size=1MiB, type=21686148-6449-6E6F-744E-656564454649, name=bios
size=${esp_mb}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp
size=${slot_mb}MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=root-a
size=${slot_mb}MiB, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name=root-b
type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=moat-data
EOF
# One loop device per partition, at its offset: no reliance on the kernel's
# partition scanning of loop devices (some VM kernels have no GPT parser).
loops=()
part_loop() {
  local start sectors
  read -r start sectors < <(partx -g -o START,SECTORS -n "$1" "$img")
  local dev
  dev=$(losetup -f --show -o $((start * 512)) --sizelimit $((sectors * 512)) "$img")
  loops+=("$dev")
  echo "$dev"
}
mnt="$out/mnt"
cleanup() {
  umount -R "$mnt" 2>/dev/null || true
  rm -rf "${debdir:-}"
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
}
trap cleanup EXIT
esp=$(part_loop 2); slot_a=$(part_loop 3); slot_b=$(part_loop 4); data=$(part_loop 5)
mkfs.vfat -n ESP "$esp" >/dev/null
if [ -n "${MOAT_IMAGE_AUTHORIZED_KEYS:-}" ]; then
  # Who may log in as root over SSH from the first boot (keys only).
  install -d -m 0755 "$tree/data-template/ssh/authorized_keys"
  install -m 0600 "$MOAT_IMAGE_AUTHORIZED_KEYS" "$tree/data-template/ssh/authorized_keys/root"
fi
mkfs.ext4 -q -L moat-data -d "$tree/data-template" "$data"
rm -rf "$tree/data-template"
mkfs.ext4 -q -L root-a -d "$tree" "$slot_a"
mkfs.ext4 -q -L root-b "$slot_b"   # empty until the first update writes it
mkdir -p "$mnt"
mount "$slot_a" "$mnt"
# The ESP's files are put together in the root's /boot/efi and copied onto
# the FAT file system with mtools (no vfat mount needed on the build host).
mkdir -p "$mnt/boot/efi"

phase "GRUB (BIOS and UEFI)"
# GRUB's modules and configuration on the ESP, shared by both slots. The
# images are made with grub-mkimage (not grub-install, which needs partition
# devices): UEFI finds its prefix on the device it was loaded from; BIOS
# looks on the disk's second partition.
modules="part_gpt fat ext2 normal search search_label linux echo test loadenv configfile serial terminal gzio"
mkdir -p "$mnt/boot/efi/EFI/BOOT" "$mnt/boot/efi/grub"
cp -r "$mnt/usr/lib/grub/x86_64-efi" "$mnt/usr/lib/grub/i386-pc" "$mnt/boot/efi/grub/"
chroot "$mnt" grub-mkimage -O x86_64-efi -p /grub -o /boot/efi/EFI/BOOT/BOOTX64.EFI $modules efi_gop all_video
chroot "$mnt" grub-mkimage -O i386-pc -p '(hd0,gpt2)/grub' -o /boot/efi/grub/i386-pc/core.img biosdisk $modules
chroot "$mnt" sh /usr/lib/moat/image/write-grub-cfg.sh
# MBR boot code and the core in the BIOS boot partition, written into the
# image file. grub-bios-setup insists on mapping the disk that holds its own
# files to a GRUB drive: they are read from the mounted root slot, whose loop
# device the device map names as hd1 (the host's disk may not be mappable).
bios_dir="$mnt/boot/efi/grub/i386-pc"
printf '(hd0) %s\n(hd1) %s\n' "$img" "$slot_a" > "$bios_dir/device.map"
/usr/lib/grub/i386-pc/grub-bios-setup -s -d "$bios_dir" -m "$bios_dir/device.map" "$img"
rm "$bios_dir/device.map"
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$esp" "$mnt/boot/efi/EFI" "$mnt/boot/efi/grub" ::/
rm -rf "$mnt/boot/efi"/*
umount -R "$mnt"
for l in "${loops[@]}"; do losetup -d "$l"; done
loops=()
trap - EXIT

phase qcow2
qemu-img convert -f raw -O qcow2 "$img" "$out/moat.qcow2"
rm -rf "$tree" "$mnt" "$out/overlay.tar"
phase end
printf '  %s\n' "${phases[@]}"
echo "build-image: $img and $out/moat.qcow2 in $(( $(date +%s) - start )) s"
