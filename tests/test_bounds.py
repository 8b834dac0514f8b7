"""Bounded work for any input: text length, syllable placement, memory per file.

Costs are checked without clocks (a shared machine makes timings flaky): against a brute-force
definition on small inputs, and by the peak of memory that tracemalloc sees, which a quadratic
path cannot hide.
"""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest
from conftest import PHRASE, SR, syllable_train

from prosody import ProsodyError, ProsodyWarning, analyze, analyze_file
from prosody.cli import main
from prosody.syllables import MAX_TEXT_CHARS, check_text, count_syllables
from prosody.timing import place_syllables

# --------------------------------------------------------------------------------------------
# Syllable placement


def farthest_first_by_definition(count, vowel_db, voiced, speech):
    """What place_syllables promises, spelled out directly (quadratic; small inputs only):
    the most prominent peaks, then one voiced frame at a time, the one farthest from every
    chosen frame, the earliest of equals."""
    from prosody.timing import nucleus_candidates

    if count <= 0 or not speech.any():
        return np.zeros(0, dtype=np.int64)
    peaks, prom = nucleus_candidates(vowel_db, voiced, speech, min_prominence_db=0.3)
    if peaks.size >= count:
        return np.sort(peaks[np.argsort(-prom, kind="stable")[:count]])
    chosen = list(peaks)
    pool = np.flatnonzero(voiced) if voiced.any() else np.flatnonzero(speech)
    while len(chosen) < count:
        if not chosen:
            chosen.append(int(pool[len(pool) // 2]))
            continue
        dist = np.min(np.abs(pool[:, None] - np.asarray(chosen)[None, :]), axis=1)
        chosen.append(int(pool[np.argmax(dist)]))
    return np.sort(np.asarray(chosen, dtype=np.int64))


@pytest.mark.parametrize("envelope", ["rough", "smooth"])
def test_placement_matches_its_definition(rng, envelope):
    for _ in range(300):
        n = int(rng.integers(5, 300))
        if envelope == "rough":  # many peaks: the count is often met by peaks alone
            vowel_db = rng.normal(-40.0, 10.0, n)
        else:  # few peaks: most syllables are spread over the voiced frames
            vowel_db = np.cumsum(rng.normal(0.0, 0.3, n)) - 40.0
        voiced = rng.random(n) < rng.random()
        speech = voiced | (rng.random(n) < 0.3)
        speech[0] = True
        count = int(rng.integers(0, 3 * n))  # up to three times more syllables than frames
        got = place_syllables(count, vowel_db, voiced, speech)
        want = farthest_first_by_definition(count, vowel_db, voiced, speech)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.int64


def test_placement_memory_is_linear_in_frames():
    # 15 minutes of steady voicing (no peak to take) and the most syllables the text limit
    # allows ("a a a ..."): the old placement measured every frame against every nucleus once
    # per nucleus, a (frames x nuclei) array each time (360 MB here) and 47 s on one core.
    n = 90_000
    count = count_syllables(("a " * MAX_TEXT_CHARS)[:MAX_TEXT_CHARS])
    assert count == 500
    vowel_db = np.full(n, -20.0)
    voiced = np.ones(n, dtype=bool)
    tracemalloc.start()
    try:
        frames = place_syllables(count, vowel_db, voiced, voiced)
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert frames.size == count
    assert np.all(np.diff(frames) > 0)  # fewer syllables than frames: no two share one
    # spread over the whole take the way farthest-first spreads: no gap between neighbours
    # more than twice another (one frame of rounding aside), none at the edges longer either
    gaps = np.diff(frames)
    assert gaps.max() <= 2 * gaps.min() + 1
    assert frames[0] <= gaps.max()
    assert n - 1 - frames[-1] <= gaps.max()
    # the voiced frames as a list of ints (about 40 bytes each) and a few arrays of the frames
    assert peak_bytes < 80 * n, f"{peak_bytes / 1e6:.1f} MB for {n} frames"


# --------------------------------------------------------------------------------------------
# Text length


def text_of(chars: int) -> str:
    return (PHRASE + " ") * (chars // len(PHRASE) + 1)


def test_text_at_the_limit_is_counted_and_placed():
    text = text_of(MAX_TEXT_CHARS)[:MAX_TEXT_CHARS].strip()
    assert MAX_TEXT_CHARS - 1 <= len(text) <= MAX_TEXT_CHARS
    # a burst for each of the text's syllables but a few: long words must fit a recording as
    # clean as this one closely (words that do not fit are set aside: test_analysis)
    n_syl = count_syllables(text)
    assert n_syl > 200
    y = syllable_train(4.0, n_syl - 10)
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(y, sr=SR, text=text)
    assert a.summary.syllables == n_syl
    assert a.summary.syllables_source == "text"
    times = a.tracks.syllable_times_s
    assert times.size == n_syl
    assert np.all(np.diff(times) >= 0)
    assert 0.0 <= times[0]
    assert times[-1] <= a.summary.duration_s


def test_limit_fits_the_app_baseline_passage_with_room():
    from ui.services import BASELINE_TEXT

    assert len(BASELINE_TEXT) * 3 <= MAX_TEXT_CHARS


def test_surrounding_space_does_not_count_against_the_limit():
    text = "   " + text_of(MAX_TEXT_CHARS)[:MAX_TEXT_CHARS].strip() + "\n\n  "
    assert check_text(text) == text.strip()
    assert check_text("  \n ") is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        # one character over
        ("a" * (MAX_TEXT_CHARS + 1), rf"{MAX_TEXT_CHARS + 1:,} characters long, longer than "
                                     rf"the {MAX_TEXT_CHARS:,}"),
        # a document pasted by mistake: 100 KB of words
        ("word " * 20_000, r"99,999 characters long.*give only the words said"),
        # not text at all
        (42, r"text must be a str \(the words spoken\) or None, not int"),
        (b"hello", r"text must be a str .* not bytes"),
    ],
)
def test_bad_text_is_refused_by_analyze(text, match):
    with pytest.raises(ProsodyError, match=match):
        analyze(syllable_train(4.0, 4), sr=SR, text=text)


def test_long_text_is_refused_before_the_file_is_read(tmp_path):
    # the file does not exist: the text's message comes first, so no decoding is wasted on it
    with pytest.raises(ProsodyError, match="characters long"):
        analyze_file(tmp_path / "not-there.wav", text="word " * 1000)


@pytest.fixture
def take_wav(tmp_path):
    import soundfile as sf

    path = tmp_path / "take3s.wav"
    sf.write(path, syllable_train(4.0, 10), SR, subtype="PCM_16")
    return path


@pytest.mark.parametrize("command", ["analyze", "coach"])
def test_cli_reports_long_text_as_the_files_error(take_wav, capsys, command):
    code = main([command, "--json", "--text", "word " * 20_000, str(take_wav), str(take_wav)])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [r["file"] for r in out] == [str(take_wav)] * 2
    for record in out:
        assert set(record) == {"file", "error"}
        assert "99,999 characters long" in record["error"]
        assert f"{MAX_TEXT_CHARS:,}" in record["error"]


def test_cli_coach_at_the_limit_scores(take_wav, capsys):
    text = text_of(MAX_TEXT_CHARS)[:MAX_TEXT_CHARS]
    code = main(["coach", "--json", "--text", text, str(take_wav)])
    record = json.loads(capsys.readouterr().out)
    assert code == 0, record
    assert "error" not in record
    assert 0 <= record["score"] <= 100


# --------------------------------------------------------------------------------------------
# Texts that are odd inside the limit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one "word" of 400 apostrophe-joined letters (recursed once per apostrophe and failed
        # with RecursionError from about 300 on): each part is a word
        ("a'" * 400 + "a", 401),
        # a run of digits read one by one; over 4300 of them int() refuses (ValueError)
        ("1" * 5000, 5000),
        ("0" * 20 + "21", 3),  # leading zeros are not read: twenty-one
        ("1" * 13 + "th", 13),  # ... one, one, first
        # one very long word from the spelling rules
        ("ba" * 500, 500),
    ],
)
def test_odd_texts_count_without_failing(text, expected):
    assert count_syllables(text) == expected


