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
        out = {"baseline": base}
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
