"""Korean and English: the catalogue is complete and compiled, the case chooses the language, and
a language changes what people read, never which event is which."""

from __future__ import annotations

import gettext
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from constraints import RULES
from rotation.calendars.events import build_feeds, event_uid
from rotation.domain import RANKS, OutputSettings
from rotation.errors import InputError
from rotation.i18n import DOMAIN, LOCALE_DIR, texts
from rotation.io import load_case
from rotation.snapshot import input_hash, instance_from_dict, instance_to_dict
from rotation.solve.whole_model import KEPT_FIRST_PLAN
from rotation.storage import Store
from rotation.workflow import export
from tests import calendar_cases as cc
from tests.conftest import CaseMaker, add_lines, replace_line
from tests.engine_words import PARAMETERS, STATUSES, stop_reasons

ROOT = Path(__file__).resolve().parent.parent
PO = LOCALE_DIR / "ko" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")
# str.format placeholders in Python, %-style ones in the report's template (Jinja2's newstyle
# gettext).
PLACEHOLDER = re.compile(r"\{(\w*)\}|%\((\w+)\)s")


def _catalogue() -> dict[tuple[str | None, str], str]:
    with PO.open("rb") as handle:
        catalogue = read_po(handle, locale="ko")
    out = {}
    for message in catalogue:
        if message.id:
            assert "fuzzy" not in message.flags, message.id
            assert isinstance(message.id, str)
            out[message.context, message.id] = str(message.string)
    return out


