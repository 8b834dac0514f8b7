"""The coach on speech with known differences.

One espeak-ng phrase is re-synthesised with pyworld (WORLD) into a neutral baseline and variants
whose every cue is known: pitch shifted in semitones, pitch range scaled, tempo scaled, level
changed in dB, spectral tilt changed. The calm variant must score above the tense one, each cue
alone must move its own feature's verdict the right way, and the guards (too flat, whispered,
creaky, clipped, too quiet, noisy) must say so instead of scoring as usual.
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import DATA, PHRASE, SR, add_noise, espeak, load16

from prosody import ProsodyError, ProsodyWarning
from prosody.analysis import Analysis, analyze
from prosody.cli import main
from prosody.coach import (
    AROUSAL_HEADROOM,
    Feedback,
    baseline_settings,
    coach,
    irregular_voicing_fraction,
)
from prosody.profile import load_profile
from prosody.timing import runs
from prosody.util import hz_to_st
from prosody.voice import HIGH_BAND_MEASURES

CALM = {"pitch_st": -1.5, "range_factor": 0.85, "rate_factor": 0.85, "gain_db": -4.0,
        "tilt_db_per_octave": -3.0}
TENSE = {"pitch_st": 3.0, "range_factor": 1.6, "rate_factor": 1.25, "gain_db": 6.0}


# ---------------------------------------------------------------------------------------------
# Re-synthesis with known cues


@dataclasses.dataclass(frozen=True)
class World:
    f0_hz: np.ndarray
    sp: np.ndarray
    ap: np.ndarray
    peak: float


def world_of(y: np.ndarray) -> World:
    """WORLD parameters of a male phrase on a clean contour: octave errors folded back, smoothed
    over 50 ms and widened to a 6 st range (espeak-ng intonation is flatter than people's)."""
    import pyworld
    from scipy.ndimage import median_filter

    x = np.ascontiguousarray(y, dtype=np.float64)
    f0, t = pyworld.harvest(x, SR, f0_floor=60.0, f0_ceil=300.0, frame_period=10.0)
    sp = pyworld.cheaptrick(x, f0, t, SR)
    ap = pyworld.d4c(x, f0, t, SR)
    v = f0 > 0
    st = 12.0 * np.log2(f0[v])
    centre = np.median(st)
    st = median_filter(st - 12.0 * np.round((st - centre) / 12.0), size=5, mode="nearest")
    p10, p90 = np.percentile(st, [10, 90])
    f0[v] = 2.0 ** ((centre + (st - centre) * max(1.0, 6.0 / (p90 - p10))) / 12.0)
    peak = float(np.max(np.abs(pyworld.synthesize(f0, sp, ap, SR, frame_period=10.0))))
    return World(f0, sp, ap, peak)


def variant(w: World, *, pitch_st: float = 0.0, range_factor: float = 1.0,
            rate_factor: float = 1.0, gain_db: float = 0.0, tilt_db_per_octave: float = 0.0,
            f0_hz: np.ndarray | None = None, aperiodic: bool = False) -> np.ndarray:
    """The phrase with known cue changes (st, factors, dB, dB per octave above 500 Hz)."""
    import pyworld

    f0 = (w.f0_hz if f0_hz is None else f0_hz).copy()
    v = f0 > 0
    st = 12.0 * np.log2(f0[v])
    centre = np.median(st)
    f0[v] = 2.0 ** ((centre + range_factor * (st - centre) + pitch_st) / 12.0)
    freqs = np.linspace(0.0, SR / 2, w.sp.shape[1])
    sp = w.sp * 10.0 ** (tilt_db_per_octave * np.log2(np.maximum(freqs, 500.0) / 500.0) / 10.0)
    ap = np.ones_like(w.ap) if aperiodic else w.ap
    if aperiodic:
        f0 = np.zeros_like(f0)  # noise excitation only: a whisper
    y = pyworld.synthesize(f0, np.ascontiguousarray(sp), ap, SR, frame_period=10.0 / rate_factor)
    return y * (0.12 / w.peak) * 10.0 ** (gain_db / 20.0)


def quiet_analyze(y: np.ndarray, **kwargs) -> Analysis:
    """analyze() with its ProsodyWarnings (no pause, ...) silenced: these tests are about the
    coach, and each warning is carried in ``analysis.warnings`` anyway."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        return analyze(y, sr=SR, text=PHRASE, **kwargs)


@pytest.fixture(scope="module")
def world(phrase_male) -> World:
    return world_of(phrase_male)


@pytest.fixture(scope="module")
def base(world) -> tuple[Analysis, object]:
    """The baseline analysed with its own pitch range, and that range (AnalysisSettings)."""
    y = variant(world)
    settings = baseline_settings(quiet_analyze(y))
    return quiet_analyze(y, settings=settings), settings


def judge(world, base, *, with_baseline: bool = True, scenario: str | None = None,
          **cues) -> Feedback:
    baseline, settings = base
    analysis = quiet_analyze(variant(world, **cues), settings=settings if with_baseline else None)
    return coach(analysis, profile="soothing", baseline=baseline if with_baseline else None,
                 scenario=scenario)


def feature(fb: Feedback, name: str):
    return next(f for f in fb.features if f.name == name)


@pytest.fixture(scope="module")
def calm(world, base) -> Feedback:
    return judge(world, base, **CALM)


@pytest.fixture(scope="module")
def tense(world, base) -> Feedback:
    return judge(world, base, **TENSE)


# ---------------------------------------------------------------------------------------------
# Calm against tense


def test_calm_scores_higher_than_tense(calm, tense):
    assert calm.score > tense.score + 30


def test_calm_scores_higher_than_tense_without_a_baseline(world, base):
    alone_calm = judge(world, base, with_baseline=False, **CALM)
    alone_tense = judge(world, base, with_baseline=False, **TENSE)
    assert alone_calm.score > alone_tense.score


def test_calm_is_judged_against_the_baseline(calm):
    assert {f.relative_to for f in calm.features} == {"baseline"}


def test_without_a_baseline_the_fallbacks_are_used(world, base):
    fb = judge(world, base, with_baseline=False, **CALM)
    assert {f.relative_to for f in fb.features} == {"absolute"}


def test_tips_without_a_baseline_say_what_calm_is(world, base):
    fb = judge(world, base, with_baseline=False, **TENSE)
    assert "than a calm voice usually is" in " ".join(fb.tips)


def test_without_a_baseline_loudness_is_not_judged(world, base):
    fb = judge(world, base, with_baseline=False, **CALM)
    assert ("loudness", "needs your everyday voice as a baseline") in fb.not_judged


def test_calm_has_no_tips_about_arousal(calm):
    assert [f.name for f in calm.features if f.verdict == "high"] == []


def test_at_most_three_tips(tense):
    assert 1 <= len(tense.tips) <= 3


def test_tips_come_most_important_first(tense):
    # the feature that pulled the score down most comes first
    worst = min((f for f in tense.features if f.verdict != "ok"), key=lambda f: f.effect)
    top = load_profile().feature(worst.name).wording.tip_high.split("{")[0]
    assert tense.tips[0].startswith(top)


def test_tips_give_human_numbers(tense):
    assert "semitones higher than your everyday voice" in " ".join(tense.tips)


def test_something_was_done_well(tense):
    assert tense.well


def test_the_score_is_explained(calm, tense):
    assert "against your everyday voice" in calm.explanation
    worst = min(tense.features, key=lambda f: f.effect)
    assert worst.label.lower() in tense.explanation.split("Pulled down most by:")[1]


def test_the_score_is_the_logistic_of_the_effects(calm, tense):
    model = load_profile().score
    for fb in (calm, tense):
        logit = model.bias + sum(f.effect for f in fb.features)
        assert fb.score == round(100 / (1 + np.exp(-logit)))


def test_each_effect_is_the_weighted_clipped_tension(tense):
    model = load_profile().score
    for f in tense.features:
        spec = load_profile().feature(f.name)
        target = spec.relative
        tension = np.clip(target.tension(f.value, spec.tense), -model.calm_credit,
                          model.tension_cap)
        too_calm = min(target.too_calm(f.value, spec.tense), model.tension_cap)
        # the comparison with the baseline, and beside it the one with calm voices in general
        assert f.own_effect == pytest.approx(-spec.weight * tension
                                             - model.too_calm_weight * too_calm)
        general = spec.general_weight if f.general_effect else 0.0
        assert f.weight == pytest.approx(spec.weight + general)
        assert abs(f.general_effect) <= spec.general_weight * model.tension_cap + 1e-9


def test_the_feedback_records_the_profile_version(calm):
    assert calm.profile_version == load_profile().version


# ---------------------------------------------------------------------------------------------
# One cue at a time

SINGLE_CUES = [
    # (cue, size, feature, verdict it must get)
    ("pitch_st", -1.5, "pitch_level", "ok"),
    ("pitch_st", 3.0, "pitch_level", "high"),
    ("range_factor", 0.85, "pitch_range", "ok"),
    ("range_factor", 1.6, "pitch_range", "high"),
    ("rate_factor", 0.85, "tempo", "ok"),
    ("rate_factor", 1.25, "tempo", "high"),
    ("gain_db", -4.0, "loudness", "ok"),
    ("gain_db", 6.0, "loudness", "high"),
    ("tilt_db_per_octave", -3.0, "brightness", "ok"),
    ("tilt_db_per_octave", 3.0, "brightness", "high"),
]


@pytest.mark.parametrize(("cue", "size", "name", "verdict"), SINGLE_CUES)
def test_each_cue_moves_its_verdict(world, base, cue, size, name, verdict):
    assert feature(judge(world, base, **{cue: size}), name).verdict == verdict


@pytest.mark.parametrize(("cue", "size", "name", "verdict"), SINGLE_CUES)
def test_each_cue_moves_its_value_the_right_way(world, base, cue, size, name, verdict):
    unchanged = feature(judge(world, base), name).value
    moved = feature(judge(world, base, **{cue: size}), name).value
    assert (moved > unchanged) == (verdict == "high")


def test_unchanged_take_is_too_fast_and_too_loud_for_calm(world, base):
    fb = judge(world, base)
    assert (feature(fb, "tempo").verdict, feature(fb, "loudness").verdict) == ("high", "high")


def test_pitch_change_is_measured_in_semitones(world, base):
    assert feature(judge(world, base, pitch_st=3.0), "pitch_level").value == pytest.approx(
        3.0, abs=0.3)


def test_tempo_change_is_measured_in_percent(world, base):
    assert feature(judge(world, base, rate_factor=0.85), "tempo").value == pytest.approx(
        -15.0, abs=4.0)


def test_level_change_is_measured_in_db(world, base):
    assert feature(judge(world, base, gain_db=-4.0), "loudness").value == pytest.approx(
        -4.0, abs=0.5)


# ---------------------------------------------------------------------------------------------
# Guards


@pytest.fixture(scope="module")
def flat(world, base) -> Feedback:
    monotone = np.where(world.f0_hz > 0, 110.0, 0.0)
    baseline, settings = base
    analysis = quiet_analyze(variant(world, f0_hz=monotone, gain_db=-4.0, rate_factor=0.85),
                             settings=settings)
    return coach(analysis, profile="soothing", baseline=baseline)


def test_a_monotone_is_too_flat(flat):
    assert "too_flat" in flat.flags


def test_a_monotone_says_so_first(flat):
    assert flat.tips[0].startswith("Your voice was too flat")


def test_a_monotone_has_its_range_low(flat):
    assert feature(flat, "pitch_range").verdict == "low"


def test_a_monotone_score_is_capped(flat):
    assert flat.score <= load_profile().guards.monotone_cap


@pytest.fixture(scope="module")
def espeak_whisper(speech_dir) -> Analysis:
    """espeak-ng's whisper voice: noise through the vocal tract, no voicing at all."""
    y = load16(espeak(PHRASE, speech_dir / "whisper.wav", voice="en-us+whisper", pitch=40))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ProsodyWarning)
        analysis = analyze(y, sr=SR, text=PHRASE)
    assert any("no voiced speech" in str(w.message) for w in caught)
    return analysis


