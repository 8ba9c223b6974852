"""The peers of bench/content_accuracy.py: bogofilter and SpamAssassin 4 (Debian packages),
each trained and scored in a private state directory, and a cache of their scores.

A peer never reads or writes system state: bogofilter runs with -C (no config file) and
-d DIR; SpamAssassin gets a private site config directory (Debian's *.pre plugin lists
copied from /etc/spamassassin, plus our local.cf), private user prefs, Bayes database and
HOME. Scores come back keyed by the corpus-relative name ("spam_2/00001.317e…").
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

BATCH = 500  # files per command line


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def split_even(items: list, parts: int) -> list[list]:
    parts = max(1, min(parts, len(items)))
    return [items[i::parts] for i in range(parts)]


def run(cmd: list[str], env: dict | None = None, ok_codes=(0,), stdin: str | None = None) -> str:
    cp = subprocess.run(cmd, capture_output=True, text=True, env=env, input=stdin, errors="replace")
    if cp.returncode not in ok_codes:
        raise RuntimeError(f"{cmd[0]} failed (exit {cp.returncode}): {cp.stderr.strip()[-2000:]}")
    return cp.stdout


def package_version(package: str) -> str:
    try:
        return run(["dpkg-query", "-W", "-f=${Version}", package]).strip()
    except (RuntimeError, FileNotFoundError):
        return "?"


class Peer:
    name = ""
    label = ""
    package = ""

    def problem(self) -> str | None:
        """None when usable, else what to install."""
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def fingerprint(self) -> str:
        """Everything besides the files and the version that decides the scores."""
        raise NotImplementedError

    def train(self, state: Path, ham: list[str], spam: list[str]) -> None:
        raise NotImplementedError

    def score(self, state: Path, files: list[str], jobs: int) -> dict[str, tuple[float, str, str]]:
        """path -> (score, verdict at the peer's own default, extra)."""
        raise NotImplementedError


class Bogofilter(Peer):
    name = "bogofilter"
    label = "bogofilter"
    package = "bogofilter"
    # Terse output with 12 significant digits: -TT's fixed 16 decimals print every
    # spamicity below 5e-17 as 0, -T's %g keeps 6 digits (0.9999999 and 1 both print as 1).
    TERSE = "%1.1c %.11e"

    def problem(self):
        return None if shutil.which("bogofilter") else "apt-get install bogofilter"

    def version(self):
        first = run(["bogofilter", "-V"]).splitlines()[0].strip()
        return f"{first} (Debian {package_version('bogofilter')})"

    def fingerprint(self):
        return "bogofilter -C, defaults; -n/-s -B to train; -TT and -t '%s' -B to score" % self.TERSE

    def env(self, state: Path) -> dict:
        env = dict(os.environ, HOME=str(state))
        env.pop("BOGOFILTER_DIR", None)
        return env

    def train(self, state, ham, spam):
        db = state / "db"
        db.mkdir(parents=True, exist_ok=True)
        for flag, files in (("-n", ham), ("-s", spam)):
            for batch in chunks(files, BATCH):
                run(["bogofilter", "-C", "-d", str(db), flag, "-B", *batch], env=self.env(state))

    def classify_cmd(self, state: Path) -> list[str]:
        return ["bogofilter", "-C", "-d", str(state / "db")]

    def score(self, state, files, jobs):
        out = {}
        for batch in chunks(files, BATCH):
            # Exit 0/1/2 is the last message's spam/ham/unsure; 3 is an error.
            fixed = run(self.classify_cmd(state) + ["-TT", "-B", *batch], env=self.env(state),
                        ok_codes=(0, 1, 2)).splitlines()
            terse = run(self.classify_cmd(state) + ["-t", "--terse-format=" + self.TERSE, "-B", *batch],
                        env=self.env(state), ok_codes=(0, 1, 2)).splitlines()
            if len(fixed) != len(batch) or len(terse) != len(batch):
                raise RuntimeError(f"bogofilter printed {len(fixed)}/{len(terse)} lines for {len(batch)} files")
            for path, f_line, t_line in zip(batch, fixed, terse):
                f_path, f_value = f_line.rsplit(" ", 1)
                letter, t_value = t_line.split(" ", 1)
                if f_path != path:
                    raise RuntimeError(f"bogofilter answered for {f_path}, expected {path}")
                value = float(f_value)
                if float(t_value) < 1e-4:  # near 0 the %e form has the digits
                    value = float(t_value)
                out[path] = (value, "tag" if letter == "S" else "accept", letter)
        return out


SA_LOCAL_CF = """\
# Written by bench/content_accuracy.py: local tests and Bayes only.
use_bayes 1
bayes_auto_learn 0
bayes_auto_expire 0
use_auto_whitelist 0
skip_rbl_checks 1
dns_available no
use_razor2 0
use_pyzor 0
lock_method flock
bayes_path {state}/bayes
"""

# One SpamAssassin object scores every path read on stdin (what spamd does per child):
# spamassassin -L -t would pay the rule compilation for each message.
SA_SCORE_PL = r"""
use strict; use warnings;
use Mail::SpamAssassin;
my ($site, $prefs, $state) = @ARGV;
my $sa = Mail::SpamAssassin->new({
  site_rules_filename => $site, userprefs_filename => $prefs, userstate_dir => $state,
  local_tests_only => 1, dont_copy_prefs => 1, home_dir_for_helpers => $state,
});
$sa->compile_now(0, 1);
$| = 1;
while (my $path = <STDIN>) {
  chomp $path;
  open(my $fh, '<', $path) or die "cannot open $path: $!";
  my @lines = <$fh>;
  close $fh;
  my $mail = $sa->parse(\@lines);
  my $status = $sa->check($mail);
  printf "%s\t%.17g\t%s\t%s\n", $path, $status->get_score(), $status->is_spam() ? "tag" : "accept",
    $status->get_names_of_tests_hit();
  $status->finish;
  $mail->finish;
}
"""


class SpamAssassin(Peer):
    name = "spamassassin"
    label = "SpamAssassin"
    package = "spamassassin"

    def problem(self):
        if not shutil.which("sa-learn") or not shutil.which("spamassassin"):
            return "apt-get install spamassassin"
        try:
            run(["perl", "-MMail::SpamAssassin", "-e", "1"])
        except RuntimeError:
            return "apt-get install spamassassin (perl cannot load Mail::SpamAssassin)"
        return None

    def version(self):
        first = run(["spamassassin", "-V"]).splitlines()[0].replace("SpamAssassin version", "").strip()
        return f"SpamAssassin {first} (Debian {package_version('spamassassin')})"

    def fingerprint(self):
        pre = sorted(p.name for p in Path("/etc/spamassassin").glob("*.pre"))
        digest = hashlib.sha256()
        for name in pre:
            digest.update((Path("/etc/spamassassin") / name).read_bytes())
        return json.dumps([SA_LOCAL_CF, SA_SCORE_PL, digest.hexdigest()])

    def paths(self, state: Path) -> tuple[Path, Path, Path]:
        return state / "site", state / "user_prefs", state / "bayes-state"

    def env(self, state: Path) -> dict:
        return dict(os.environ, HOME=str(state), LANG="C.UTF-8")

    def setup(self, state: Path) -> None:
        site, prefs, bayes = self.paths(state)
        site.mkdir(parents=True, exist_ok=True)
        bayes.mkdir(exist_ok=True)
        for pre in Path("/etc/spamassassin").glob("*.pre"):  # which plugins load: Debian's choice
            shutil.copy(pre, site / pre.name)
        (site / "local.cf").write_text(SA_LOCAL_CF.format(state=bayes))
        prefs.write_text("")

    def learn_cmd(self, state: Path) -> list[str]:
        site, prefs, _ = self.paths(state)
        return ["sa-learn", f"--siteconfigpath={site}", f"--prefspath={prefs}"]

    def train(self, state, ham, spam):
        self.setup(state)
        for flag, files in (("--ham", ham), ("--spam", spam)):
            for batch in chunks(files, BATCH):
                run(self.learn_cmd(state) + ["--no-sync", flag, *batch], env=self.env(state))
        run(self.learn_cmd(state) + ["--sync"], env=self.env(state))
        magic = run(self.learn_cmd(state) + ["--dump", "magic"], env=self.env(state))
        counts = {line.split()[-1]: int(line.split()[2]) for line in magic.splitlines()
                  if line.rstrip().endswith(("nspam", "nham"))}
        if counts.get("nham") != len(ham) or counts.get("nspam") != len(spam):
            raise RuntimeError(f"sa-learn learnt {counts}, expected {len(ham)} ham and {len(spam)} spam")

    def score(self, state, files, jobs):
        site, prefs, bayes = self.paths(state)
        script = state / "score.pl"
        script.write_text(SA_SCORE_PL)

        def one(part: list[str]) -> str:
            return run(["perl", str(script), str(site), str(prefs), str(bayes)], env=self.env(state),
                       stdin="".join(p + "\n" for p in part))

        out = {}
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for text in pool.map(one, split_even(files, jobs)):
                for line in text.splitlines():
                    path, score, verdict, tests = line.split("\t")
                    out[path] = (float(score), verdict, tests)
        missing = [f for f in files if f not in out]
        if missing:
            raise RuntimeError(f"SpamAssassin gave no score for {len(missing)} files, e.g. {missing[0]}")
        return out


PEERS = {p.name: p for p in (Bogofilter(), SpamAssassin())}


class PeerCache:
    """Scores of one peer for one (train set, test set, peer version, peer setup), as JSON files
    in a directory; None as the directory disables it."""

    def __init__(self, directory: str | None):
        self.dir = Path(directory) if directory else None
        if self.dir:
            self.dir.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(peer: Peer, version: str, train_ham, train_spam, test) -> str:
        blob = json.dumps([peer.name, version, peer.fingerprint(), sorted(train_ham), sorted(train_spam),
                           sorted(test)])
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def get(self, peer: Peer, key: str) -> dict | None:
        if not self.dir:
            return None
        path = self.dir / f"{peer.name}-{key}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def claim(self, peer: Peer, key: str) -> dict | None:
        """The cached entry, or None after taking the entry's lock (release() it when done).
        Another run computing the same entry (its lock held by a live process) is waited for,
        so that two runs sharing a cache never compute one entry twice."""
        if not self.dir:
            return None
        lock = self.dir / f"{peer.name}-{key}.lock"
        while True:
            hit = self.get(peer, key)
            if hit:
                return hit
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                return None
            except FileExistsError:
                try:
                    owner = int(lock.read_text() or "0")
                    os.kill(owner, 0)
                except (ValueError, ProcessLookupError, FileNotFoundError):
                    lock.unlink(missing_ok=True)  # its owner died: take it over
                    continue
                except PermissionError:
                    pass
                time.sleep(5)

    def release(self, peer: Peer, key: str) -> None:
        if self.dir:
            (self.dir / f"{peer.name}-{key}.lock").unlink(missing_ok=True)

    def put(self, peer: Peer, key: str, entry: dict) -> None:
        if not self.dir:
            return
        path = self.dir / f"{peer.name}-{key}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(entry))
        tmp.replace(path)


def peer_scores(peer: Peer, version: str, cache: PeerCache, state: Path, corpus: Path,
                train_ham: list[str], train_spam: list[str], test: list[str], jobs: int) -> dict:
    """Trains and scores (or takes from the cache). Names are corpus-relative. Returns
    {"scores": {name: [score, verdict, extra]}, "computed": ISO time, "cached": bool,
     "train_s": s, "score_s": s}."""
    key = PeerCache.key(peer, version, train_ham, train_spam, test)
    hit = cache.claim(peer, key)
    if hit:
        hit["cached"] = True
        return hit
    try:
        entry = compute_peer_scores(peer, version, state, corpus, train_ham, train_spam, test, jobs)
        cache.put(peer, key, entry)
    finally:
        cache.release(peer, key)
    entry["cached"] = False
    return entry


def compute_peer_scores(peer: Peer, version: str, state: Path, corpus: Path, train_ham: list[str],
                        train_spam: list[str], test: list[str], jobs: int) -> dict:
    state.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    peer.train(state, [str(corpus / n) for n in train_ham], [str(corpus / n) for n in train_spam])
    trained = time.monotonic()
    by_path = peer.score(state, [str(corpus / n) for n in test], jobs)
    done = time.monotonic()
    entry = {"peer": peer.name, "version": version,
             "computed": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
             "train_s": trained - start, "score_s": done - trained,
             "scores": {n: list(by_path[str(corpus / n)]) for n in test}}
    return entry
