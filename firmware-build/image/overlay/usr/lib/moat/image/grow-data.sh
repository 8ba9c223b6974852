#!/bin/sh
# Grows the data partition (the disk's last) to the end of the disk and its
# file system with it, online; does nothing when it already fills the disk.
set -eu
part=$(findmnt -no SOURCE /data)
disk=/dev/$(lsblk -no pkname "$part")
num=$(cat /sys/class/block/$(basename "$part")/partition)
if growpart "$disk" "$num"; then
    resize2fs "$part"
fi
