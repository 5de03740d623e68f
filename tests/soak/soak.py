"""`make soak`: a large review under concurrent commands while processes are killed.

    python tests/soak/soak.py [--records 50000] [--seconds 180] [--seed 1]

A review of `--records` records (bench/lib/bigreview.py) is driven for `--seconds` by:
- `litsift screen next` for reviewers ann and bob, in a loop each;
- the workbench for reviewer cat: `litsift screen serve` on 127.0.0.1 (a port the system
  picks), driven over HTTP as the page does, one decision per request, each journaled
  outside the review before it is sent ("intent") and after the server answered that it
  was saved ("done") or refused it ("refused"); restarted whenever it is killed;
- a human stand-in that saves ann's file now and then the way an editor does (a new
  file renamed over the old one), appending a comment line, without any lock;
- `litsift run`, in a loop;
while a killer sends SIGKILL to a random running command every 1-12 s (and another to the
workbench every 30-90 s, so that it gets to serve between its loads), and a monitor
checks, every 0.2 s, that each file a human edits only ever grows by appends.

Afterwards `litsift run`, `litsift check` and `litsift audit verify` must pass, every
decision journaled as done must be in cat's file exactly once (one killed between intent
and done may or may not be there, but never twice; a refused one only if it was made
again later), and once in the audit log; every note the human saved
must be there once, and no file a human edits may have changed except by appends. It
prints the figures and exits 1 when anything was lost. Everything runs on this machine;
nothing listens on or connects to any network.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "lib"))
sys.path.insert(0, str(ROOT / "src"))

import bigreview  # noqa: E402
import httpx  # noqa: E402
import yaml  # noqa: E402

PYTHON = sys.executable
TA = "title-abstract"


def litsift(*args: str) -> list[str]:
    return [PYTHON, "-m", "litsift", "-q", *args]


# --------------------------------------------------------------------------- journal


def _journal(path: Path, item: dict) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(item) + "\n")
        f.flush()
        os.fsync(f.fileno())


# --------------------------------------------------------------------------- the soak


class Soak:
    def __init__(self, root: Path, work: Path, seconds: float, seed: int) -> None:
        self.root, self.work, self.seconds = root, work, seconds
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.running: dict[str, subprocess.Popen] = {}
        self.stats: Counter[str] = Counter()
        self.violations: list[str] = []
        self.notes: list[str] = []
        self.journal = work / "journal.jsonl"
        self.seed = seed

    def loop(self, name: str, command: list[str]) -> None:
        """Run `command` again and again; count how each run ended."""
        while not self.stop.is_set():
            proc = subprocess.Popen(
                command,
                cwd=self.root,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # the killer kills its whole process group
            )
            with self.lock:
                self.running[name] = proc
            _, err = proc.communicate()
            with self.lock:
                self.running.pop(name, None)
            self.stats[f"{name} started"] += 1
            text = err.decode("utf-8", "replace")
            if proc.returncode == 0:
                self.stats[f"{name} completed"] += 1
            elif proc.returncode == -signal.SIGKILL:
                self.stats[f"{name} killed"] += 1
            elif "another litsift command is running" in text:
                self.stats[f"{name} refused: locked"] += 1
                time.sleep(self.rng.uniform(0.2, 1.5))
            elif "changed while litsift was writing it" in text:
                self.stats[f"{name} refused: file changed"] += 1
            elif proc.returncode == -signal.SIGTERM and self.stop.is_set():
                pass
            else:
                self.stats[f"{name} failed"] += 1
                self.violations.append(f"{name} exited {proc.returncode}: {text.strip()[-300:]}")

    def workbench(self) -> None:
        """Reviewer cat at the workbench: `litsift screen serve` on 127.0.0.1, deciding
        the record it shows, one request at a time; started again whenever it dies."""
        log = (self.work / "workbench.stderr").open("ab")
        command = litsift("screen", "serve", "-r", "cat", "--host", "127.0.0.1", "--port", "0")
        while not self.stop.is_set():
            proc = subprocess.Popen(
                command,
                cwd=self.root,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                start_new_session=True,
            )
            with self.lock:
                self.running["workbench"] = proc
            self.stats["workbench started"] += 1
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()  # printed once the review is loaded
            if url.startswith("http://127.0.0.1:"):
                self.stats["workbench served"] += 1
                self._decide_at(url)
            if proc.poll() is None and self.stop.is_set():
                os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait()
            with self.lock:
                self.running.pop("workbench", None)
            log.flush()
            said = Path(log.name).read_bytes()[-2000:].decode("utf-8", "replace")
            if code == -signal.SIGKILL:
                self.stats["workbench killed"] += 1
            elif code == 2 and "another litsift command is running" in said.splitlines()[-1]:
                self.stats["workbench refused: locked (at load)"] += 1
                self.stop.wait(self.rng.uniform(0.2, 1.5))
            elif not self.stop.is_set():
                self.stats["workbench failed"] += 1
                self.violations.append(f"workbench exited {code}: {said.strip()[-300:]}")
                self.stop.wait(1.0)
        log.close()

    def _decide_at(self, url: str) -> None:
        base, _, token = url.partition("/?token=")
        assert base.startswith("http://127.0.0.1:")  # nothing leaves this machine
        headers = {"x-litsift-token": token}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
            try:
                state = http.get("/api/state").json()
                while not self.stop.is_set() and state.get("record"):
                    rid = state["record"]["id"]
                    tag = f"{os.getpid()}-{time.monotonic_ns()}"
                    _journal(self.journal, {"intent": tag, "ids": [rid]})
                    body = {"id": rid, "decision": "exclude", "reason": "E1", "note": "wb"}
                    answer = http.post("/api/decide", json=body)
                    if answer.status_code == 200:
                        _journal(self.journal, {"done": tag})
                        self.stats["workbench decisions"] += 1
                    else:
                        _journal(self.journal, {"refused": tag})
                        self.stats[f"workbench refused ({answer.status_code})"] += 1
                    state = answer.json().get("state") or http.get("/api/state").json()
                    time.sleep(self.rng.uniform(0.05, 0.4))
            except (httpx.HTTPError, ValueError):
                pass  # the server was killed mid-request: start it again

    def human(self) -> None:
        """Save ann's file as an editor does, now and then, with one more comment line."""
        path = self.root / "data" / "screening" / TA / "ann.yaml"
        n = 0
        while not self.stop.wait(self.rng.uniform(20, 45)):
            if not path.exists():
                continue
            n += 1
            note = f"# soak note {n}\n"
            old = path.read_bytes()
            tmp = path.with_name(f".{path.name}.editor")
            tmp.write_bytes(old + note.encode())
            os.replace(tmp, path)
            self.notes.append(note)
            self.stats["human saves"] += 1

    def killer(self, which: str, low: float, high: float) -> None:
        """SIGKILL a random running process (`which`: the workbench, or the commands) every
        `low`-`high` seconds: the commands often, the workbench, a long-lived server that
        takes a while to load 50,000 records, less often so that it gets to serve."""
        rng = random.Random(self.rng.random())
        while not self.stop.wait(rng.uniform(low, high)):
            with self.lock:
                victims = [
                    (name, p)
                    for name, p in self.running.items()
                    if (name == "workbench") == (which == "workbench")
                ]
            if not victims:
                continue
            _, proc = rng.choice(victims)
            try:  # the process and its children (the workbench's ranking worker)
                os.killpg(proc.pid, signal.SIGKILL)
                self.stats["kills sent"] += 1
            except ProcessLookupError:
                pass

    def monitor(self) -> None:
        """Every file a human edits may only grow by appends."""
        seen: dict[Path, bytes] = {}
        while not self.stop.wait(0.2):
            for path in self.human_files():
                try:
                    now = path.read_bytes()
                except FileNotFoundError:
                    now = b""
                before = seen.get(path, b"")
                if not now.startswith(before):
                    self.violations.append(f"{path.name} changed other than by an append")
                seen[path] = now

    def human_files(self) -> list[Path]:
        data = self.root / "data"
        return sorted([*data.glob("screening/*/*.yaml"), *data.glob("dedup/pairs.yaml")])

    def run(self) -> None:
        loops = {
            "screen next ann": litsift("screen", "next", "-r", "ann", "--n", "20"),
            "screen next bob": litsift("screen", "next", "-r", "bob", "--n", "20"),
            "run": litsift("run"),
        }
        threads = [
            threading.Thread(target=self.loop, args=(name, cmd), daemon=True)
            for name, cmd in loops.items()
        ]
        threads += [
            threading.Thread(target=f, daemon=True)
            for f in (self.workbench, self.human, self.monitor)
        ]
        threads += [
            threading.Thread(target=self.killer, args=("commands", 1.0, 12.0), daemon=True),
            threading.Thread(target=self.killer, args=("workbench", 30.0, 90.0), daemon=True),
        ]
        for t in threads:
            t.start()
        time.sleep(self.seconds)
        self.stop.set()
        with self.lock:
            for proc in self.running.values():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        for t in threads:
            t.join(timeout=60)


