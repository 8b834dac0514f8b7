"""Each place the product could use librosa (or soxr, which librosa resamples with), measured
against the hand-written code: accuracy on known answers, speed, and cold start.

Run ``.venv/bin/python benchmarks/library_swaps.py``. Three tables, each closed by the choice it
supports (the numbers also stand in comments beside the code):

1. Alignment (``prosody.compare.align``): ``librosa.sequence.dtw`` against the numpy DTW it
   replaced (``benchmarks/replaced.py``). Accuracy: 30 known tempo warps (0.65-1.5x in five
   pieces) of the frame tracks of a real phrase (CMU ARCTIC a0007), 3 st higher, with pitch
   (0.3 st) and level (2 dB) noise; the error is how far each voiced moment of take A lands
   from where the warp put it in take B, in ms.
2. Resampling (``prosody.dsp.resample``): soxr "VHQ" against the Kaiser-windowed polyphase
   filter it replaced. Error of a tone against the exact tone at 16 kHz, what is left of tones
   that would alias, and the time for 60 s.
3. Peak picking (``prosody.dsp.find_peaks``, the syllable detector's): ``librosa.util.
   peak_pick`` against ours, speed and the cost of importing it.

Cold start is measured in fresh processes: the seconds ``import`` adds, and for the DTW the first
call (numba loads or compiles the function). A limit on the cold path of ``calmtone analyze``
(0.5 s for a 10 s file, benchmarks/speed.py) rules out anything that imports numba there.
"""

# ruff: noqa: E402
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

from replaced import kaiser_resample, numpy_align

from prosody import analyze, load
from prosody.compare import align
from prosody.dsp import find_peaks, resample
from prosody.errors import quiet_warnings
from prosody.util import FRAME_S

ARCTIC = HERE.parent / "tests" / "data" / "arctic_a0007.wav"