def test_many_apostrophes_within_the_limit_analyse():
    text = ("a'" * (MAX_TEXT_CHARS // 2))[: MAX_TEXT_CHARS - 1] + "a"
    with pytest.warns(ProsodyWarning, match="no pause"):
        a = analyze(syllable_train(4.0, MAX_TEXT_CHARS // 2), sr=SR, text=text)
    assert a.summary.syllables == MAX_TEXT_CHARS // 2
    assert a.summary.syllables_source == "text"


# --------------------------------------------------------------------------------------------
# Memory per file


def test_a_long_high_rate_file_is_resampled_as_it_is_read(tmp_path):
    import soundfile as sf

    from prosody import load
    from prosody.audio import _MAX_WHOLE_FRAMES

    sr_in, seconds = 384_000, 100
    n = sr_in * seconds
    assert n > _MAX_WHOLE_FRAMES  # too long at this rate to be held whole
    path = tmp_path / "long.wav"
    t = np.arange(sr_in) / sr_in
    second = (0.25 * np.sin(2 * np.pi * 200.0 * t)).astype(np.float32)  # a 200 Hz tone
    with sf.SoundFile(path, "w", sr_in, 2, "PCM_16") as f:
        for i in range(seconds):  # the right channel silent after 10 s, then dead
            f.write(np.column_stack([second, second if i < 10 else 0.0 * second]))
    tracemalloc.start()
    try:
        sig = load(path)
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # held whole, the file at its own rate is 154 MB of float32 (mono) before resampling; read
    # as it is decoded, the peak is the 16 kHz result (float32, then float64) and a few blocks
    out_bytes = seconds * SR * (4 + 8)
    assert peak_bytes < out_bytes + 40e6, f"{peak_bytes / 1e6:.0f} MB"
    assert sig.sr == SR
    assert sig.original_sr == sr_in
    assert sig.channels == 2
    assert sig.y.size == int(np.ceil(n * SR / sr_in))
    # the tone comes through at its level and frequency
    middle = sig.y[SR * 50 : SR * 51]
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(middle.size)))
    assert np.argmax(spectrum) == 200  # 1 Hz bins
    rms_db = 20 * np.log10(np.sqrt(np.mean(middle**2)))
    # both channels live for 10 s of 100: the average of the two is used, so -6 dB from there
    expected_db = 20 * np.log10(0.25 / np.sqrt(2)) - 20 * np.log10(2)
    assert abs(rms_db - expected_db) < 0.1


# --------------------------------------------------------------------------------------------
# Aligning two long takes (Review's "Compare two takes", model takes)


def test_aligning_two_long_takes_is_bounded_in_memory():
    from types import SimpleNamespace

    from prosody.compare import MAX_ALIGN_CELLS, align

    rng = np.random.default_rng(7)
    n = 15 * 60 * 100  # 15 minutes of 10 ms frames each
    t = np.arange(n) * 0.01
    f0 = 120.0 * 2 ** (np.sin(2 * np.pi * 0.3 * t) / 12)
    f0[np.sin(2 * np.pi * 2.0 * t) < 0] = np.nan  # syllable-like voicing
    level = -30.0 + 10.0 * np.isfinite(f0) + rng.normal(0.0, 1.0, n)
    a = SimpleNamespace(f0_hz=f0, loudness_db=level)
    b = SimpleNamespace(f0_hz=f0[: int(0.8 * n)], loudness_db=level[: int(0.8 * n)])
    # a short alignment first: importing librosa and compiling its DTW is a one-off cost of the
    # process (about 80 MB of the first call), not of the takes' length, and whether an earlier
    # test paid it would otherwise decide this one
    short = SimpleNamespace(f0_hz=f0[:500], loudness_db=level[:500])
    align(short, short)
    tracemalloc.start()
    try:
        alignment = align(a, b)
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # on 20 ms steps the tables would be 45 000 x 36 000 cells (about 34 GB); bounded, they are
    # a few float64 tables of MAX_ALIGN_CELLS
    assert peak_bytes < 32 * MAX_ALIGN_CELLS, f"{peak_bytes / 1e6:.0f} MB"
    assert alignment.time_a_s[0] == 0.0
    assert alignment.time_b_s[0] == 0.0
    assert alignment.time_a_s[-1] > 0.95 * 15 * 60
    assert alignment.time_b_s[-1] > 0.95 * 0.8 * 15 * 60