def verify(root: Path, soak: Soak) -> dict[str, object]:
    """The checks after the storm; returns the figures."""
    figures: dict[str, object] = {}
    final = {}
    for name, args in (
        ("run", ["run"]),
        ("check", ["check"]),
        ("audit verify", ["audit", "verify"]),
    ):
        done = subprocess.run(litsift(*args), cwd=root, capture_output=True, text=True)
        final[name] = done.returncode
        if done.returncode:
            soak.violations.append(
                f"final {name} exited {done.returncode}: "
                f"{(done.stdout + done.stderr).strip()[-600:]}"
            )
    figures["final run / check / audit verify"] = final
    journal = (
        [json.loads(x) for x in soak.journal.read_text().splitlines()]
        if soak.journal.exists()
        else []
    )
    intents = {j["intent"]: j["ids"] for j in journal if "intent" in j}
    done = {j["done"] for j in journal if "done" in j}
    refused = {j["refused"] for j in journal if "refused" in j}
    made = [i for tag, ids in intents.items() if tag in done for i in ids]
    in_flight = [i for tag, ids in intents.items() if tag not in done | refused for i in ids]
    cat = root / "data" / "screening" / TA / "cat.yaml"
    entries = yaml.safe_load(cat.read_text()) or [] if cat.exists() else []
    present = Counter(e["id"] for e in entries if e.get("decision"))
    lost = [i for i in made if present[i] != 1]
    twice = [i for i, n in present.items() if n > 1]
    unknown = [i for i in present if i not in set(made) | set(in_flight)]
    figures["decisions refused (the lock held too long, or a file changed)"] = len(refused)
    figures["decisions made (journaled done)"] = len(made)
    figures["decisions in flight at a kill (intent, no done)"] = len(in_flight)
    figures["  of which written"] = sum(present[i] == 1 for i in in_flight)
    figures["decisions present"] = sum(present.values())
    figures["lost"] = len(lost)
    figures["present twice"] = len(twice)
    figures["present but never made"] = len(unknown)
    ann = root / "data" / "screening" / TA / "ann.yaml"
    text = ann.read_text() if ann.exists() else ""
    figures["human notes saved / present once"] = (
        f"{len(soak.notes)} / {sum(text.count(n) == 1 for n in soak.notes)}"
    )
    for reviewer in ("ann", "bob", "cat"):
        path = root / "data" / "screening" / TA / f"{reviewer}.yaml"
        ids = [e["id"] for e in (yaml.safe_load(path.read_text()) or [])] if path.exists() else []
        figures[f"{reviewer}: entries / distinct"] = f"{len(ids)} / {len(set(ids))}"
        if len(ids) != len(set(ids)):
            soak.violations.append(f"{reviewer}.yaml lists a record twice")
    recorded = _audit_decisions(root, "cat")
    figures["cat's decisions in the audit log / present"] = f"{len(recorded)} / {len(present)}"
    if sorted(recorded) != sorted(present):
        soak.violations.append("the audit log does not hold each of cat's decisions once")
    leftovers = [p.name for p in (root / "data").rglob(".*.tmp")]
    figures["temporary files left by kills (reported by check as warnings)"] = len(leftovers)
    if lost or twice or unknown or len(soak.notes) != sum(text.count(n) == 1 for n in soak.notes):
        soak.violations.append("decisions or notes lost or doubled")
    return figures


