#!/bin/sh
# The machine's name: the one the DHCP server hands out (systemd-networkd keeps
# it in the lease as HOSTNAME=), else /etc/hostname's default, "moat". Set as
# the kernel's (transient) name: the root is read-only, and no D-Bus or
# hostnamed is needed. Names that are not a valid host name are ignored.
# (MOAT_LEASES_DIR moves the leases, for the tests.)
set -u
for lease in "${MOAT_LEASES_DIR:-/run/systemd/netif/leases}"/*; do
    [ -f "$lease" ] || continue
    name=$(sed -n 's/^HOSTNAME=//p' "$lease" | head -1)
    if printf '%s' "$name" | grep -Eqx '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*' &&
        [ ${#name} -le 253 ]; then
        hostname "$name"
        echo "hostname from DHCP: $name"
        exit 0
    fi
done
echo "hostname: $(hostname) (no name from DHCP)"
