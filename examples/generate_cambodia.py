"""Generate the example case ``examples/cambodia-2025/`` from a fixed seed.

Why this script exists: the Cambodia case is the project's worked example, so it has to look
like the real thing (a Korean police task force rotating officers through Phnom Penh,
Sihanoukville and two border posts) without containing anything real. Every officer, name, unit
assignment, certificate, leave and past deployment here is invented. Keeping the generator next to
the data means the case can be read, changed and rebuilt on purpose instead of edited by hand:
change a number below, run the script, and every table (and the case README) is rewritten the same
way on every machine.

The script uses only the standard library and one ``random.Random(2025)``; running it twice gives
byte-identical files.

    python examples/generate_cambodia.py            # writes examples/cambodia-2025/
    python examples/generate_cambodia.py OUT_DIR    # writes somewhere else
"""

from __future__ import annotations

import csv
import random
import sys
import textwrap
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

SEED = 2025
POOL = 120
HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "cambodia-2025"

HORIZON_START = date(2025, 11, 1)
HORIZON_MONTHS = 24

RULES_TOML = """\
name = "Korea Task Force, Cambodia 2025-2027"

[horizon]
start = "2025-11"
months = 24

[deployment]
months = 6
min_rest_months = 6

[fairness]
target_hardship_months = 18
lookback_months = 36

[training]
min_days_before_deployment = 14

[weights]
unmet_demand = 1000
fairness = 1
preference = 5
training = 2

[solver]
time_limit = 120
seed = 0
workers = 1
work_limit = 30

[calendar]
contact = "Korea Task Force planning cell, Korean National Police Agency, +82 2 0000 0000"

[output]
language = "en"   # "ko": calendars, report and workbook in Korean (or --lang ko)
"""

COURSES = [
    # id, name, grants_language, grants_level, validity_months
    ("khmer-intensive", "Intensive Khmer language", "khmer", 2, 36),
    ("cultural-sensitivity", "Cambodian cultural sensitivity", "", "", 36),
    ("digital-forensics", "Digital forensics instructor course", "", "", ""),
]

# Pre-deployment training the plan may enrol officers in: 10-week Khmer courses and one-week
# cultural-sensitivity courses, with the seats the training institutes offer.
SESSIONS = [
    # id, course, start, end, seats, location
    ("KHM-2026-01", "khmer-intensive", "2026-01-05", "2026-03-13", 6, "Police Human Resources "
     "Development Institute, Asan"),
    ("KHM-2026-06", "khmer-intensive", "2026-06-01", "2026-08-07", 6, "Police Human Resources "
     "Development Institute, Asan"),
    ("KHM-2027-01", "khmer-intensive", "2027-01-04", "2027-03-12", 4, "Police Human Resources "
     "Development Institute, Asan"),
    ("CSC-2026-02", "cultural-sensitivity", "2026-02-09", "2026-02-13", 10, "Korean National "
     "Police University, Asan"),
    ("CSC-2026-04", "cultural-sensitivity", "2026-04-13", "2026-04-17", 10, "Korean National "
     "Police University, Asan"),
    ("CSC-2026-08", "cultural-sensitivity", "2026-08-17", "2026-08-21", 10, "Korean National "
     "Police University, Asan"),
    ("CSC-2027-02", "cultural-sensitivity", "2027-02-15", "2027-02-19", 8, "Korean National "
     "Police University, Asan"),
]
PRE_DEPLOYMENT = ("khmer-intensive", "cultural-sensitivity")

POSTINGS = [
    # id, name, hardship, min_khmer_level, min_supervisors, min_specialists
    ("PNH", "Phnom Penh", 1, 2, 3,
     "voice-phishing:4;cyber:3;financial:2;forensics-trainer:1"),
    ("SHV", "Sihanoukville", 2, 2, 2, "voice-phishing:3;cyber:2"),
    ("POI", "Poipet border post", 3, 1, 1, "voice-phishing:1"),
    ("BAV", "Bavet border post", 3, 1, 1, "financial:1"),
]
# The postings' names in Korean, for calendars and reports in Korean.
POSTING_NAMES_KO = {
    "PNH": "프놈펜",
    "SHV": "시아누크빌",
    "POI": "포이펫 국경 초소",
    "BAV": "바벳 국경 초소",
}

