"""At what signal-to-noise ratio does each measure the coach uses stop being reliable?

Clean read speech (TIMIT's four speakers, 40 sentences, and FDA's two, 20 sentences) is mixed
with three real kinds of noise at 30, 25, 20, 15 and then every 2 to 3 dB down to -4 dB SNR:

- **pink** noise (1/f, seeded), the usual stand-in for a fan or traffic;
- **babble**: six other talkers at once (TIMIT sentences of the other speakers, summed), the
  hardest case, since it is speech itself;
- **room**: the real background of an ordinary recording booth, cut from the non-speech frames
  of 60 CREMA-D takes (hum, the booth's own noise), looped. Only frames at least 300 ms from any
  speech and no louder than the file's median background frame are kept: the edges of soft
  words, breaths and lip noise would otherwise make the "room" a faint babble.

SNR is the active speech level (RMS over the clean take's speech frames) over the noise's RMS.
Each measure of the noisy take is compared with the same measure of the clean take; a measure
"holds" at an SNR while its median error over the sentences is within the stated tolerance and
its 90th percentile within twice that. The table gives, per measure and noise, the lowest SNR
at which it still holds, and the SNR the analysis itself reads there (``quality.snr_db``, the
median over the sentences: what the coach's gate sees; for the measures read from the voice's
upper frequencies, the pitch expected of the vocal tract and the spectral centroid, the SNR it
reads in that band, ``quality.snr_high_db``). The coach's per-measure limits in the profile's
``[guards.snr_limits_db]`` come from the last column, rounded up.

Run: ``.venv/bin/python benchmarks/noise_robustness.py --data ../shared/data``
(also printed by ``benchmarks/calm_validation.py``).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prosody.analysis import Analysis, analyze  # noqa: E402
from prosody.audio import load  # noqa: E402
from prosody.coach import measure  # noqa: E402
from prosody.util import hz_to_st  # noqa: E402
from prosody.voice import HIGH_BAND_HZ, HIGH_BAND_MEASURES  # noqa: E402

SR = 16_000
SEED = 20261206
SNRS_DB = (30, 25, 20, 15, 12, 10, 8, 6, 4, 2, 0, -2, -4)
NOISES = ("pink", "babble", "room")

#: measure -> (how its error is counted, tolerance). "st": semitones between the two values;
#: "db" and "abs": plain difference; "pct": percent of the clean value. Each tolerance is about
#: half the width of the coach's calm zone for that measure (pitch height: 0 to -2 st from the
#: baseline; level: -3 to -6 dB), so an error within it cannot move a take across the zone.
TOLERANCES: dict[str, tuple[str, float]] = {
    "f0_median_hz": ("st", 1.0),
    "f0_range_st": ("abs", 1.5),
    "f0_velocity_st_per_s": ("pct", 25.0),
    "final_fall_fraction": ("abs", 0.25),
    "speech_rate_syl_per_s": ("pct", 10.0),
    "voiced_rate_syl_per_s": ("pct", 10.0),
    "pause_ratio": ("abs", 0.05),
    "phrase_mean_syl": ("pct", 20.0),
    "loudness_db": ("db", 1.0),
    "speech_level_db": ("db", 1.0),
    "onset_slope_db_per_s": ("pct", 25.0),
    "alpha_ratio_db": ("db", 1.5),
    "hammarberg_db": ("db", 2.0),
    "irregular_voicing_fraction": ("abs", 0.08),
    # about half the calm zone tolerance or less (150 Hz at 450 Hz; 0.04 at 0.15; 3 st)
    "spectral_centroid_hz": ("pct", 10.0),
    "spectral_flux": ("pct", 10.0),
    "f0_expected_hz": ("st", 1.5),
}


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spectrum.size, dtype=float)
    f[0] = 1.0
    y = np.fft.irfft(spectrum / np.sqrt(f), n)
    return y / np.sqrt(np.mean(y**2))


def _loop(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    start = int(rng.integers(0, y.size))
    reps = int(math.ceil((n + start) / y.size))
    return np.tile(y, reps)[start:start + n]


def room_noise(data_dir: Path) -> np.ndarray:
    """The non-speech frames of 60 CREMA-D takes, end to end (10 ms frames, cross-faded by
    nothing: each frame is real background)."""
    folder = data_dir / "cremad"
    files = (sorted(folder.glob("*_IEO_NEU_XX.flac"))[:30]
             + sorted(folder.glob("*_DFA_NEU_XX.flac"))[:30])
    parts = []
    hop = SR // 100
    for path in files:
        sig = load(path)
        a = _quiet(analyze, sig.y, sr=SR)
        quiet = ~a.tracks.speech
        # keep only frames well away from speech (300 ms on either side) and no louder than
        # the median of them: the room, not the tails of soft words, breaths or lip noise
        pad = np.convolve(a.tracks.speech.astype(float), np.ones(61), "same") > 0
        far = quiet & ~pad
        if far.sum() < 5:
            continue
        level = a.tracks.loudness_db
        keep = np.flatnonzero(far & (level <= np.median(level[far])))
        for k in keep:
            parts.append(sig.y[k * hop:(k + 1) * hop])
    y = np.concatenate(parts)
    y = y - y.mean()
    return y / np.sqrt(np.mean(y**2))


def clean_items(data_dir: Path) -> list[tuple[str, str, np.ndarray]]:
    """(speaker, text, 16 kHz signal) of TIMIT's 40 and FDA's 20 sentences."""
    items = []
    timit = data_dir / "timit"
    with open(timit / "labels.csv", newline="") as f:
        for row in csv.DictReader(f):
            items.append((row["speaker"], row["text"], load(timit / row["file"]).y))
    fda = data_dir / "fda"
    texts = {}
    index = fda / "orthographic.index"
    if index.exists():
        for line in index.read_text().splitlines():
            parts = line.split(maxsplit=1)
            if len(parts) == 2:
                texts[parts[0]] = parts[1].strip()
    for path in sorted(fda.glob("*.wav")):
        key = path.stem
        items.append((key[:2], texts.get(key[2:], texts.get(key)), load(path).y))
    return items


def _error(kind: str, clean: float, noisy: float) -> float:
    if kind == "st":
        return abs(float(hz_to_st(noisy, clean)))
    if kind == "pct":
        return abs(noisy - clean) / max(abs(clean), 1e-9) * 100.0
    return abs(noisy - clean)


def noise_table(data_dir: Path) -> list[dict]:
    """One row per measure and noise: the lowest SNR (mixing and as read) at which it holds."""
    rng = np.random.default_rng(SEED)
    items = clean_items(data_dir)
    room = room_noise(data_dir)
    errors: dict[tuple[str, str, int], list[float]] = {}
    read_snr: dict[tuple[str, int], list[float]] = {}
    read_high: dict[tuple[str, int], list[float]] = {}  # the same in the upper band
    for i, (speaker, text, y) in enumerate(items):
        clean = _quiet(analyze, y, sr=SR, text=text)
        speech = np.repeat(clean.tracks.speech, SR // 100)[: y.size]
        if speech.size < y.size:
            speech = np.pad(speech, (0, y.size - speech.size))
        active = math.sqrt(float(np.mean(y[speech] ** 2))) if speech.any() else float(
            np.sqrt(np.mean(y**2)))
        others = [z for s, _, z in items if s != speaker]
        for noise in NOISES:
            if noise == "pink":
                n = pink(y.size, rng)
            elif noise == "room":
                n = _loop(room, y.size, rng)
            else:
                picks = rng.choice(len(others), 6, replace=False)
                n = sum(_loop(others[k] / np.sqrt(np.mean(others[k] ** 2)), y.size, rng)
                        for k in picks)
                n = n / np.sqrt(np.mean(n**2))
            for snr in SNRS_DB:
                mix = y + n * active * 10 ** (-snr / 20)
                peak = np.max(np.abs(mix))
                if peak >= 1.0:
                    mix = mix / peak * 0.99
                noisy = _quiet(analyze, mix, sr=SR, text=text)
                if noisy.quality.snr_db is not None:
                    read_snr.setdefault((noise, snr), []).append(noisy.quality.snr_db)
                if noisy.quality.snr_high_db is not None:
                    read_high.setdefault((noise, snr), []).append(noisy.quality.snr_high_db)
                for name, (kind, _) in TOLERANCES.items():
                    a, b = _measure(clean, name), _measure(noisy, name)
                    if a is None or (kind == "st" and (a <= 0 or (b or 0) <= 0)):
                        continue
                    # a measure lost to the noise is an error beyond any tolerance
                    err = math.inf if b is None else _error(kind, a, b)
                    errors.setdefault((name, noise, snr), []).append(err)
        print(f"  {i + 1}/{len(items)} sentences", end="\r", file=sys.stderr)
    print(file=sys.stderr)
    rows = []
    for name, (kind, tol) in TOLERANCES.items():
        for noise in NOISES:
            holds_at = None
            for snr in SNRS_DB:  # from clean to noisy: the last SNR before it first fails
                e = np.asarray(errors.get((name, noise, snr), [math.inf]))
                if np.median(e) <= tol and np.percentile(e, 90) <= 2 * tol:
                    holds_at = snr
                else:
                    break
            # measures of the upper frequencies are limited by the SNR read in that band
            reads = read_high if name in HIGH_BAND_MEASURES else read_snr
            read = (float(np.median(reads[(noise, holds_at)]))
                    if holds_at is not None and (noise, holds_at) in reads else None)
            rows.append({"measure": name, "kind": kind, "tolerance": tol, "noise": noise,
                         "holds_down_to_snr_db": holds_at, "read_snr_db": read,
                         "read_in": "high band" if name in HIGH_BAND_MEASURES else "broadband"})
    return rows


def _measure(a: Analysis, name: str) -> float | None:
    return measure(a, name)


#: The noises the coach's limits are drawn from: steady background (a fan, the room itself).
#: Babble (other people talking) is reported but not used: with speech behind it no level of
#: the voice makes pitch reliable, so the coach cannot tell it from a quiet room by level alone.
LIMIT_NOISES = ("pink", "room")


def limits_from(rows: list[dict]) -> dict[str, float | None]:
    """Per measure, the analysis-read SNR below which it is not judged: the highest over
    ``LIMIT_NOISES`` of the SNR the analysis reads where the measure stops holding, in whole dB;
    None where it holds down to 0 dB in each of them, inf where it fails even at 30 dB."""
    out: dict[str, float | None] = {}
    for name in TOLERANCES:
        mine = [r for r in rows if r["measure"] == name and r["noise"] in LIMIT_NOISES]
        if any(r["holds_down_to_snr_db"] is None for r in mine):
            out[name] = math.inf
        elif all(r["holds_down_to_snr_db"] == SNRS_DB[-1] for r in mine):
            out[name] = None
        else:
            out[name] = float(math.ceil(max(r["read_snr_db"] for r in mine
                                            if r["holds_down_to_snr_db"] != SNRS_DB[-1])))
    return out


def format_noise_table(rows: list[dict]) -> str:
    lines = ["Noise robustness: the lowest SNR (dB, active speech over noise) at which each "
             "measure holds, and in brackets the SNR the analysis reads there",
             f"{'measure':<28} {'tolerance':>12} " + " ".join(f"{n:>11}" for n in NOISES)
             + f" {'limit':>6}"]
    limits = limits_from(rows)
    for name, (kind, tol) in TOLERANCES.items():
        unit = {"st": " st", "pct": " %", "db": " dB", "abs": ""}[kind]
        cells = []
        for noise in NOISES:
            r = next(r for r in rows if r["measure"] == name and r["noise"] == noise)
            at, read = r["holds_down_to_snr_db"], r["read_snr_db"]
            cells.append(">30" if at is None else f"{at:d} ({read:.0f})")
        lim = limits[name]
        shown = "none" if lim is None else (">30" if math.isinf(lim) else f"{lim:.0f}")
        lines.append(f"{name:<28} {tol:>9g}{unit:<3} " + " ".join(f"{c:>11}" for c in cells)
                     + f" {shown:>6}")
    lines.append("limit: the SNR the analysis reads (quality.snr_db; for "
                 + " and ".join(HIGH_BAND_MEASURES) + ", quality.snr_high_db, the voice over the "
                 f"noise in {HIGH_BAND_HZ[0]:g}-{HIGH_BAND_HZ[1]:g} Hz) below which the coach "
                 "does not judge that measure, from " + " and ".join(LIMIT_NOISES) + " noise "
                 "(profile [guards.snr_limits_db]).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import json

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = p.parse_args(argv)
    rows = noise_table(args.data)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "noise_robustness.json").write_text(json.dumps(rows, indent=1))
    print(format_noise_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
