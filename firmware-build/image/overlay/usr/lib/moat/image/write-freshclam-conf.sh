#!/bin/sh
# freshclam's configuration, made at each start of clamav-freshclam into /run
# (the root is read-only; /etc/clamav/freshclam.conf links there): Debian's
# configuration from the build, with the mirrors of the setting file
# /data/config/freshclam-mirrors when it has any. Each line of that file is a
# mirror's name ("DatabaseMirror" is implied) or a whole "DatabaseMirror X" or
# "PrivateMirror URL" line (a mirror on the local network); # starts a comment.
# No log file (/var/log is a tmpfs without clamav's directory): the journal;
# no clamd to notify (moat-scand watches the signature directory itself).
# (The MOAT_FRESHCLAM_* variables move the three files, for the tests.)
set -eu
base=${MOAT_FRESHCLAM_BASE:-/usr/lib/moat/image/freshclam.conf.base}
setting=${MOAT_FRESHCLAM_MIRRORS:-/data/config/freshclam-mirrors}
out=${MOAT_FRESHCLAM_CONF:-/run/moat-freshclam/freshclam.conf}
mkdir -p "$(dirname "$out")"
mirrors=""
if [ -f "$setting" ]; then
    mirrors=$(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$setting" | awk 'NF {
        if ($1 == "DatabaseMirror" || $1 == "PrivateMirror") { if (NF == 2) print $1 " " $2 }
        else if (NF == 1) print "DatabaseMirror " $1 }')
fi
{
    if [ -n "$mirrors" ]; then
        grep -Ev '^(UpdateLogFile|NotifyClamd|DatabaseMirror|PrivateMirror)[[:space:]]' "$base"
        printf '%s\n' "$mirrors"
    else
        grep -Ev '^(UpdateLogFile|NotifyClamd)[[:space:]]' "$base"
    fi
} > "$out.new"
chmod 0644 "$out.new"
mv "$out.new" "$out"
