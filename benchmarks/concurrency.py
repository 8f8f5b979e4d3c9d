"""Benchmark: many people at once on one server, beside one person alone.

Run with ``python benchmarks/concurrency.py`` (50 sessions for 5 minutes on the
80-school demo district), ``--schools 10000`` (state scale), or ``--quick`` (3
sessions for 20 seconds). Starts ``streamlit run app.py`` on the demo file as a
subprocess and drives it with ``stream_client``, a client that speaks
Streamlit's own websocket protocol as the browser's frontend does: 50 Chromium
pages on this machine's two cores would measure the browsers, not the server.

Each simulated person opens the app, picks a demo person of their role in the
"Sign in as" selectbox (the roles spread over the sessions, and the people of
a role too), presses "Sign in", then opens the pages of their role in menu
order, round and round; after a page, one time in three, they change one of
its selectboxes (outside a form) to another option. Before every action they
wait 2 to 5 seconds (random, seeded per person). An interaction is one action:
its latency runs from sending the ``BackMsg`` to the ``script_finished`` that
ends the run it asked for (after any ``st.rerun``), so it holds the script's
time, the server's queueing and the messages' way back.

- one session alone (the floor): one person of each role the sessions hold,
  one after the other, each signing in and opening every page of the role once
  (with ``--quick``, one page each), with the same waits and choices. Before
  it, untimed, the last person of each role does the same with short waits,
  so that the server's first runs (which import the pages' modules) are not
  counted; the people measured still ask their own questions for the first
  time, as the sessions at once do on their first round.
- N sessions at once: ``--sessions`` people started together (each first
  waits like before any action), acting until ``--minutes`` have passed; an
  action under way when time is up is finished and counted.
- p50 and p95 of the interactions in each. Target: the p95 with N sessions at
  most 2x the p95 alone. Beside it, for reading it, the p95 of the
  interactions done after the first third of the time: the first ones are
  every person's first questions, all asked within the same few seconds.
- errors: interactions that drew an exception, an error message
  (``st.error``), a page not found, showed another page than the one asked
  for, or had no ``script_finished`` within ``--timeout`` seconds; a sign-in
  that did not sign in; a page without the widget or link the person went
  to use. Target: none.
- dropped sessions: connections the server closed or that broke before the
  person was done. Target: none.
- server CPU per interaction: the server process's CPU time (user and
  system, from /proc) over the phase, divided by its interactions: whether
  many sessions make each interaction cost more, or only wait longer.
- server memory: the peak resident memory (VmRSS, the server and its
  children) sampled every 2 seconds, alone and with N sessions.

The server runs with ``server.fileWatcherType`` set to ``none``: on a tree
that is being edited, a watched file that changes makes Streamlit drop its
module, so that the sessions under way run a mix of old and new code, or a
file caught half-written (a server in use has no one editing its files).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from common import DISTRICT_SCHOOLS, Row, demo_file, parser, print_table
from memory import free_port, resident_mb, start_server
from stream_client import ClientError, Dropped, Run, StreamSession

from sqr_tracker.models import Role
from sqr_tracker.navigation import pages_for

_LOGGER = logging.getLogger("benchmarks.concurrency")
CHANGE_SHARE = 1 / 3  # how often a page visit is followed by a changed selectbox
SAMPLE_SECONDS = 2
PAUSE = (2.0, 5.0)  # seconds a person waits before each action
WARM_UP_PAUSE = (0.1, 0.2)
# The share of the time at once after which the crowd counts as under way: the
# first interactions are everyone's first questions, asked together.
SETTLING_SHARE = 1 / 3


@dataclass(frozen=True)
class Count(Row):
    """A number of things; ``none`` means the target is that there are none."""

    none: bool = False

    def target(self) -> str:
        return "0" if self.none else "-"

    def met(self) -> str:
        if not self.none:
            return "-"
        return "yes" if self.value == 0 else "no"

    def cells(self) -> list[str]:
        cells = super().cells()
        cells[1] = f"{self.value:.0f}"
        return cells


@dataclass
class Tally:
    """What a phase's sessions did."""

    seconds: list[float] = field(default_factory=list)
    ended: list[float] = field(default_factory=list)  # when each was done, monotonic
    actions: list[str] = field(default_factory=list)  # who did what, by seconds
    errors: list[str] = field(default_factory=list)
    dropped: int = 0
    peak_mb: float = 0.0
    cpu_seconds: float = 0.0  # the server's, while the phase ran

    def absorb(self, other: Tally, *, timed: bool = True) -> None:
        """Add another phase's errors and drops, and its times if ``timed``."""
        self.seconds += other.seconds if timed else []
        self.ended += other.ended if timed else []
        self.actions += other.actions if timed else []
        self.errors += other.errors
        self.dropped += other.dropped
        self.peak_mb = max(self.peak_mb, other.peak_mb if timed else 0.0)
        self.cpu_seconds += other.cpu_seconds if timed else 0.0

    def slowest(self, count: int = 5) -> list[str]:
        timed = sorted(zip(self.seconds, self.actions, strict=True), reverse=True)
        return [f"{seconds:.3f} s: {action}" for seconds, action in timed[:count]]

    def add(self, who: str, what: str, run: Run) -> Run:
        self.seconds.append(run.seconds)
        self.ended.append(time.monotonic())
        self.actions.append(f"{who}, {what}")
        for error in run.errors:
            self.errors.append(f"{who}, {what}: {error}")
            _LOGGER.warning("%s, %s: %s", who, what, error)
        _LOGGER.debug("%s, %s: %.3f s", who, what, run.seconds)
        return run