def test_a_whisper_asks_for_voice(espeak_whisper):
    fb = coach(espeak_whisper, profile="soothing")
    assert (fb.score, fb.quality.code) == (None, "whisper")


def test_the_whisper_message_asks_for_a_soft_voice(espeak_whisper):
    assert "soft voice, not a whisper" in coach(espeak_whisper, profile="soothing").tips[0]


def test_a_noise_excited_take_asks_for_voice(world, base):
    # WORLD with aperiodicity 1 everywhere: the phrase's own vocal tract, no voice source
    baseline, settings = base
    analysis = quiet_analyze(variant(world, aperiodic=True), settings=settings)
    fb = coach(analysis, profile="soothing", baseline=baseline)
    assert (fb.score, fb.quality.code) == (None, "whisper")


@pytest.fixture(scope="module")
def creaky(world, base) -> Feedback:
    """The last 250 ms of every voiced stretch drop to an irregular 45 Hz: vocal fry."""
    rng = np.random.default_rng(20261128)
    f0 = world.f0_hz.copy()
    for a, b in runs(f0 > 0):
        k = max(a, b - 25)
        f0[k:b] = 45.0 * (1.0 + 0.3 * rng.standard_normal(b - k))
    baseline, settings = base
    analysis = quiet_analyze(variant(world, f0_hz=f0), settings=settings)
    return coach(analysis, profile="soothing", baseline=baseline)


