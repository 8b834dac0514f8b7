"""A baseline is checked: a recording that cannot be an everyday voice is refused with a reason,
and ``--text`` describes the takes only (a baseline has ``--baseline-text``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import DATA, SR, harmonic_complex

from prosody import ProsodyError, load
from prosody.cli import main
from prosody.coach import measure_baseline

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "audio"
SEED = "I'm here with you. What do you need right now?"
PASSAGE = ("The bus to the station leaves every twenty minutes. On weekdays it is usually on "
           "time, and the ride takes about a quarter of an hour.")


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def wavs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("baseline")
    out = {}
    for name in ("seed-baseline", "seed-calm", "seed-tense"):
        y, sr = sf.read(SAMPLES / f"{name}.flac")
        out[name] = d / f"{name}.wav"
        sf.write(out[name], y, sr)
    y, sr = sf.read(SAMPLES / "seed-baseline.flac")  # the everyday phrase said twice
    out["twice"] = d / "twice.wav"
    sf.write(out["twice"], np.concatenate([y, np.zeros(sr // 2), y]), sr)
    arctic = load(DATA / "arctic_a0007.wav")
    out["arctic"] = d / "arctic.wav"
    sf.write(out["arctic"], arctic.y, arctic.sr)
    # a voiced "mm" of 0.4 s: a voice, but too little of it to know someone's everyday voice
    hum = harmonic_complex(np.full(int(0.4 * SR), 140.0)) * np.hanning(int(0.4 * SR)) ** 0.2
    out["short"] = d / "short.wav"
    sf.write(out["short"], np.concatenate([np.zeros(SR // 2), hum, np.zeros(SR // 2)]), SR)
    return out


def test_the_same_phrase_said_plainly_is_a_good_baseline(wavs):
    sig = load(wavs["seed-baseline"])
    base = quiet(measure_baseline, sig.y, sr=sig.sr, text=SEED)
    assert base.summary.syllables_source == "text"


@pytest.mark.parametrize(("take", "text", "match"), [
    # 3 s of another sentence read against a longer passage (as the passage's words, 30
    # syllables a second)
    ("arctic", PASSAGE, r"the words given have 38 syllables but the recording holds about "
                        r"\d+: it does not seem to be those words \(other words"),
    # one hummed syllable: too little speech to know a voice
    ("short", None, r"only 0\.\d s of speech"),
])
def test_a_recording_that_cannot_be_an_everyday_voice_is_refused(wavs, take, text, match):
    sig = load(wavs[take])
    with pytest.raises(ProsodyError, match=match):
        quiet(measure_baseline, sig.y, sr=sig.sr, text=text)


def test_cli_refuses_a_bad_baseline_with_a_reason(wavs, capsys):
    code = main(["coach", "--json", "--baseline", str(wavs["arctic"]), "--baseline-text",
                 PASSAGE, str(wavs["seed-calm"])])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert out[0]["file"] == str(wavs["arctic"])
    assert "cannot use this recording as the baseline" in out[0]["error"]
    assert "Record your everyday voice again" in out[0]["error"]


def test_text_describes_the_take_only(wavs, capsys):
    # README's example: the take's words were applied to a baseline that said more, so the
    # baseline read as half its pace and a slower take was told it was faster
    base = ["--baseline", str(wavs["twice"])]
    assert main(["coach", "--json", *base, "--text", SEED, str(wavs["seed-calm"])]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert main(["coach", "--json", *base, "--baseline-text", f"{SEED} {SEED}", "--text", SEED,
                 str(wavs["seed-calm"])]) == 0
    both = json.loads(capsys.readouterr().out)
    for record in (alone, both):
        tempo = next(f for f in record["features"] if f["name"] == "tempo")
        assert tempo["relative_to"] == "baseline"
        # the calm take is slower than the everyday one: never told it is faster
        assert tempo["value"] < 0, tempo


#: The everyday-voice passage the app asks for (ui.services.BASELINE_TEXT), 77 syllables.
FULL_PASSAGE = (
    "The bus to the station leaves every twenty minutes. On weekdays it is usually on time, "
    "and the ride takes about a quarter of an hour. I often read on the way, or look out of the "
    "window at the gardens and the small bridge over the river. In the evening the same bus "
    "brings me home again.")


def test_half_the_passage_read_is_refused_as_the_whole_of_it(tmp_path):
    """Two of the passage's four sentences, read at an everyday pace, were saved as the whole
    passage ("the words fit the recording"): 77 syllables over half the time made the
    everyday pace twice what it was, and every later take was told it was far too slow."""
    from conftest import espeak

    half = FULL_PASSAGE.split(" I often")[0]
    for name, said in (("full", FULL_PASSAGE), ("half", half)):
        sig = load(espeak(said, tmp_path / f"{name}.wav", voice="en-us+f1", speed_wpm=140))
        if name == "full":
            base = quiet(measure_baseline, sig.y, sr=sig.sr, text=FULL_PASSAGE)
            assert base.summary.syllables_source == "text"
            full_rate = base.summary.speech_rate_syl_per_s
        else:
            with pytest.raises(ProsodyError, match=r"the words given have 77 syllables but the "
                               r"recording holds about \d+: .*only part of them\?\)"):
                quiet(measure_baseline, sig.y, sr=sig.sr, text=FULL_PASSAGE)
            # read as itself, the same half is a good baseline at the same everyday pace
            base = quiet(measure_baseline, sig.y, sr=sig.sr, text=half)
            assert base.summary.speech_rate_syl_per_s == pytest.approx(full_rate, rel=0.15)