DEMAND = [
    # posting, from, to, min, max; headcount grows in the second year
    ("PNH", "2025-11", "2026-10", 20, 24),
    ("PNH", "2026-11", "2027-10", 22, 26),
    ("SHV", "2025-11", "2026-10", 14, 16),
    ("SHV", "2026-11", "2027-10", 16, 18),
    ("POI", "2025-11", "2026-10", 7, 9),
    ("POI", "2026-11", "2027-10", 8, 10),
    ("BAV", "2025-11", "2027-10", 6, 8),
]

# Ranks, junior to senior, with how many of the pool hold each. Inspector and above supervise.
RANK_COUNTS = [
    ("officer", 16),
    ("senior-officer", 30),
    ("sergeant", 44),
    ("inspector", 19),
    ("senior-inspector", 8),
    ("superintendent", 3),
]
SUPERVISORS = {"inspector", "senior-inspector", "superintendent", "senior-superintendent"}

# Primary specialty of each officer (16 have none), then second specialties for 20 of them.
PRIMARY = [("voice-phishing", 40), ("cyber", 28), ("financial", 26), ("forensics-trainer", 10)]
SECONDARY = [
    # specialty added, how many, primary specialties it may be added to
    ("voice-phishing", 8, ("cyber", "financial")),
    ("cyber", 8, ("voice-phishing", "financial", "forensics-trainer")),
    ("financial", 4, ("voice-phishing", "cyber")),
]

# Khmer certificate levels among the officers who hold one (12 of the pool hold none).
NO_KHMER = 11
KHMER_LEVELS = [(1, 16), (2, 47), (3, 34), (4, 12)]

SURNAMES = [
    ("Kim", 22), ("Lee", 15), ("Park", 9), ("Choi", 5), ("Jung", 5), ("Kang", 3), ("Cho", 3),
    ("Yoon", 3), ("Jang", 2), ("Lim", 2), ("Han", 2), ("Oh", 2), ("Seo", 2), ("Shin", 2),
    ("Kwon", 2), ("Hwang", 2), ("Ahn", 2), ("Song", 2), ("Yoo", 1), ("Hong", 1), ("Jeon", 1),
    ("Ko", 1), ("Moon", 1), ("Yang", 1), ("Son", 1), ("Bae", 1), ("Baek", 1), ("Heo", 1),
    ("Nam", 1), ("Noh", 1), ("Ha", 1), ("Kwak", 1), ("Sung", 1), ("Cha", 1), ("Woo", 1),
]
GIVEN_NAMES = [
    "Min-jun", "Seo-jun", "Do-yun", "Ye-jun", "Si-woo", "Ha-jun", "Ji-ho", "Jun-seo", "Hyun-woo",
    "Ji-hoon", "Dong-hyun", "Jae-won", "Sung-min", "Jin-woo", "Tae-yang", "Woo-jin", "Seung-hyun",
    "Jun-young", "Sang-woo", "Young-ho", "Kyung-soo", "Jong-hoon", "Hyuk", "Dae-sung", "Min-seok",
    "Chan-woo", "Ki-tae", "Yong-jun", "Byung-chul", "Jae-hyun", "Seo-yeon", "Ji-woo", "Su-bin",
    "Ha-eun", "Min-ji", "Ji-won", "Eun-ji", "Soo-jin", "Hye-jin", "Yoon-ah", "Da-eun", "Ye-rin",
    "Na-yeon", "Ji-hye", "Mi-kyung", "Sun-hee", "Hae-won", "So-yeon", "Eun-bi", "Ga-young",
]

AGENCIES = [
    ("Seoul Metropolitan Police Agency", 34),
    ("Gyeonggi Nambu Provincial Police Agency", 15),
    ("Busan Metropolitan Police Agency", 12),
    ("Korean National Police Agency", 10),
    ("Incheon Metropolitan Police Agency", 8),
    ("Gyeonggi Bukbu Provincial Police Agency", 6),
    ("Daegu Metropolitan Police Agency", 6),
    ("Gwangju Metropolitan Police Agency", 4),
    ("Daejeon Metropolitan Police Agency", 4),
]
DIVISIONS = {
    "voice-phishing": ["Telecom Fraud Investigation Unit"],
    "cyber": ["Cyber Investigation Division"],
    "financial": ["Financial Crime Investigation Unit"],
    "forensics-trainer": ["Digital Forensics Center"],
    None: [
        "International Cooperation Division",
        "Foreign Affairs Division",
        "Criminal Investigation Division",
        "Anti-Organized Crime Unit",
    ],
}

