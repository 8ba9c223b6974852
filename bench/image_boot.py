#!/usr/bin/env python3
"""Image build time and boot-to-banner time under qemu TCG (issue 13's figures).

A benchmark, not a test (tests/integration/test_image.py with MOAT_IMAGE_TEST=1 checks what the
booted image does). Builds the image once with firmware-build/build-image.sh (wall time and its
phases), then powers it on BENCH_BOOTS times with UEFI (OVMF) and as many with BIOS through
firmware-build/test-image.sh (qemu TCG, 2 vCPUs, 2 GiB, user-mode networking, -snapshot so every
power-on is a first boot: the data partition grown, the TLS certificate made) and takes the time from
starting qemu to the SMTP banner on the forwarded port 25 (polled every 2 s, so ±2 s). Medians beside
the targets: image ≤ 10 min, banner ≤ 60 s after power-on.

Needs root, mmdebstrap and the image tools, qemu-system-x86 and ovmf (`scripts/install-deps.sh image`)
and the Debian mirror; about 10-15 minutes. An idle machine: TCG is CPU-bound, and so is the build.
Writes its section of docs/benchmarks.md (or BENCH_OUTPUT).
Environment: BENCH_BOOTS (3), MOAT_BUILD_DIR (default <repo>/build), MOAT_DEBIAN_MIRROR.
"""
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from report_section import write_section  # noqa: E402

BUILD_TARGET_S = 600
BANNER_TARGET_S = 60


def main() -> int:
    boots = int(os.environ.get("BENCH_BOOTS", "3"))
    output = Path(os.environ.get("BENCH_OUTPUT", REPO / "docs" / "benchmarks.md"))
    build_dir = Path(os.environ.get("MOAT_BUILD_DIR", REPO / "build")).resolve()
    out = build_dir / "image-bench"
    shutil.rmtree(out, ignore_errors=True)
    cache = Path(os.environ.get("MOAT_APT_CACHE", build_dir / "package-test-apt-cache"))
    cache_warm = cache.is_dir() and any(cache.glob("*.deb"))
    load_before = os.getloadavg()[0]

    started = time.monotonic()
    cp = subprocess.run([str(REPO / "firmware-build" / "build-image.sh"), str(out)], capture_output=True, errors="replace",
                        text=True, env=dict(os.environ, MOAT_BUILD_DIR=str(build_dir)))
    build_s = time.monotonic() - started
    if cp.returncode != 0:
        print(cp.stdout[-3000:], cp.stderr[-5000:], file=sys.stderr)
        return 1
    phases = re.findall(r"^  (.+?) (\d+) s$", cp.stdout, re.M)
    print(f"image built in {build_s:.0f} s: {phases}", flush=True)
    (out / "moat.raw").unlink(missing_ok=True)
    image = out / "moat.qcow2"
    size_mib = image.stat().st_size / 2**20

    banners: dict[str, list[int]] = {"uefi": [], "bios": []}
    failures: list[str] = []
    for _ in range(boots):
        for firmware in banners:  # alternating, so drift in the machine's load hits both alike
            cp = subprocess.run([str(REPO / "firmware-build" / "test-image.sh"), str(image), firmware],
                                capture_output=True, text=True, errors="replace", timeout=900)
            m = re.search(r"SMTP banner after (\d+)s", cp.stdout)
            if cp.returncode != 0 or not m:
                failures.append(f"{firmware}: exit {cp.returncode}: {cp.stdout[-500:]}{cp.stderr[-1500:]}")
                continue
            banners[firmware].append(int(m.group(1)))
            print(f"{firmware}: banner after {m.group(1)} s", flush=True)
    shutil.rmtree(out, ignore_errors=True)

    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    build_met = build_s <= BUILD_TARGET_S
    medians = {fw: statistics.median(v) for fw, v in banners.items() if v}
    banner_met = len(medians) == 2 and all(m <= BANNER_TARGET_S for m in medians.values()) and not failures
    lines = [
        "## Appliance image: build time and power-on to SMTP banner under TCG (`bench/image_boot.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs "
        f"(no usable KVM: qemu TCG), Linux {platform.release()}; 1-minute load average before "
        f"{load_before:.2f}, after {os.getloadavg()[0]:.2f}; Moat {commit}; "
        f"{subprocess.run(['qemu-system-x86_64', '--version'], capture_output=True, text=True).stdout.splitlines()[0]}.",
        "",
        "**Method.** `firmware-build/build-image.sh` once (Moat's packages from the build tree, which is built "
        "first if its sources changed, mmdebstrap "
        f"from the Debian mirror with the local package cache {'warm' if cache_warm else 'cold (every package downloaded)'}, "
        "GRUB for BIOS and UEFI, the qcow2); then `firmware-build/test-image.sh` powers the qcow2 on "
        f"{boots} times with UEFI (OVMF) and {boots} times with BIOS, alternating: qemu TCG, 2 vCPUs, 2 GiB, "
        "user-mode networking, `-snapshot` (every power-on is a first boot: data partition grown, TLS "
        "certificate made); the time from starting qemu to the SMTP banner on the forwarded port 25 "
        "(polled every 2 s), then the console's HTTPS page and the first-run link on the serial console "
        "are checked.",
        "",
        "| | measured | target |",
        "|---|---:|---:|",
        f"| **image build** | **{build_s:.0f} s** ({build_s / 60:.1f} min) | ≤ {BUILD_TARGET_S // 60} min |",
    ]
    lines += [f"| &nbsp;&nbsp;{name} | {sec} s | |" for name, sec in phases]
    lines.append(f"| qcow2 size | {size_mib:.0f} MiB | |")
    for fw, values in banners.items():
        if values:
            lines.append(f"| **power-on → SMTP banner, {fw.upper()}** (median of {len(values)}) | "
                         f"**{statistics.median(values):.0f} s** ({', '.join(f'{v}' for v in values)} s) "
                         f"| ≤ {BANNER_TARGET_S} s |")
    lines += [
        "",
        f"**Image build {build_s:.0f} s: {'meets' if build_met else 'does not meet'} the target of "
        f"≤ {BUILD_TARGET_S // 60} min; power-on to banner "
        f"{' / '.join(f'{fw.upper()} {m:.0f} s' for fw, m in medians.items())}: "
        f"{'meets' if banner_met else 'does not meet'} the target of ≤ {BANNER_TARGET_S} s.**"
        + (f" Failed boots: {len(failures)}." if failures else ""),
        "",
    ]
    write_section(output, "image_boot", "bench/image_boot.py", lines)
    for f in failures:
        print(f, file=sys.stderr)
    print("\n".join(lines))
    return 0 if build_met and banner_met else 1


if __name__ == "__main__":
    sys.exit(main())