def _audit_decisions(root: Path, reviewer: str) -> list[str]:
    """Records of the reviewer's decision events (each should appear once: nobody
    changes a decision in the soak)."""
    from litsift.store import Review

    return [
        e.record
        for e in Review(root).audit.events()
        if e.action == "decision" and e.actor == reviewer and e.new and e.record
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="litsift-soak-") as tmp:
        work = Path(tmp)
        root = bigreview.make(work / "review", args.records)
        # one run before the storm fills build/.cache, as a review in use has it, so that
        # a workbench started again after a kill loads in seconds rather than a minute
        t = time.monotonic()
        subprocess.run(litsift("run"), cwd=root, check=True, capture_output=True)
        print(f"soak: warm-up run {time.monotonic() - t:.0f} s", file=sys.stderr)
        print(f"soak: {args.records:,} records, {args.seconds:.0f} s of load", file=sys.stderr)
        soak = Soak(root, work, args.seconds, args.seed)
        soak.run()
        figures = verify(root, soak)
    print(f"soak: {time.monotonic() - started:.0f} s in all")
    stats = soak.stats
    operations = sum(n for k, n in stats.items() if k.endswith("started"))
    operations += sum(n for k, n in stats.items() if k.startswith("workbench refused ("))
    operations += stats["workbench decisions"] + stats["human saves"]
    print(
        f"  operations: {operations}, kills: {stats['kills sent']}, "
        f"decisions: {figures['decisions made (journaled done)']}, lost: {figures['lost']}"
    )
    for key, value in sorted(soak.stats.items()):
        print(f"  {key}: {value}")
    for key, value in figures.items():
        print(f"  {key}: {value}")
    for v in soak.violations:
        print(f"  VIOLATION {v}")
    print("soak: passed" if not soak.violations else "soak: FAILED")
    return 1 if soak.violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
