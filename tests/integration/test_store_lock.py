"""One gateway per SQLite store (issue 10, finding 10): two moat-smtpd on one database file took each
other's queued messages ("spool file is gone … dropping"). The second one now refuses to start and
says why; moatctl still works on the store the running gateway uses."""
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import SMTPD, Backend, Moat  # noqa: E402


def test_second_gateway_on_the_same_store_refuses_to_start():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as first, \
            Moat(name="second", domains={"ours.test": ours.address}) as second_config:
        second_config.stop()
        # The second configuration, pointed at the first one's store.
        second_config.config["store"]["url"] = first.config["store"]["url"]
        second_config.write_config()
        cp = subprocess.run([str(SMTPD), "--config", str(second_config.config_path)],
                            capture_output=True, text=True, timeout=30)
        assert cp.returncode != 0, "a second gateway started on a store another one uses"
        err = cp.stdout + cp.stderr
        assert "another moat-smtpd" in err and "smtpd.lock" in err, err
        assert first.serves(), "the first gateway must be unaffected"
        assert "queue is empty" in first.ctl("queue", "list").stdout or first.ctl("queue", "list").returncode == 0
