"""Load on the calendar feed server: many subscribers polling while a re-plan is published.

    python benchmarks/feed_load.py                                  # SQLite, 100 clients, 25 s
    python benchmarks/feed_load.py --db postgresql://postgres@127.0.0.1:5432/feedload
    python benchmarks/feed_load.py --tree /tmp/before --seconds 20  # another checkout, same load

The script solves the bundled example into a fresh database (a PostgreSQL database named in
``--db`` is dropped and made again), publishes it where the checkout has publishing, makes
subscription links for officers and postings, revokes some, and starts ``rotation serve`` as a
process. Then ``--clients`` connections poll at once, each on its own keep-alive connection,
mixing live links (some with the ETag of their last answer, as calendar clients poll), revoked
links and random tokens. ``--replan-at`` seconds in, a re-plan of the case (one officer
withdrawn for the whole horizon) is solved and published through the command line, beside the
load, so the server sees a new published version in the middle of the run.

The load runs ``--seconds`` (25), and longer if the re-plan is slow: it goes on until
``--after`` seconds (3) past the moment the publish command returned, so that the publish
always lands under load, however fast the machine (on a loaded one the solve alone took
25 s, and with a fixed window the publish came after the clients had stopped). ``--most``
caps the whole load (300 s); a re-plan that fails or is still running then is reported, not
waited for. The figures give when the re-plan started and was published, and the load's
window, in seconds from the load's start.

Every answer is checked: a live link must give 200 or 304, and a 200 must carry the calendar of
its own officer or posting (its X-WR-CALNAME); a revoked or unknown link must give 404. The
table gives the rate, latency percentiles per kind of link, status counts and every wrong
answer. The client is a plain asyncio HTTP/1.1 loop, light enough to leave the server most of
the machine's two cores.

``--tree`` runs another checkout (``git worktree add /tmp/before a0ffe75``) with this
interpreter, so the same load measures the code before and after a change.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "examples" / "cambodia-2025"
GRACE = 10.0  # seconds past the run's end that a client on a schedule keeps catching up

# Run in the checkout under test: links made and revoked through its own storage API, which is
# the same at every version this script compares (add_token / revoke_tokens).
SETUP = """
import json, sys
from datetime import UTC, datetime
from rotation.storage import Store
try:
    from rotation.calendars.feeds import new_token
except ImportError:
    from rotation.feeds import new_token
db, case, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
store = Store(db)
out = []
for kind, subject, revoke in spec:
    token, digest = new_token()
    link = store.add_token(digest, case, kind, subject, datetime.now(UTC))
    if revoke:
        store.revoke_tokens([link], datetime.now(UTC))
    out.append(token)
