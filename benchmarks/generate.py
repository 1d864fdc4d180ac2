"""Seeded benchmark cases for the planner at three sizes, built from domain objects.

    python benchmarks/generate.py S --out /tmp/bench-s       # write a case folder (CSV + TOML)
    python benchmarks/generate.py M --seed 3 --check         # also validate the witness plan

``generate(size, seed)`` returns a :class:`rotation.domain.Instance` directly (no files). The same
size and seed always give the same instance.

Sizes (officers x postings x months): S = 50 x 4 x 24 (Cambodia only), M = 500 x 10 x 36
(Cambodia, Vietnam, Philippines), L = 5,000 x 50 x 36 (ten countries, five postings each).

Every rule of the planner is exercised: Khmer certificates with expiry dates, required courses
with expiry (a country briefing, a language course), dated training sessions with seats that can
grant what an officer lacks, leave, supervisors and specialists every open month, history (an
outgoing rotation still in place when the horizon opens, tours further back that count toward
fairness and rest), preferences and a cap of two deployments per officer.

Demand. One officer can serve at most ``min(cap * L, months * L / (L + R))`` officer-months
(deployment length L = 6, rest R = 6, cap = 2: 12 at every size). The minimum headcounts add up
to about 70 % of the pool's capacity so measured; maxima are 25 % above the minima.

Feasibility by construction. The generator first builds a *witness*: a plan in six-month blocks
that meets every minimum, every mix requirement and every hard rule, choosing officers the way a
planner would (qualified on their own records first, then trainable in a session with a free
seat, least-used first). When the pool has nobody suitable it adjusts the pool (a certificate or
course completed before the horizon, a specialty) rather than the rules, so every case has a
plan that meets all demand. Leave is drawn afterwards around each officer's witness duties. The
witness is never given to the solver; ``--check`` runs the independent validator on it.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import math
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from rotation.domain import (
    KHMER,
    RANKS,
    SUPERVISOR_RANKS,
    CourseCompletion,
    CourseDef,
    Credential,
    Demand,
    Instance,
    Officer,
    PastDeployment,
    Posting,
    Requirement,
    Rules,
    Session,
    SolverSettings,
    Unavailability,
    Weights,
    add_months,
    month_end,
    requirements,
)
from rotation.plan import Deployment, Enrolment, Plan
from rotation.validate import validate

__all__ = ["FAMILIES", "SIZES", "Case", "Family", "Size", "generate", "generate_case",
           "write_case"]

HORIZON_START = date(2025, 11, 1)
DEPLOYMENT = 6
REST = 6
CAP = 2
LOAD = 0.70
LEAD_DAYS = 14


@dataclass(frozen=True)
class Size:
    """One benchmark size: pool, postings per country, horizon and default time limit."""

    name: str
    officers: int
    countries: tuple[tuple[str, int], ...]
    months: int
    time_limit: float
    opening_late: int = 0

    @property
    def postings(self) -> int:
        return sum(n for _, n in self.countries)


_ALL = ("KH", "VN", "PH", "TH", "LA", "MM", "MY", "ID", "AE", "CN")
SIZES: dict[str, Size] = {
    "S": Size("S", 50, (("KH", 4),), 24, 10.0),
    "C": Size("C", 120, (("KH", 4),), 24, 10.0),
    "M": Size("M", 500, (("KH", 4), ("VN", 3), ("PH", 3)), 36, 60.0, opening_late=1),
    "L": Size("L", 5000, tuple((c, 5) for c in _ALL), 36, 300.0, opening_late=6),
}


@dataclass(frozen=True)
class Family:
    """The shape of a planner's case: the rules and the pool's circumstances. ``base`` is the
    suite's first family (six months' rest, at most two tours); the others are the shapes
    planners bring that it does not cover.

    ``rest`` and ``cap`` are the rules' minimum rest and deployment cap; ``rolling`` a rolling
    horizon three months longer than the size's, whose last tour runs past its end (only a
    rolling plan can staff those months); ``bottleneck`` makes Khmer certificates and the
    Khmer course's seats scarce, so Cambodian demand cannot all be met (``bottleneck3`` with
    rest3's rules, three or more tours fitting); ``heavy_leave`` gives
    most officers leave, windows ending on the 1st or starting on a month's last day;
    ``returning`` is the share of the pool back from a tour that ended one to three months
    before the horizon; ``scarce`` asks for a specialist per open month at every posting of
    a specialty few hold (and never grants it), so the mix cannot all be met."""

    name: str
    rest: int = 6
    cap: int | None = 2
    rolling: bool = False
    bottleneck: bool = False
    heavy_leave: bool = False
    returning: float = 0.0
    scarce: bool = False

    @property
    def fully_met(self) -> bool:
        """Whether the witness meets every minimum and mix requirement."""
        return not (self.bottleneck or self.scarce)


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("base"),
    Family("rest2", rest=2, cap=None),
    Family("rest3", rest=3, cap=None),
    Family("rolling", rest=3, cap=None, rolling=True),
    Family("bottleneck", bottleneck=True),
    Family("bottleneck3", rest=3, cap=None, bottleneck=True),
    Family("leave", rest=3, cap=None, heavy_leave=True),
    Family("returning", returning=0.5),
    Family("scarce", scarce=True),
)}


def split_name(text: str) -> tuple[Family, Size]:
    """A case named ``SIZE`` (the base family) or ``FAMILY/SIZE``, e.g. ``rest3/M``."""
    family, _, size = text.rpartition("/")
    try:
        return FAMILIES[family or "base"], SIZES[size.upper()]
    except KeyError:
        raise ValueError(f"unknown case {text!r}: sizes are {', '.join(SIZES)}, families "
                         f"{', '.join(FAMILIES)} (FAMILY/SIZE)") from None


def size_name(text: str) -> str:
    """A case named on a command line (``SIZE`` or ``FAMILY/SIZE``, the size in either case):
    argparse's ``type`` for the benchmark scripts. Why not ``choices``: with ``nargs="*"``
    argparse checks a list default against them as one value and refuses it."""
    try:
        family, size = split_name(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return size.name if family.name == "base" else f"{family.name}/{size.name}"


# ---------------------------------------------------------------------------------------------
# The region: countries, postings, courses


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    timezone: str
    language: str  # "" when no language course is needed (English-speaking posting)
    specialties: tuple[str, str]  # main and secondary specialty asked for there
    cities: tuple[tuple[str, str, int, int], ...]  # id, name, hardship, Khmer level


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country("KH", "Cambodia", "Asia/Phnom_Penh", KHMER, ("voice-phishing", "cyber"), (
            ("PNH", "Phnom Penh", 1, 2), ("SHV", "Sihanoukville", 2, 2),
            ("POI", "Poipet border post", 3, 1), ("BAV", "Bavet border post", 3, 1),
            ("REP", "Siem Reap", 2, 1))),
        Country("VN", "Vietnam", "Asia/Ho_Chi_Minh", "vietnamese", ("cyber", "financial"), (
            ("HAN", "Hanoi", 1, 0), ("SGN", "Ho Chi Minh City", 1, 0),
            ("MOC", "Moc Bai border post", 3, 0), ("DAD", "Da Nang", 1, 0),
            ("HPH", "Hai Phong", 2, 0))),
        Country("PH", "Philippines", "Asia/Manila", "", ("voice-phishing", "trafficking"), (
            ("MNL", "Manila", 2, 0), ("CEB", "Cebu", 2, 0), ("CRK", "Clark", 2, 0),
            ("DVO", "Davao", 3, 0), ("ZAM", "Zamboanga", 4, 0))),
        Country("TH", "Thailand", "Asia/Bangkok", "thai", ("narcotics", "voice-phishing"), (
            ("BKK", "Bangkok", 1, 0), ("CNX", "Chiang Mai", 1, 0), ("HKT", "Phuket", 1, 0),
            ("MAE", "Mae Sot border post", 4, 0), ("PTY", "Pattaya", 1, 0))),
        Country("LA", "Laos", "Asia/Vientiane", "lao", ("trafficking", "narcotics"), (
            ("VTE", "Vientiane", 2, 0), ("GTR", "Golden Triangle SEZ", 4, 0),
            ("LPQ", "Luang Prabang", 2, 0), ("PKZ", "Pakse", 3, 0),
            ("SVK", "Savannakhet", 3, 0))),
        Country("MM", "Myanmar", "Asia/Yangon", "burmese", ("trafficking", "voice-phishing"), (
            ("RGN", "Yangon", 3, 0), ("MDL", "Mandalay", 3, 0), ("MWD", "Myawaddy", 5, 0),
            ("TCL", "Tachileik", 5, 0), ("NPT", "Naypyidaw", 3, 0))),
        Country("MY", "Malaysia", "Asia/Kuala_Lumpur", "malay", ("financial", "cyber"), (
            ("KUL", "Kuala Lumpur", 0, 0), ("PEN", "Penang", 0, 0), ("JHB", "Johor Bahru", 1, 0),
            ("BKI", "Kota Kinabalu", 2, 0), ("KCH", "Kuching", 1, 0))),
        Country("ID", "Indonesia", "Asia/Jakarta", "indonesian", ("financial", "narcotics"), (
            ("CGK", "Jakarta", 1, 0), ("DPS", "Bali", 1, 0), ("BTH", "Batam", 2, 0),
            ("SUB", "Surabaya", 1, 0), ("KNO", "Medan", 2, 0))),
        Country("AE", "United Arab Emirates", "Asia/Dubai", "arabic", ("financial", "cyber"), (
            ("DXB", "Dubai", 0, 0), ("AUH", "Abu Dhabi", 0, 0), ("SHJ", "Sharjah", 0, 0),
            ("RKT", "Ras Al Khaimah", 1, 0), ("FJR", "Fujairah", 1, 0))),
        Country("CN", "China", "Asia/Shanghai", "chinese", ("voice-phishing", "financial"), (
            ("SHA", "Shanghai", 0, 0), ("SZX", "Shenzhen", 1, 0), ("CAN", "Guangzhou", 1, 0),
            ("KMG", "Kunming", 2, 0), ("NNG", "Nanning", 2, 0))),
    )
}

BRIEFING_VALIDITY = 24  # months
KHMER_VALIDITY = 36
BRIEFING_EVERY, LANGUAGE_EVERY = 2, 4  # months between two sessions of a course
BRIEFING_DAYS, LANGUAGE_DAYS = 5, 54  # Monday to Friday; eight weeks Monday to Friday
LOCATIONS = (
    "Police Human Resources Development Institute, Asan",
    "Korean National Police University, Asan",
    "Central Police Academy, Chungju",
)


def briefing_id(country: Country) -> str:
    return "cultural-sensitivity" if country.code == "KH" else f"{country.name.lower()}-briefing"


def language_id(country: Country) -> str:
    if country.code == "KH":
        return "khmer-intensive"
    return f"{country.language}-basic" if country.language else ""


# ---------------------------------------------------------------------------------------------
# Officers

RANK_WEIGHTS = (("officer", 14), ("senior-officer", 24), ("sergeant", 34), ("inspector", 17),
                ("senior-inspector", 7), ("superintendent", 3), ("senior-superintendent", 1))
PRIMARY = (("voice-phishing", 30), ("cyber", 22), ("financial", 18), ("narcotics", 8),
           ("trafficking", 8), ("forensics-trainer", 4), ("", 10))
SURNAMES = ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han",
            "Oh", "Seo", "Shin", "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong", "Jeon", "Ko",
            "Moon", "Yang", "Son", "Bae", "Baek", "Heo", "Nam", "Noh", "Ha", "Kwak", "Sung")
SURNAME_WEIGHTS = (22, 15, 9, 5, 5, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
                   1, 1, 1, 1, 1, 1, 1, 1)
GIVEN = ("Min-jun", "Seo-jun", "Do-yun", "Ye-jun", "Si-woo", "Ha-jun", "Ji-ho", "Jun-seo",
         "Hyun-woo", "Ji-hoon", "Dong-hyun", "Jae-won", "Sung-min", "Jin-woo", "Tae-yang",
         "Woo-jin", "Seung-hyun", "Jun-young", "Sang-woo", "Young-ho", "Kyung-soo", "Jong-hoon",
         "Hyuk", "Dae-sung", "Min-seok", "Chan-woo", "Ki-tae", "Yong-jun", "Seo-yeon", "Ji-woo",
         "Su-bin", "Ha-eun", "Min-ji", "Ji-won", "Eun-ji", "Soo-jin", "Hye-jin", "Yoon-ah",
         "Da-eun", "Ye-rin", "Na-yeon", "Ji-hye", "Mi-kyung", "Sun-hee", "So-yeon", "Ga-young")
AGENCIES = (("Seoul Metropolitan Police Agency", 34), ("Gyeonggi Nambu Provincial Police Agency",
            15), ("Busan Metropolitan Police Agency", 12), ("Korean National Police Agency", 10),
            ("Incheon Metropolitan Police Agency", 8), ("Daegu Metropolitan Police Agency", 6),
            ("Gwangju Metropolitan Police Agency", 4), ("Daejeon Metropolitan Police Agency", 4))
DIVISIONS = {"voice-phishing": "Telecom Fraud Investigation Unit",
             "cyber": "Cyber Investigation Division",
             "financial": "Financial Crime Investigation Unit",
             "narcotics": "Drug Crime Investigation Unit",
             "trafficking": "Human Trafficking Investigation Unit",
             "forensics-trainer": "Digital Forensics Center",
             "": "International Cooperation Division"}
ABSENCES = (("annual leave", 7, 21, 30), ("medical leave", 14, 90, 20),
            ("parental leave", 90, 365, 10), ("promotion exam", 14, 28, 15),
            ("court testimony", 5, 14, 10), ("course at home", 14, 42, 15))


def _pick(rng: random.Random, pairs: Iterable[tuple[str, int]]) -> str:
    items = list(pairs)
    return rng.choices([v for v, _ in items], weights=[w for _, w in items])[0]


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _shift(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's end), as the domain counts expiry."""
    first = add_months(day, months)
    return first.replace(day=min(day.day, calendar.monthrange(first.year, first.month)[1]))