# Course cohorts that finished before the horizon (all strictly before 2025-11-01).
KHMER_COHORTS = [date(2025, 8, 22), date(2025, 9, 26), date(2025, 10, 24)]
CULTURE_COHORTS = [date(2025, 8, 29), date(2025, 10, 2), date(2025, 10, 30)]
ADVANCE_KHMER = date(2025, 6, 20)
ADVANCE_CULTURE = date(2025, 6, 27)

ADVANCE_START, ADVANCE_END = date(2025, 8, 1), date(2026, 1, 31)


# ---------------------------------------------------------------------------------------------
# Small helpers


def expand(counts: list[tuple[object, int]]) -> list[object]:
    return [value for value, n in counts for _ in range(n)]


def years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def weighted(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in items], weights=[w for _, w in items])[0]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else str(v) for v in row])


# ---------------------------------------------------------------------------------------------
# The pool


def make_officers(rng: random.Random) -> list[dict]:
    ids = [f"K-{i:04d}" for i in range(1, POOL + 1)]
    officers = [{"id": i} for i in ids]

    names: set[str] = set()
    for o in officers:
        while True:
            name = f"{weighted(rng, SURNAMES)} {rng.choice(GIVEN_NAMES)}"
            if name not in names:
                break
        names.add(name)
        o["name"] = name

    ranks = expand(RANK_COUNTS)
    rng.shuffle(ranks)
    for o, rank in zip(officers, ranks, strict=True):
        o["rank"] = rank

    primaries = expand(PRIMARY) + [None] * (POOL - sum(n for _, n in PRIMARY))
    rng.shuffle(primaries)
    for o, primary in zip(officers, primaries, strict=True):
        o["primary"] = primary
        o["specialties"] = [primary] if primary else []
    for specialty, count, onto in SECONDARY:
        candidates = [o for o in officers if o["primary"] in onto and len(o["specialties"]) == 1]
        if specialty == "cyber":  # forensics trainers first: most come from cyber units
            candidates.sort(key=lambda o: o["primary"] != "forensics-trainer")
            chosen = candidates[:4] + rng.sample(candidates[4:], count - 4)
        else:
            chosen = rng.sample(candidates, count)
        for o in chosen:
            o["specialties"].append(specialty)

    for o in officers:
        agency = weighted(rng, AGENCIES)
        division = rng.choice(DIVISIONS[o["primary"]])
        o["home_unit"] = f"{agency}, {division}"
    return officers


def is_supervisor(o: dict) -> bool:
    return o["rank"] in SUPERVISORS


def assign_roles(rng: random.Random, officers: list[dict]) -> dict[str, list[dict]]:
    """Pick who is still untrained, who went ahead in August, who served before."""
    juniors = [o for o in officers if o["rank"] in ("officer", "senior-officer")
               and o["primary"] != "forensics-trainer"]
    # Newcomers to the pool: no Khmer certificate yet. Ten of them have not done the
    # pre-deployment courses either; one finished the courses but not the exam.
    no_khmer = rng.sample(juniors, NO_KHMER - 1)
    no_khmer.append(rng.choice([o for o in officers if o["rank"] == "sergeant"
                                and o["primary"] != "forensics-trainer"]))
    untrained = no_khmer[:10]
    taken = {o["id"] for o in no_khmer}

    # Certified but one course short: two missed the cultural course, one the Khmer course.
    rest = [o for o in officers if o["id"] not in taken and o["primary"] != "forensics-trainer"
            and o["rank"] != "superintendent"]
    short = rng.sample(rest, 3)
    taken |= {o["id"] for o in short}

    def pick(pred, n: int) -> list[dict]:
        pool = [o for o in officers if o["id"] not in taken and pred(o)]
        chosen = rng.sample(pool, n)
        taken.update(o["id"] for o in chosen)
        return chosen

    # The advance team in Phnom Penh since August: two supervisors and the skills PNH needs most.
    advance = (
        pick(lambda o: is_supervisor(o) and "voice-phishing" in o["specialties"], 1)
        + pick(lambda o: is_supervisor(o) and "cyber" in o["specialties"], 1)
        + pick(lambda o: o["primary"] == "forensics-trainer", 1)
        + pick(lambda o: not is_supervisor(o) and o["primary"] == "voice-phishing", 1)
        + pick(lambda o: not is_supervisor(o) and o["primary"] == "financial", 1)
        + pick(lambda o: not is_supervisor(o) and o["primary"] == "cyber", 1)
    )
    veterans = pick(lambda o: o["rank"] not in ("officer",), 10)
    expiring = pick(lambda o: True, 3)
    return {
        "no_khmer": no_khmer,
        "untrained": untrained,
        "short": short,
        "advance": advance,
        "veterans": veterans,
        "expiring": expiring,
    }


