"""How far a mains hum moves the calm score, with and without ``prosody.hum`` taking it out.

The repository's real takes (tests/data: CMU ARCTIC a0007 and six CREMA-D takes, 2 to 4 s
each, and all seven one after another with 0.6 s of faint noise between them, 21 s) are mixed
with a synthetic hum of a known kind, at a known level below the voice (the RMS of the loudest
third of the samples):

- steady: 50 or 60 Hz, the fundamental alone or six harmonics each 4.4 dB below the last, at
  30, 15 and 0 dB below the voice (twelve mixes a take);
- partial: six harmonics of 50 Hz, on only from 60 % into the take (a charger plugged in). The
  hum is judged in the pauses of 5 s stretches (``prosody.hum.REGION_S``): on a 2 to 4 s take
  the pauses before it come first, and it is not meant to be found there;
- gated: six harmonics of 60 Hz behind a noise gate keyed on the voice (digital silence where
  its 20 ms frames are 45 dB below the loudest, held open 50 ms around the rest), scored
  against the gated take without hum;
- drifting: six harmonics of a fundamental moving from 49.8 to 50.2 Hz over the take;
- buzz: twenty harmonics of 60 Hz, the k-th at 1/k of the fundamental, up to 1.2 kHz;

the last four at 20, 10 and 0 dB below the voice. Each mix is coached (profile ``soothing``, no
baseline) once as the app does and once with hum removal switched off, and each is made twice
(DRAWS), with fresh random phases. The table gives each take's clean score (and its gated
one) and, for each kind of hum, the mean error of its mixes' scores against it, hum left in /
taken out; the summary, for each kind, that mean over all takes, the share of mixes more than
5 points off, how many were refused, in how many the hum was found, and what removal left of
the hum where it was (the difference from the clean take, over the hum, in dB).

Run: ``.venv/bin/python benchmarks/hum.py`` (about a minute).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import prosody.hum as hum_module  # noqa: E402
from prosody import analyze  # noqa: E402
from prosody.audio import load  # noqa: E402
from prosody.coach import coach  # noqa: E402
from prosody.profile import load_profile  # noqa: E402

SR = 16_000
FILES = [ROOT / "tests" / "data" / "arctic_a0007.wav",
         *sorted((ROOT / "tests" / "data" / "cremad").glob("*.flac"))]
STEADY_BELOW_VOICE_DB = (30.0, 15.0, 0.0)
BELOW_VOICE_DB = (20.0, 10.0, 0.0)
KINDS = ("steady", "partial", "gated", "drifting", "buzz")
#: Each mix is made this many times, the hum's phases drawn afresh: on a 2 s take one more or
#: one less syllable or pitch jump moves the score by 10 points either way, so single mixes
#: are noisy.
DRAWS = 2
#: The share of the take after which the partial hum is on.
PARTIAL_FROM = 0.6
#: The noise gate: shut on 20 ms frames this far (dB) below the loudest, unless within
#: GATE_HOLD frames of one that is not.
GATE_DB, GATE_HOLD = 45.0, 2


def takes() -> list[tuple[str, np.ndarray]]:
    """The seven takes, and all seven joined with 0.6 s of faint noise between them."""
    out = [(path.name, load(path).y) for path in FILES]
    rng = np.random.default_rng(7)
    joined = []
    for _, y in out:
        joined += [y, 3e-4 * rng.standard_normal(int(0.6 * SR))]
    return [*out, ("all seven joined (21 s)", np.concatenate(joined))]


def mains_hum(n: int, mains_hz: float, amplitudes, rng, *, drift_hz: float = 0.0) -> np.ndarray:
    """Unit-RMS hum: harmonic k of ``mains_hz`` at ``amplitudes[k - 1]``, random phases; its
    fundamental moving linearly from ``mains_hz - drift_hz`` to ``mains_hz + drift_hz``."""
    t = np.arange(n) / SR
    offset = drift_hz * (2.0 * t / max(t[-1], 1e-9) - 1.0)
    phase = 2 * np.pi * (mains_hz * t + np.cumsum(offset) / SR)
    h = sum(a * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
            for k, a in enumerate(amplitudes, 1))
    return h / np.sqrt(np.mean(h ** 2))


def gate_shut(y: np.ndarray) -> np.ndarray:
    """Where a noise gate keyed on ``y`` is shut (True)."""
    size = SR // 50
    n = y.size // size
    power = np.mean(y[: n * size].reshape(n, size) ** 2, axis=1)
    open_ = power > np.max(power) * 10 ** (-GATE_DB / 10)
    open_ = np.convolve(open_, np.ones(2 * GATE_HOLD + 1), mode="same") > 0
    shut = np.ones(y.size, dtype=bool)
    shut[: n * size] = np.repeat(~open_, size)
    return shut


def mixes(y: np.ndarray, rng):
    """(kind, label, hummed take, clean reference) for one take, DRAWS times over; the clean
    reference is the take itself, or for "gated" the take behind the same gate."""
    for _ in range(DRAWS):
        yield from _mixes(y, rng)


def _mixes(y: np.ndarray, rng):
    n = y.size
    power = np.sort(y ** 2)
    voice = float(np.sqrt(np.mean(power[-power.size // 3:])))
    six = [0.6 ** (k - 1) for k in range(1, 7)]
    for mains in (50.0, 60.0):
        for amplitudes in ([1.0], six):
            h = mains_hum(n, mains, amplitudes, rng)
            for below in STEADY_BELOW_VOICE_DB:
                label = f"{mains:.0f} Hz x{len(amplitudes)} -{below:g}"
                yield "steady", label, y + h * voice * 10 ** (-below / 20), y
    shut = gate_shut(y)
    gated = np.where(shut, 0.0, y)
    on = np.arange(n) >= int(PARTIAL_FROM * n)
    buzz = [1.0 / k for k in range(1, 21)]
    for below in BELOW_VOICE_DB:
        level = voice * 10 ** (-below / 20)
        yield "partial", f"-{below:g}", y + mains_hum(n, 50.0, six, rng) * on * level, y
        h = mains_hum(n, 60.0, six, rng) * level
        yield "gated", f"-{below:g}", np.where(shut, 0.0, y + h), gated
        h = mains_hum(n, 50.0, six, rng, drift_hz=0.2) * level
        yield "drifting", f"-{below:g}", y + h, y
        yield "buzz", f"-{below:g}", y + mains_hum(n, 60.0, buzz, rng) * level, y


def score(y: np.ndarray, profile, *, remove: bool, seen: dict | None = None) -> int | None:
    """The coach's score for ``y``, hum removal on or off; with removal on, ``seen`` gets
    whether hum was found and what removal returned."""
    find, take_out = hum_module.find_hum, hum_module.remove_hum

    def spy_find(y, sr):
        hum = find(y, sr=sr)
        if seen is not None:
            seen["found"] = hum is not None
        return hum

    def spy_remove(y, sr, hum):
        removed = take_out(y, sr=sr, hum=hum)
        if seen is not None:
            seen["removed"] = removed
        return removed

    hum_module.find_hum = spy_find if remove else (lambda y, sr: None)
    hum_module.remove_hum = spy_remove
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return coach(analyze(y, sr=SR), profile=profile).score
    finally:
        hum_module.find_hum, hum_module.remove_hum = find, take_out


def main() -> int:
    start = time.perf_counter()
    profile = load_profile("soothing")
    rng = np.random.default_rng(1)
    errors = {(kind, remove): [] for kind in KINDS for remove in (False, True)}
    refused = {key: 0 for key in errors}
    found = {kind: [] for kind in KINDS}
    left = {kind: [] for kind in KINDS}
    print(f"{'take':24s} {'clean':>5s} {'gated':>5s} | mean |score - clean score| of its mixes, "
          "hum left in / taken out")
    for name, y in takes():
        references = {}
        take = {key: [] for key in errors}
        for kind, _, mixed, reference in mixes(y, rng):
            key = "gated" if kind == "gated" else "clean"
            if key not in references:
                references[key] = score(reference, profile, remove=True)
            truth = references[key]
            seen = {"found": False, "removed": mixed}
            for remove in (False, True):
                s = score(mixed, profile, remove=remove, seen=seen if remove else None)
                if s is None:
                    refused[kind, remove] += 1
                error = abs((s if s is not None else 50) - (truth or 0))
                errors[kind, remove].append(error)
                take[kind, remove].append(error)
            found[kind].append(seen["found"])
            if seen["found"]:
                left[kind].append(10 * np.log10(np.sum((seen["removed"] - reference) ** 2)
                                                / np.sum((mixed - reference) ** 2)))
        print(f"{name:24s} {references['clean']!s:>5} {references['gated']!s:>5} | " + "  ".join(
            f"{kind} {np.mean(take[kind, False]):4.1f}/{np.mean(take[kind, True]):4.1f}"
            for kind in KINDS), flush=True)
    print(f"\noff = hum left in, on = taken out (prosody.hum); steady: 50/60 Hz, fundamental or "
          f"six harmonics, {'/'.join(f'{b:g}' for b in STEADY_BELOW_VOICE_DB)} dB below the "
          f"voice; the others {'/'.join(f'{b:g}' for b in BELOW_VOICE_DB)} dB below it; each "
          f"{DRAWS} times. What removal left of the hum (and took of the voice): the difference "
          "from the clean take over the hum, where it was found.")
    for kind in KINDS:
        n = len(errors[kind, True])
        was = (f"; left {np.median(left[kind]):.1f} dB (median), {np.max(left[kind]):.1f} dB "
               "(worst)" if left[kind] else "")
        print(f"{kind} ({n} mixes, hum found in {sum(found[kind])}{was}):")
        for remove, label in ((False, "left in"), (True, "taken out")):
            e = np.array(errors[kind, remove])
            print(f"  hum {label:9s}: mean |score - clean score| {e.mean():5.1f} points, "
                  f"more than 5 points off {100 * np.mean(e > 5):3.0f} %, "
                  f"refused {refused[kind, remove]}")
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