def test_creak_is_flagged(creaky):
    assert "creak_or_roughness" in creaky.flags


def test_creak_is_located(creaky):
    assert any(n.cue == "creak" for n in creaky.phrase_notes)


def test_a_modal_voice_is_not_flagged(calm):
    assert "creak_or_roughness" not in calm.flags


def test_irregular_voicing_is_low_on_a_clean_voice(base):
    assert irregular_voicing_fraction(base[0]) < 0.1


QUALITY = [
    # (what is done to the calm take, expected code)
    (lambda y, rng: np.clip(30.0 * y, -1.0, 1.0), "clipped"),  # gain far too high
    (lambda y, rng: 1e-3 * y, "too_quiet"),  # about -85 dBFS: microphone far away
    # loud steady noise (a fan, hiss) with no voice: not "too quiet"
    (lambda y, rng: 0.3 * rng.standard_normal(y.size), "no_voice"),
    # a pure 150 Hz tone: voiced, but not speech (it scored 50, the monotone cap)
    (lambda y, rng: 0.3 * np.sin(2 * np.pi * 150.0 * np.arange(y.size) / SR), "no_voice"),
]


@pytest.mark.parametrize(("make", "said"), [
    (lambda: np.zeros(2 * SR), "holds no sound"),  # digital silence: the microphone gave nothing
    (lambda: np.full(2 * SR, 0.5), "holds no sound"),  # a constant offset alone: no more
    # real speech, just far too faint (-85 dBFS): this one is told to come closer
    (lambda: 1e-3 * load16(DATA / "arctic_a0007.wav"), "too quiet to judge"),
])
def test_a_recording_with_no_sound_is_not_told_to_raise_the_gain(make, said):
    """Digital silence and a constant offset were told "the voice is too quiet… raise the
    input gain", which cannot help; the constant also printed numpy warnings."""
    y = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no "divide by zero in log10"
        warnings.simplefilter("ignore", ProsodyWarning)
        analysis = analyze(y, sr=SR)
    fb = coach(analysis, profile="soothing")
    assert (fb.score, fb.quality.code) == (None, "too_quiet")
    assert said in fb.quality.message