def assign_khmer(rng: random.Random, officers: list[dict], roles: dict[str, list[dict]]) -> None:
    no_khmer = {o["id"] for o in roles["no_khmer"]}
    holders = [o for o in officers if o["id"] not in no_khmer]
    levels = expand(KHMER_LEVELS)
    assert len(levels) == len(holders), (len(levels), len(holders))
    rng.shuffle(levels)
    for o, level in zip(holders, levels, strict=True):
        o["khmer"] = level
    for o in officers:
        o.setdefault("khmer", 0)
    # Trainers, the advance team and veterans served (or teach) in Phnom Penh: level 2 at least.
    need = [o for o in holders if o["primary"] == "forensics-trainer"]
    need += roles["advance"] + roles["veterans"]
    must = {o["id"] for o in need}
    for o in need:
        if o["khmer"] < 2:
            swap = rng.choice([h for h in holders if h["khmer"] >= 2 and h["id"] not in must])
            o["khmer"], swap["khmer"] = swap["khmer"], o["khmer"]


# ---------------------------------------------------------------------------------------------
# Tables


def certificates(rng: random.Random, officers: list[dict], roles) -> list[list[object]]:
    rows: list[list[object]] = []
    expiring = {o["id"]: until for o, until in zip(
        roles["expiring"],
        [date(2026, 4, 30), date(2026, 6, 30), date(2026, 8, 31)],
        strict=True,
    )}
    holders = [o for o in officers if o["khmer"] > 0 and o["id"] not in expiring]
    # A few passed the exam only after the horizon opened; a few hold two-year certificates.
    late = {o["id"] for o in rng.sample(holders, 3)}
    two_year = {o["id"] for o in rng.sample([h for h in holders if h["id"] not in late], 3)}
    for o in officers:
        if o["khmer"] > 0:
            if o["id"] in expiring:
                until = expiring[o["id"]]
                start = date(until.year - 2, until.month, 1)
            elif o["id"] in late:
                start = random_day(rng, date(2025, 11, 10), date(2025, 12, 19))
                until = years_later(start, 3) - timedelta(days=1)
            else:
                start = random_day(rng, date(2025, 1, 13), date(2025, 10, 24))
                until = years_later(start, 2 if o["id"] in two_year else 3) - timedelta(days=1)
            rows.append([o["id"], "khmer", o["khmer"], start, until])
        if rng.random() < 0.3:
            start = random_day(rng, date(2023, 3, 1), date(2025, 9, 30))
            until = years_later(start, 2) - timedelta(days=1)
            rows.append([o["id"], "english", rng.choice([2, 3, 3, 4, 4, 5]), start, until])
    return rows


def completed_courses(rng: random.Random, officers: list[dict], roles) -> list[list[object]]:
    untrained = {o["id"] for o in roles["untrained"]}
    short = roles["short"]
    missing = {short[0]["id"]: "khmer-intensive"}
    missing.update({o["id"]: "cultural-sensitivity" for o in short[1:]})
    advance = {o["id"] for o in roles["advance"]}
    rows: list[list[object]] = []
    for o in officers:
        if o["id"] not in untrained:
            for course, cohorts, early in (
                ("khmer-intensive", KHMER_COHORTS, ADVANCE_KHMER),
                ("cultural-sensitivity", CULTURE_COHORTS, ADVANCE_CULTURE),
            ):
                if missing.get(o["id"]) == course:
                    continue
                done = early if o["id"] in advance else rng.choice(cohorts)
                rows.append([o["id"], course, done, years_later(done, 3)])
        if o["primary"] == "forensics-trainer":
            done = random_day(rng, date(2021, 3, 1), date(2025, 6, 30))
            rows.append([o["id"], "digital-forensics", done, years_later(done, 5)])
    return rows