def best_ms(fn, repeats: int = 5) -> float:
    """The fastest of ``repeats`` runs after one warm-up, in ms (the least disturbed)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def fresh_s(code: str, repeats: int = 3) -> float:
    """Median wall time of ``python -c code`` in a fresh process, in seconds."""
    times = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[1:])


# ---------------------------------------------------------------------------------------------
# 1. Alignment


def warped(tracks, rng):
    """Take B: take A's tracks played at a known, changing tempo; returns (B, (A knots, B
    knots)), the piecewise-linear map between their times."""
    total_s = tracks.time_s[-1]
    knots_a = np.linspace(0, total_s, 6)
    knots_b = np.concatenate([[0], np.cumsum(np.diff(knots_a) / rng.uniform(0.65, 1.5, 5))])
    time_b = np.arange(0, knots_b[-1], FRAME_S)
    idx = np.clip(np.round(np.interp(time_b, knots_b, knots_a) / FRAME_S).astype(int), 0,
                  tracks.time_s.size - 1)
    f0 = tracks.f0_hz[idx] * 2 ** ((3.0 + rng.normal(0, 0.3, time_b.size)) / 12)
    b = SimpleNamespace(time_s=time_b, f0_hz=f0, voiced=tracks.voiced[idx],
                        speech=tracks.speech[idx],
                        loudness_db=tracks.loudness_db[idx] + rng.normal(0, 2.0, time_b.size))
    return b, (knots_a, knots_b)


def alignment_error_ms(time_a_s, time_b_s, truth, tracks) -> float:
    t = tracks.time_s[tracks.voiced]
    return 1000 * float(np.mean(np.abs(np.interp(t, time_a_s, time_b_s)
                                       - np.interp(t, *truth))))


def repeated(tracks, seconds: float):
    n = int(seconds / FRAME_S)
    reps = -(-n // tracks.time_s.size)
    return SimpleNamespace(time_s=np.arange(n) * FRAME_S,
                           **{k: np.tile(getattr(tracks, k), reps)[:n]
                              for k in ("f0_hz", "voiced", "speech", "loudness_db")})


# in a fresh process: the seconds ``import librosa.sequence`` adds to numpy's, then the first call
_FIRST_DTW = """
import time, numpy as np
t0 = time.perf_counter()
from librosa.sequence import dtw
t1 = time.perf_counter()
dtw(C=np.ones((9, 9)), step_sizes_sigma=np.array([[1, 1], [1, 2], [2, 1]]))
print(t1 - t0, time.perf_counter() - t1)
"""


def alignment_table() -> None:
    with quiet_warnings():
        a = analyze(load(ARCTIC).y, sr=16_000).tracks
    rng = np.random.default_rng(20261207)
    errors = {"librosa.sequence.dtw": [], "numpy DTW (replaced)": []}
    for _ in range(30):
        b, truth = warped(a, rng)
        new = align(a, b)
        errors["librosa.sequence.dtw"].append(
            alignment_error_ms(new.time_a_s, new.time_b_s, truth, a))
        errors["numpy DTW (replaced)"].append(alignment_error_ms(*numpy_align(a, b), truth, a))
    print("1. Alignment: 30 known tempo warps of a real phrase")
    print(f"  {'method':<22} {'mean error':>11} {'p90':>8}")
    for name, e in errors.items():
        print(f"  {name:<22} {np.mean(e):8.1f} ms {np.percentile(e, 90):5.1f} ms")
    print(f"  {'takes':<10} {'librosa':>10} {'numpy':>10}")
    for seconds in (3, 10, 30, 60):
        long_a = repeated(a, seconds)
        long_b, _ = warped(long_a, rng)
        new = best_ms(lambda a=long_a, b=long_b: align(a, b))
        old = best_ms(lambda a=long_a, b=long_b: numpy_align(a, b))
        print(f"  {seconds:>4} s    {new:7.1f} ms {old:7.1f} ms")
    runs = [subprocess.run([sys.executable, "-c", _FIRST_DTW], check=True, capture_output=True,
                           text=True).stdout.split() for _ in range(3)]
    cold, first = (statistics.median(float(r[k]) for r in runs) for k in (0, 1))
    print(f"  cold start: import librosa.sequence +{cold:.2f} s, first dtw call +{first:.2f} s "
          "(numba loads its cached machine code)")
    print("  -> librosa: as accurate, faster on phrases; imported inside align() only, never on "
          "the path of analyze")


# ---------------------------------------------------------------------------------------------
# 2. Resampling


def _level_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(x**2) + 1e-30)


def resampling_table() -> None:
    methods = {"soxr VHQ": resample, "Kaiser (replaced)": kaiser_resample}
    print("\n2. Resampling to 16 kHz")
    print(f"  {'from':>6} {'method':<18} {'1 kHz err':>10} {'6.5 kHz err':>12} "
          f"{'8.5 kHz left':>13} {'60 s':>9}")
    rng = np.random.default_rng(0)
    for sr_in in (48_000, 44_100, 22_050):
        t = np.arange(2 * sr_in) / sr_in
        ref_t = np.arange(32_000) / 16_000
        for name, fn in methods.items():
            errs = []
            for f in (1000.0, 6500.0):
                out = fn(np.sin(2 * np.pi * f * t), sr_in, 16_000)[4000:-4000]
                ref = np.sin(2 * np.pi * f * ref_t)[4000:4000 + out.size]
                errs.append(_level_db(out - ref) - _level_db(ref))
            alias = _level_db(fn(np.sin(2 * np.pi * 8500.0 * t), sr_in, 16_000)[4000:-4000])
            noise = rng.standard_normal(60 * sr_in)
            ms = best_ms(lambda fn=fn, noise=noise, sr_in=sr_in: fn(noise, sr_in, 16_000), 3)
            print(f"  {sr_in:>6} {name:<18} {errs[0]:7.1f} dB {errs[1]:9.1f} dB "
                  f"{alias:10.1f} dB {ms:6.1f} ms")
    cold = fresh_s("import numpy, soxr") - fresh_s("import numpy")
    print(f"  cold start: import soxr +{1000 * cold:.0f} ms")
    print("  -> soxr: cleaner and faster at every rate, and cheap to import")


# ---------------------------------------------------------------------------------------------
# 3. Peak picking


def peak_table() -> None:
    x = np.random.default_rng(1).standard_normal(6000).cumsum()  # 60 s of 10 ms frames
    from librosa.util import peak_pick

    ours = best_ms(lambda: find_peaks(x, min_prominence=0.5, min_distance=8))
    theirs = best_ms(lambda: peak_pick(x, pre_max=3, post_max=3, pre_avg=3, post_avg=3,
                                       delta=0.5, wait=8))
    cold = fresh_s("from librosa.util import peak_pick") - fresh_s("import numpy")
    print("\n3. Peak picking, 60 s of 10 ms frames")
    print(f"  ours (prominence, as scipy.signal.find_peaks) {ours:6.2f} ms")
    print(f"  librosa.util.peak_pick (running max and mean)  {theirs:6.2f} ms")
    print(f"  cold start: import librosa.util +{cold:.2f} s, on the path of every analysis")
    print("  -> ours: librosa's import alone would exceed the 0.5 s cold limit of calmtone "
          "analyze, and it has no prominence, which the syllable detector is tuned on")


def main() -> int:
    print(f"load average {os.getloadavg()[0]:.2f} (timings are best of several runs)\n")
    alignment_table()
    resampling_table()
    peak_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
