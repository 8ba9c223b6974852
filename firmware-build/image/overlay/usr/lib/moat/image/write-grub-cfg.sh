#!/bin/sh
# Writes GRUB's configuration on the EFI system partition, which both boot
# paths (BIOS and UEFI) and both root slots share: slot A by default, slot B
# when the GRUB environment says moat_slot=b (the updater's switch).
set -eu
dir=/boot/efi/grub
cat > $dir/grub.cfg <<'CFG'
set timeout=1
set default=0
load_env --file ($root)/grub/grubenv
if [ "$moat_slot" = b ]; then set default=1; fi
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
insmod part_gpt
insmod ext2
menuentry 'Moat (slot A)' {
    search --no-floppy --label root-a --set root
    linux /vmlinuz root=LABEL=root-a ro quiet console=tty0 console=ttyS0,115200
    initrd /initrd.img
}
menuentry 'Moat (slot B)' {
    search --no-floppy --label root-b --set root
    linux /vmlinuz root=LABEL=root-b ro quiet console=tty0 console=ttyS0,115200
    initrd /initrd.img
}
CFG
grub-editenv $dir/grubenv create
grub-editenv $dir/grubenv set moat_slot=a