@pytest.mark.parametrize(("damage", "code"), QUALITY)
def test_unjudgeable_recordings_get_a_message_not_a_score(world, base, rng, damage, code):
    baseline, settings = base
    analysis = quiet_analyze(damage(variant(world, **CALM), rng), settings=settings)
    fb = coach(analysis, profile="soothing", baseline=baseline)
    assert (fb.score, fb.quality.code, fb.tips) == (None, code, (fb.quality.message,))


def test_a_noisy_take_is_scored_without_the_measures_the_noise_spoils(world, base, rng):
    baseline, settings = base
    profile = load_profile("soothing")
    noisy = quiet_analyze(add_noise(variant(world, **CALM), 12.0, rng), settings=settings)
    snr = noisy.quality.snr_db
    fb = coach(noisy, profile=profile, baseline=baseline)
    assert fb.quality is None
    assert fb.score is not None
    left_out = {name for name, why in fb.not_judged if "too noisy" in why}
    # the voice's upper-band measures are limited by the SNR in that band
    expected = {spec.name for spec in profile.features
                if (profile.guards.snr_limit_db(spec.measure) or -99.0)
                > (noisy.quality.snr_high_db if spec.measure in HIGH_BAND_MEASURES else snr)}
    assert left_out == expected
    assert "pauses" in left_out  # pauses need a quieter room than pitch, level or pace
    assert {"pitch_level", "loudness", "tempo"}.isdisjoint(left_out)
    assert all(f.name not in left_out for f in fb.features)
    why = dict(fb.not_judged)["pauses"]
    assert f"{math.floor(snr):.0f} dB above the background" in why  # rounded down
    assert "quieter" in why