# (reason, first day, last day) for twelve absences, from two weeks to five months.
ABSENCES = [
    ("parental leave", date(2026, 3, 2), date(2026, 7, 31)),
    ("parental leave", date(2026, 9, 1), date(2027, 1, 29)),
    ("parental leave", date(2027, 2, 1), date(2027, 5, 31)),
    ("medical leave", date(2025, 11, 3), date(2026, 1, 30)),
    ("medical leave", date(2026, 5, 11), date(2026, 6, 19)),
    ("medical leave", date(2027, 3, 15), date(2027, 4, 30)),
    ("court testimony", date(2026, 2, 9), date(2026, 2, 20)),
    ("court testimony", date(2026, 10, 12), date(2026, 10, 23)),
    ("court testimony", date(2027, 6, 14), date(2027, 6, 25)),
    ("promotion exam", date(2026, 1, 5), date(2026, 1, 30)),
    ("promotion exam", date(2027, 1, 4), date(2027, 1, 29)),
    ("course at home", date(2026, 4, 6), date(2026, 4, 24)),
]


def unavailability(rng: random.Random, officers: list[dict], roles) -> list[list[object]]:
    special = {o["id"] for group in ("advance", "veterans", "expiring") for o in roles[group]}
    ineligible = {o["id"] for o in roles["no_khmer"] + roles["short"]}
    eligible = [o for o in officers if o["id"] not in special | ineligible]
    chosen = rng.sample(eligible, len(ABSENCES) - 2) + rng.sample(
        [o for o in officers if o["id"] in ineligible], 2
    )
    rng.shuffle(chosen)
    rows = [[o["id"], start, end, reason]
            for o, (reason, start, end) in zip(chosen, ABSENCES, strict=True)]
    return sorted(rows, key=lambda r: (r[0], r[1]))


