"""GET /metrics on the console: who may read it (an administrator's API token, a maintenance network;
not a cookie session, a domain administrator's token or an anonymous client elsewhere) and what it
says, read back with a strict parser of the Prometheus text exposition format 0.0.4 written here
(counters, gauges and histograms: cumulative buckets ending in le="+Inf" equal to _count, and _sum)."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from moat import Backend, Moat, WebUI, wait_until  # noqa: E402

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
VALUE = re.compile(r"^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$")
OUTCOMES = ("accepted", "tagged", "rejected", "tempfailed", "virus", "learnt", "aborted")


def unescape(text):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], text)


def check_histogram(name, samples):
    """Each series (labels but le) has ascending le bounds ending in +Inf, non-decreasing cumulative
    counts, the +Inf bucket equal to _count, and a _sum."""
    series = {}
    for suffix, labels, v in samples:
        key = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        entry = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
        if suffix == "_bucket":
            assert "le" in labels, f"{name}_bucket without le"
            entry["buckets"].append((float(labels["le"]), v))
        else:
            assert "le" not in labels, f"{name}{suffix} with le"
            assert entry[suffix[1:]] is None, f"second {name}{suffix} for {key}"
            entry[suffix[1:]] = v
    for key, e in series.items():
        bounds = [b for b, _ in e["buckets"]]
        assert bounds and bounds[-1] == float("inf"), f"{name}{key}: no +Inf bucket"
        assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds), f"{name}{key}: bounds {bounds}"
        counts = [c for _, c in e["buckets"]]
        assert counts == sorted(counts), f"{name}{key}: buckets not cumulative {counts}"
        assert e["count"] == counts[-1], f"{name}{key}: _count {e['count']} != +Inf bucket {counts[-1]}"
        assert e["sum"] is not None and e["sum"] >= 0, f"{name}{key}: no _sum"


def parse(text):
    """{name: {"type", "help", "samples": [(labels dict, float)]}}; a histogram's samples are
    (suffix, labels, value) with suffix _bucket, _sum or _count. Asserts on any deviation."""
    assert text.endswith("\n")
    families, current = {}, None
    for line in text[:-1].split("\n"):
        assert line, "empty line"
        m = re.fullmatch(rf"# (HELP|TYPE) ({NAME}) (.*)", line)
        if m:
            kind, name, rest = m.groups()
            fam = families.setdefault(name, {"samples": []})
            assert kind.lower() not in fam, f"second {kind} for {name}"
            if kind == "TYPE":
                assert rest in ("counter", "gauge", "histogram"), line
                assert not fam["samples"], "TYPE after samples"
                fam["type"] = rest
            else:
                assert not re.search(r"\\[^\\n]", rest), f"bad escape in HELP: {line}"
                fam["help"] = rest
            current = name
            continue
        assert not line.startswith("#"), line
        m = re.fullmatch(rf"({NAME})(?:\{{(.*)\}})? (\S+)", line)
        assert m, f"not a sample line: {line!r}"
        name, labels_text, value = m.groups()
        suffix = None
        if current and families[current].get("type") == "histogram":
            suffix = name[len(current):] if name.startswith(current) else None
            assert suffix in ("_bucket", "_sum", "_count"), f"{name} outside its histogram {current}"
        else:
            assert name == current, f"{name} outside its family"
        assert VALUE.match(value), value
        labels = {}
        if labels_text:
            pos = 0
            while pos < len(labels_text):
                lm = LABEL.match(labels_text, pos)
                assert lm, f"bad labels in {line!r}"
                assert lm.group(1) not in labels
                labels[lm.group(1)] = unescape(lm.group(2))
                pos = lm.end()
                if pos < len(labels_text):
                    assert labels_text[pos] == ",", line
                    pos += 1
        if suffix:
            families[current]["samples"].append((suffix, labels, float(value)))
        else:
            families[name]["samples"].append((labels, float(value)))
    for name, fam in families.items():
        assert name.startswith("moat_") and "type" in fam and "help" in fam, name
        if fam["type"] == "counter":
            assert name.endswith("_total"), name
        if fam["type"] == "histogram":
            assert name.endswith("_seconds") or name.endswith("_bytes"), name
            check_histogram(name, fam["samples"])
    return families


def value(families, name, **labels):
    return next(v for l, v in families[name]["samples"] if all(l.get(k) == x for k, x in labels.items()))


def test_metrics_access_and_content():
    with Backend("ours") as ours, Moat(domains={"ours.test": ours.address}) as moat, WebUI(moat) as web:
        moat.ctl("list", "add", "deny", "sender", "bad@spam.example")

        def refused():
            with moat.client() as c:
                c.read_reply()
                c.command("EHLO client.example")
                c.command("MAIL FROM:<bad@spam.example>")
                code = c.command("RCPT TO:<bob@ours.test>").code
                c.command("QUIT")
                return code == 550
        wait_until(refused, 5, interval=0.2, what="the deny entry to apply")
        admin = web.admin()
        assert admin.get("/metrics").status == 401  # a cookie session is not enough
        assert web.client().get("/metrics").status == 401
        token = web.client()
        token.token = admin.post("/api/v1/tokens", json={"name": "prometheus"}).json()["token"]
        web.add_user("dom", "domain-admin-password", role="domain_admin", domains=["ours.test"])
        dom = web.login("dom", "domain-admin-password")
        dom_token = web.client()
        dom_token.token = dom.post("/api/v1/tokens", json={"name": "d"}).json()["token"]
        assert dom_token.get("/metrics").status == 403
        assert token.post("/metrics", json={}).status in (401, 405)

        def refused_counted():
            r = token.get("/metrics")
            assert r.status == 200, r.text
            fams = parse(r.text)
            # moat-smtpd's heartbeat (every 5 s) tells its sessions once it serves.
            return value(fams, "moat_messages_total", outcome="rejected") >= 1 and "moat_smtp_sessions" in fams
        wait_until(refused_counted, 20, interval=0.5, what="the refusal and the sessions in the metrics")

        r = token.get("/metrics")
        assert r.header("Content-Type").startswith("text/plain; version=0.0.4")
        fams = parse(r.text)
        assert {l["outcome"] for l, _ in fams["moat_messages_total"]["samples"]} == set(OUTCOMES)
        assert fams["moat_messages_total"]["type"] == "counter"
        assert sum(v for _, v in fams["moat_refusals_total"]["samples"]) >= 1
        assert value(fams, "moat_queue_messages") == 0
        assert value(fams, "moat_queue_oldest_age_seconds") == 0
        assert value(fams, "moat_service_up", service="moat-smtpd") == 1
        assert value(fams, "moat_service_up", service="moat-scand") == 0
        assert value(fams, "moat_smtp_sessions") >= 0
        assert value(fams, "moat_spool_filesystem_free_bytes") > 0
        assert value(fams, "moat_archive_quota_bytes") > 0
        # The console's sessions: the administrator's and the domain administrator's logins.
        assert fams["moat_console_sessions"]["type"] == "gauge"
        assert value(fams, "moat_console_sessions") >= 2
        admin.post("/api/v1/logout")
        assert value(parse(token.get("/metrics").text), "moat_console_sessions") == value(
            fams, "moat_console_sessions") - 1
        # moat-smtpd's reverse lookups of the SMTP clients, with the heartbeat after them.
        def dns_counted():
            f = parse(token.get("/metrics").text)
            return "moat_dns_query_duration_seconds" in f and any(
                s == "_count" and l.get("type") == "ptr" and v >= 1
                for s, l, v in f["moat_dns_query_duration_seconds"]["samples"])
        wait_until(dns_counted, 15, interval=0.5, what="moat-smtpd's DNS query times in the metrics")
        fams = parse(token.get("/metrics").text)
        assert fams["moat_dns_query_duration_seconds"]["type"] == "histogram"
        les = [l["le"] for s, l, _ in fams["moat_dns_query_duration_seconds"]["samples"]
               if s == "_bucket" and l["type"] == "ptr"]
        assert les[0] == "0.001" and les[-2] == "10" and les[-1] == "+Inf", les


def test_metrics_from_a_maintenance_network_need_no_token():
    with Moat() as moat, WebUI(moat, trusted_networks="127.0.0.0/8") as web:
        r = web.client().get("/metrics")
        assert r.status == 200, r.text
        parse(r.text)
        assert web.client().get("/api/v1/system").status == 401  # only /metrics