print(json.dumps(out))
"""


@dataclass
class Link:
    kind: str  # officer, posting, revoked or unknown
    token: str
    title: str = ""  # the X-WR-CALNAME a live link must carry
    etag: str | None = None


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    timeline: list[tuple[float, float]] = field(default_factory=list)  # (due, seconds)
    unsent: int = 0  # requests due that were never sent: the server was too far behind

    def add(self, kind: str, status: int, seconds: float, due: float = 0.0) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.timeline.append((due, seconds))
        counts = self.statuses.setdefault(kind, {})
        counts[status] = counts.get(status, 0) + 1


def _rotation(tree: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "rotation", *args], cwd=tree,
                          env={**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "200",
                               **(env or {})},
                          capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"rotation {' '.join(args)} failed ({done.returncode}):\n"
                         f"{done.stdout}\n{done.stderr}")
    return done


def _fresh_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _has(tree: Path, command: str) -> bool:
    return _rotation(tree, command, "--help", check=False).returncode == 0


def _publish(tree: Path, db: str, note: str) -> None:
    if _has(tree, "publish"):
        _rotation(tree, "publish", "--by", "feed_load.py", "--note", note, "--db", db)


def _unfold(body: bytes) -> str:
    return body.decode("utf-8", "replace").replace("\r\n ", "").replace("\r\n\t", "")


def _text(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _calname(body: bytes) -> str | None:
    found = re.search(r"^X-WR-CALNAME:(.*)$", _unfold(body), re.MULTILINE)
    return _text(found.group(1).rstrip("\r")) if found else None


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link,
               etag: bool) -> tuple[int, bytes, dict[str, str]]:
    head = f"GET /feeds/{link.token}.ics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if etag and link.etag:
        head += f"If-None-Match: {link.etag}\r\n"
    writer.write((head + "\r\n").encode())
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("closed")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return status, body, headers


@dataclass
class Window:
    """When the load stops (perf_counter time): ``least`` at the earliest, and until then or
    ``after`` seconds past the re-plan's publish, whichever is later, but never past ``most``.

    Until the publish has returned the end is open, so clients keep asking however long the
    re-plan takes; a failed or cancelled re-plan closes it at ``least``."""

    least: float
    most: float
    after: float
    published: float | None = None
    failed: bool = False

    @property
    def until(self) -> float:
        if self.failed:
            return self.least
        if self.published is None:
            return self.most
        return min(self.most, max(self.least, self.published + self.after))


async def _client(port: int, links: dict[str, list[Link]], weights: dict[str, float],
                  window: Window, tally: Tally, rng: random.Random, every: float) -> None:
    """One subscriber's connection: a request as soon as the last is answered, or with
    ``every`` > 0 one every ``every`` seconds on a fixed schedule, each request's time
    counted from when it was due (so a server that falls behind is charged for the wait,
    not credited with a slower client). It stops at the window's end, read afresh before
    every request since a slow re-plan moves it."""
    kinds = list(weights)
    chances = [weights[k] for k in kinds]
    reader = writer = None
    due = time.perf_counter() + (rng.random() * every if every else 0.0)
    while due < window.until:
        until = window.until
        if every and time.perf_counter() > until + GRACE:
            # The server fell this far behind: the requests still due are not sent, and
            # counted as such.
            tally.unsent += math.ceil((until - due) / every)
            break
        kind = rng.choices(kinds, chances)[0]
        link = rng.choice(links[kind])
        if kind == "unknown":
            link = Link("unknown", secrets.token_urlsafe(32))
        if every:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            began = due
            due += every
        else:
            began = due = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            status, body, headers = await asyncio.wait_for(
                _one(reader, writer, link, rng.random() < 0.5), 30)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as err:
            name = type(err).__name__
            tally.errors[name] = tally.errors.get(name, 0) + 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        tally.add(kind, status, time.perf_counter() - began, began)
        live = kind in ("officer", "posting")
        if live and status == 200:
            shown = _calname(body)
            if shown != link.title:
                tally.wrong.append(f"{kind} link for {link.title!r} answered {shown!r}")
            link.etag = headers.get("etag")
        elif status < 500 and status != (304 if live else 404):
            tally.wrong.append(f"{kind} link answered {status}")
        if headers.get("connection", "").lower() == "close" and writer is not None:
            writer.close()
            reader = writer = None


def _wait_for_port(port: int, server: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the server stopped:\n{server.communicate()[1]}") from None
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start") from None
            time.sleep(0.1)


def _replan_case(folder: Path, officer: str, months: tuple[str, str]) -> Path:
    """The example with ``officer`` away for the whole horizon: a re-plan moves them out."""
    copy = folder / "replan"
    shutil.copytree(CASE, copy)
    with (copy / "unavailability.csv").open("a", encoding="utf-8") as f:
        f.write(f"{officer},{months[0]},{months[1]},withdrawn\n")
    return copy


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _by_second(timeline: list[tuple[float, float]]) -> list[float]:
    """The p99 latency (ms) of the requests due in each second of the run."""
    if not timeline:
        return []
    start = min(due for due, _ in timeline)
    seconds: dict[int, list[float]] = {}
    for due, latency in timeline:
        seconds.setdefault(int(due - start), []).append(latency)
    return [round(1000 * _percentile(seconds.get(s, []), 0.99), 1)
            for s in range(max(seconds) + 1)]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(args: argparse.Namespace) -> dict[str, object]:
    tree = Path(args.tree).resolve()
    work = Path(tempfile.mkdtemp(prefix="feed-load-"))
    db = args.db or f"sqlite:///{work / 'feeds.db'}"
    if db.startswith("postgresql"):
        _fresh_postgres(db)
    rules = tomllib.loads((CASE / "rules.toml").read_text(encoding="utf-8"))
    case_name = rules["name"]
    with (CASE / "officers.csv").open(encoding="utf-8") as f:
        names = {r["id"]: r["name"] for r in csv.DictReader(f)}
    with (CASE / "postings.csv").open(encoding="utf-8") as f:
        places = {r["id"]: r["name"] for r in csv.DictReader(f)}

    load_before = os.getloadavg()  # other work on the machine, before and after the run
    began = time.perf_counter()
    _rotation(tree, "solve", str(CASE), "--db", db)
    _publish(tree, db, "first rotation")
    print(f"solved and published in {time.perf_counter() - began:.1f} s", file=sys.stderr)

    rng = random.Random(args.seed)
    officers = sorted(names)
    chosen = rng.sample(officers, args.officer_links)
    spec = [("officer", o, False) for o in chosen] + [("posting", p, False) for p in places]
    spec += [("officer", o, True) for o in rng.sample(officers, args.revoked_links)]
    made = subprocess.run([sys.executable, "-c", SETUP, db, case_name, json.dumps(spec)],
                          cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                          capture_output=True, text=True, check=True)
    tokens = json.loads(made.stdout)
    links: dict[str, list[Link]] = {"officer": [], "posting": [], "revoked": [],
                                    "unknown": [Link("unknown", "")]}
    for (kind, subject, revoked), token in zip(spec, tokens, strict=True):
        if revoked:
            links["revoked"].append(Link("revoked", token))
        else:
            who = names[subject] if kind == "officer" else places[subject]
            links[kind].append(Link(kind, token, f"{case_name}: {who}"))
    weights = {"officer": 0.6, "posting": 0.1, "revoked": 0.15, "unknown": 0.15}

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = ["-m", "cProfile", "-o", args.profile] if args.profile else []
    server = subprocess.Popen(
        [sys.executable, *profile, "-m", "rotation", "serve", "--port", str(port), "--db", db],
        cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    replan: dict[str, float] = {}
    try:
        _wait_for_port(port, server)
        tally = Tally()
        withdrawn = chosen[0]
        start, months = rules["horizon"]["start"], rules["horizon"]["months"]
        year, month = (int(x) for x in start.split("-"))
        last = year * 12 + month - 1 + months - 1
        span = (f"{start}-01", f"{last // 12:04d}-{last % 12 + 1:02d}-28")
        replan_case = _replan_case(work, withdrawn, span)

        async def replan_later(t0: float, window: Window) -> None:
            try:
                await asyncio.sleep(args.replan_at)
                replan["started"] = time.perf_counter() - t0
                await asyncio.to_thread(_rotation, tree, "solve", str(replan_case), "--db", db)
                replan["solved"] = time.perf_counter() - t0
                await asyncio.to_thread(_publish, tree, db, f"{withdrawn} withdrawn")
                window.published = time.perf_counter()
                replan["published"] = window.published - t0
            except BaseException:
                window.failed = True  # the clients stop; the error is raised after them
                raise

        async def load() -> float:
            t0 = time.perf_counter()
            window = Window(least=t0 + args.seconds, most=t0 + max(args.most, args.seconds),
                            after=args.after)
            every = args.clients / args.rate if args.rate else 0.0
            jobs = [_client(port, links, weights, window, tally, random.Random(args.seed + i),
                            every) for i in range(args.clients)]
            replanning = asyncio.create_task(replan_later(t0, window))
            await asyncio.gather(*jobs)
            wall = time.perf_counter() - t0
            replan["load_end"] = wall
            if not replanning.done():
                # Only at --most: the clients stopped with the re-plan still running.
                print("the re-plan was still running when the load stopped at --most; it "
                      "is not counted as published", file=sys.stderr)
                replanning.cancel()
            elif (error := replanning.exception()) is not None:
                raise error
            return wall

        cpu_before = _cpu_seconds(server.pid)
        client_before = time.process_time()
        wall = asyncio.run(load())
        client_cpu = time.process_time() - client_before
        server_cpu = _cpu_seconds(server.pid) - cpu_before
    finally:
        server.send_signal(signal.SIGINT)
        try:
            _, server_err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, server_err = server.communicate()
    shutil.rmtree(work, ignore_errors=True)

    every = [x for values in tally.latencies.values() for x in values]
    statuses: dict[int, int] = {}
    for counts in tally.statuses.values():
        for status, n in counts.items():
            statuses[status] = statuses.get(status, 0) + n
    return {
        "tree": str(tree), "db": db.split("://", 1)[0], "clients": args.clients,
        "load_average": [round(x, 2) for x in load_before + os.getloadavg()],
        "offered_rate": args.rate or "as fast as answered",
        "seconds": round(wall, 1), "requests": len(every),
        "rate": round(len(every) / wall, 1),
        "unsent": tally.unsent,
        "p50_ms": round(1000 * _percentile(every, 0.5), 1),
        "p99_ms": round(1000 * _percentile(every, 0.99), 1),
        "max_ms": round(1000 * max(every, default=float("nan")), 1),
        "by_kind": {k: {"n": len(v), "p50_ms": round(1000 * _percentile(v, 0.5), 1),
                        "p99_ms": round(1000 * _percentile(v, 0.99), 1),
                        "statuses": tally.statuses.get(k, {})}
                    for k, v in sorted(tally.latencies.items())},
        "statuses": dict(sorted(statuses.items())),
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "wrong": len(tally.wrong), "wrong_examples": tally.wrong[:5],
        "connection_errors": tally.errors,
        "replan": {k: round(v, 1) for k, v in replan.items()},
        "published_under_load": "published" in replan
        and replan["published"] < replan["load_end"],
        "server_traceback": "Traceback" in server_err,
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(every)), 3),
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(every)), 3),
        "mean_ms": round(1000 * statistics.fmean(every), 1) if every else None,
        "p99_ms_by_second": _by_second(tally.timeline),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", default=str(ROOT), help="checkout to run (default: this one)")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file); a "
                                     "PostgreSQL database named here is dropped and made again")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="requests per second offered by all clients together, on a fixed "
                             "schedule (default 0: each client asks again as soon as answered)")
    parser.add_argument("--seconds", type=float, default=25.0,
                        help="the load's least length (default 25 s); it runs longer while "
                             "the re-plan is not yet published (see --after)")
    parser.add_argument("--replan-at", type=float, default=5.0,
                        help="seconds into the load the re-plan starts (default 5)")
    parser.add_argument("--after", type=float, default=3.0,
                        help="seconds the load goes on after the re-plan's publish returned "
                             "(default 3)")
    parser.add_argument("--most", type=float, default=300.0,
                        help="the load's greatest length, re-plan published or not "
                             "(default 300 s)")
    parser.add_argument("--officer-links", type=int, default=40)
    parser.add_argument("--revoked-links", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--profile", help="run the server under cProfile, stats to this file")
    args = parser.parse_args()
    figures = run(args)
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    ok = figures["5xx"] == 0 and figures["wrong"] == 0 and bool(
        figures["published_under_load"])
    print(f"\n{_replan_line(figures)}")
    print(f"{figures['db']}: {figures['rate']} req/s, p50 {figures['p50_ms']} ms, "
          f"p99 {figures['p99_ms']} ms, 5xx {figures['5xx']}, wrong {figures['wrong']}, "
          f"connection errors {sum(figures['connection_errors'].values())}"  # type: ignore[attr-defined]
          f" ({'ok' if ok else 'FAILED'})")


def _replan_line(figures: dict[str, object]) -> str:
    """When the re-plan was published, against the load's window: the point of the run is a
    publish the server takes while it is busy, so a publish after the load says so."""
    replan = figures["replan"]
    assert isinstance(replan, dict)
    end = replan["load_end"]
    if "published" not in replan:
        return (f"re-plan: started at {replan.get('started', '-')} s, NOT published within the "
                f"load (0-{end} s)")
    published = replan["published"]
    where = (f"{end - published:.1f} s before the load's end" if figures["published_under_load"]
             else f"{published - end:.1f} s AFTER the load's end")
    return (f"re-plan: started at {replan['started']} s, solved at {replan['solved']} s, "
            f"published at {published} s into a load of 0-{end} s ({where})")


if __name__ == "__main__":
    main()
