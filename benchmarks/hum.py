"""How far a mains hum moves the calm score, with and without ``prosody.hum`` taking it out.

The repository's real takes (tests/data: CMU ARCTIC a0007 and six CREMA-D takes) are mixed
with a synthetic mains hum at 50 and 60 Hz, either the fundamental alone or a buzz of six
harmonics each 4.4 dB below the last, at 0, 15 and 30 dB below the voice (the RMS of the
loudest third of the samples). Each mix is coached (profile ``soothing``, no baseline) once as
the app does and once with hum removal switched off; the table gives each take's clean score
and the scores of its twelve mixes, "off/on", and the summary the mean error against the clean
score, the share of mixes more than 5 points off and the share refused.

Run: ``.venv/bin/python benchmarks/hum.py`` (about a minute).
"""

from __future__ import annotations

import sys
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
BELOW_VOICE_DB = (30.0, 15.0, 0.0)


def mains_hum(n: int, mains_hz: float, harmonics: int, rng) -> np.ndarray:
    t = np.arange(n) / SR
    h = sum(0.6 ** (k - 1) * np.sin(2 * np.pi * mains_hz * k * t + rng.uniform(0, 2 * np.pi))
            for k in range(1, harmonics + 1))
    return h / np.sqrt(np.mean(h ** 2))


def score(y: np.ndarray, profile, *, remove: bool) -> int | None:
    find = hum_module.find_hum
    if not remove:
        hum_module.find_hum = lambda y, sr: None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return coach(analyze(y, sr=SR), profile=profile).score
    finally:
        hum_module.find_hum = find


def main() -> int:
    profile = load_profile("soothing")
    rng = np.random.default_rng(1)
    errors = {False: [], True: []}
    refused = {False: 0, True: 0}
    for path in FILES:
        y = load(path).y
        clean = score(y, profile, remove=True)
        power = np.sort(y ** 2)
        voice = float(np.sqrt(np.mean(power[-power.size // 3:])))
        row = f"{path.name:24s} clean {clean!s:>4} |"
        for mains in (50.0, 60.0):
            for harmonics in (1, 6):
                h = mains_hum(y.size, mains, harmonics, rng)
                for below in BELOW_VOICE_DB:
                    mixed = y + h * voice * 10 ** (-below / 20)
                    got = {}
                    for remove in (False, True):
                        got[remove] = s = score(mixed, profile, remove=remove)
                        if s is None:
                            refused[remove] += 1
                        errors[remove].append(abs((s if s is not None else 50) - (clean or 0)))
                    row += f" {got[False]!s}/{got[True]!s}"
        print(row, flush=True)
    n = len(errors[True])
    print(f"\n{n} mixes (hum at 50/60 Hz, fundamental or six harmonics, "
          f"{'/'.join(f'{b:g}' for b in BELOW_VOICE_DB)} dB below the voice); off = hum "
          "left in, on = taken out (prosody.hum):")
    for remove, name in ((False, "left in"), (True, "taken out")):
        e = np.array(errors[remove])
        print(f"  hum {name:9s}: mean |score - clean score| {e.mean():5.1f} points, "
              f"more than 5 points off {100 * np.mean(e > 5):3.0f} %, refused {refused[remove]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
