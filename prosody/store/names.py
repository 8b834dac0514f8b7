"""People's names as the history keeps them: normalised, checked, and compared as people read
them (so that 'Émile', 'ÉMILE' and a Cyrillic 'Еmile' are caught)."""

from __future__ import annotations

import unicodedata

from ..errors import ProsodyError

#: Longest person name, in characters (it is shown in lists and reports).
MAX_NAME_CHARS = 80
#: Longest note on an assignment, in characters (a sentence or two for the person).
MAX_NOTE_CHARS = 500


def person_name(name: str) -> str:
    """A person's name as kept: NFKC-normalised, whitespace collapsed, checked."""
    if not isinstance(name, str):
        raise ProsodyError(f"a person's name must be text, not {type(name).__name__}.")
    clean = " ".join(unicodedata.normalize("NFKC", name).split())
    if not clean:
        raise ProsodyError("a person's name is empty; give the name of who is practising.")
    if len(clean) > MAX_NAME_CHARS:
        raise ProsodyError(f"the name {clean[:20]!r}... is {len(clean)} characters long; "
                           f"use at most {MAX_NAME_CHARS}.")
    bad = [ch for ch in clean if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn")]
    if bad:
        raise ProsodyError(f"the name {clean!r} contains an invisible or control character "
                           f"(U+{ord(bad[0]):04X}); type the name with letters, digits and "
                           "spaces only.")
    return clean


def name_key(name: str) -> str:
    """The key two spellings of one name share: NFKC and Unicode case folding, so 'Émile',
    'ÉMILE' and 'e\u0301mile' are one person ('NOCASE' folds ASCII letters only)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


#: Letters that look like Latin ones in other scripts, mapped to the Latin letter they mimic
#: (the commonest confusables of Unicode TR 39; enough to catch a Cyrillic 'А' in 'Аnna').
HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ı": "i", "0": "o", "1": "l", "|": "l",
})


def name_skeleton(name: str) -> str:
    """What a name looks like: case folded, accents dropped, look-alike letters mapped to
    Latin, spaces and punctuation ignored. 'Émile', 'Emile' and 'Еmile' (Cyrillic Е) match."""
    folded = unicodedata.normalize("NFKD", name_key(name))
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return "".join(ch for ch in bare.translate(HOMOGLYPHS) if ch.isalnum())


def name_scripts(name: str) -> set[str]:
    """The writing systems of a name's letters ('Latin', 'Cyrillic', ...)."""
    found = set()
    for ch in name:
        if ch.isalpha():
            found.add(unicodedata.name(ch, "UNKNOWN").split()[0].title())
    return found


def no_person(name: str) -> str:
    return (f"there is nobody called {name!r} in the practice history; "
            "`calmtone history list` shows who has practised.")
