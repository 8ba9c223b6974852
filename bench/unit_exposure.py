#!/usr/bin/env python3
"""systemd-analyze security exposure of every unit in systemd/ (issue 13's figure: ≤ 2.0 for the
network-facing units).

A benchmark, not a test (tests/integration/test_units.py asserts the ceilings): runs
`systemd-analyze security --offline=yes` on each unit file as shipped, and writes each unit's overall
exposure (0 = fully confined, 10 = unconfined) beside its target into docs/benchmarks.md (or
BENCH_OUTPUT). The reference point is an unhardened service, rated by the same tool in the same run.
Needs systemd (systemd-analyze); a few seconds.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from report_section import write_section  # noqa: E402

UNITS = REPO / "systemd"
# unit -> (what it faces, target); network-facing units are the issue's ≤ 2.0
TARGETS = {
    "moat-smtpd.service": ("port 25", 2.0),
    "moat-webui.service": ("port 443", 2.0),
    "moat-tarpit.service": ("port 25, redirected bots", 2.0),
    "moat-firewall.service": ("nftables (CAP_NET_ADMIN), no listener", 2.0),
    "moat-scand.service": ("no network", 1.0),
    "moat-retrain.service": ("no network", 1.0),
    "moat-sshwatch.service": ("no network", 1.0),
}


def exposure(analyze: str, unit: str, cwd: Path) -> float:
    cp = subprocess.run([analyze, "security", "--offline=yes", "--no-pager", unit], cwd=cwd,
                        capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", cp.stdout + cp.stderr)
    if not m:
        raise RuntimeError(f"{unit}: no exposure level in\n{cp.stdout}{cp.stderr}")
    return float(m.group(1))


def main() -> int:
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("unit_exposure: systemd-analyze missing (apt-get install systemd)", file=sys.stderr)
        return 2
    output = Path(os.environ.get("BENCH_OUTPUT", REPO / "docs" / "benchmarks.md"))
    shipped = sorted(p.name for p in UNITS.glob("*.service"))
    unknown = set(shipped) - set(TARGETS)
    if unknown:
        print(f"unit_exposure: no target for {sorted(unknown)}", file=sys.stderr)
        return 2
    levels = {unit: exposure(analyze, unit, UNITS) for unit in shipped}
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "plain.service").write_text("[Service]\nExecStart=/usr/sbin/plain\n")
        plain = exposure(analyze, "plain.service", Path(d))
    version = subprocess.run([analyze, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    met = all(levels[u] <= TARGETS[u][1] for u in shipped)
    lines = [
        "## Unit exposure: `systemd-analyze security` of every unit (`bench/unit_exposure.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {version}; Moat {commit}.",
        "",
        "**Method.** `systemd-analyze security --offline=yes` on each unit file in `systemd/` as shipped "
        "(0 = fully confined, 10 = unconfined); beside them, a service with no hardening at all rated by "
        "the same tool. Which setting does what: [security.md](security.md).",
        "",
        "| unit | faces | exposure | target |",
        "|---|---|---:|---:|",
    ]
    for unit in shipped:
        faces, target = TARGETS[unit]
        lines.append(f"| {unit} | {faces} | **{levels[unit]:.1f}** | ≤ {target:.1f} |")
    lines += [
        f"| (a service without hardening) | | {plain:.1f} | |",
        "",
        f"**Every unit within its target: {'met' if met else 'not met'}** (network-facing ≤ 2.0; "
        "the units without network ≤ 1.0).",
        "",
    ]
    write_section(output, "unit_exposure", "bench/unit_exposure.py", lines)
    print("\n".join(lines))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