def history(rng: random.Random, roles) -> list[list[object]]:
    rows: list[list[object]] = []
    for o in roles["advance"]:
        rows.append([o["id"], "PNH", ADVANCE_START, ADVANCE_END])
    # Earlier rotations: (start year, start month) of six-month tours, most recent last.
    tours = [
        [(2025, 1)], [(2025, 2)], [(2025, 3)],        # back in Jun-Aug 2025: rest binds early
        [(2024, 9)], [(2024, 5)], [(2023, 10), (2024, 10)],
        [(2024, 2)], [(2023, 6)], [(2023, 4), (2024, 4)], [(2023, 9)],
    ]
    for o, starts in zip(roles["veterans"], tours, strict=True):
        for year, month in starts:
            posting = rng.choice(["PNH", "PNH", "SHV"])
            end_total = year * 12 + month - 1 + 5
            end = month_end(end_total // 12, end_total % 12 + 1)
            rows.append([o["id"], posting, date(year, month, 1), end])
    return sorted(rows, key=lambda r: (r[0], r[2]))


def preferences(rng: random.Random, officers: list[dict]) -> None:
    chosen = {o["id"] for o in rng.sample(officers, round(POOL * 0.6))}
    for o in officers:
        o["preferences"] = []
        if o["id"] not in chosen:
            continue
        if o["khmer"] == 1:
            options = [("POI", 5), ("BAV", 5), ("PNH", 2)]
        else:
            options = [("PNH", 10), ("SHV", 6), ("POI", 2), ("BAV", 2)]
        first = weighted(rng, options)
        prefs = [first]
        if rng.random() < 0.4:
            prefs.append(weighted(rng, [x for x in options if x[0] != first]))
        o["preferences"] = prefs


# ---------------------------------------------------------------------------------------------
# README


def monthly_demand() -> list[tuple[int, int]]:
    """(sum of minimums, sum of maximums) over all postings, for each month of the horizon."""
    out = []
    for t in range(HORIZON_MONTHS):
        total = HORIZON_START.year * 12 + HORIZON_START.month - 1 + t
        label = f"{total // 12:04d}-{total % 12 + 1:02d}"
        rows = [(lo, hi) for _, first, last, lo, hi in DEMAND if first <= label <= last]
        out.append((sum(lo for lo, _ in rows), sum(hi for _, hi in rows)))
    return out


def ids(group: list[dict]) -> str:
    return ", ".join(sorted(o["id"] for o in group))


def para(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=96, break_on_hyphens=False)


def bullets(*items: str) -> str:
    return "\n".join(
        textwrap.fill(" ".join(i.split()), width=96, initial_indent="- ", subsequent_indent="  ",
                      break_on_hyphens=False)
        for i in items
    )


def readme(officers: list[dict], roles, absences: list[list[object]]) -> str:
    sup = sum(is_supervisor(o) for o in officers)
    spec = Counter(s for o in officers for s in o["specialties"])
    two = sum(len(o["specialties"]) == 2 for o in officers)
    none = sum(not o["specialties"] for o in officers)
    levels = Counter(o["khmer"] for o in officers)
    with_prefs = sum(bool(o["preferences"]) for o in officers)
    demand = monthly_demand()
    lows = sorted({lo for lo, _ in demand})
    highs = sorted({hi for _, hi in demand})
    advance_months = 3 * len(roles["advance"])  # Nov 2025 - Jan 2026 at PNH
    officer_months = sum(lo for lo, _ in demand) - advance_months
    short = roles["short"]
    ineligible = len(roles["no_khmer"]) + len(short)
    reasons = Counter(r[3] for r in absences)
    absence_list = ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items()))
    sections = [
        "# Korea Task Force, Cambodia 2025-2027 (synthetic example)",
        para(f"""Generated by `examples/generate_cambodia.py` (seed {SEED}). Edit the script and
             rerun it rather than editing these files by hand."""),
        para("""**Every person in this case is invented.** Names, service numbers, units,
             certificates, leave and past deployments are synthetic and describe no real
             officer."""),
        para("""A Korean police task force keeps investigators in Cambodia from November 2025 to
             October 2027 (24 months). Deployments last six months, with at least six months at
             home between two of them, so an officer can serve at most two deployments in the
             horizon."""),
        "## Postings and demand",
        para("""All postings are in `Asia/Phnom_Penh` and require the `khmer-intensive` and
             `cultural-sensitivity` courses."""),
        "\n".join([
            "| posting | hardship | Khmer level | supervisors | specialists | officers per month |",
            "|---|---|---|---|---|---|",
            "| PNH Phnom Penh | 1 | 2 | 3 | voice-phishing 4, cyber 3, financial 2, "
            "forensics-trainer 1 | 20-24; 22-26 from 2026-11 |",
            "| SHV Sihanoukville | 2 | 2 | 2 | voice-phishing 3, cyber 2 | "
            "14-16; 16-18 from 2026-11 |",
            "| POI Poipet border post | 3 | 1 | 1 | voice-phishing 1 | 7-9; 8-10 from 2026-11 |",
            "| BAV Bavet border post | 3 | 1 | 1 | financial 1 | 6-8 |",
        ]),
        para(f"""In all, {lows[0]} officers are needed every month ({lows[-1]} from November
             2026), and at most {highs[0]} ({highs[-1]}) can be taken. Apart from the advance
             team, that is {officer_months:,} officer-months, or about {officer_months // 6}
             deployments. No officer can give more than 12 months, so nearly every qualified
             officer has to serve twice."""),
        "## The pool",
        bullets(
            f"""{POOL} officers, K-0001 to K-{POOL:04d}. {sup} are inspectors or above
            (supervisors).""",
            f"""Specialties: voice-phishing {spec["voice-phishing"]}, cyber {spec["cyber"]},
            financial {spec["financial"]}, forensics-trainer {spec["forensics-trainer"]}. {two}
            officers hold two specialties and {none} hold none.""",
            f"""Khmer certificates: level 1: {levels[1]}, level 2: {levels[2]}, level 3:
            {levels[3]}, level 4: {levels[4]}. {levels[0]} officers hold none. Level 1 is enough
            only for the border posts.""",
            """Some officers also hold an `english` certificate. It does not affect
            eligibility.""",
            f"{with_prefs} officers named one or two preferred postings.",
        ),
        "## Who lacks what",
        para(f"{ineligible} officers cannot be planned at all:"),
        bullets(
            f"No Khmer certificate and neither course: {ids(roles['untrained'])}.",
            f"Both courses done but no Khmer certificate yet: {ids(roles['no_khmer'][10:])}.",
            f"""Certified but one course short: {short[0]["id"]} lacks `khmer-intensive`;
            {ids(short[1:])} lack `cultural-sensitivity`.""",
        ),
        para("Others can serve, but not at every time:"),
        bullets(
            f"""Khmer certificate ending in 2026, so only a deployment starting early in the plan
            fits: {ids(roles["expiring"])}.""",
            """Three officers passed the Khmer exam in November or December 2025, so they
            cannot start in November 2025.""",
            """Three hold two-year certificates that end in 2027, before the horizon does, so
            they cannot take a deployment in the last months.""",
            f"""{len(absences)} absences from two weeks to five months: {absence_list}.""",
        ),
        "## Training",
        para("""`sessions.csv` offers three 10-week intensive Khmer courses (each grants Khmer
             level 2 for 36 months) and four one-week cultural-sensitivity courses, with the
             seats the institutes can spare. A session must end at least 14 days before a
             deployment it qualifies an officer for. The growth in headcount from November 2026
             cannot be met by the officers who are qualified today: without these sessions the
             best plan leaves 11 officer-months unmet; with them, the solver trains a few of the
             officers who lack a course or a certificate and meets all demand."""),
        "## History",
        bullets(
            f"""Advance team in Phnom Penh from 2025-08-01 to 2026-01-31:
            {ids(roles["advance"])}. They count toward Phnom Penh's headcount and mix until
            January 2026. After their rest they can start again in August 2026 at the
            earliest.""",
            f"""{len(roles["veterans"])} officers served in Phnom Penh or Sihanoukville in
            2023-2025. Three came back in June-August 2025, so their rest keeps them at home for
            the first months of the plan. Their hardship months count toward the fairness
            target.""",
        ),
    ]
    return "\n\n".join(sections) + "\n"