@pytest.fixture(scope="module")
def arctic() -> np.ndarray:
    return load16(DATA / "arctic_a0007.wav")


def test_a_low_hum_leaves_the_measures_of_the_upper_voice_judged(arctic, rng):
    # a rumble 6 dB under the speech (fan, traffic) fills the low band, not 1.5-5 kHz: the
    # pitch expected of the voice and the voice edge still hold and are judged
    clean = quiet_analyze(arctic)
    noisy = quiet_analyze(add_noise(arctic, 6.0, rng, kind="rumble"))
    assert noisy.quality.snr_db < 12.0
    assert noisy.quality.snr_high_db > 25.0
    assert abs(hz_to_st(noisy.summary.f0_expected_hz, clean.summary.f0_expected_hz)) < 1.5
    fb = coach(noisy, profile="soothing")
    judged = {f.name for f in fb.features}
    assert {"pitch_level", "edge"} <= judged


def test_a_hiss_at_the_same_level_leaves_them_out_and_says_where(arctic, rng):
    profile = load_profile("soothing")
    noisy = quiet_analyze(add_noise(arctic, 6.0, rng))  # pink: as much above 1.5 kHz
    assert noisy.quality.snr_high_db < profile.guards.snr_limit_db("f0_expected_hz")
    fb = coach(noisy, profile=profile)
    why = dict(fb.not_judged)
    assert "upper frequencies" in why["pitch_level"]
    assert "upper frequencies" in why["edge"]
    assert fb.score is not None  # the rest is still judged


def test_a_take_the_noise_leaves_little_of_is_scored_as_rough(world, base, rng):
    baseline, settings = base
    # 2 dB of pink noise leaves voice warmth alone (at 6 dB pitch and its movement still hold,
    # and with them most of what the score weighs)
    noisy = quiet_analyze(add_noise(variant(world, **CALM), 2.0, rng), settings=settings)
    fb = coach(noisy, profile="soothing", baseline=baseline)
    assert fb.score is not None  # soft speech in a noisy room is still scored...
    assert "treat it as rough" in fb.explanation  # ...and says what it rests on
    assert len(fb.not_judged) > len(fb.features)


