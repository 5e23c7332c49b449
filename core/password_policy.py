"""What a new password must be: long enough, not the username, not on a breach list, hard to guess.

Applied wherever a password is set (``createUser``, ``lastmile create-admin``);
the demo loader's accounts are made outside it. The strength estimate is
zxcvbn (Dropbox's estimator, the Python port): it scores 0-4 from the number
of guesses an attacker needs, knowing common passwords, dictionary words,
names, keyboard patterns, dates, l33t substitutions and the account's own
names. Its "passwords" list is the most frequent passwords of public breach
corpora; a password that is one of them (even l33ted or capitalised) is
refused whatever its score. The check runs offline: passwords never leave
the server.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

from core.errors import Code

MIN_LENGTH = 8
MAX_LENGTH = 256  # hashing is deliberately slow; nobody types more
# zxcvbn's own cap: longer input is refused by it (and costs more); the rest only adds strength.
_ESTIMATED_PREFIX = 72
# A username this short is found inside too many good passwords to forbid containing it.
_MIN_NAME_TO_CONTAIN = 3


class WeakPassword(Exception):
    """A password the policy refuses; the message says why and what to do instead."""

    code = Code.WEAK_PASSWORD


def check_password(
    password: str, username: str, *, min_score: int, other_names: tuple[str, ...] = ()
) -> None:
    """Raise :class:`WeakPassword` unless ``password`` may protect the account ``username``.

    ``other_names`` (e.g. the display name) are treated like the username by
    the estimator: a password built from them is easy to guess for anyone
    who knows the account.
    """
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password needs at least {MIN_LENGTH} characters.")
    name = username.strip().casefold()
    folded = password.casefold()
    if name and (folded == name or (len(name) >= _MIN_NAME_TO_CONTAIN and name in folded)):
        raise WeakPassword("The password must not contain the username.")
    result = zxcvbn(password[:_ESTIMATED_PREFIX], user_inputs=_personal_words(username, *other_names))
    if _on_breach_list(result, password[:_ESTIMATED_PREFIX]):
        raise WeakPassword("This password is on lists of passwords leaked in data breaches; choose another.")
    if result["score"] < min_score:
        feedback = result.get("feedback") or {}
        hints = " ".join(filter(None, [feedback.get("warning"), *(feedback.get("suggestions") or [])]))
        raise WeakPassword(
            "The password is too easy to guess"
            + (f": {hints}" if hints else ".")
            + " A few unrelated words or a passphrase is strong and easy to remember."
        )


def _personal_words(*names: str) -> list[str]:
    """The names, their words and the words run together ("Wang Fang" -> wang, fang, wangfang)."""
    words: list[str] = []
    for name in names:
        parts = [p for p in re.split(r"[\W_]+", name.casefold()) if p]
        words += [name.casefold(), *parts, "".join(parts)]
    return [w for w in dict.fromkeys(words) if w]


def _on_breach_list(result: dict, password: str) -> bool:
    sequence = result.get("sequence") or []
    return (
        len(sequence) == 1
        and sequence[0].get("pattern") == "dictionary"
        and sequence[0].get("dictionary_name") == "passwords"
        and sequence[0].get("token") == password
    )