def _monday(day: date) -> date:
    """The first Monday on or after ``day``."""
    return day + timedelta(days=(7 - day.weekday()) % 7)


@dataclass
class _Draft:
    """An officer while the case is being drawn: mutable records and witness duties."""

    id: str
    name: str
    rank: str
    specialties: set[str]
    home_unit: str
    focus: tuple[str, ...]
    certificates: list[Credential] = field(default_factory=list)
    courses: list[CourseCompletion] = field(default_factory=list)
    absences: list[Unavailability] = field(default_factory=list)
    history: list[PastDeployment] = field(default_factory=list)
    preferences: list[str] = field(default_factory=list)
    busy: list[tuple[date, date]] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)
    free_from: int = -10**6  # first month a new deployment may start (rest after history)

    def meets(self, need: Requirement, first: date, last: date) -> bool:
        if need.course:
            return any(c.course == need.course and c.counts_for(first, last) for c in self.courses)
        return any(
            c.name == need.credential and c.level >= need.level and c.covers(first, last)
            for c in self.certificates
        )

    def is_free(self, start: date, end: date) -> bool:
        return all(end < a or b < start for a, b in self.busy)

    def freeze(self) -> Officer:
        return Officer(
            id=self.id, name=self.name, rank=self.rank, specialties=frozenset(self.specialties),
            home_unit=self.home_unit, certificates=tuple(self.certificates),
            courses=tuple(self.courses), unavailability=tuple(self.absences),
            preferences=tuple(self.preferences), history=tuple(self.history),
        )