@dataclass(frozen=True)
class Settled:
    """From when (monotonic) the sessions at once count as under way."""

    at: float
    seconds: float  # after the start


@dataclass(frozen=True)
class Person:
    role: Role
    nth: int  # which of the sign-in's people of the role
    seed: str


@dataclass(frozen=True)
class Pattern:
    pause: tuple[float, float]
    timeout: float
    deadline: float | None = None  # stop starting actions after (monotonic)
    pages: int | None = None  # or after this many page visits


async def live(url: str, person: Person, pattern: Pattern, tally: Tally) -> None:
    """One person's session: sign in, then go through the role's pages."""
    rng = random.Random(person.seed)
    who = f"{person.role.label} {person.nth + 1 if person.nth >= 0 else 'last'}"

    async def wait() -> bool:
        pause = rng.uniform(*pattern.pause)
        if pattern.deadline is not None and time.monotonic() + pause > pattern.deadline:
            return False
        await asyncio.sleep(pause)
        return True

    session = StreamSession(url, timeout=pattern.timeout)
    try:
        await session.connect()
        if not await wait():
            return
        tally.add(who, "opening the app", await session.load())
        if not await wait():
            return
        choice = sign_in_choice(session, person)
        tally.add(who, "choosing a person", await session.choose("Sign in as", choice))
        if not await wait():
            return
        run = tally.add(who, "signing in", await session.click("Sign in"))
        if not any(text.startswith("Signed in as") for text in run.texts()):
            tally.errors.append(f"{who}: signing in as {choice} did not sign in")
            return
        titles = [page.title for page in pages_for(person.role)]
        visits = 0
        while (pattern.pages is None or visits < pattern.pages) and await wait():
            title = titles[(visits + 1) % len(titles)]  # the home page is shown
            visits += 1
            tally.add(who, title, await session.open_page(title))
            if rng.random() < CHANGE_SHARE:
                await change_a_selectbox(session, rng, who, title, wait, tally)
    except Dropped:
        tally.dropped += 1
        _LOGGER.warning("%s: the session was dropped", who)
    except (ClientError, OSError) as error:
        tally.errors.append(f"{who}: {error}")
        _LOGGER.warning("%s: %s", who, error)
    finally:
        await session.close()


def sign_in_choice(session: StreamSession, person: Person) -> str:
    """The person's entry in the sign-in selectbox ('Name · Role · Place')."""
    options = session.widget("Sign in as", {"selectbox"}).options
    of_role = [o for o in options if o.split(" · ")[1:2] == [person.role.label]]
    if not of_role:
        raise ClientError(f"the sign-in offers no {person.role.label}")
    return of_role[person.nth % len(of_role)]


async def change_a_selectbox(session, rng, who, title, wait, tally) -> None:
    """Pick another option in one of the page's selectboxes, if it has one."""
    boxes = [
        w
        for w in session.widgets.values()
        if w.kind == "selectbox" and not w.in_form and not w.disabled
        if len(w.options) > 1
    ]
    if not boxes or not await wait():
        return
    box = rng.choice(boxes)
    held = session.value_of(box)
    option = rng.choice([o for o in box.options if o != held])
    what = f"{title}, choosing {box.label}"
    tally.add(who, what, await session.pick(box, option))


async def measured(url: str, pid: int, people: list[Person], pattern: Pattern):
    """Run the people's sessions at once, sampling the server's memory."""
    tally = Tally()

    async def sample() -> None:
        while True:
            tally.peak_mb = max(tally.peak_mb, resident_mb(pid))
            await asyncio.sleep(SAMPLE_SECONDS)

    sampler = asyncio.create_task(sample())
    started = cpu_seconds(pid)
    try:
        await asyncio.gather(*(live(url, p, pattern, tally) for p in people))
    finally:
        sampler.cancel()
    tally.cpu_seconds = cpu_seconds(pid) - started
    tally.peak_mb = max(tally.peak_mb, resident_mb(pid))
    return tally


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def crowd(sessions: int, seed: int) -> list[Person]:
    """The sessions' people: roles in turn, then the next person of each role."""
    roles = list(Role)
    return [
        Person(roles[i % len(roles)], i // len(roles), f"{seed}-{i}")
        for i in range(sessions)
    ]


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(share) - 1]


