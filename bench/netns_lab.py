"""Two network namespaces joined by a veth pair, for the benchmarks that need real packets through the
appliance's nftables ruleset (bench/firewall_cost.py, bench/tarpit_memory.py): a server namespace
(SRV4) where the daemons run and a client namespace (CLIENT4, and MAINT4 for a maintenance network)
where the load comes from. Every process started through it is stopped and both namespaces are
deleted on exit, whatever the exit. Needs root and iproute2; standard library only."""
import os
import subprocess
from pathlib import Path

SRV4 = "10.78.0.1"
CLIENT4 = "10.78.0.2"
MAINT4 = "10.78.0.9"


class NetnsLab:
    def __init__(self):
        tag = str(os.getpid())[-5:]
        self.srv, self.cli = f"mb-s{tag}", f"mb-c{tag}"
        self.procs: list[subprocess.Popen] = []

    def __enter__(self):
        try:
            for name in (self.srv, self.cli):
                subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
            subprocess.run(["ip", "link", "add", "mb0", "netns", self.srv, "type", "veth", "peer", "name", "mb1",
                            "netns", self.cli], check=True, capture_output=True)
            for name in (self.srv, self.cli):
                self.run(name, "ip", "link", "set", "lo", "up")
            self.run(self.srv, "ip", "addr", "add", f"{SRV4}/24", "dev", "mb0")
            self.run(self.cli, "ip", "addr", "add", f"{CLIENT4}/24", "dev", "mb1")
            self.run(self.cli, "ip", "addr", "add", f"{MAINT4}/24", "dev", "mb1")
            self.run(self.srv, "ip", "link", "set", "mb0", "up")
            self.run(self.cli, "ip", "link", "set", "mb1", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def run(self, ns: str, *cmd: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", ns, *map(str, cmd)], check=check, capture_output=True,
                              text=True, **kw)

    def start(self, ns: str, *cmd: str, log: Path | None = None, **kw) -> subprocess.Popen:
        """A process in namespace ns; its output to log (or wherever kw says). Stopped on exit."""
        if log is not None:
            with open(log, "ab") as out:
                proc = subprocess.Popen(["ip", "netns", "exec", ns, *map(str, cmd)], stdout=out,
                                        stderr=subprocess.STDOUT, **kw)
        else:
            proc = subprocess.Popen(["ip", "netns", "exec", ns, *map(str, cmd)], **kw)
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            self.stop(proc)
        for name in (self.srv, self.cli):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
