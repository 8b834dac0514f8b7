"""The calm score on real voices kept in the repository: six CREMA-D takes (tests/data/README.md).

Two speakers, a man and a woman, each saying "It's eleven o'clock" neutrally and as shouted
anger, plus a neutral sentence of theirs as the baseline. The room is an ordinary booth: the
neutral takes stand only 8-13 dB above its background, the noise that made the old quality
gate refuse most soft takes.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from prosody import analyze_file
from prosody.audio import load
from prosody.coach import baseline_settings, coach, measure_baseline
from prosody.errors import ProsodyError, quiet_warnings

CREMA = Path(__file__).parent / "data" / "cremad"
SENTENCE = "It's eleven o'clock"
BASELINE_TEXT = "Don't forget a jacket"
SPEAKERS = ("1001", "1006")
#: The everyday-voice passage a person is asked to read (a long text, many syllables).
PASSAGE = ("When the sunlight strikes raindrops in the air, they act as a prism and form a "
           "rainbow. The rainbow is a division of white light into many beautiful colours.")


def takes(speaker: str):
    """(baseline, neutral take, shouted take) analyses, the takes measured within the
    baseline's range as the app measures them, and both takes alone."""
    with quiet_warnings():
        sig = load(CREMA / f"{speaker}_DFA_NEU_XX.flac")
        base = measure_baseline(sig.y, sr=sig.sr, text=BASELINE_TEXT)
        settings = baseline_settings(base)
        out = {"baseline": base, "id": speaker}
        for name, emo in (("neutral", "NEU_XX"), ("shouted", "ANG_HI")):
            path = CREMA / f"{speaker}_IEO_{emo}.flac"
            out[name] = analyze_file(path, text=SENTENCE, settings=settings)
            out[f"{name}_alone"] = analyze_file(path, text=SENTENCE)
    return out


@pytest.fixture(scope="module", params=SPEAKERS)
def speaker(request):
    return takes(request.param)


def test_the_neutral_takes_are_soft_speech_in_room_noise(speaker):
    assert speaker["neutral_alone"].quality.snr_db < 15.0


def test_a_soft_take_in_room_noise_is_scored(speaker):
    fb = coach(speaker["neutral_alone"], profile="soothing")
    assert fb.quality is None
    assert fb.score is not None


def test_a_soft_take_in_room_noise_is_scored_against_a_baseline(speaker):
    fb = coach(speaker["neutral"], profile="soothing", baseline=speaker["baseline"])
    assert fb.score is not None
    # neutral against a neutral sentence: not tense (the 0-39 band)
    assert fb.score >= 40


def test_a_shouted_take_scores_low_without_a_baseline(speaker):
    fb = coach(speaker["shouted_alone"], profile="soothing")
    assert fb.score is not None
    assert fb.score < 40  # "tense or hurried"


def test_a_shouted_take_scores_low_with_a_baseline(speaker):
    fb = coach(speaker["shouted"], profile="soothing", baseline=speaker["baseline"])
    assert fb.score < 40


def test_the_shouted_take_scores_well_below_the_neutral_one(speaker):
    for alone in ("", "_alone"):
        base = speaker["baseline"] if not alone else None
        neutral = coach(speaker["neutral" + alone], profile="soothing", baseline=base).score
        shouted = coach(speaker["shouted" + alone], profile="soothing", baseline=base).score
        assert neutral > shouted + 20


def test_the_shouted_take_is_told_what_to_change(speaker):
    fb = coach(speaker["shouted_alone"], profile="soothing")
    raised = {f.name for f in fb.features if f.verdict == "high"}
    assert raised & {"pitch_level", "brightness", "edge"}
    assert fb.tips


def test_a_sentence_offered_as_the_passage_is_refused_with_a_reason():
    sig = load(CREMA / "1001_DFA_NEU_XX.flac")
    with quiet_warnings(), pytest.raises(ProsodyError, match=r"syllables.*(words|pace)"):
        measure_baseline(sig.y, sr=sig.sr, text=PASSAGE)


def test_the_command_line_refuses_the_same_baseline(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "prosody.cli", "coach", "--json",
         "--baseline", str(CREMA / "1001_DFA_NEU_XX.flac"), "--baseline-text", PASSAGE,
         "--text", SENTENCE, str(CREMA / "1001_IEO_NEU_XX.flac")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={"CALMTONE_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert run.returncode != 0
    record = json.loads(run.stdout.splitlines()[0])
    assert "baseline" in record["error"]
    assert "syllables" in record["error"]


def test_a_voice_far_below_the_baselines_is_measured_as_it_is():
    """The pitch range a baseline gives is widened where a take's voice goes below it: a man's
    take measured against a woman's baseline (as when someone practises under another's name)
    reads his own pitch, not the harmonics inside her range, and is never told it sat higher."""
    with quiet_warnings():
        sig = load(CREMA / "1006_DFA_NEU_XX.flac")
        hers = measure_baseline(sig.y, sr=sig.sr, text=BASELINE_TEXT)
        path = CREMA / "1001_IEO_NEU_XX.flac"
        his = analyze_file(path, text=SENTENCE, settings=baseline_settings(hers))
        alone = analyze_file(path, text=SENTENCE)
        fb = coach(his, profile="soothing", baseline=hers)
    assert hers.summary.f0_median_hz > 1.5 * alone.summary.f0_median_hz  # far apart
    assert abs(12 * math.log2(his.summary.f0_median_hz / alone.summary.f0_median_hz)) < 0.5
    pitch = next(r for r in fb.features if r.name == "pitch_level")
    assert pitch.verdict != "high"


#: The measure whose room-noise limit a moment's cue shares (guards.snr_limits_db).
MOMENT_MEASURE = {"pitch": "f0_median_hz", "jump": "f0_velocity_st_per_s",
                  "rate": "voiced_rate_syl_per_s", "level": "speech_level_db"}


@pytest.mark.parametrize("snr_db", [None, 6.0, 3.0])
@pytest.mark.parametrize("with_baseline", [False, True])
def test_moments_are_named_only_for_what_the_room_let_be_measured(speaker, snr_db,
                                                                  with_baseline):
    """A moment ("you sped up", "your pitch leapt") rests on the same measure as a feature; where
    the room is too noisy to judge that feature, the moment is noise too, and is not named."""
    import numpy as np
    from conftest import add_noise

    from prosody.analysis import analyze
    from prosody.coach import _too_noisy_for
    from prosody.profile import load_profile

    profile = load_profile("soothing")
    base = speaker["baseline"] if with_baseline else None
    with quiet_warnings():
        sig = load(CREMA / f"{speaker['id']}_IEO_ANG_HI.flac")
        y = sig.y if snr_db is None else add_noise(sig.y, snr_db, np.random.default_rng(3))
        analysis = analyze(y, sr=sig.sr, text=SENTENCE)
    fb = coach(analysis, profile=profile, baseline=base)
    assert fb.score is not None
    if snr_db is None:
        assert fb.phrase_notes  # a shout in a quiet booth: its moments are named
    for note in fb.phrase_notes:
        key = MOMENT_MEASURE.get(note.cue)
        if key is None:
            continue
        for measured in (analysis, base):
            if measured is not None:
                assert _too_noisy_for(key, key, measured, profile.guards) is None, note.message
