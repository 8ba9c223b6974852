#!/bin/sh
# Runs once in the image's root at build time (firmware-build/build-image.sh):
# the read-only root's mounts, the data partition's template, production
# settings, network, SSH (keys only) and the first-boot units.
set -eu
echo moat > /etc/hostname   # the default; moat-hostname.service sets DHCP's name
# The machine's own name resolves whatever DHCP named it (libnss-myhostname),
# without a DNS query: /etc/hosts is on the read-only root.
sed -i 's/^hosts:.*/hosts:          files myhostname dns/' /etc/nsswitch.conf
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmoat\n::1\tlocalhost ip6-localhost ip6-loopback\n' > /etc/hosts
: > /etc/machine-id   # systemd makes one per boot on a read-only root
rm -f /var/lib/dbus/machine-id
printf 'nameserver 127.0.0.1\n' > /etc/resolv.conf   # unbound, the local recursive resolver

unbound_uid=$(id -u unbound)
cat > /etc/fstab <<FSTAB
# Read-only root (its slot is on the kernel command line); what changes at
# run time is on the data partition (/data) or in RAM.
LABEL=moat-data  /data            ext4   noatime,x-systemd.growfs                  0 2
/data/moat       /var/lib/moat    none   bind,x-systemd.requires-mounts-for=/data  0 0
/data/clamav     /var/lib/clamav  none   bind,x-systemd.requires-mounts-for=/data  0 0
/data/chrony     /var/lib/chrony  none   bind,x-systemd.requires-mounts-for=/data  0 0
/data/config/moat /etc/moat       none   bind,x-systemd.requires-mounts-for=/data  0 0
tmpfs            /tmp             tmpfs  mode=1777,nosuid,nodev                    0 0
tmpfs            /var/tmp         tmpfs  mode=1777,nosuid,nodev                    0 0
tmpfs            /var/log         tmpfs  mode=0755,nosuid,nodev                    0 0
tmpfs            /var/cache       tmpfs  mode=0755,nosuid,nodev                    0 0
tmpfs            /var/lib/systemd tmpfs  mode=0755                                 0 0
tmpfs            /var/lib/unbound tmpfs  mode=0755,uid=$unbound_uid                0 0
tmpfs            /var/lib/private tmpfs  mode=0700                                 0 0
FSTAB
mkdir -p /data

# The data partition's first contents (build-image.sh makes its file system
# from /data-template): owners and modes as the packages' tmpfiles.d file says.
t=/data-template
rm -rf $t
mkdir -p $t/moat/archive $t/moat/spool/tls $t/clamav $t/chrony $t/ssh
: > $t/moat/moat.db
chown -R moat:moat $t/moat
chmod 0770 $t/moat $t/moat/spool/tls
chmod 0750 $t/moat/archive $t/moat/spool
chmod 0660 $t/moat/moat.db
chown clamav:clamav $t/clamav
chown _chrony:_chrony $t/chrony
chmod 0755 $t/ssh
# Settings of the appliance itself (root's): freshclam's mirrors.
mkdir -p $t/config
cat > $t/config/freshclam-mirrors <<'MIRRORS'
# freshclam's mirrors, one a line: a name (DatabaseMirror), or a whole
# "DatabaseMirror NAME" or "PrivateMirror URL" line. None: Debian's defaults.
# Then: systemctl restart clamav-freshclam
MIRRORS

# Production configuration: the spool beside the archive on the data
# partition (the archive hard-links spool files), scanning explicit, the
# local resolver.
ini=/etc/moat/moat.ini
sed -i 's|^dir = /var/spool/moat$|dir = /var/lib/moat/spool|' $ini
sed -i 's|^; \[dns\]$|[dns]|; s|^; servers = 127.0.0.1:53$|servers = 127.0.0.1:53|' $ini
# Scanning strict, said explicitly: without signatures, mail waits (451).
grep -q '^no_signatures' $ini || sed -i 's|^socket = /run/moat/scand.sock$|&\nno_signatures = tempfail|' $ini

# moat.ini lives on the data partition too (bind-mounted over /etc/moat), so
# an administrator can change it on a running box and it survives a root
# slot's replacement; the root keeps the shipped copy as the mount point's.
mkdir -p $t/config/moat
cp -a /etc/moat/. $t/config/moat/

# Production defaults in the store (the lab's leave the DNS checks off;
# docs/checks.md, "Defaults, and what to change for production"): made here
# in the data partition's store with moatctl, so the first boot starts with them.
cat > /tmp/moat-build.ini <<INI
[store]
url = sqlite:$t/moat/moat.db
INI
for setting in rdns.action=score fcrdns.action=score helo.action=reject sender_domain.action=reject; do
    moatctl --config /tmp/moat-build.ini setting set "${setting%%=*}" "${setting#*=}" >/dev/null
done
rm -f /tmp/moat-build.ini $t/moat/moat.db-wal $t/moat/moat.db-shm
chown moat:moat $t/moat/moat.db
chmod 0660 $t/moat/moat.db

# freshclam's configuration is made at its start into /run, from Debian's and
# the mirror setting on the data partition (write-freshclam-conf.sh).
if [ ! -L /etc/clamav/freshclam.conf ]; then
    mv /etc/clamav/freshclam.conf /usr/lib/moat/image/freshclam.conf.base
    ln -s /run/moat-freshclam/freshclam.conf /etc/clamav/freshclam.conf
fi

# Journal in RAM (the root is read-only; /var/log is a tmpfs).
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\n' > /etc/systemd/journald.conf.d/moat.conf

# SSH: keys only; host keys made at first boot on the data partition.
rm -f /etc/ssh/ssh_host_*

systemctl enable systemd-networkd.service systemd-networkd-wait-online.service moat-firstboot.service \
    moat-growdata.service moat-issue.service moat-hostname.service >/dev/null
systemctl enable clamav-freshclam.service >/dev/null
# Nothing to do on an appliance with a read-only root and no LVM: package
# updates and dpkg backups (the update issue replaces whole root slots), LVM
# snapshot scrubbing. chrony keeps the time.
for unit in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service; do
    systemctl disable "$unit" 2>/dev/null || true
done