def _extracted() -> set[tuple[str | None, str]]:
    """Every message the code and the templates ask for, found as `pybabel extract` finds them
    (with babel.cfg's method map)."""
    method_map = [("rotation/**.py", "python"), ("rotation/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(ROOT), method_map):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_every_message_of_the_code_has_its_korean() -> None:
    catalogue = _catalogue()
    wanted = _extracted()
    # from the calendars, the workbook and the report's template alike
    assert {(None, "{posting}: deployment"), (None, "Roster"),
            (None, "Timeline by officer")} <= wanted
    missing = sorted(str(m) for m in wanted - set(catalogue))
    assert not missing, f"run pybabel extract/update (README, Development): {missing}"
    for key, korean in catalogue.items():
        assert korean.strip(), f"{key} has no Korean"
        # A translation uses exactly the placeholders of its message, or .format() fails.
        assert set(PLACEHOLDER.findall(korean)) == set(PLACEHOLDER.findall(key[1])), key


def test_the_committed_mo_is_the_po_compiled() -> None:
    """The .mo ships in the wheel and serves an editable install; it must say what the .po
    says (`pybabel compile -d rotation/locale -D rotation` after every .po change)."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for (context, message), korean in _catalogue().items():
        got = compiled.pgettext(context, message) if context else compiled.gettext(message)
        assert got == korean, message


def test_dates_and_names_in_each_language() -> None:
    ko, en = texts("ko"), texts("en")
    assert ko.day(date(2026, 5, 1)) == "2026년 5월 1일"
    assert en.day(date(2026, 5, 1)) == "2026-05-01"
    assert ko.month(date(2026, 11, 1)) == "2026년 11월"
    assert en.month(date(2026, 11, 1)) == "2026-11"
    assert [ko.rank(r) for r in RANKS] == ["순경", "경장", "경사", "경위", "경감", "경정", "총경"]
    assert [en.rank(r) for r in RANKS] == list(RANKS)
    posting = cc.instance().posting_by_id
    assert ko.posting(posting["PNH"]) == cc.POSTINGS_KO["PNH"]
    assert ko.posting(posting["SHV"]) == cc.POSTINGS["SHV"]  # no Korean name: its name
    assert en.posting(posting["PNH"]) == cc.POSTINGS["PNH"]


def test_the_solvers_words_in_korean_and_english() -> None:
    """Status, stop reason, rule and parameter names: Korean words in Korean (no Latin letter
    left), the words the engine writes in English, as reports always showed them."""
    ko, en = texts("ko"), texts("en")
    groups = {
        "status": (ko.status, en.status, STATUSES),
        "stop reason": (ko.stop_reason, en.stop_reason, tuple(sorted(stop_reasons()))),
        "rule": (ko.rule, en.rule, tuple(r.name for r in RULES)),
        "parameter": (ko.parameter, en.parameter, PARAMETERS),
    }
    for group, (korean, english, words) in groups.items():
        for word in words:
            assert english(word) == word, (group, word)
            assert not re.search("[A-Za-z]", korean(word)), (group, word, korean(word))
        # two words never read the same (``feasible`` and ``infeasible``)
        assert len({korean(w) for w in words}) == len(words), group


def test_a_joined_or_unknown_stop_reason() -> None:
    """The engine joins two reasons with ``; ``; each part is translated on its own, and a
    reason the catalogue does not know stays in English rather than vanish."""
    ko, en = texts("ko"), texts("en")
    joined = f"time limit; {KEPT_FIRST_PLAN}"
    assert ko.stop_reason(joined) == (f"{ko.stop_reason('time limit')}; "
                                      f"{ko.stop_reason(KEPT_FIRST_PLAN)}")
    assert not re.search("[A-Za-z]", ko.stop_reason(joined))
    assert en.stop_reason(joined) == joined
    assert ko.stop_reason("gave up at dawn") == "gave up at dawn"
    assert ko.stop_reason("work limit; gave up at dawn") == (
        f"{ko.stop_reason('work limit')}; gave up at dawn")
    # the same for a status, rule or parameter a newer engine might write
    assert ko.status("proven-lucky") == "proven-lucky"
    assert ko.rule("continuity") == "continuity"
    assert ko.parameter("threads") == "threads"


def test_uids_do_not_depend_on_the_language() -> None:
    inst = cc.instance()
    secret = b"k" * 32

    def uids(language: str) -> dict[str, set[str]]:
        return {key.subject: {event_uid(secret, key.case, i.identity) for i in feed.items}
                for key, feed in build_feeds(inst, cc.ORIGINAL, language).items()}

    assert uids("ko") == uids("en")
    ko = build_feeds(inst, cc.ORIGINAL, "ko")
    en = build_feeds(inst, cc.ORIGINAL, "en")
    for key in ko:
        for a, b in zip(ko[key].items, en[key].items, strict=True):
            assert a.summary != b.summary


def test_exporting_in_the_other_language_updates_events_in_place(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    # Published in the case's language (English); Korean bodies would reach clients as updates.
    stored = cc.published(store, cc.ORIGINAL, at=cc.STAMP_1)
    export(stored, "ics", tmp_path / "en", store=store, stamp=cc.STAMP_1)
    export(stored, "ics", tmp_path / "ko", store=store, language="ko",
           stamp=datetime(2026, 2, 1, tzinfo=UTC))
    en = (tmp_path / "en" / "calendars" / "K-0001.ics").read_text(encoding="utf-8")
    ko = (tmp_path / "ko" / "calendars" / "K-0001.ics").read_text(encoding="utf-8")
    assert re.findall(r"^UID:.*$", en, re.M) == re.findall(r"^UID:.*$", ko, re.M)
    assert "SEQUENCE:1" in ko and "SEQUENCE:1" not in en
    assert "파견" in ko and "파견" not in en


def test_the_case_chooses_the_language(make_case: CaseMaker) -> None:
    folder = make_case({"rules.toml": add_lines("[output]", 'language = "ko"')})
    inst = load_case(folder)
    assert inst.output == OutputSettings("ko")
    back = instance_from_dict(instance_to_dict(inst))
    assert back.output.language == "ko"
    # how a plan reads is no part of the problem
    assert input_hash(inst) == input_hash(load_case(make_case()))


def test_an_unknown_language_names_the_file_and_key(make_case: CaseMaker) -> None:
    folder = make_case({"rules.toml": add_lines("[output]", 'language = "fr"')})
    with pytest.raises(InputError) as raised:
        load_case(folder)
    (problem,) = raised.value.problems
    assert problem.file.endswith("rules.toml") and problem.field == "output.language"
    assert "'fr'" in problem.message and "ko or en" in problem.message
    folder = make_case({"rules.toml": add_lines("[output]", "language = 1")})
    with pytest.raises(InputError) as raised:
        load_case(folder)
    assert [p.field for p in raised.value.problems] == ["output.language"]


def test_postings_may_carry_a_korean_name(make_case: CaseMaker) -> None:
    base = load_case(make_case())
    folder = make_case({"postings.csv": lambda text: replace_line(
        "PNH,Phnom Penh,Asia/Phnom_Penh,1,1,khmer-intensive,0,",
        "PNH,Phnom Penh,Asia/Phnom_Penh,1,1,khmer-intensive,0,,프놈펜",
    )(replace_line("SHV,Sihanoukville,Asia/Phnom_Penh,2,0,,0,",
                   "SHV,Sihanoukville,Asia/Phnom_Penh,2,0,,0,,")(
        text.replace("min_supervisors,min_specialists",
                     "min_supervisors,min_specialists,name_ko")))})
    inst = load_case(folder)
    assert inst.posting_by_id["PNH"].name_ko == "프놈펜"
    assert inst.posting_by_id["SHV"].name_ko == ""
    assert instance_from_dict(instance_to_dict(inst)).posting_by_id["PNH"].name_ko == "프놈펜"
    assert input_hash(inst) == input_hash(base)
    assert input_hash(base) == input_hash(instance_from_dict(instance_to_dict(base)))