_Action = tuple[str, Session | Credential | CourseCompletion]


@dataclass(frozen=True)
class Case:
    """A generated instance and the witness plan that shows it can be fully staffed."""

    instance: Instance
    witness: Plan
    seconds: float


class _Builder:
    def __init__(self, size: Size, seed: int, family: Family = FAMILIES["base"]) -> None:
        self.family = family
        if family.rolling:
            size = replace(size, months=size.months + 3)
        self.size = size
        tag = size.name if family.name == "base" else f"{family.name}-{size.name}"
        self.rng = random.Random(f"rotation-benchmark-{tag}-{seed}")
        self.seed = seed
        self.rest = family.rest
        self.cap = family.cap
        self.rules = Rules(
            start=HORIZON_START, months=size.months, deployment_months=DEPLOYMENT,
            min_rest_months=family.rest, max_deployments=family.cap, fairness_target=18,
            fairness_lookback_months=36, training_lead_days=LEAD_DAYS, weights=Weights(),
            allow_past_end=family.rolling,
        )
        # Six-month blocks of the witness; on a rolling horizon the last one runs past its end.
        self.blocks = -(-size.months // DEPLOYMENT)
        self.countries = [COUNTRIES[c] for c, _ in size.countries]
        self.country_of: dict[str, Country] = {}
        self.postings: list[Posting] = []
        self.weight: dict[str, float] = {}
        self.courses: list[CourseDef] = []
        self.sessions: list[Session] = []
        self.seats: dict[str, int] = {}
        self.officers: list[_Draft] = []
        self.minimum: dict[tuple[str, int], int] = {}  # (posting, block) -> officers needed
        self.deployments: list[Deployment] = []
        self.enrolments: list[Enrolment] = []
        self.taken: dict[str, int] = {}
        self.course_by_id: dict[str, CourseDef] = {}
        self.latest_first: list[Session] = []
        self.granting: dict[Requirement, list[Session]] = {}
        self.grants: dict[str, tuple[CourseCompletion, Credential | None]] = {}

    # -- months and days ----------------------------------------------------------------------
    def first(self, t: int) -> date:
        return add_months(HORIZON_START, t)

    def last(self, t: int) -> date:
        return month_end(HORIZON_START, t)

    # -- the pieces, in order -----------------------------------------------------------------
    def build(self) -> Case:
        began = time.perf_counter()
        self.make_postings_and_demand()
        self.make_courses_and_sessions()
        self.course_by_id = {c.id: c for c in self.courses}
        self.latest_first = sorted(self.sessions, key=lambda q: q.end, reverse=True)
        self.make_officers()
        if self.family.scarce and not any("forensics-trainer" in d.specialties
                                          for d in self.officers):
            self.officers[0].specialties.add("forensics-trainer")  # scarce, but held
        self.make_history()
        self.make_witness()
        self.make_leave()
        self.make_preferences()
        inst = self.instance()
        plan = Plan(tuple(self.deployments), tuple(self.enrolments))
        return Case(inst, plan, time.perf_counter() - began)

    def make_postings_and_demand(self) -> None:
        rng = self.rng
        for (_, count), country in zip(self.size.countries, self.countries, strict=True):
            for i, (pid, name, hardship, khmer) in enumerate(country.cities[:count]):
                self.country_of[pid] = country
                self.weight[pid] = 3.0 if i == 0 else rng.choice((1.0, 1.5, 2.0))
                if hardship >= 4:
                    self.weight[pid] = 1.0
                self.postings.append(
                    Posting(pid, name, country.timezone, hardship, khmer,
                            frozenset(c for c in (briefing_id(country), language_id(country))
                                      if c and c != "khmer-intensive"))
                )
        # Postings that open a year into the horizon (or 18 months), never a capital.
        opens: dict[str, int] = {p.id: 0 for p in self.postings}
        late = rng.sample([p.id for p in self.postings if self.weight[p.id] < 3.0],
                          self.size.opening_late)
        for i, pid in enumerate(late):
            opens[pid] = 2 if i % 3 else 3
        # Officer-months the minima must add up to, growing a little every six months.
        target = LOAD * self.size.officers * self.capacity()
        growth = [1.0 + 0.04 * b for b in range(self.blocks)]
        per_block = [target / DEPLOYMENT * g / sum(growth) for g in growth]
        for b, total in enumerate(per_block):
            open_ids = [p.id for p in self.postings if opens[p.id] <= b]
            weights = [self.weight[p] for p in open_ids]
            shares = _apportion(round(total), weights)
            for pid, n in zip(open_ids, shares, strict=True):
                self.minimum[pid, b] = max(1, n)
        # Mix: supervisors and specialists, sized on the smallest open block of the posting.
        mixed = []
        for p in self.postings:
            low = min(n for (pid, _), n in self.minimum.items() if pid == p.id)
            country = self.country_of[p.id]
            main, second = country.specialties
            specs: list[tuple[str, int]] = []
            if low >= 3:
                specs.append((main, max(1, round(low * 0.2))))
            if low >= 6:
                specs.append((second, max(1, round(low * 0.1))))
            if low >= 7 and self.weight[p.id] == 3.0:
                specs.append(("forensics-trainer", 1))
            supervisors = max(1, round(low / 8)) if low >= 2 else 0
            if self.family.scarce and not any(k == "forensics-trainer" for k, _ in specs):
                specs.append(("forensics-trainer", 1))
            mixed.append(Posting(p.id, p.name, p.timezone, p.hardship, p.min_khmer_level,
                                 p.required_courses, supervisors, tuple(specs)))
        self.postings = mixed

    def capacity(self) -> float:
        """Officer-months one officer can give: by the rules, and by the witness, which
        staffs six-month blocks, never two in a row (12 for the base family at every size)."""
        by_rules = self.size.months * DEPLOYMENT / (DEPLOYMENT + self.rest)
        if self.cap is not None:
            by_rules = min(by_rules, self.cap * DEPLOYMENT)
        return min(by_rules, math.ceil(self.size.months // DEPLOYMENT / 2) * DEPLOYMENT)

    def make_courses_and_sessions(self) -> None:
        rng = self.rng
        shares = _country_shares(self)
        for country in self.countries:
            pool = self.size.officers * shares[country.code]
            brief = briefing_id(country)
            label = f"{country.name} pre-deployment briefing"
            if country.code == "KH":
                label = "Cambodian cultural sensitivity"
            self.courses.append(CourseDef(brief, label, validity_months=BRIEFING_VALIDITY))
            self._sessions(brief, f"{country.code}-BRF", BRIEFING_EVERY, BRIEFING_DAYS,
                           max(4, math.ceil(pool * 0.04)), rng.randint(0, 1))
            lang = language_id(country)
            if not lang:
                continue
            if country.code == "KH":
                self.courses.append(CourseDef(lang, "Intensive Khmer language", KHMER, 2,
                                              KHMER_VALIDITY))
            else:
                self.courses.append(CourseDef(lang, f"Basic {country.language.capitalize()}",
                                              country.language, 1))
            seats = max(3, math.ceil(pool * 0.02))
            if self.family.bottleneck and country.code == "KH":
                seats = 2  # the bottleneck: two seats a session
            self._sessions(lang, f"{country.code}-LNG", LANGUAGE_EVERY, LANGUAGE_DAYS,
                           seats, rng.randint(0, 2))

    def _sessions(self, course: str, code: str, every: int, days: int, seats: int,
                  offset: int) -> None:
        for t in range(offset, self.size.months - 1, every):
            start = _monday(self.first(t))
            end = start + timedelta(days=days - 1)
            sid = f"{code}-{start:%Y-%m}"
            location = LOCATIONS[len(self.sessions) % len(LOCATIONS)]
            self.sessions.append(Session(sid, course, start, end, location, seats))
            self.seats[sid] = seats

    def make_officers(self) -> None:
        rng = self.rng
        n = self.size.officers
        width = max(4, len(str(n)))
        shares = _country_shares(self)
        codes = list(shares)
        for i in range(1, n + 1):
            rank = _pick(rng, RANK_WEIGHTS)
            primary = _pick(rng, PRIMARY)
            specialties = {primary} if primary else set()
            if primary and rng.random() < 0.2:
                specialties.add(_pick(rng, (s for s in PRIMARY if s[0] and s[0] != primary)))
            focus = [rng.choices(codes, weights=[shares[c] for c in codes])[0]]
            if len(codes) > 1 and rng.random() < 0.2:
                focus.append(rng.choice([c for c in codes if c != focus[0]]))
            name = f"{rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]} {rng.choice(GIVEN)}"
            unit = f"{_pick(rng, AGENCIES)}, {DIVISIONS[primary]}"
            d = _Draft(f"K-{i:0{width}d}", name, rank, specialties, unit, tuple(focus))
            self._records(d)
            self.officers.append(d)

    def _records(self, d: _Draft) -> None:
        rng, h = self.rng, HORIZON_START
        for code in (c.code for c in self.countries):
            mine = code in d.focus
            country = COUNTRIES[code]
            if rng.random() < (0.8 if mine else 0.03):
                done = _day(rng, _shift(h, -16), h - timedelta(days=7))
                d.courses.append(CourseCompletion(briefing_id(country), done,
                                                  _shift(done, BRIEFING_VALIDITY)))
            if code == "KH":
                if rng.random() < (0.85 if mine else 0.05) and not (
                        self.family.bottleneck and rng.random() < 0.4):
                    level = rng.choices((1, 2, 3, 4), weights=(25, 40, 25, 10))[0]
                    start = _day(rng, _shift(h, -30), _shift(h, 3))
                    until = None if rng.random() < 0.2 else _shift(start, 36) - timedelta(1)
                    d.certificates.append(Credential(KHMER, level, start, until))
                    if rng.random() < 0.5 and start - timedelta(days=7) < h:
                        done = start - timedelta(days=7)
                        d.courses.append(CourseCompletion("khmer-intensive", done,
                                                          _shift(done, KHMER_VALIDITY)))
            elif country.language and rng.random() < (0.8 if mine else 0.04):
                done = _day(rng, _shift(h, -60), h - timedelta(days=7))
                d.courses.append(CourseCompletion(language_id(country), done))
        if rng.random() < 0.3:
            start = _day(rng, _shift(h, -30), h)
            d.certificates.append(Credential("english", rng.choice((2, 3, 3, 4, 5)),
                                                      start, _shift(start, 24) - timedelta(1)))

    # -- history ------------------------------------------------------------------------------
    def _tour(self, d: _Draft, posting: str, start: int) -> None:
        first, last = self.first(start), self.last(start + DEPLOYMENT - 1)
        d.history.append(PastDeployment(posting, first, last))
        d.busy.append((first, last))
        d.free_from = max(d.free_from, start + DEPLOYMENT + self.rest)

    def make_history(self) -> None:
        """The outgoing rotation, some officers still in place, and older tours."""
        rng = self.rng
        by_country = self._by_focus(self.officers)
        used: set[str] = set()
        for p in self.postings:
            if (p.id, 0) not in self.minimum:
                continue
            low = self.minimum[p.id, 0]
            slack = _slack(low)
            bucket = by_country[self.country_of[p.id].code]
            # Outgoing rotation, back home one to three months before the horizon opens.
            for d in _take(rng, bucket, used, round(low * 0.8)):
                self._tour(d, p.id, -DEPLOYMENT - rng.randint(0, 2))
            # Still in place when the horizon opens (their coverage uses the slack above min).
            for d in _take(rng, bucket, used, rng.randint(0, slack)):
                self._tour(d, p.id, -rng.randint(1, DEPLOYMENT - 1))
        # Older tours, up to three years back, at most one a year per officer.
        postings = [p for p in self.postings if (p.id, 0) in self.minimum]
        weights = [self.weight[p.id] for p in postings]
        if self.family.returning:
            # The pool mostly back from a tour that ended one to three months before the
            # horizon (the outgoing rotation included), at a posting of their own country:
            # rest keeps them home at first.
            for p in postings:
                bucket = by_country[self.country_of[p.id].code]
                share = self.family.returning * self.weight[p.id] / sum(weights)
                extra = round(len(self.officers) * share) - round(self.minimum[p.id, 0] * 0.8)
                for d in _take(rng, bucket, used, extra):
                    self._tour(d, p.id, -DEPLOYMENT - rng.randint(0, 2))
        for start in range(-36, -11, 6):
            for d in rng.sample(self.officers, round(len(self.officers) * 0.08)):
                if any(abs(self._month(h.start) - start) < 12 for h in d.history):
                    continue
                shifted = start + rng.randint(0, 2) if start < -12 else start
                p = rng.choices(postings, weights=weights)[0]
                self._tour(d, p.id, shifted)
        for d in self.officers:
            d.history.sort(key=lambda h: h.start)
            d.busy.sort()

    def _month(self, day: date) -> int:
        return (day.year - HORIZON_START.year) * 12 + day.month - HORIZON_START.month

    def _by_focus(self, officers: list[_Draft]) -> dict[str, list[_Draft]]:
        out: dict[str, list[_Draft]] = {c.code: [] for c in self.countries}
        for d in officers:
            for c in d.focus:
                out[c].append(d)
        return out

    # -- the witness --------------------------------------------------------------------------
    def make_witness(self) -> None:
        rng = self.rng
        order = list(self.postings)
        for b in range(self.blocks):
            s = b * DEPLOYMENT
            free = [d for d in self.officers
                    if (self.cap is None or len(d.blocks) < self.cap) and b - 1 not in d.blocks
                    and d.free_from <= s]
            rng.shuffle(free)
            free.sort(key=lambda d: len(d.blocks))
            buckets = self._by_focus(free)
            taken: set[str] = set()
            rng.shuffle(order)
            for p in order:
                need = self.minimum.get((p.id, b), 0)
                if not need:
                    continue
                chosen: list[_Draft] = []
                home = buckets[self.country_of[p.id].code]
                for _, count, counts in _mix(p):
                    while sum(1 for d in chosen if counts(d)) < count:
                        d = self._choose(p, s, home, free, taken, counts)
                        if d is None and not self.family.fully_met:
                            break  # the mix is short here, as the family means it to be
                        if d is None:  # nobody free holds it: the pool gains one who does
                            d = self._choose(p, s, home, free, taken, lambda _: True)
                            if d is None:
                                raise RuntimeError(f"pool exhausted at {p.id}, block {b}")
                            _grant_skill(d, counts, p)
                        chosen.append(d)
                        taken.add(d.id)
                while len(chosen) < need:
                    d = self._choose(p, s, home, free, taken, lambda _: True)
                    if d is None:
                        break
                    chosen.append(d)
                    taken.add(d.id)
                if len(chosen) < need and self.family.fully_met:
                    # The pool cannot give more here: the minimum is what the witness met, so
                    # the case stays fully staffable (never seen in the base family).
                    self.minimum[p.id, b] = max(1, len(chosen))
                for d in chosen:
                    self._assign(d, p, s)

    def _choose(self, p: Posting, s: int, home: list[_Draft], free: list[_Draft],
                taken: set[str], counts: Callable[[_Draft], bool]) -> _Draft | None:
        """First qualified candidate (home country first, least used first), else the best."""
        first, last = self.first(s), self.last(s + DEPLOYMENT - 1)
        needs = requirements(p)
        best: tuple[int, _Draft] | None = None
        seen = 0
        for d in _chain(home, free):
            if d.id in taken or not counts(d):
                continue
            grade = self._grade(d, needs, first, last)[0]
            if grade == 0:
                return d
            # In the bottleneck nobody gains a certificate or a seat the pool lacks.
            limit = 2 if self.family.bottleneck else 4
            if grade < limit and (best is None or grade < best[0]):
                best = (grade, d)
            seen += 1
            if seen >= 60 and best is not None:
                break
        return best[1] if best else None

    def _grade(self, d: _Draft, needs: Iterable[Requirement], first: date, last: date
               ) -> tuple[int, list[_Action]]:
        """0 qualified, 1 trainable with a free seat, 2 records can be filled in before the
        horizon, 3 trainable with one more seat, 4 impossible; with the actions that make it so."""
        grade = 0
        actions: list[_Action] = []
        planned: list[Session] = []
        action: _Action
        for need in needs:
            if d.meets(need, first, last):
                continue
            session = self._session(d, need, first, last, planned, seat=True)
            if session is not None:
                grade, action = max(grade, 1), ("train", session)
            elif (record := self._record(need, first, last)) is not None:
                grade, action = max(grade, 2), ("record", record)
            elif (session := self._session(d, need, first, last, planned, False)) is not None:
                grade, action = max(grade, 3), ("train", session)
            else:
                return 4, []
            if isinstance(action[1], Session):
                planned.append(action[1])
            actions.append(action)
        return grade, actions

    def _session(self, d: _Draft, need: Requirement, first: date, last: date,
                 planned: list[Session], seat: bool) -> Session | None:
        latest = first - timedelta(days=LEAD_DAYS)
        options = self.granting.get(need)
        if options is None:
            options = [q for q in self.latest_first
                       if need.granted_by(self.course_by_id[q.course])]
            self.granting[need] = options
        for q in options:
            if q.end > latest:
                continue
            grant = self.grants.get(q.id)
            if grant is None:
                grant = self.grants[q.id] = q.grants(self.course_by_id[q.course])
            completion, certificate = grant
            ok = (completion.counts_for(first, last) if need.course
                  else certificate is not None and certificate.covers(first, last))
            if not ok:
                return None  # earlier sessions expire earlier still
            if seat and self.seats[q.id] <= self._taken(q.id):
                continue
            if d.is_free(q.start, q.end) and all(
                q.end < o.start or o.end < q.start for o in planned
            ):
                return q
        return None

    def _taken(self, session: str) -> int:
        return self.taken.get(session, 0)

    def _record(self, need: Requirement, first: date, last: date
                ) -> Credential | CourseCompletion | None:
        """A record dated before the horizon that meets ``need`` for the deployment, if any."""
        rng, h = self.rng, HORIZON_START
        if not need.course:
            lo, hi = max(_shift(h, -30), _shift(last, -36) + timedelta(days=1)), min(first, h)
            if lo <= hi:
                start = _day(rng, lo, hi)
                return Credential(need.credential, need.level, start,
                                           _shift(start, 36) - timedelta(days=1))
            return Credential(need.credential, need.level, _day(rng, _shift(h, -30), h))
        course = self.course_by_id[need.course]
        lo = _shift(h, -30)
        if course.validity_months is not None:
            lo = max(lo, _shift(last, -course.validity_months) + timedelta(days=1))
        hi = min(first, h) - timedelta(days=1)
        if lo > hi:
            return None
        done = _day(rng, lo, hi)
        expires = (_shift(done, course.validity_months)
                   if course.validity_months is not None else None)
        if expires is not None and expires <= last:
            return None
        return CourseCompletion(course.id, done, expires)

    def _assign(self, d: _Draft, p: Posting, s: int) -> None:
        first, last = self.first(s), self.last(s + DEPLOYMENT - 1)
        grade, actions = self._grade(d, requirements(p), first, last)
        if grade == 4:
            raise RuntimeError(f"{d.id} cannot serve at {p.id} from {first}")
        for kind, what in actions:
            if isinstance(what, Session):
                if self._taken(what.id) >= self.seats[what.id]:
                    self.seats[what.id] += 1
                self.enrolments.append(Enrolment(d.id, what.course, what.id, what.start,
                                                 what.end))
                self.taken[what.id] = self.taken.get(what.id, 0) + 1
                d.busy.append((what.start, what.end))
            elif isinstance(what, Credential):
                d.certificates.append(what)
            elif isinstance(what, CourseCompletion):
                d.courses.append(what)
            else:  # pragma: no cover
                raise AssertionError(kind)
        self.deployments.append(Deployment(d.id, p.id, first, last))
        d.busy.append((first, last))
        d.blocks.append(s // DEPLOYMENT)

    # -- leave and preferences ----------------------------------------------------------------
    def make_leave(self) -> None:
        if self.family.heavy_leave:
            self._heavy_leave()
            return
        rng = self.rng
        lo, hi = HORIZON_START - timedelta(days=30), self.last(self.size.months - 1)
        weights = [w for *_, w in ABSENCES]
        for d in self.officers:
            for _ in range(2 if rng.random() < 0.05 else 1 if rng.random() < 0.25 else 0):
                reason, shortest, longest, _ = rng.choices(ABSENCES, weights=weights)[0]
                length = rng.randint(shortest, longest)
                for _attempt in range(30):
                    start = _day(rng, lo, hi)
                    end = start + timedelta(days=length - 1)
                    if d.is_free(start, end):
                        d.absences.append(Unavailability(start, end, reason))
                        d.busy.append((start, end))
                        break
            d.absences.sort(key=lambda u: u.start)

    def _heavy_leave(self) -> None:
        """Leave for four officers in five, one to three windows each, every window ending on
        the 1st of a month or starting on a month's last day (a day's overlap with a tour
        forbids it), drawn around the witness's duties."""
        rng = self.rng
        weights = [w for *_, w in ABSENCES]
        for d in self.officers:
            windows = rng.choice((1, 1, 2, 3)) if rng.random() < 0.8 else 0
            for _ in range(windows):
                reason, shortest, longest, _ = rng.choices(ABSENCES, weights=weights)[0]
                length = rng.randint(shortest, min(longest, 120))
                for _attempt in range(30):
                    t = rng.randint(-1, self.size.months - 1)
                    if rng.random() < 0.5:
                        end = self.first(t + 1)  # ends on the 1st of a month
                        start = end - timedelta(days=length - 1)
                    else:
                        start = self.last(t)  # starts on the last day of a month
                        end = start + timedelta(days=length - 1)
                    if d.is_free(start, end):
                        d.absences.append(Unavailability(start, end, reason))
                        d.busy.append((start, end))
                        break
            d.absences.sort(key=lambda u: u.start)

    def make_preferences(self) -> None:
        rng = self.rng
        by_country: dict[str, list[Posting]] = {}
        for p in self.postings:
            by_country.setdefault(self.country_of[p.id].code, []).append(p)
        for d in self.officers:
            if rng.random() >= 0.65:
                continue
            options = list(by_country[d.focus[0]])
            if len(d.focus) > 1:
                options += by_country[d.focus[1]][:2]
            k = min(len(options), rng.choice((1, 1, 2, 2, 3)))
            d.preferences = [p.id for p in rng.sample(options, k)]

    # -- the instance -------------------------------------------------------------------------
    def instance(self) -> Instance:
        demands = []
        for p in self.postings:
            run: tuple[int, int, int] | None = None  # first block, last block, minimum
            for b in range(self.blocks + 1):
                n = self.minimum.get((p.id, b), 0) if b < self.blocks else -1
                if run is not None and n == run[2]:
                    run = (run[0], b, n)
                    continue
                if run is not None and run[2] > 0:
                    demands.append(Demand(p.id, self.first(run[0] * DEPLOYMENT),
                                          self.first(run[1] * DEPLOYMENT + DEPLOYMENT - 1),
                                          run[2], run[2] + _slack(run[2])))
                run = (b, b, n)
        sessions = tuple(
            Session(q.id, q.course, q.start, q.end, q.location, self.seats[q.id])
            for q in self.sessions
        )
        size = self.size
        return Instance(
            name=f"Benchmark {size.name} (seed {self.seed}): {size.officers} officers, "
                 f"{size.postings} postings, {size.months} months",
            rules=self.rules,
            officers=tuple(d.freeze() for d in self.officers),
            postings=tuple(self.postings),
            demands=tuple(demands),
            courses=tuple(self.courses),
            sessions=sessions,
            solver=SolverSettings(time_limit=size.time_limit, seed=0, workers=1),
        )


def _slack(minimum: int) -> int:
    """How far above its minimum a posting may go: a quarter, at least one officer."""
    return max(1, math.ceil(minimum / 4))


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    out = [math.floor(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[: total - sum(out)]:
        out[i] += 1
    return out


def _country_shares(b: _Builder) -> dict[str, float]:
    weights: dict[str, float] = {}
    for p in b.postings:
        code = b.country_of[p.id].code
        weights[code] = weights.get(code, 0.0) + b.weight[p.id]
    total = sum(weights.values())
    return {c: w / total for c, w in weights.items()}


def _take(rng: random.Random, pool: list[_Draft], used: set[str], n: int) -> list[_Draft]:
    out: list[_Draft] = []
    for d in rng.sample(pool, len(pool)):
        if len(out) >= n:
            break
        if d.id not in used:
            used.add(d.id)
            out.append(d)
    return out


def _chain(first: list[_Draft], then: list[_Draft]) -> Iterable[_Draft]:
    yield from first
    yield from then


def _holds(specialty: str) -> Callable[[_Draft], bool]:
    return lambda d: specialty in d.specialties


def _mix(p: Posting) -> list[tuple[str, int, Callable[[_Draft], bool]]]:
    out: list[tuple[str, int, Callable[[_Draft], bool]]] = []
    if p.min_supervisors:
        out.append(("supervisors", p.min_supervisors, lambda d: d.rank in SUPERVISOR_RANKS))
    for specialty, count in p.min_specialists:
        out.append((specialty, count, _holds(specialty)))
    return out


def _grant_skill(d: _Draft, counts: Callable[[_Draft], bool], p: Posting) -> None:
    """Make ``d`` count toward a mix requirement nobody free could meet."""
    if not counts(d):
        for specialty, _ in p.min_specialists:
            d.specialties.add(specialty)
            if counts(d):
                return
            d.specialties.discard(specialty)
        d.rank = RANKS[RANKS.index("inspector")]


# ---------------------------------------------------------------------------------------------
# Public API


def generate_case(size: str, seed: int = 0) -> Case:
    """The instance of ``size`` ("S", "C", "M" or "L", or ``FAMILY/SIZE``) for ``seed``, with
    its witness plan."""
    family, spec = split_name(size)
    return _Builder(spec, seed, family).build()


def generate(size: str, seed: int = 0) -> Instance:
    """The benchmark instance of ``size`` ("S", "C", "M" or "L", or ``FAMILY/SIZE``) for
    ``seed``."""
    return generate_case(size, seed).instance


# ---------------------------------------------------------------------------------------------
# Writing a case folder (docs/input.md)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (set, frozenset)):
        return ";".join(sorted(str(v) for v in value))
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return str(value)


def _write(path: Path, header: list[str], rows: Iterable[Iterable[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v) for v in row])


def write_case(inst: Instance, out: Path) -> None:
    """Write ``inst`` as a case folder that ``rotation.io.load_case`` reads back equal."""
    out.mkdir(parents=True, exist_ok=True)
    r, s = inst.rules, inst.solver
    month = f"{r.start:%Y-%m}"
    toml = [
        f'name = "{inst.name}"', "", "[horizon]", f'start = "{month}"', f"months = {r.months}",
        *(["allow_past_end = true"] if r.allow_past_end else []),
        "", "[deployment]", f"months = {r.deployment_months}",
        f"min_rest_months = {r.min_rest_months}",
    ]
    if r.max_deployments is not None:
        toml.append(f"max_per_officer = {r.max_deployments}")
    toml += [
        "", "[fairness]", f"target_hardship_months = {r.fairness_target}",
        f"lookback_months = {r.fairness_lookback_months}", "", "[training]",
        f"min_days_before_deployment = {r.training_lead_days}", "", "[weights]",
        f"unmet_demand = {r.weights.unmet_demand}", f"fairness = {r.weights.fairness}",
        f"preference = {r.weights.preference}", f"training = {r.weights.training}", "",
        "[solver]", f"time_limit = {s.time_limit:g}", f"seed = {s.seed}",
        f"workers = {s.workers}",
    ]
    if s.work_limit is not None:
        toml.append(f"work_limit = {s.work_limit:g}")
    (out / "rules.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")
    o = inst.officers
    _write(out / "officers.csv", ["id", "name", "rank", "specialties", "home_unit",
                                  "preferences"],
           ([x.id, x.name, x.rank, x.specialties, x.home_unit, x.preferences] for x in o))
    _write(out / "postings.csv", ["id", "name", "timezone", "hardship", "min_khmer_level",
                                  "required_courses", "min_supervisors", "min_specialists"],
           ([p.id, p.name, p.timezone, p.hardship, p.min_khmer_level, p.required_courses,
             p.min_supervisors, [f"{k}:{n}" for k, n in p.min_specialists]]
            for p in inst.postings))
    _write(out / "demand.csv", ["posting", "from", "to", "min", "max"],
           ([d.posting, f"{d.first:%Y-%m}", f"{d.last:%Y-%m}", d.minimum, d.maximum]
            for d in inst.demands))
    _write(out / "courses.csv", ["id", "name", "grants_language", "grants_level",
                                 "validity_months"],
           ([c.id, c.name, c.grants_credential, c.grants_level or "", c.validity_months]
            for c in inst.courses))
    _write(out / "sessions.csv", ["id", "course", "start", "end", "seats", "location"],
           ([q.id, q.course, q.start, q.end, q.seats, q.location] for q in inst.sessions))
    _write(out / "certificates.csv", ["officer", "language", "level", "valid_from",
                                      "valid_until"],
           ([x.id, c.name, c.level, c.valid_from, c.valid_until]
            for x in o for c in x.certificates))
    _write(out / "completed_courses.csv", ["officer", "course", "completed_on", "expires_on"],
           ([x.id, c.course, c.completed_on, c.expires_on] for x in o for c in x.courses))
    _write(out / "unavailability.csv", ["officer", "from", "to", "reason"],
           ([x.id, u.start, u.end, u.reason] for x in o for u in x.unavailability))
    _write(out / "history.csv", ["officer", "posting", "start", "end"],
           ([x.id, h.posting, h.start, h.end] for x in o for h in x.history))


def describe(case: Case) -> str:
    """A few lines on what was generated, for the command line."""
    inst = case.instance
    months = inst.rules.months
    need = sum(inst.demand(p.id, t)[0] for p in inst.postings for t in range(months))
    capacity = len(inst.officers) * min(
        (inst.rules.max_deployments or months) * inst.rules.deployment_months,
        months * inst.rules.deployment_months
        / (inst.rules.deployment_months + inst.rules.min_rest_months),
    )
    unmet = validate(inst, case.witness).unmet
    trained = len({e.officer for e in case.witness.enrolments})
    return (
        f"{inst.name}\n"
        f"  demand {need} officer-months = {need / capacity:.0%} of capacity {capacity:.0f}; "
        f"{len(inst.demands)} demand rows\n"
        f"  {len(inst.courses)} courses, {len(inst.sessions)} sessions; "
        f"{sum(len(o.history) for o in inst.officers)} past deployments, "
        f"{sum(len(o.unavailability) for o in inst.officers)} absences\n"
        f"  witness: {len(case.witness.deployments)} deployments, "
        f"{sum(s.missing for s in unmet)} officer-months unmet, "
        f"{len(case.witness.enrolments)} enrolments ({trained} officers trained); "
        f"generated in {case.seconds:.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("size", type=size_name)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the case folder here")
    parser.add_argument("--check", action="store_true",
                        help="validate the witness plan with rotation.validate")
    args = parser.parse_args(argv)
    case = generate_case(args.size, args.seed)
    print(describe(case))
    if args.out:
        write_case(case.instance, args.out)
        print(f"  wrote {args.out}")
    if args.check:
        verdict = validate(case.instance, case.witness)
        print(f"  witness: {len(verdict.violations)} violations, {len(verdict.unmet)} unmet, "
              f"cost {verdict.cost_by_rule}")
        for v in verdict.violations[:10]:
            print(f"    {v.rule}: {v.message}")
        if not verdict.ok or (verdict.unmet and split_name(args.size)[0].fully_met):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
