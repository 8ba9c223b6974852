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
#   (keep OUT_DIR/rootfs from an earlier run that failed after mmdebstrap).
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

echo "== packages"
MOAT_LINTIAN=0 "$root/firmware-build/build-packages.sh" "$build" "$out/debs" >/dev/null
debs=("$out"/debs/moat_*.deb "$out"/debs/moat-scand_*.deb "$out"/debs/moat-webui_*.deb)

echo "== root file system (mmdebstrap)"
tar -C "$root/firmware-build/image/overlay" --owner=0 --group=0 -cf "$out/overlay.tar" .
tree="$out/rootfs"
if [ "${MOAT_IMAGE_REUSE_ROOTFS:-0}" = 1 ] && [ -f "$tree/etc/moat/moat.ini" ]; then
  # A root left by an earlier run that stopped later on: refresh the overlay only.
  echo "(reusing $tree)"
  tar -C "$tree" -xf "$out/overlay.tar"
  chroot "$tree" sh /usr/lib/moat/image/configure-image.sh
else
rm -rf "$tree"
cache="$build/package-test-apt-cache"
mkdir -p "$cache"
mmdebstrap --variant=apt --skip=download/empty --dpkgopt=force-unsafe-io \
  --include=systemd-sysv,udev,linux-image-amd64,initramfs-tools,zstd,fdisk,grub-pc-bin,grub-efi-amd64-bin,grub2-common,e2fsprogs,cloud-guest-utils,unbound,clamav-freshclam,openssh-server,chrony,iproute2,ca-certificates,openssl \
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives' \
  --setup-hook="sync-in $cache /var/cache/apt/archives" \
  --customize-hook='mkdir -p "$1"/tmp/moat-debs' \
  --customize-hook="copy-in ${debs[*]} /tmp/moat-debs" \
  --customize-hook='chroot "$1" sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/moat-debs/*.deb && rm -rf /tmp/moat-debs"' \
  --customize-hook="sync-out /var/cache/apt/archives $cache" \
  --customize-hook="copy-in $out/overlay.tar /tmp" \
  --customize-hook='tar -C "$1" -xf "$1"/tmp/overlay.tar && rm "$1"/tmp/overlay.tar' \
  --customize-hook="chroot \"\$1\" sh /usr/lib/moat/image/configure-image.sh" \
  bookworm "$tree" "$mirror"
fi

echo "== disk"
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
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
}
trap cleanup EXIT
esp=$(part_loop 2); slot_a=$(part_loop 3); slot_b=$(part_loop 4); data=$(part_loop 5)
mkfs.vfat -n ESP "$esp" >/dev/null
mkfs.ext4 -q -L moat-data -d "$tree/data-template" "$data"
rm -rf "$tree/data-template"
mkfs.ext4 -q -L root-a -d "$tree" "$slot_a"
mkfs.ext4 -q -L root-b "$slot_b"   # empty until the first update writes it
mkdir -p "$mnt"
mount "$slot_a" "$mnt"
# The ESP's files are put together in the root's /boot/efi and copied onto
# the FAT file system with mtools (no vfat mount needed on the build host).
mkdir -p "$mnt/boot/efi"

echo "== GRUB (BIOS and UEFI)"
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
bios_dir="$out/grub-i386-pc"
rm -rf "$bios_dir"
cp -r "$mnt/boot/efi/grub/i386-pc" "$bios_dir"
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$esp" "$mnt/boot/efi/EFI" "$mnt/boot/efi/grub" ::/
rm -rf "$mnt/boot/efi"/*
umount -R "$mnt"
for l in "${loops[@]}"; do losetup -d "$l"; done
loops=()
trap - EXIT
# MBR boot code and the core in the BIOS boot partition, written into the file.
# grub-bios-setup also maps the disk holding its files (this host's), as hd1.
{ echo "(hd0) $img"; echo "(hd1) $(findmnt -no SOURCE -T "$bios_dir")"; } > "$bios_dir/device.map"
if ! /usr/lib/grub/i386-pc/grub-bios-setup -d "$bios_dir" -m "$bios_dir/device.map" "$img"; then
  # Known on build hosts whose disk GRUB cannot map (docs/image.md, "Status"):
  # the image then boots with UEFI only.
  echo "build-image: WARNING: BIOS boot code not installed; the image boots with UEFI only" >&2
fi
rm -rf "$bios_dir"

echo "== qcow2"
qemu-img convert -f raw -O qcow2 "$img" "$out/moat.qcow2"
rm -rf "$tree" "$mnt" "$out/overlay.tar"
echo "build-image: $img and $out/moat.qcow2 in $(( $(date +%s) - start )) s"
