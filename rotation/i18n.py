"""Text people read outside the terminal, in Korean or English: gettext catalogues through Babel.

The officers are Korean; calendars, the HTML report and the workbook speak the case's language
(``[output] language`` in rules.toml, ``--lang`` on a command). Messages are written in English
in the code and looked up in ``rotation/locale/<lang>/LC_MESSAGES/rotation.mo``; English needs no
catalogue, since a message is its own English text. The compiled ``.mo`` is committed beside its
``.po`` so that an editable install and a wheel find it with no build step;
tests/test_i18n.py fails when the two drift apart or when a message in the code has no Korean.

Dates follow each language's usual form: English keeps the ISO dates the project has always
written (``2026-05-01``), Korean writes ``2026년 5월 1일``. Babel knows the Korean forms; its CLDR
data also gives the numbers their grouping.

This is the only module that imports babel.
"""

from __future__ import annotations

import gettext as _gettext
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal
from babel.support import Translations

from rotation.domain import LANGUAGES, Posting
from rotation.errors import InputError, Problem

__all__ = ["DOMAIN", "LANGUAGES", "LOCALE_DIR", "Texts", "check_language", "texts"]

DOMAIN = "rotation"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@dataclass(frozen=True)
class Texts:
    """Messages, dates and names in one language. Get one with :func:`texts`."""

    language: str
    catalogue: _gettext.NullTranslations

    # -- messages -------------------------------------------------------------------------
    def gettext(self, message: str) -> str:
        """``message`` in this language (the English text itself when there is none)."""
        return self.catalogue.gettext(message)

    def pgettext(self, context: str, message: str) -> str:
        """A message whose translation depends on where it is used (e.g. a rank)."""
        return self.catalogue.pgettext(context, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.ngettext(singular, plural, n)

    # -- values ---------------------------------------------------------------------------
    def day(self, day: date) -> str:
        """A day as people of this language write it: ``2026-05-01`` or ``2026년 5월 1일``."""
        if self.language == "ko":
            return format_date(day, "long", locale="ko")
        return day.isoformat()

    def moment(self, when: datetime) -> str:
        """A local date and time: ``2026-05-01 09:00`` or ``2026년 5월 1일 09:00``."""
        return f"{self.day(when.date())} {when:%H:%M}"

    def month(self, first: date) -> str:
        """A month: ``2026-05`` (how planners write months in the case files) or
        ``2026년 5월``."""
        if self.language == "ko":
            return format_skeleton("yMMM", first, locale="ko")
        return f"{first.year:04d}-{first.month:02d}"

    def month_short(self, first: date) -> str:
        """A month within a year already named: ``May`` or ``5월`` (timeline axes)."""
        return format_skeleton("MMM" if self.language == "en" else "M월", first,
                               locale=self.language)

    def year(self, first: date) -> str:
        """A year: ``2026`` or ``2026년``."""
        return format_skeleton("y", first, locale=self.language)

    def number(self, value: int | float) -> str:
        """A number with the language's grouping; fractions to at most three places."""
        return format_decimal(value, locale=self.language)

    def posting(self, posting: Posting) -> str:
        """A posting's name in this language: its Korean name where the case gives one."""
        if self.language == "ko" and posting.name_ko:
            return posting.name_ko
        return posting.name

    def rank(self, rank: str) -> str:
        """A rank: the case's word in English (``sergeant``), the title in Korean (경사).

        Spelled out one by one so that the catalogue's extractor finds every rank."""
        words = {
            "officer": self.pgettext("rank", "officer"),
            "senior-officer": self.pgettext("rank", "senior-officer"),
            "sergeant": self.pgettext("rank", "sergeant"),
            "inspector": self.pgettext("rank", "inspector"),
            "senior-inspector": self.pgettext("rank", "senior-inspector"),
            "superintendent": self.pgettext("rank", "superintendent"),
            "senior-superintendent": self.pgettext("rank", "senior-superintendent"),
        }
        return words.get(rank, rank)

    # -- the solver's words -----------------------------------------------------------------
    # A solve records its status, what stopped it, its cost per rule and its parameters with
    # the engine's own English words; the store, plan.json and the terminal keep those words
    # (they are what a script matches). Shown to people they are translated here, and English
    # shows them exactly as the engine wrote them (each is its own message id). Each table is
    # spelled out so that the catalogue's extractor finds every word; a word it does not hold
    # (written by a newer engine) is shown as it is rather than hidden.

    def seconds(self, seconds: float) -> str:
        """A duration to a tenth of a second: ``2.0 s`` or ``2.0초``."""
        return self.gettext("{seconds} s").format(seconds=f"{seconds:.1f}")

    def status(self, status: str) -> str:
        """A plan's status (a :class:`rotation.plan.SolveStatus` value): ``optimal`` or 최적."""
        words = {
            "optimal": self.pgettext("status", "optimal"),
            "feasible": self.pgettext("status", "feasible"),
            "infeasible": self.pgettext("status", "infeasible"),
            "no-plan-within-limit": self.pgettext("status", "no-plan-within-limit"),
            "model-invalid": self.pgettext("status", "model-invalid"),
        }
        return words.get(status, status)

    def stop_reason(self, reason: str) -> str:
        """What ended a search: ``bound reached`` or 하한 도달.

        The engine (rotation/solve/) writes this as free text, sometimes two reasons joined by
        ``; `` (``time limit; kept the first plan, the search found none better``), so each
        part is looked up on its own. The known parts are the ones the engine writes today
        (tests/engine_words.py reads them from its source, so a new one fails the tests until
        it is here); a part this table does not know, say from a newer engine, stays in
        English: an honest reason in the wrong language beats none.
        """
        words = {
            "search complete": self.pgettext("stop reason", "search complete"),
            "bound reached": self.pgettext("stop reason", "bound reached"),
            "time limit": self.pgettext("stop reason", "time limit"),
            "work limit": self.pgettext("stop reason", "work limit"),
            "interrupted": self.pgettext("stop reason", "interrupted"),
            "hard rule not mended": self.pgettext("stop reason", "hard rule not mended"),
            "kept the first plan, the search found none better": self.pgettext(
                "stop reason", "kept the first plan, the search found none better"),
        }
        return "; ".join(words.get(part, part) for part in reason.split("; "))

    def rule(self, name: str) -> str:
        """A rule's name (``constraints.RULES``), as the cost by rule lists it: ``fairness``
        or 공정성. Hard rules too, though only soft ones have a cost today."""
        words = {
            "coverage": self.pgettext("rule", "coverage"),
            "one-at-a-time": self.pgettext("rule", "one-at-a-time"),
            "rest": self.pgettext("rule", "rest"),
            "availability": self.pgettext("rule", "availability"),
            "eligibility": self.pgettext("rule", "eligibility"),
            "deployment-limit": self.pgettext("rule", "deployment-limit"),
            "training": self.pgettext("rule", "training"),
            "skill-mix": self.pgettext("rule", "skill-mix"),
            "fairness": self.pgettext("rule", "fairness"),
            "preferences": self.pgettext("rule", "preferences"),
            "stability": self.pgettext("rule", "stability"),
        }
        return words.get(name, name)

    def parameter(self, name: str) -> str:
        """A solver parameter a solve records: ``time_limit`` or 시간 제한 (초)."""
        words = {
            "time_limit": self.pgettext("parameter", "time_limit"),
            "work_limit": self.pgettext("parameter", "work_limit"),
            "seed": self.pgettext("parameter", "seed"),
            "workers": self.pgettext("parameter", "workers"),
        }
        return words.get(name, name)


@lru_cache(maxsize=len(LANGUAGES))
def texts(language: str) -> Texts:
    """The texts of ``language`` (``ko`` or ``en``), catalogue loaded once."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    catalogue: _gettext.NullTranslations
    if language == "en":
        catalogue = _gettext.NullTranslations()
    else:
        catalogue = Translations.load(str(LOCALE_DIR), [language], DOMAIN)
        if not isinstance(catalogue, Translations):
            raise RuntimeError(f"the {language} catalogue is missing from {LOCALE_DIR}")
    return Texts(language, catalogue)


def check_language(language: str | None, default: str, option: str = "--lang") -> str:
    """The language a command was asked for (or ``default``); a clear error for any other."""
    if language is None:
        return default
    if language not in LANGUAGES:
        raise InputError(Problem(f"'{language}' is not a language of the outputs; use "
                                 f"{' or '.join(LANGUAGES)}", field=option))
    return language
