"""What every backend's CORS support shares: the merge policy, the wording, the check verdicts.

Each cloud spells its CORS rules its own way (S3's ``AllowedOrigins`` dictionaries, GCS's
``origin`` ones, Azure's ``CorsRule`` objects) and a backend says how, in a
:class:`CorsDialect`. The policy is said here once: an origin some rule already serves for
uploads is left alone, the others join the rule ``configure_cors`` made or a new one, so a
second run changes nothing; ``check_storage`` words what the rules lack, and its fix, alike
for every backend.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from .contract import Diagnosis, origin_allowed

Rule = TypeVar("Rule")

#: What ``diagnose`` yields for CORS when there is no origin to check.
NO_ORIGINS_TO_CHECK = Diagnosis(
    "CORS",
    "skip",
    "no origins to check",
    "Set S3_FILE_UPLOADS['CORS_ORIGINS'] to the origins your pages are served from "
    "(or pass --origin).",
)


class CorsDialect(abc.ABC, Generic[Rule]):
    """How one cloud spells a CORS rule; the policy around the rules comes with it.

    A backend subclasses it with its rule type and the five readings below, then calls
    :meth:`shortfall` and :meth:`merged`.
    """

    @abc.abstractmethod
    def origins(self, rule: Rule) -> Sequence[str]:
        """The origins (or patterns such as ``https://*.example.com``) the rule admits."""

    @abc.abstractmethod
    def lacks(self, rule: Rule) -> list[str]:
        """What the rule lacks for a browser upload (methods, headers); empty when nothing."""

    @abc.abstractmethod
    def upload_rule(self, origins: Sequence[str]) -> Rule:
        """The rule ``configure_cors`` adds: browser uploads from ``origins``."""

    @abc.abstractmethod
    def is_upload_rule(self, rule: Rule) -> bool:
        """Whether ``rule`` is one ``configure_cors`` made, whatever its origins."""

    @abc.abstractmethod
    def widened(self, rule: Rule, origins: Sequence[str]) -> Rule:
        """A copy of the upload rule ``rule`` that admits ``origins`` as well."""

    def shortfall(self, rules: Sequence[Rule], origin: str) -> str:
        """What the rules lack for browser uploads from ``origin``; empty when one has all."""
        admitting = [rule for rule in rules if origin_allowed(origin, self.origins(rule))]
        if not admitting:
            return f"no CORS rule admits {origin}"
        gaps = []
        for rule in admitting:
            missing = self.lacks(rule)
            if not missing:
                return ""
            gaps.append(", ".join(missing))
        return f"the rules admitting {origin} lack {' / '.join(gaps)}"

    def merged(self, current: Sequence[Rule], origins: Sequence[str]) -> list[Rule]:
        """``current`` plus browser uploads from ``origins``: an origin a rule already serves
        is left alone; the others join the upload rule ``configure_cors`` made, or a new one."""
        rules = list(current)
        missing = [origin for origin in origins if self.shortfall(rules, origin)]
        if not missing:
            return rules
        for index, rule in enumerate(rules):
            if self.is_upload_rule(rule):
                rules[index] = self.widened(rule, missing)
                return rules
        return [*rules, self.upload_rule(missing)]


def origin_diagnoses(
    backend: str, origins: Iterable[str], shortfall: Callable[[str], str]
) -> Iterator[Diagnosis]:
    """A pass or a fail for each origin, the fail with the ``configure_cors`` run that fixes it.

    ``shortfall(origin)`` says what the rules lack for browser uploads from the origin, and is
    empty when nothing; ``backend`` is the configuration name the fix names.
    """
    for origin in origins:
        if gap := shortfall(origin):
            fix = f"Run: python manage.py configure_cors --backend {backend} --origin {origin}"
            yield Diagnosis(f"CORS for {origin}", "fail", gap, fix)
        else:
            yield Diagnosis(f"CORS for {origin}", "pass", "browser uploads are allowed")
