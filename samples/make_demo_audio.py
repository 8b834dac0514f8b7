"""Re-create the demo takes in samples/audio/ (see samples/README.md).

Every take is synthesised: espeak-ng speaks the words, then pyworld (WORLD) re-synthesises them
on a chosen pitch contour, pace and level, so the differences between the takes are known by
construction. Run from the project folder::

    .venv/bin/python samples/make_demo_audio.py

It needs espeak-ng on the PATH. The output is deterministic for a given espeak-ng version.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pyworld
import soundfile as sf

SR = 16_000
OUT = Path(__file__).resolve().parent / "audio"
SEED = "I'm here with you. What do you need right now?"
PROVOCATION = "You never listen to me! Why do you always do this?"


def speak(text: str, *, voice: str, speed_wpm: int, pitch: int) -> np.ndarray:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SystemExit("espeak-ng is not installed: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "say.wav"
        subprocess.run([exe, "-v", voice, "-s", str(speed_wpm), "-p", str(pitch), "-w",
                        str(path), text], check=True, capture_output=True)
        y, sr = sf.read(path)
    from scipy.signal import resample_poly

    return resample_poly(y, SR, sr)


def reshape(y: np.ndarray, *, shift_st: float, range_factor: float, gain: float,
            end_fall_st: float = 0.0) -> np.ndarray:
    """The take on a new contour: shifted, its melody scaled around its median, and, when
    ``end_fall_st`` is given, the last 0.4 s of voicing of every phrase (found by
    ``prosody.analyze``) replaced by a straight glide down by that many semitones."""
    x = np.ascontiguousarray(y)
    f0, t = pyworld.harvest(x, SR, f0_floor=60.0, f0_ceil=450.0, frame_period=5.0)
    sp = pyworld.cheaptrick(x, f0, t, SR)
    ap = pyworld.d4c(x, f0, t, SR)
    # Harvest carries voicing into the faint tails after espeak-ng's words; re-synthesised
    # there, a quiet buzz would trail each phrase
    level_db = 10 * np.log10(sp.sum(axis=1) + 1e-20)
    voiced = (f0 > 0) & (level_db > np.percentile(level_db, 95) - 30.0)
    median = np.median(f0[voiced])
    st = np.zeros_like(f0)
    st[voiced] = 12 * np.log2(f0[voiced] / median)
    st = shift_st + range_factor * st
    if end_fall_st:
        import warnings

        from prosody import ProsodyWarning, analyze

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProsodyWarning)
            phrases = analyze(y, sr=SR).tracks.phrases
        for _, end_s in phrases:
            last = np.flatnonzero(voiced & (t <= end_s))
            if last.size == 0:
                continue
            window = voiced & (t > t[last[-1]] - 0.4) & (t <= t[last[-1]])
            idx = np.flatnonzero(window)
            ramp = (t[idx] - t[idx[0]]) / max(t[idx[-1]] - t[idx[0]], 1e-3)
            st[idx] = st[idx[0]] - end_fall_st * ramp
    new_f0 = np.where(voiced, median * 2 ** (st / 12), 0.0)
    return gain * pyworld.synthesize(new_f0, sp, ap, SR, frame_period=5.0)


def save(name: str, y: np.ndarray) -> None:
    y = y / max(1.0, float(np.max(np.abs(y))) / 0.95)
    path = OUT / name
    sf.write(path, y, SR, format="FLAC", subtype="PCM_16")
    print(f"{path.name}: {y.size / SR:.2f} s, {path.stat().st_size / 1000:.0f} kB")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    trainee = {"voice": "en-us", "pitch": 45}
    save("seed-baseline.flac", reshape(speak(SEED, speed_wpm=165, **trainee), shift_st=0.0,
                                       range_factor=1.0, gain=0.5))
    save("seed-tense.flac", reshape(speak(SEED, speed_wpm=205, **trainee), shift_st=3.0,
                                    range_factor=1.5, gain=0.9))
    save("seed-calm.flac", reshape(speak(SEED, speed_wpm=125, **trainee), shift_st=-1.5,
                                   range_factor=0.8, gain=0.28, end_fall_st=3.0))
    save("seed-model.flac", reshape(speak(SEED, voice="en-us+f2", pitch=50, speed_wpm=125),
                                    shift_st=-5.0, range_factor=0.35, gain=0.3,
                                    end_fall_st=3.0))
    save("provocation.flac", reshape(speak(PROVOCATION, voice="en-us+f3", pitch=70,
                                           speed_wpm=210),
                                     shift_st=2.0, range_factor=1.6, gain=0.9))


if __name__ == "__main__":
    main()
