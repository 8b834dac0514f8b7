"""Hear yourself calmer: your own take, re-synthesised a little lower, smoother, slower, softer.

The take is taken apart with WORLD (pyworld: Harvest for pitch, CheapTrick for the spectral
envelope, D4C for the aperiodicity) and put back together with only the prosody changed:

* **pitch level**: the whole contour shifted down (in semitones) into the profile's calm range;
* **melody and movement**: the contour's excursions around its median narrowed a little, and
  jumps steeper than the profile's jump limit turned into glides;
* **pace**: the parameter frames re-spaced in time, steady sounds (vowels, pauses) stretched more
  than transients (plosive bursts, fast formant transitions), which keep about their natural
  length;
* **loudness and warmth**: a gain, and a gentle high-frequency roll-off above about 1 kHz (a
  softer voice carries less energy there).

The spectral envelope, which carries who the speaker is (vocal tract, formants), is otherwise
kept frame by frame: that is what makes the result sound like the same person. The report says
by how much each feature moved, re-measured on the result by the same analysis the coach uses,
and how far the result's spectral envelope strayed from the original's.

How far to move comes from the profile: each feature aims a fixed margin inside the calm edge of
its target range (relative to the baseline when there is one). Without a baseline the take
stands in for the everyday voice, so the result is a gentle calm version of it, also pulled into
the absolute ranges. A feature already calmer than its aim is left alone; nothing is moved
further than :class:`CalmerSettings` allows, so the result stays natural.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import ProsodyError, quiet_warnings
from .timing import runs
from .util import FRAME_S, SR, check_audio, hz_to_st, relative_change, rounded

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis, AnalysisSettings
    from .profile import Profile


@dataclass(frozen=True)
class CalmerSettings:
    """How far the re-synthesis may move each feature, and how it works.

    Attributes
    ----------
    pitch_margin_st, range_margin_percent, tempo_margin_percent, loudness_margin_db,
    brightness_margin_db, movement_margin_percent : float
        the aim of each feature lies this far inside the calm edge of its relative target
        (e.g. pitch aims 2 st below the profile's upper edge of +0.5 st: -1.5 st)
    max_pitch_shift_st : float
        largest pitch shift either way; beyond 4 st a voice starts to sound like someone else
    min_range_factor, max_range_factor : float
        limits on scaling the melody's excursions
    min_range_st : float
        the melody is never narrowed below this range (the monotone floor plus a margin)
    max_stretch : float
        largest slowing: the result lasts at most this many times as long
    max_gain_db : float
        largest softening, in dB
    max_tilt_db : float
        strongest high-frequency roll-off, in dB (negative)
    jump_limit_st_per_s : float
        pitch may glide at most this fast after re-synthesis, in st/s (4 st in 100 ms)
    max_frame_stretch : float
        no single frame is stretched more than this, however steady: keeps vowels from sounding
        frozen
    frame_period_ms : float
        WORLD frame step
    work_sr_hz : int
        rate the re-synthesis runs at; a take recorded above it is resampled (nothing a listener
        needs to recognise a voice lies above 12 kHz), one below 16 kHz is raised to 16 kHz
    """

    pitch_margin_st: float = 2.0
    range_margin_percent: float = 15.0
    movement_margin_percent: float = 30.0
    tempo_margin_percent: float = 10.0
    loudness_margin_db: float = 2.5
    brightness_margin_db: float = 2.0
    max_pitch_shift_st: float = 4.0
    min_range_factor: float = 0.6
    max_range_factor: float = 1.3
    min_range_st: float = 3.5
    max_stretch: float = 1.6
    max_gain_db: float = 10.0
    max_tilt_db: float = -4.0
    jump_limit_st_per_s: float = 40.0
    max_frame_stretch: float = 2.5
    frame_period_ms: float = 5.0
    work_sr_hz: int = 24_000


@dataclass(frozen=True)
class Move:
    """One feature moved toward the calm target.

    Attributes
    ----------
    name, label : str
        the profile's feature key and its plain name
    measure : str
        the summary measure (``f0_median_hz``, ...)
    unit : str
        unit of ``before``, ``aim`` and ``after``, and of the target range
    before, after : float or None
        the take and the result, compared like the coach does (a change from the baseline, or
        the take's own value when judged without one)
    aim : float or None
        where the re-synthesis aimed (after ``strength``)
    target_low, target_high : float or None
        the coach's target range in force
    relative_to : {'baseline', 'absolute'}
    measured_before, measured_after : float or None
        the measure itself, in ``measured_unit`` (for example Hz)
    measured_unit : str
    words : str
        what changed from the take to the result, measured on both ("3.9 semitones lower")
    """

    name: str
    label: str
    measure: str
    unit: str
    before: float | None
    aim: float | None
    after: float | None
    target_low: float | None
    target_high: float | None
    relative_to: str
    measured_before: float | None
    measured_after: float | None
    measured_unit: str
    words: str

    def miss(self, value: float | None) -> float | None:
        """Distance of ``value`` outside the target range, in ``unit`` (0 inside)."""
        if value is None:
            return None
        if self.target_low is not None and value < self.target_low:
            return self.target_low - value
        if self.target_high is not None and value > self.target_high:
            return value - self.target_high
        return 0.0

    def to_dict(self) -> dict:
        return {f.name: rounded(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class CalmerReport:
    """What the re-synthesis did and how close it stayed to the original voice.

    Attributes
    ----------
    sr : int
        sample rate of the result, in Hz
    strength : float
        0 = plain re-synthesis, 1 = all the way to the aims
    pitch_shift_st, range_factor, stretch, gain_db, tilt_db : float
        the changes applied: pitch shift; scaling of the melody's excursions; duration factor
        (1.25 = a quarter longer); gain; high-frequency roll-off
    moves : tuple of Move
        every manipulated feature, before and after, re-measured on the result
    envelope_distance_db : float or None
        mean log-spectral distance between the original's and the result's spectral envelopes
        (CheapTrick, each frame level-normalised, 100 Hz to 5 kHz, voiced frames, aligned by the
        time map), in dB: the "same person" proxy. Plain analysis-resynthesis alone reads about
        1.5-2.5 dB; the roll-off adds about a third of its size
    voicing_kept : float or None
        share of the original's voiced frames still voiced at the same moment of the result:
        a whispery or broken re-synthesis lowers it (plain re-synthesis keeps 0.97-1.0)
    baseline : bool
        whether the aims were relative to a baseline
    settings : CalmerSettings
    summary : str
        the changes in one line, measured as the moves are: e.g. "pitch height 1.5 semitones
        lower, pace 20 % slower, loudness 5.0 dB softer"
    score_before, score_after : int or None
        the coach's calm score of the take and of the result
    """

    sr: int
    strength: float
    pitch_shift_st: float
    range_factor: float
    stretch: float
    gain_db: float
    tilt_db: float
    moves: tuple[Move, ...]
    envelope_distance_db: float | None
    voicing_kept: float | None
    baseline: bool
    settings: CalmerSettings
    summary: str
    score_before: int | None = None
    score_after: int | None = None

    def move(self, name: str) -> Move:
        for m in self.moves:
            if m.name == name:
                return m
        raise KeyError(name)

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
               if f.name not in ("moves", "settings")}
        out = {k: rounded(v) for k, v in out.items()}
        out["moves"] = [m.to_dict() for m in self.moves]
        out["settings"] = dataclasses.asdict(self.settings)
        return out


#: A frame Harvest voices but the analysis does not is re-synthesised as noise when it lies this
#: far below the loud voiced frames, in dB (a breathy phrase end, not a vowel).
FAINT_BELOW_DB = 20.0

#: The longest take :func:`calmer` re-synthesises, in seconds. It is for a practice phrase; the
#: re-synthesis needs memory far beyond the analysis's (about 1 GB for 60 s of speech, 23 GB
#: for ten minutes), so a longer recording is refused before the work, not run out of memory.
MAX_CALMER_S = 60.0

#: The profile features the re-synthesis manipulates, with the margin setting of each.
MANIPULATED = ("pitch_level", "pitch_range", "pitch_movement", "tempo", "loudness", "brightness")
_MARGINS = {
    "pitch_level": "pitch_margin_st",
    "pitch_range": "range_margin_percent",
    "pitch_movement": "movement_margin_percent",
    "tempo": "tempo_margin_percent",
    "loudness": "loudness_margin_db",
    "brightness": "brightness_margin_db",
}


# ---------------------------------------------------------------------------------------------
# The public function


def calmer(y: np.ndarray, *, sr: float, profile: Profile | str | Path = "soothing",
           baseline: Analysis | None = None, strength: float = 1.0, text: str | None = None,
           scenario: str | None = None, settings: CalmerSettings | None = None,
           bandwidth_hz: float | None = None) -> tuple[np.ndarray, int, CalmerReport]:
    """Re-synthesise a take so that it sounds calmer, in the speaker's own voice.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        the take, mono, full scale = 1.0
    sr : number > 0
        its sample rate in Hz
    profile : Profile, str or Path
        the profile whose targets to move toward (a scenario may already be in force)
    baseline : Analysis or None
        the speaker's everyday voice; the aims are then relative to it, as the coach's targets
        are. Without one the take stands in for it and the absolute ranges apply as well
    strength : float in [0, 1.5]
        how far to go: 0 re-synthesises without change, 1 reaches the aims, more overshoots
    text : str or None
        the words spoken, so syllables (and so the pace) are counted from the text
    scenario : str or None
        a scenario of the profile (bedtime slows and softens more)
    settings : CalmerSettings or None
    bandwidth_hz : float or None
        the highest frequency the take really carries, in Hz, when it was resampled up from a
        lower rate (default ``sr / 2``): the take and the result are both judged on that band,
        as the coach judges the file

    Returns
    -------
    y_out : np.ndarray [shape=(m,)]
        the calmer take, float64, peak below 1.0
    sr_out : int
        its sample rate in Hz
    report : CalmerReport

    Raises
    ------
    ProsodyError
        when the take cannot be analysed, has too little voiced speech to re-synthesise, or an
        argument is out of range.
    """
    from .coach import baseline_settings, coach, quality_problem
    from .profile import Profile, load_profile

    y = check_audio(y, sr)
    check_length(y.size / sr)
    if not isinstance(strength, (int, float)) or not 0.0 <= strength <= 1.5:
        raise ProsodyError(f"strength={strength!r} must be a number from 0 (no change) to 1.5; "
                           "1 reaches the calm aims.")
    st_ = settings or CalmerSettings()
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    prof = prof.for_scenario(scenario) if scenario else prof
    analysis_settings = baseline_settings(baseline) if baseline is not None else None
    # the result is judged on the band the take carried, as the take was: re-synthesis at a
    # higher rate adds nothing real above it
    band = sr / 2.0 if bandwidth_hz is None else min(float(bandwidth_hz), sr / 2.0)

    before = _analyse(y, sr, text, analysis_settings, band)
    problem = quality_problem(before, prof)
    if problem is not None:
        raise ProsodyError(f"this take cannot be made calmer: {problem.message}")

    work_sr = _work_rate(sr, st_)
    x = _to_rate(y, sr, work_sr)
    world = _World.analyse(x, work_sr, before, st_)
    plan = _plan(prof, before, baseline, world, st_, strength)

    out, time_map, f0_new = world.synthesise(plan, st_)
    after = _analyse(out, work_sr, text, analysis_settings, band)
    for _ in range(2):
        # the result is measured like the take; where that differs from the plan (faint frames
        # the re-synthesis voices more clearly), correct the pitch level and range on it
        fixed = _correction(plan, after, st_)
        if fixed is None:
            break
        plan = fixed
        out, time_map, f0_new = world.synthesise(plan, st_)
        after = _analyse(out, work_sr, text, analysis_settings, band)
    # re-synthesis itself shifts the spectral balance a little (the excitation is not the
    # original's): when a warmer voice was asked for, correct the roll-off once on what the
    # result measures
    aim_alpha = plan.aims.get("brightness")
    now_alpha = _measure(after, "alpha_ratio_db")
    if plan.tilt_db < 0 and aim_alpha is not None and now_alpha is not None \
            and abs(now_alpha - aim_alpha) > 0.3:
        tilt = float(np.clip(plan.tilt_db + aim_alpha - now_alpha, st_.max_tilt_db, 0.0))
        if abs(tilt - plan.tilt_db) > 0.1:
            plan = dataclasses.replace(plan, tilt_db=tilt)
            out, time_map, f0_new = world.synthesise(plan, st_)
            after = _analyse(out, work_sr, text, analysis_settings, band)
    # the roll-off and re-synthesis move the level a little; one exact correction of the gain
    want_db = _measure(before, "loudness_db")
    got_db = _measure(after, "loudness_db")
    if want_db is not None and got_db is not None:
        correction_db = (want_db + plan.gain_db) - got_db
        out = out * 10 ** (correction_db / 20)
        after = _analyse(out, work_sr, text, analysis_settings, band)
    peak = float(np.max(np.abs(out)))
    if peak > 0.99:  # louder than the original can only happen when the take was too soft
        out = out * (0.99 / peak)
        after = _analyse(out, work_sr, text, analysis_settings, band)

    fb_before = coach(before, profile=prof, baseline=baseline)
    fb_after = coach(after, profile=prof, baseline=baseline)
    judged_before = {f.name: f for f in fb_before.features}
    judged_after = {f.name: f for f in fb_after.features}
    moves = tuple(_move(prof.feature(name), before, after, judged_before.get(name),
                        judged_after.get(name), baseline, plan.aims.get(name),
                        changed=_changes(plan, name))
                  for name in MANIPULATED if _has_feature(prof, name))
    report = CalmerReport(
        sr=work_sr, strength=float(strength), pitch_shift_st=plan.shift_st,
        range_factor=plan.range_factor, stretch=plan.stretch, gain_db=plan.gain_db,
        tilt_db=plan.tilt_db, moves=moves,
        envelope_distance_db=world.envelope_distance_db(out, f0_new, time_map, max_hz=band),
        voicing_kept=_voicing_kept(before, after, time_map, world),
        baseline=baseline is not None, settings=st_, summary=_summary_words(plan, moves),
        score_before=fb_before.score, score_after=fb_after.score,
    )
    return out, work_sr, report


def check_length(duration_s: float) -> None:
    """Refuse a take longer than :data:`MAX_CALMER_S`, saying what to do (ProsodyError)."""
    if duration_s > MAX_CALMER_S:
        length = (f"{duration_s:.0f} seconds" if duration_s < 600
                  else f"{duration_s / 60:.0f} minutes")
        raise ProsodyError(
            f"this recording is {length} long; hearing it calmer works on a practice phrase of "
            f"up to {MAX_CALMER_S:.0f} seconds. Cut out the phrase you want to hear, or record "
            "it on its own, and try again.")


def check_output_name(path_out) -> None:
    """Refuse an output name :func:`calmer_file` cannot write as WAV: one that does not end in
    ``.wav`` (a device such as ``/dev/null`` is fine). ProsodyError saying what to do."""
    out = Path(path_out)
    if out.suffix.lower() == ".wav" or (out.exists() and not out.is_file()
                                         and not out.is_dir()):
        return
    raise ProsodyError(f"{path_out} does not end in .wav: the calmer take is written as a WAV "
                       "file. Give a name such as calmer.wav.")


def calmer_file(path_in, path_out, *, profile: Profile | str | Path = "soothing",
                baseline: Analysis | None = None, strength: float = 1.0,
                text: str | None = None, scenario: str | None = None) -> CalmerReport:
    """:func:`calmer` from one audio file to a new WAV file (16-bit PCM); ``path_out`` must end
    in ``.wav`` (:func:`check_output_name`)."""
    import soundfile as sf

    from .audio import load

    check_output_name(path_out)
    sig = load(path_in, sr=_work_rate_for_file(path_in))
    out, sr_out, report = calmer(sig.y, sr=sig.sr, profile=profile, baseline=baseline,
                                 strength=strength, text=text, scenario=scenario,
                                 bandwidth_hz=sig.original_sr / 2.0)
    try:
        sf.write(str(path_out), out, sr_out, subtype="PCM_16", format="WAV")
    except (OSError, RuntimeError) as exc:
        raise ProsodyError(f"cannot write {path_out}: {exc}; check the folder exists and can be "
                           "written.") from exc
    return report


# ---------------------------------------------------------------------------------------------
# Analysis helpers


def _analyse(y: np.ndarray, sr: float, text: str | None,
             settings: AnalysisSettings | None, bandwidth_hz: float) -> Analysis:
    from .analysis import analyze

    with quiet_warnings():  # undefined values come back as None and are reported as such
        return analyze(y, sr=sr, text=text, settings=settings, bandwidth_hz=bandwidth_hz)


def _measure(analysis: Analysis, name: str) -> float | None:
    from .coach import measure

    return measure(analysis, name)


def _has_feature(profile: Profile, name: str) -> bool:
    try:
        profile.feature(name)
    except KeyError:
        return False
    return True


def _work_rate(sr: float, st_: CalmerSettings) -> int:
    return int(min(max(int(round(sr)), SR), st_.work_sr_hz))


def _work_rate_for_file(path) -> int:
    import soundfile as sf

    try:
        native = sf.info(str(path)).samplerate
    except Exception:  # unreadable here: prosody.load gives the clear message
        return SR
    return _work_rate(native, CalmerSettings())


def _to_rate(y: np.ndarray, sr_in: float, sr_out: int) -> np.ndarray:
    if int(round(sr_in)) == sr_out:
        return np.ascontiguousarray(y, dtype=np.float64)
    from .dsp import resample

    return np.ascontiguousarray(resample(y, int(round(sr_in)), sr_out), dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# WORLD: analysis, the contour and time map, synthesis


@dataclass(frozen=True)
class _Plan:
    shift_st: float
    range_factor: float
    smooth_frames: int
    stretch: float
    gain_db: float
    tilt_db: float
    aims: dict
    #: jumps become glides (off at strength 0, which must change nothing)
    slew: bool = True
    #: what the result should measure, for the correction after the first synthesis
    want_median_hz: float | None = None
    want_range_st: float | None = None


@dataclass(frozen=True)
class _World:
    x: np.ndarray
    sr: int
    f0_hz: np.ndarray  # 0 where unvoiced, WORLD's convention
    sp: np.ndarray
    ap: np.ndarray
    frame_s: float
    steadiness: np.ndarray  # per frame, 0 = transient, 1 = steady (or silent)
    #: per frame: the analysis' own tracker finds voicing here too. Harvest also voices faint
    #: and breathy frames that the analysis leaves out; the result is measured like the take,
    #: so levels and ranges are planned on these frames
    tracked: np.ndarray

    @classmethod
    def analyse(cls, x: np.ndarray, sr: int, before: Analysis, st_: CalmerSettings) -> _World:
        import pyworld

        f0_v = before.tracks.f0_hz[before.tracks.voiced]
        f0_v = f0_v[np.isfinite(f0_v)]
        if f0_v.size < 10:
            raise ProsodyError("this take has too little voiced speech to re-synthesise; record "
                               "a whole phrase in a soft, voiced tone (not whispered).")
        floor_hz = float(np.clip(0.7 * np.percentile(f0_v, 5), 40.0, 300.0))
        ceil_hz = float(np.clip(2.0 * np.percentile(f0_v, 95), floor_hz * 2.5, 1000.0))
        period = st_.frame_period_ms
        f0, t = pyworld.harvest(x, sr, f0_floor=floor_hz, f0_ceil=ceil_hz, frame_period=period)
        f0 = _octave_fix(f0, t, before)
        fft_size = pyworld.get_cheaptrick_fft_size(sr, floor_hz)
        sp = pyworld.cheaptrick(x, f0, t, sr, f0_floor=floor_hz, fft_size=fft_size)
        ap = pyworld.d4c(x, f0, t, sr, fft_size=fft_size)
        tracks = before.tracks
        tracked = np.interp(t, tracks.time_s, tracks.voiced.astype(float)) > 0.5
        # Harvest voices the faint, breathy tails of phrases that the analysis hears as
        # unvoiced; re-synthesised with a periodic source they would buzz. There the source
        # becomes noise, as the original sounds.
        level_db = 10 * np.log10(sp.sum(axis=1) + 1e-20)
        voiced = f0 > 0
        if voiced.sum() >= 10:
            faint = level_db < np.percentile(level_db[voiced], 90) - FAINT_BELOW_DB
            f0 = np.where(voiced & ~tracked & faint, 0.0, f0)
        return cls(x, sr, f0, sp, ap, period / 1000.0, _steadiness(sp), tracked & (f0 > 0))

    # -- the contour --------------------------------------------------------------------------

    def contour(self, plan: _Plan, st_: CalmerSettings) -> np.ndarray:
        """The new F0 (Hz, 0 unvoiced) in source time: shifted, narrowed, smoothed, slew-limited."""
        voiced = self.f0_hz > 0
        if not voiced.any():
            return self.f0_hz.copy()
        st = np.zeros_like(self.f0_hz)
        st[voiced] = hz_to_st(self.f0_hz[voiced], 1.0)
        median = float(np.median(st[voiced]))
        out = np.zeros_like(st)
        max_step = st_.jump_limit_st_per_s * self.frame_s
        for a, b in runs(voiced):
            seg = st[a:b]
            if plan.smooth_frames > 1 and b - a > 2:
                seg = _smooth(seg, plan.smooth_frames)
            seg = median + plan.shift_st + plan.range_factor * (seg - median)
            out[a:b] = _slew_limit(seg, max_step) if plan.slew else seg
        return np.where(voiced, 2.0 ** (out / 12.0), 0.0)

    def time_map(self, stretch: float, st_: CalmerSettings) -> np.ndarray:
        """Source frame position (fractional) of each output frame."""
        n = self.f0_hz.size
        if abs(stretch - 1.0) < 1e-6:
            return np.arange(n, dtype=float)
        durations = _frame_durations(self.steadiness, stretch, st_.max_frame_stretch)
        ends = np.cumsum(durations)
        starts = ends - durations
        m = int(round(ends[-1]))
        # output frame j covers source frame i where starts[i] <= j < ends[i]; fractional inside
        j = np.arange(m, dtype=float) + 0.5
        i = np.clip(np.searchsorted(ends, j, side="right"), 0, n - 1)
        frac = np.clip((j - starts[i]) / durations[i], 0.0, 1.0)
        return np.clip(i + frac - 0.5, 0.0, n - 1.0)

    def synthesise(self, plan: _Plan,
                   st_: CalmerSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The re-synthesised audio, the time map and the F0 it was synthesised on."""
        import pyworld

        f0_src = self.contour(plan, st_)
        pos = self.time_map(plan.stretch, st_)
        f0, sp, ap = _resample_frames(f0_src, self.sp, self.ap, pos)
        if plan.tilt_db < 0:
            sp = sp * _tilt_gain(self.sr, sp.shape[1], plan.tilt_db)[None, :]
        out = pyworld.synthesize(np.ascontiguousarray(f0), np.ascontiguousarray(sp),
                                 np.ascontiguousarray(ap), self.sr,
                                 frame_period=st_.frame_period_ms)
        out = out * 10 ** (plan.gain_db / 20)
        return out, pos, f0

    # -- the "same person" proxy --------------------------------------------------------------

    def envelope_distance_db(self, out: np.ndarray, f0_new: np.ndarray,
                             time_map: np.ndarray, *, max_hz: float = 5000.0) -> float | None:
        """Mean log-spectral distance (dB) between the original's envelope at each output frame's
        source position and the result's envelope, both level-normalised, loud voiced frames,
        from 100 Hz to 5 kHz or ``max_hz`` (the band the take carried: above it, the
        re-synthesis fills in what the take never had).

        ``f0_new`` is the contour the result was synthesised on (CheapTrick needs the pitch to
        size its window)."""
        import pyworld

        y = np.ascontiguousarray(out, dtype=np.float64)
        n = min(f0_new.size, 1 + int(y.size / self.sr / self.frame_s))
        f0_new = np.ascontiguousarray(f0_new[:n])
        t = np.arange(n) * self.frame_s
        voiced = f0_new > 0
        if voiced.sum() < 5:
            return None
        floor_hz = float(max(40.0, np.min(f0_new[voiced]) * 0.8))
        sp_new = pyworld.cheaptrick(y, f0_new, t, self.sr, f0_floor=floor_hz,
                                    fft_size=(self.sp.shape[1] - 1) * 2)
        _, sp_orig, _ = _resample_frames(np.where(self.f0_hz > 0, 100.0, 0.0), self.sp, self.ap,
                                         time_map[:n])
        freqs = np.linspace(0, self.sr / 2, self.sp.shape[1])
        band = (freqs >= 100.0) & (freqs <= min(5000.0, 0.95 * max_hz))
        a = 10 * np.log10(sp_orig[:, band] + 1e-20)
        b = 10 * np.log10(sp_new[:, band] + 1e-20)
        a -= a.mean(axis=1, keepdims=True)
        b -= b.mean(axis=1, keepdims=True)
        # loud voiced frames only: in near-silence the envelope is noise on both sides
        level = 10 * np.log10(self.sp[np.clip(np.round(time_map[:n]).astype(int), 0,
                                              self.sp.shape[0] - 1)].sum(axis=1) + 1e-20)
        loud = voiced & (level > np.percentile(level[voiced], 90) - 25.0)
        if loud.sum() < 5:
            return None
        return float(np.mean(np.sqrt(np.mean((a[loud] - b[loud]) ** 2, axis=1))))


#: Plain analysis and re-synthesis, with nothing changed, already moves the spectral envelope
#: about this far (dB; docs/content.md: 2.6-3.8 dB on RAVDESS with the calmer's changes); past
#: it, the result may no longer sound like the same person.
RESYNTHESIS_DISTANCE_DB = 4.5


def voice_kept_words(distance_db: float) -> str:
    """What the envelope distance means for the person, in one sentence."""
    if distance_db <= RESYNTHESIS_DISTANCE_DB:
        return (f"Still your voice: the spectral envelope (the sound of your vocal tract) stays "
                f"within {distance_db:.1f} dB of your take's, about what re-synthesis alone "
                "changes.")
    return (f"It may sound less like you than usual: the spectral envelope (the sound of your "
            f"vocal tract) moved {distance_db:.1f} dB from your take's, where re-synthesis "
            f"alone moves it about 2-4 dB. Listen before you imitate it; a clearer recording "
            "usually keeps the voice closer.")


def _octave_fix(f0_hz: np.ndarray, t_s: np.ndarray, before: Analysis) -> np.ndarray:
    """Harvest's F0 with its octave errors undone against the analysis' own pitch track.

    Harvest sometimes locks onto half the pitch for a syllable (seen on espeak-ng's voices and on
    creaky stretches); re-synthesised there, the voice would drop an octave. Where the
    analysis' tracker (benchmarked, with a continuity constraint) reads about twice or half the
    value, the frame is corrected.
    """
    tracks = before.tracks
    ref = np.interp(t_s, tracks.time_s, np.where(tracks.voiced, tracks.f0_hz, 0.0))
    near = np.interp(t_s, tracks.time_s, tracks.voiced.astype(float)) > 0.99
    out = f0_hz.copy()
    both = (out > 0) & near & (ref > 0)
    ratio = np.ones_like(out)
    ratio[both] = ref[both] / out[both]
    for factor in (2.0, 0.5):
        hit = both & (np.abs(np.log2(ratio / factor)) < 0.25)
        out[hit] *= factor
    return out


def _smooth(seg: np.ndarray, width: int) -> np.ndarray:
    """Moving average that shrinks its window at the ends of a voiced run (no edge droop)."""
    width = min(width, seg.size)
    kernel = np.ones(width)
    num = np.convolve(seg, kernel, mode="same")
    den = np.convolve(np.ones_like(seg), kernel, mode="same")
    return num / den


def _slew_limit(seg: np.ndarray, max_step: float) -> np.ndarray:
    """Limit the frame-to-frame change to ``max_step``, forwards then backwards, so a sudden jump
    becomes a glide centred on it rather than a lag after it."""
    fwd = seg.copy()
    for k in range(1, fwd.size):
        fwd[k] = fwd[k - 1] + np.clip(fwd[k] - fwd[k - 1], -max_step, max_step)
    bwd = seg.copy()
    for k in range(bwd.size - 2, -1, -1):
        bwd[k] = bwd[k + 1] + np.clip(bwd[k] - bwd[k + 1], -max_step, max_step)
    return 0.5 * (fwd + bwd)


def _steadiness(sp: np.ndarray) -> np.ndarray:
    """0-1 per frame: how little the spectral envelope changes around it. Vowels, held sounds
    and pauses read near 1; bursts and fast transitions near 0."""
    log_sp = 10 * np.log10(sp + 1e-20)
    level = log_sp.mean(axis=1)
    flux = np.zeros(sp.shape[0])
    flux[1:] = np.mean(np.abs(np.diff(log_sp, axis=0)), axis=1)
    flux = np.convolve(flux, np.ones(3) / 3, mode="same")
    typical = float(np.median(flux)) + 1e-9
    steady = 1.0 / (1.0 + (flux / typical) ** 2)
    quiet = level < np.percentile(level, 95) - 35.0
    steady[quiet] = 1.0  # silence stretches freely: longer pauses are part of calm speech
    return steady


def _frame_durations(steadiness: np.ndarray, stretch: float, cap: float) -> np.ndarray:
    """Output length of each source frame (in frames) so the total is ``stretch`` times as long,
    steady frames taking most of it; a slowing-down never shortens a frame, nor a speeding-up
    lengthen one."""
    n = steadiness.size
    w = 0.2 + 0.8 * steadiness
    extra = (stretch - 1.0) * n
    if stretch < 1.0:
        return np.full(n, stretch)
    d = np.ones(n)
    free = np.ones(n, dtype=bool)
    for _ in range(8):  # frames at the cap give their share to the others
        left = extra - (d[~free] - 1.0).sum()
        if left <= 0 or not free.any():
            break
        d[free] = 1.0 + left * w[free] / w[free].sum()
        over = free & (d > cap)
        if not over.any():
            break
        d[over] = cap
        free &= ~over
    return d


def _resample_frames(f0: np.ndarray, sp: np.ndarray, ap: np.ndarray,
                     pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parameters at fractional source positions: envelopes interpolated in the log domain,
    pitch log-linearly between voiced neighbours, voicing from the nearer frame."""
    n = f0.size
    i0 = np.clip(np.floor(pos).astype(int), 0, n - 1)
    i1 = np.clip(i0 + 1, 0, n - 1)
    frac = (pos - i0)[:, None]
    log_sp = (1 - frac) * np.log(sp[i0] + 1e-20) + frac * np.log(sp[i1] + 1e-20)
    ap_out = np.clip((1 - frac) * ap[i0] + frac * ap[i1], 0.0, 1.0)
    nearest = np.where(frac[:, 0] < 0.5, i0, i1)
    voiced = f0[nearest] > 0
    both = (f0[i0] > 0) & (f0[i1] > 0)
    f = frac[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        interp = np.exp((1 - f) * np.log(np.where(both, f0[i0], 1.0))
                        + f * np.log(np.where(both, f0[i1], 1.0)))
    f0_out = np.where(voiced, np.where(both, interp, f0[nearest]), 0.0)
    return f0_out, np.exp(log_sp), ap_out


def _tilt_gain(sr: int, n_bins: int, tilt_db: float) -> np.ndarray:
    """Power gain per frequency bin: 0 dB below 800 Hz, ``tilt_db`` above 1.6 kHz, a raised-
    cosine ramp between (a gentle shelf, like a voice with less pressure behind it)."""
    freqs = np.linspace(0, sr / 2, n_bins)
    ramp = np.clip((freqs - 800.0) / 800.0, 0.0, 1.0)
    shape = 0.5 - 0.5 * np.cos(np.pi * ramp)
    return 10 ** (tilt_db * shape / 10)


def _velocity(f0_hz: np.ndarray, frame_s: float) -> float | None:
    """The analysis' pitch movement (:func:`prosody.analysis.pitch_velocity_st_per_s`) on a
    WORLD contour (0 Hz where unvoiced), sampled at the analysis' 10 ms frames."""
    from .analysis import AnalysisSettings, pitch_velocity_st_per_s

    f0 = f0_hz[::max(1, int(round(FRAME_S / frame_s)))]
    return pitch_velocity_st_per_s(f0, f0 > 0, AnalysisSettings.velocity_smooth_frames,
                                   AnalysisSettings.velocity_max_st_per_s)


def _range_st(f0_hz: np.ndarray) -> float | None:
    v = f0_hz[f0_hz > 0]
    if v.size < 5:
        return None
    p10, p90 = np.percentile(v, [10, 90])
    return float(hz_to_st(p90, p10))


# ---------------------------------------------------------------------------------------------
# Planning: from the profile's targets to the five knobs


def _from_rel(rel: float, ref: float, comparison: str) -> float:
    if comparison == "st":
        return ref * 2.0 ** (rel / 12.0)
    if comparison == "percent":
        return ref * (1.0 + rel / 100.0)
    return ref + rel


def _desired(x: float, low: float | None, high: float | None, margin: float, *,
             raise_low: bool) -> float:
    """Where ``x`` should go: to ``margin`` inside the calm (upper) edge when above it, else
    nowhere; a value below the range is raised into it only when ``raise_low``.

    For every manipulated feature "more" is the aroused direction (higher, wider, faster,
    louder, brighter), so the aim sits below the upper edge. A take that is already lower,
    slower or softer than the range is left so: making someone higher, faster or louder is not
    "calmer" (the coach says when a voice is pressed too low or too soft). Only the melody is
    widened when it is flatter than its range, because calm is not flat.
    """
    aim = None
    if high is not None:
        aim = high - margin
        if low is not None:
            aim = max(aim, 0.5 * (low + high))  # a narrow range: its middle
    if aim is not None and x > aim:
        return aim
    if raise_low and low is not None and x < low:
        inside = low + 0.5 * margin
        return min(inside, aim) if aim is not None else inside
    return x


def _aim_value(spec, current: float, base: float | None, margin: float, *,
               expected_f0_hz: float | None = None) -> float:
    """The desired measure value (the measure's own unit) for one feature. An absolute pitch
    target set against the pitch expected of the voice is placed around ``expected_f0_hz``."""
    rel = spec.relative
    ab = spec.absolute.in_hz(expected_f0_hz) if spec.absolute is not None else None
    raise_low = spec.measure == "f0_range_st"
    if base is not None and rel is not None:
        now = relative_change(current, base, rel.comparison)
        if now is None:  # not comparable with the baseline: the coach does not judge it either
            return current
        want = _desired(now, rel.low, rel.high, margin, raise_low=raise_low)
        # in range already: the take's own value, not its round trip through the baseline
        return current if want == now else _from_rel(want, base, rel.comparison)
    desired = current
    if rel is not None:  # the take stands in for the everyday voice
        desired = _from_rel(_desired(0.0, rel.low, rel.high, margin, raise_low=raise_low),
                            current, rel.comparison)
    if ab is not None:
        inner = 0.25 * min(ab.tolerance_low, ab.tolerance_high)
        desired = _desired(desired, ab.low, ab.high, inner, raise_low=raise_low)
    return desired


def _plan(prof: Profile, before: Analysis, baseline: Analysis | None, world: _World,
          st_: CalmerSettings, strength: float) -> _Plan:
    """Choose the knobs so that the result, measured like the take, lands on the aims.

    Pitch level, melody range and movement are fitted on the planned contour itself, in the
    analysis' units: the result is re-tracked almost exactly on the contour it was synthesised
    on (median difference 0.01 st on real speech), whereas Harvest and the analysis disagree on
    the original about faint and creaky frames, which the re-synthesis turns into clearly
    voiced ones.
    """
    def aim_of(name):
        if not _has_feature(prof, name):
            return None
        spec = prof.feature(name)
        current = _measure(before, spec.measure)
        if current is None:
            return None
        base = _measure(baseline, spec.measure) if baseline is not None else None
        full = _aim_value(spec, current, base, getattr(st_, _MARGINS[name]),
                          expected_f0_hz=before.summary.f0_expected_hz)
        if spec.measure in ("f0_median_hz", "speech_rate_syl_per_s", "voiced_rate_syl_per_s",
                            "f0_range_st", "f0_velocity_st_per_s") and current > 0 and full > 0:
            return current, float(current * (full / current) ** strength)  # ratios blend in log
        return current, float(current + strength * (full - current))

    got = {name: aim_of(name) for name in MANIPULATED}
    aims = {name: g[1] for name, g in got.items() if g is not None}

    stretch = 1.0
    if got["tempo"] and got["tempo"][1] > 0:
        stretch = float(np.clip(got["tempo"][0] / got["tempo"][1], 1.0 / st_.max_stretch,
                                st_.max_stretch))
    gain = 0.0
    if got["loudness"]:
        gain = float(np.clip(got["loudness"][1] - got["loudness"][0], -st_.max_gain_db,
                             0.5 * st_.max_gain_db))
    tilt = 0.0
    if got["brightness"]:
        tilt = float(np.clip(got["brightness"][1] - got["brightness"][0], st_.max_tilt_db, 0.0))

    plan = _Plan(0.0, 1.0, 1, stretch, gain, tilt, aims, slew=strength > 0)
    tracked = world.tracked if world.tracked.sum() >= 10 else world.f0_hz > 0
    if strength <= 0 or tracked.sum() < 10:
        return plan

    want_median = got["pitch_level"][1] if got["pitch_level"] else None
    range_now = got["pitch_range"][0] if got["pitch_range"] else None
    want_range = got["pitch_range"][1] if got["pitch_range"] else range_now
    if want_range is not None and range_now is not None:
        # never narrower than the monotone guard, unless the take already was
        want_range = max(want_range, min(st_.min_range_st, range_now))
    want_vel = got["pitch_movement"][1] if got["pitch_movement"] else None
    pos = world.time_map(stretch, st_)
    tracked_out = tracked[np.clip(np.round(pos).astype(int), 0, tracked.size - 1)]
    max_shift = st_.max_pitch_shift_st

    def measured(trial: _Plan) -> tuple[float, float | None]:
        """Median (Hz) and range (st) of the planned contour on the frames the analysis
        tracks."""
        f0_new = world.contour(trial, st_)
        return float(np.median(f0_new[tracked])), _range_st(np.where(tracked, f0_new, 0.0))

    def fit(trial: _Plan) -> _Plan:
        # a few fixed-point steps: smoothing and the slew limit change range and median a little
        for _ in range(4):
            median_hz, range_st = measured(trial)
            shift, r = trial.shift_st, trial.range_factor
            if want_median is not None:
                shift = float(np.clip(shift + hz_to_st(want_median, median_hz),
                                      -max_shift, max_shift))
            if want_range is not None and range_st:
                r = float(np.clip(r * want_range / range_st, st_.min_range_factor,
                                  st_.max_range_factor))
            trial = dataclasses.replace(trial, shift_st=shift, range_factor=r)
        return trial

    plan = dataclasses.replace(plan, want_median_hz=want_median, want_range_st=want_range)
    chosen = fit(plan)
    for smooth in (3, 5, 9, 13, 17):
        if want_vel is None:
            break
        f0_out, _, _ = _resample_frames(world.contour(chosen, st_), world.sp, world.ap, pos)
        vel = _velocity(np.where(tracked_out, f0_out, 0.0), world.frame_s)
        if vel is None or vel <= want_vel * 1.02:
            break
        # smooth more, unless that would narrow the melody below its aim
        trial = fit(dataclasses.replace(chosen, smooth_frames=smooth))
        range_st = measured(trial)[1]
        if want_range is not None and range_st is not None and range_st < 0.93 * want_range:
            break
        chosen = trial
    return chosen


def _correction(plan: _Plan, after: Analysis, st_: CalmerSettings) -> _Plan | None:
    """The plan corrected by what the result measures, or None when it is close enough (0.3 st
    in level, 5 % in range) or the limits allow no further change."""
    if not plan.slew:  # strength 0: nothing was asked for
        return None
    shift, r = plan.shift_st, plan.range_factor
    median_hz, range_st = after.summary.f0_median_hz, after.summary.f0_range_st
    if plan.want_median_hz and median_hz:
        step = float(hz_to_st(plan.want_median_hz, median_hz))
        if abs(step) >= 0.3:
            shift = float(np.clip(shift + step, -st_.max_pitch_shift_st,
                                  st_.max_pitch_shift_st))
    if plan.want_range_st and range_st:
        ratio = plan.want_range_st / range_st
        if abs(ratio - 1.0) >= 0.05:
            r = float(np.clip(r * ratio, st_.min_range_factor, st_.max_range_factor))
    if abs(shift - plan.shift_st) < 0.05 and abs(r - plan.range_factor) < 0.01:
        return None
    return dataclasses.replace(plan, shift_st=shift, range_factor=r)


# ---------------------------------------------------------------------------------------------
# Reporting


def _changes(plan: _Plan, name: str) -> bool:
    """Whether ``plan`` changes feature ``name`` at all. Re-synthesis alone moves some measures
    a little (the syllables found in the sound, the pitch at voicing edges), which must not be
    reported as a change nobody made: a feature the plan leaves alone reads "about the same"."""
    return {
        "pitch_level": abs(plan.shift_st) >= 0.1,
        "pitch_range": abs(plan.range_factor - 1.0) >= 0.02,
        "pitch_movement": (abs(plan.range_factor - 1.0) >= 0.02 or plan.smooth_frames > 1
                           or plan.slew),
        "tempo": abs(plan.stretch - 1.0) >= 0.01,
        "loudness": abs(plan.gain_db) >= 0.1,
        "brightness": abs(plan.tilt_db) >= 0.1,
    }.get(name, True)


def _move(spec, before: Analysis, after: Analysis, judged_before, judged_after,
          baseline: Analysis | None, aim_measure: float | None, *, changed: bool = True
          ) -> Move:
    """One feature before and after, as the coach compares it (``judged_*``: its
    FeatureResult, or None when the coach could not judge it). ``changed``: the plan moved it
    (:func:`_changes`); if not, its words are "about the same" whatever re-synthesis did to
    the measure."""
    b, a = judged_before, judged_after
    ref = b or a
    m_before = _measure(before, spec.measure)
    m_after = _measure(after, spec.measure)
    aim = None
    if aim_measure is not None and ref is not None:
        expected = before.summary.f0_expected_hz
        if ref.relative_to == "baseline":
            base = _measure(baseline, spec.measure)
            aim = relative_change(aim_measure, base, spec.relative.comparison) if base else None
        elif spec.absolute is not None and spec.absolute.comparison == "expected_st":
            # judged against the pitch expected of the voice, in semitones
            aim = float(hz_to_st(aim_measure, expected)) if expected else None
        else:
            aim = aim_measure
    return Move(
        name=spec.name, label=spec.label, measure=spec.measure,
        unit=ref.unit if ref else spec.measure_unit,
        before=b.value if b else None, aim=aim, after=a.value if a else None,
        target_low=ref.target_low if ref else None, target_high=ref.target_high if ref else None,
        relative_to=ref.relative_to if ref else "absolute",
        measured_before=m_before, measured_after=m_after, measured_unit=spec.measure_unit,
        words=_move_words(spec, m_before, m_after) if changed or m_before is None
        or m_after is None else "about the same",
    )


def _move_words(spec, before: float | None, after: float | None) -> str:
    """What changed from the take to the result, measured on both: "3.9 semitones lower"."""
    if before is None or after is None:
        return "could not be measured on both takes"
    w = spec.wording
    if spec.measure == "f0_median_hz":
        d = float(hz_to_st(after, before))
        amount, unit = abs(d), "semitones"
        same = abs(d) < 0.3
    elif spec.measure in ("loudness_db", "speech_level_db", "alpha_ratio_db"):
        d = after - before
        amount, unit = abs(d), "dB"
        same = abs(d) < 0.5
    else:
        d = 100.0 * (after / before - 1.0) if before else 0.0
        amount, unit = abs(d), "%"
        same = abs(d) < 3.0
    if same:
        return "about the same"
    direction = w.more if d > 0 else w.less
    number = f"{amount:.1f}" if amount < 10 else f"{amount:.0f}"
    return f"{number} {unit} {direction}"


def _summary_words(plan: _Plan, moves: Sequence[Move]) -> str:
    """The changes in one line, from the same measurements as each move ("pitch height 3.9
    semitones lower, pace 23 % slower, ..."): the headline and the table cannot disagree."""
    unchanged = (plan.shift_st == 0 and plan.stretch == 1 and plan.gain_db == 0
                 and plan.tilt_db == 0 and plan.range_factor == 1 and plan.smooth_frames <= 1)
    parts = [f"{m.label.lower()} {m.words}" for m in moves
             if m.measured_before is not None and m.measured_after is not None
             and m.words != "about the same"]
    if unchanged and not plan.slew:  # strength 0
        return "strength 0: re-synthesised without change"
    if unchanged or not parts:
        return "already calm: re-synthesised without change"
    return ", ".join(parts)


def _voicing_kept(before: Analysis, after: Analysis, time_map: np.ndarray,
                  world: _World) -> float | None:
    """Share of the original's voiced frames that are still voiced at the same moment of the
    result (10 ms frames): a whispery or broken re-synthesis loses voicing.

    The opposite error, a buzz on voiceless sounds, cannot arise: the result is voiced only
    where Harvest found voicing in the original. The result may read voiced where the
    analysis' stricter tracker found the original unvoiced (faint phrase ends, pitch outside
    the tracker's range), which is not an artefact, so that direction is not counted.
    """
    v_before = before.tracks.voiced
    v_after = after.tracks.voiced
    # output 10 ms frame k sits at output WORLD frame k * step; its source WORLD frame maps
    # back to an analysis frame of the original
    step = FRAME_S / world.frame_s
    k = np.arange(v_after.size)
    j = np.clip(np.round(k * step).astype(int), 0, time_map.size - 1)
    src = np.clip(np.round(time_map[j] / step).astype(int), 0, v_before.size - 1)
    was_voiced = v_before[src]
    if was_voiced.sum() < 10:
        return None
    return float(np.mean(v_after[was_voiced]))