def test_a_take_the_noise_leaves_too_little_of_gets_no_score(world, base, rng):
    baseline, settings = base
    profile = load_profile("soothing")
    # a profile whose every measure needs a studio: nothing is left to judge at 20 dB
    strict = dataclasses.replace(profile, guards=dataclasses.replace(
        profile.guards, snr_limits_db=tuple((f.measure, 60.0) for f in profile.features)))
    noisy = quiet_analyze(add_noise(variant(world, **CALM), 20.0, rng), settings=settings)
    fb = coach(noisy, profile=strict, baseline=baseline)
    assert fb.score is None
    assert fb.quality is None  # not refused as a recording: the noise left too little
    assert "too noisy to judge most of your voice" in fb.explanation


def test_an_unusable_baseline_is_refused(world, base):
    _, settings = base
    noisy_base = quiet_analyze(np.clip(30.0 * variant(world), -1, 1), settings=settings)
    with pytest.raises(ProsodyError, match="baseline recording cannot serve"):
        coach(base[0], profile="soothing", baseline=noisy_base)


# ---------------------------------------------------------------------------------------------
# Phrase notes, scenarios, the baseline's pitch range, JSON


@pytest.fixture(scope="module")
def second_phrase_raised(world, base) -> tuple[Feedback, Analysis]:
    """The second sentence 4 semitones higher and 6 dB louder, judged without a baseline."""
    import pyworld

    baseline, _ = base
    start_s = baseline.tracks.pauses[0][1]
    f0 = world.f0_hz.copy()
    later = np.arange(f0.size) * 0.01 >= start_s
    f0[later & (f0 > 0)] *= 2.0 ** (4.0 / 12.0)
    y = pyworld.synthesize(f0, world.sp, world.ap, SR, frame_period=10.0) * 0.12 / world.peak
    y[int(start_s * SR):] *= 2.0
    analysis = quiet_analyze(y)
    return coach(analysis, profile="soothing"), analysis


def test_a_raised_phrase_is_named(second_phrase_raised):
    fb, analysis = second_phrase_raised
    second = analysis.tracks.phrases[1]
    assert {(n.cue, n.start_s) for n in fb.phrase_notes} >= {("pitch", second[0]),
                                                              ("level", second[0])}


def test_the_calm_phrase_is_not_named(second_phrase_raised):
    fb, analysis = second_phrase_raised
    first = analysis.tracks.phrases[0]
    assert all(n.start_s > first[1] for n in fb.phrase_notes if n.cue in ("pitch", "level"))


def test_a_scenario_applies_its_targets(world, base):
    fb = judge(world, base, scenario="check-in", **CALM)
    assert (fb.scenario, feature(fb, "final_falls").weight) == ("check-in", 0.0)


def test_an_unknown_scenario_is_refused(calm, base):
    with pytest.raises(ProsodyError, match="no scenario 'lullaby'"):
        coach(base[0], profile="soothing", scenario="lullaby")


def test_the_baseline_sets_the_pitch_range_around_the_speaker(base):
    baseline, settings = base
    f0 = baseline.tracks.f0_hz[baseline.tracks.voiced]
    assert settings.fmin_hz < np.percentile(f0, 10) < np.percentile(f0, 90) * AROUSAL_HEADROOM \
        < settings.fmax_hz


def test_a_baseline_without_voice_cannot_set_a_range(espeak_whisper):
    with pytest.raises(ProsodyError, match="too little to learn your pitch range"):
        baseline_settings(espeak_whisper)


def test_the_json_has_the_contract_keys(calm):
    d = json.loads(json.dumps(calm.to_dict()))
    assert {"score", "features", "tips", "well", "phrase_notes", "quality",
            "profile_version"} <= d.keys()


def test_every_feature_has_the_contract_fields(calm):
    required = {"name", "value", "unit", "target_low", "target_high", "verdict", "relative_to"}
    assert all(required <= f.keys() for f in calm.to_dict()["features"])


def test_verdicts_and_references_use_the_contract_words(tense):
    words = {(f["verdict"], f["relative_to"]) for f in tense.to_dict()["features"]}
    assert words <= {(v, r) for v in ("low", "ok", "high") for r in ("baseline", "absolute")}