# ---------------------------------------------------------------------------------------------


def main(out: Path) -> None:
    rng = random.Random(SEED)
    officers = make_officers(rng)
    roles = assign_roles(rng, officers)
    assign_khmer(rng, officers, roles)
    preferences(rng, officers)
    cert_rows = certificates(rng, officers, roles)
    course_rows = completed_courses(rng, officers, roles)
    absence_rows = unavailability(rng, officers, roles)
    history_rows = history(rng, roles)

    out.mkdir(parents=True, exist_ok=True)
    (out / "rules.toml").write_text(RULES_TOML, encoding="utf-8")
    write_csv(out / "officers.csv", ["id", "name", "rank", "specialties", "home_unit",
                                     "preferences"],
              [[o["id"], o["name"], o["rank"], ";".join(o["specialties"]), o["home_unit"],
                ";".join(o["preferences"])] for o in officers])
    write_csv(out / "postings.csv", ["id", "name", "timezone", "hardship", "min_khmer_level",
                                     "required_courses", "min_supervisors", "min_specialists",
                                     "name_ko"],
              [[pid, name, "Asia/Phnom_Penh", hardship, khmer, ";".join(PRE_DEPLOYMENT), sup,
                mix, POSTING_NAMES_KO[pid]] for pid, name, hardship, khmer, sup, mix in POSTINGS])
    write_csv(out / "demand.csv", ["posting", "from", "to", "min", "max"],
              [list(row) for row in DEMAND])
    write_csv(out / "courses.csv",
              ["id", "name", "grants_language", "grants_level", "validity_months"],
              [list(c) for c in COURSES])
    write_csv(out / "sessions.csv", ["id", "course", "start", "end", "seats", "location"],
              [list(q) for q in SESSIONS])
    write_csv(out / "certificates.csv",
              ["officer", "language", "level", "valid_from", "valid_until"], cert_rows)
    write_csv(out / "completed_courses.csv",
              ["officer", "course", "completed_on", "expires_on"], course_rows)
    write_csv(out / "unavailability.csv", ["officer", "from", "to", "reason"], absence_rows)
    write_csv(out / "history.csv", ["officer", "posting", "start", "end"], history_rows)
    (out / "README.md").write_text(readme(officers, roles, absence_rows), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