def per(tally: Tally) -> float:
    return tally.cpu_seconds / max(len(tally.seconds), 1)


def rows(alone: Tally, together: Tally, sessions: int, settled: Settled) -> list[Row]:
    a50, a95 = percentile(alone.seconds, 50), percentile(alone.seconds, 95)
    t50, t95 = percentile(together.seconds, 50), percentile(together.seconds, 95)
    later = [
        seconds
        for seconds, ended in zip(together.seconds, together.ended, strict=True)
        if ended >= settled.at
    ]
    many = f"{sessions} sessions at once"
    return [
        Row("interaction p50, one session alone", a50),
        Row("interaction p95, one session alone", a95),
        Row(f"interaction p50, {many}", t50, floor=a50),
        Row(f"interaction p95, {many}", t95, floor=a95, limit=2),
        Row(
            f"interaction p95, {many}, after the first {settled.seconds:.0f} s",
            percentile(later, 95),
            floor=a95,
        ),
        Count("interactions, one session alone", len(alone.seconds), unit="count"),
        Count(f"interactions, {many}", len(together.seconds), unit="count"),
        Count(
            "errors", len(alone.errors) + len(together.errors), unit="count", none=True
        ),
        Count(
            "dropped sessions",
            alone.dropped + together.dropped,
            unit="count",
            none=True,
        ),
        Row("server CPU per interaction, alone", per(alone), unit="s"),
        Row(f"server CPU per interaction, {many}", per(together), floor=per(alone)),
        Row("server memory, peak alone", alone.peak_mb, unit="MB"),
        Row(f"server memory, peak with {many}", together.peak_mb, unit="MB"),
    ]


async def benchmark(url: str, pid: int, args, sessions: int, minutes: float):
    people = crowd(sessions, args.seed)
    firsts = [p for p in people if p.nth == 0]
    pages = {p.role: 1 if args.quick else len(pages_for(p.role)) for p in firsts}
    alone = Tally()
    # Untimed: the server's first runs import the pages' modules.
    for person in firsts:
        last = Person(person.role, -1, f"warm-{person.seed}")
        warm = Pattern(WARM_UP_PAUSE, args.timeout, pages=pages[person.role])
        alone.absorb(await measured(url, pid, [last], warm), timed=False)
    for person in firsts:
        pattern = Pattern(PAUSE, args.timeout, pages=pages[person.role])
        one = await measured(url, pid, [person], pattern)
        alone.absorb(one)
        _LOGGER.info("alone, %s: %d interactions", person.role.label, len(one.seconds))
    begun = time.monotonic()
    pattern = Pattern(PAUSE, args.timeout, deadline=begun + minutes * 60)
    together = await measured(url, pid, people, pattern)
    _LOGGER.info("together: %d interactions", len(together.seconds))
    settle = minutes * 60 * SETTLING_SHARE
    return alone, together, Settled(begun + settle, settle)


def main() -> int:
    options = parser(__doc__, schools=DISTRICT_SCHOOLS, repeats=False)
    options.add_argument("--sessions", type=int, default=None, help="default 50")
    options.add_argument("--minutes", type=float, default=None, help="default 5")
    options.add_argument("--seed", type=int, default=9, help="the people's waits")
    options.add_argument(
        "--timeout", type=float, default=300, help="seconds an interaction may take"
    )
    args = options.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    schools = args.schools or DISTRICT_SCHOOLS
    sessions = args.sessions or (3 if args.quick else 50)
    minutes = args.minutes or (1 / 3 if args.quick else 5)
    path = demo_file(schools, args.db)
    # Edits to the source tree during a run must not reload modules under the
    # sessions (see the docstring).
    os.environ["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"
    port = free_port()
    server = start_server(path, port)
    try:
        url = f"http://127.0.0.1:{port}"
        alone, together, settled = asyncio.run(
            benchmark(url, server.pid, args, sessions, minutes)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    for error in alone.errors + together.errors:
        print(error, file=sys.stderr)
    for name, tally in (("alone", alone), ("at once", together)):
        print(f"slowest {name}:", *tally.slowest(), sep="\n  ", file=sys.stderr)
    print_table(
        f"Concurrency, {schools:,} schools ({sessions} sessions, {minutes * 60:g} s)",
        rows(alone, together, sessions, settled),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