# ---------------------------------------------------------------------------------------------
# calmtone coach


@pytest.fixture(scope="module")
def wavs(world, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("coach_cli")
    out = {}
    for name, cues in (("baseline", {}), ("calm", CALM), ("tense", TENSE)):
        out[name] = folder / f"{name}.wav"
        sf.write(out[name], variant(world, **cues), SR)
    out["broken"] = folder / "broken.wav"
    out["broken"].write_bytes(b"RIFF....WAVEfmt not really")
    return out


def run(capsys, *argv) -> tuple[int, list[dict], str]:
    code = main(["coach", *map(str, argv)])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    return code, lines, captured.out + captured.err


def test_cli_json_lines(capsys, wavs):
    code, lines, _ = run(capsys, "--json", "--baseline", wavs["baseline"], "--text", PHRASE,
                         wavs["calm"], wavs["tense"])
    assert (code, [d["file"] for d in lines]) == (0, [str(wavs["calm"]), str(wavs["tense"])])


def test_cli_calm_beats_tense(capsys, wavs):
    _, (calm, tense), _ = run(capsys, "--json", "--baseline", wavs["baseline"], "--text", PHRASE,
                              wavs["calm"], wavs["tense"])
    assert calm["score"] > tense["score"]


def test_cli_json_has_the_contract_keys(capsys, wavs):
    _, (record,), _ = run(capsys, "--json", wavs["calm"])
    assert {"file", "score", "features", "tips"} <= record.keys()


def test_cli_bad_file_gets_an_error_and_the_rest_goes_on(capsys, wavs):
    code, lines, _ = run(capsys, "--json", wavs["broken"], wavs["calm"])
    assert (code, "error" in lines[0], "score" in lines[1]) == (1, True, True)


def test_cli_text_report(capsys, wavs):
    _, _, out = run(capsys, "--baseline", wavs["baseline"], "--scenario", "bedtime",
                    wavs["tense"])
    assert "What to change:\n    1. " in out


def test_cli_text_report_shows_the_score(capsys, wavs):
    code, _, out = run(capsys, "--baseline", wavs["baseline"], wavs["tense"])
    assert (code, "Calm score" in out) == (0, True)


def test_cli_unknown_scenario(capsys, wavs):
    code, _, out = run(capsys, "--scenario", "karaoke", wavs["calm"])
    assert (code, "no scenario 'karaoke'" in out) == (2, True)


def test_cli_unknown_profile(capsys, wavs):
    code, _, out = run(capsys, "--profile", "grumpy", wavs["calm"])
    assert (code, "no profile named 'grumpy'" in out) == (2, True)


def test_cli_unusable_baseline(capsys, wavs):
    code, (record,), _ = run(capsys, "--json", "--baseline", wavs["broken"], wavs["calm"])
    assert (code, record["error"].split(":")[0]) == (
        1, "cannot use this recording as the baseline")


# ---------------------------------------------------------------------------------------------
# Words a person reads


def _result(name: str, value: float, *, low=None, high=None, unit="st", measured=0.0,
            relative_to="baseline", verdict="ok"):
    from prosody.coach import FeatureResult

    return FeatureResult(name=name, label=name, value=value, unit=unit, target_low=low,
                         target_high=high, verdict=verdict, relative_to=relative_to,
                         measured=measured, measured_unit=unit, weight=1.0, points=1.0)


@pytest.mark.parametrize(
    ("name", "value", "low", "high", "says"),
    [
        # inside the zone but higher: "settled and low" would contradict the number
        ("pitch_level", 0.45, -4.0, 0.5, None),
        # inside and lower: the praise holds
        ("pitch_level", -1.5, -4.0, 0.5, "settled and low"),
        # inside but brighter: "warm and relaxed" would contradict it
        ("brightness", 0.8, None, 1.0, None),
        ("brightness", -2.0, None, 1.0, "warm and relaxed"),
    ],
)
def test_praise_is_only_said_on_the_calm_side(name, value, low, high, says):
    from prosody.coach import _well

    profile = load_profile("soothing")
    unit = "dB" if name == "brightness" else "st"
    well = _well(profile, [_result(name, value, low=low, high=high, unit=unit)], None)
    if says is None:
        assert "stayed in the calm zone" in well, well
    else:
        assert says in well, well


def test_a_share_against_the_baseline_names_both_shares():
    from prosody.coach import feature_words

    spec = load_profile("soothing").feature("final_falls")
    now, aim = feature_words(spec, _result("final_falls", -0.5, low=0.0, unit="share",
                                           measured=0.5, verdict="low"))
    assert now == "50 %, against 100 % in your everyday voice"
    assert aim == "no less often than your everyday voice"


def test_a_tip_is_given_only_outside_the_zone():
    from prosody.coach import feature_tip

    spec = load_profile("soothing").feature("tempo")
    assert feature_tip(spec, _result("tempo", -20.0, low=-40.0, high=-10.0, unit="%")) is None
    tip = feature_tip(spec, _result("tempo", 5.0, low=-40.0, high=-10.0, unit="%",
                                    verdict="high"))
    assert "about 5 % faster than your everyday voice" in tip
    assert "10 to 40 % slower than your everyday voice" in tip


def test_a_change_the_calm_way_but_too_small_says_only():
    from prosody.coach import feature_tip, feature_words

    spec = load_profile("soothing").feature("loudness")
    short = _result("loudness", -0.9, low=-10.0, high=-3.0, unit="dB", verdict="high")
    now, _ = feature_words(spec, short)
    assert now == "only about 0.9 dB softer than your everyday voice"
    assert feature_tip(spec, short).startswith("You were only about 0.9 dB softer")


def test_a_phone_band_recording_is_told_why_its_pitch_height_is_not_judged():
    """At 8 kHz (4 kHz of sound) the formants that show the pitch usual for a voice are cut
    off: pitch height without a baseline is left out, and the reason names the bandwidth."""
    from scipy.signal import resample_poly

    y = resample_poly(load16(DATA / "arctic_a0007.wav"), 1, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProsodyWarning)
        fb = coach(analyze(y, sr=8000), profile="soothing")
    reason = dict(fb.not_judged)["pitch_level"]
    assert "only up to 4.0 kHz" in reason
    assert "phone line or a low sample rate" in reason
    assert fb.score is not None


def _depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.parametrize("relative_to", ["absolute", "baseline"])
def test_no_tip_nests_brackets_in_brackets(relative_to):
    """A template that puts the numbers in brackets ("You paused a lot ({how_much})") read
    "(more than a calm voice usually is (around 63 %, calm: 5 to 35 %))" without a baseline."""
    from prosody.coach import feature_tip

    profile = load_profile("soothing")
    checked = 0
    for spec in profile.features:
        target = spec.absolute if relative_to == "absolute" else spec.relative
        if target is None:
            continue
        unit = target.unit if hasattr(target, "unit") else "st"
        for verdict, value in (("high", 5.0), ("low", -5.0)):
            r = _result(spec.name, value, low=-1.0, high=1.0, unit=unit, measured=value,
                        relative_to=relative_to, verdict=verdict)
            tip = feature_tip(spec, r)
            if tip is None:
                continue
            checked += 1
            assert _depth(tip) <= 1, tip
            assert tip.count("(") == tip.count(")"), tip
    assert checked >= 10


def test_a_tip_on_an_unchanged_value_says_what_did_not_change():
    """The everyday voice coached against itself: "You were about the same as your everyday
    voice. Soften your voice…" did not say in what."""
    from prosody.coach import feature_tip

    spec = load_profile("soothing").feature("loudness")
    tip = feature_tip(spec, _result("loudness", 0.0, low=-10.0, high=-3.0, unit="dB",
                                    verdict="high"))
    assert tip.startswith("You were no softer than your everyday voice"), tip
