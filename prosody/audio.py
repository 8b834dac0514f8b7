"""Reading recordings: a file, raw bytes or an upload, turned into one 16 kHz mono ``Signal``.

This is one of the two modules that touch the disk (DESIGN.md). Everything a person may hand
the coach ends here either as a :class:`Signal` or as a :class:`~prosody.errors.ProsodyError`
whose message says, in plain words, what the file is and what to do about it; no exception of
the decoder (libsndfile through ``soundfile``), of numpy or of scipy escapes.

Readable: WAV (8/16/24/32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE), FLAC,
OGG Vorbis, OGG Opus and MP3, plus the other formats libsndfile reads (AIFF, CAF, W64, ...).
Not readable, and named as such: MP4/M4A (AAC), QuickTime, 3GP, WebM/Matroska, AMR, WMA, ...
"""

from __future__ import annotations

import io
import os
import re
import stat
import string
from dataclasses import dataclass
from typing import IO, Union

import numpy as np

from .errors import ProsodyError
from .util import MAX_DURATION_S, SR, check_audio

__all__ = ["MIN_SR_HZ", "READABLE_FORMATS", "Signal", "load"]

#: Lowest original sample rate accepted, in Hz. Telephone audio (8 kHz, 4 kHz bandwidth) still
#: holds the fundamental and the first formants; below it the voice is too muffled to measure.
MIN_SR_HZ = 8_000
#: Highest original sample rate accepted, in Hz. No recorder goes beyond 768 kHz; a larger
#: value is a damaged header, and honouring it would mean designing an enormous filter.
MAX_SR_HZ = 768_000
#: The most samples (frames x channels) a file may hold: 15 minutes of 8 channels at 48 kHz, or
#: of stereo at 192 kHz (about 7 s to decode on one core). Beyond it a file is refused from its
#: header, before decoding.
MAX_DECODED_SAMPLES = int(15 * 60 * 48_000 * 8)
#: What to tell a person to convert to.
READABLE_FORMATS = "WAV, FLAC, OGG (Vorbis or Opus) or MP3"
#: How a message names a recording given as bytes without a name (an upload, the recorder's).
BYTES_LABEL = "the file"
#: A channel whose power is this far below the loudest channel's carries no voice of its own
#: (an unplugged input, a dead mic side); averaging it in would only lower the level, by up to
#: 6 dB for stereo, which the coach would then read as "speaking softly". In dB.
SILENT_CHANNEL_DB = 20.0
#: Two live channels whose normalised cross-correlation at zero lag (DC removed, over the whole
#: file) is at least this, in either polarity, carry nearly the same signal (a duplicated mono
#: track, a stereo pair of coincident capsules, a mic array's neighbours) and are averaged. With
#: equal independent noise in both (r = S / (S + N)) the shared sound is then 9.5 dB above
#: each one's own noise, which averaging lowers by up to 3 dB. Any delay between them makes
#: the average a comb filter, whose notches cut the voice's timbre and confuse its pitch: a
#: delay short enough to keep r at 0.9 (0.06 to 0.1 ms for the speech in tests/data) puts the
#: first notch at 5 to 8 kHz, the top of what is analysed; spaced mics (0.3 ms, r 0.3 to 0.7;
#: 2 ms, r near 0) cut far lower. Pairs below it are not averaged: one channel is chosen.
#: Dimensionless, 0 to 1.
SAME_SIGNAL_CORRELATION = 0.9
#: A channel whose correlation with a clipped one is at least this, in either polarity, carries
#: the same sound: a recorder's safety track (the same mic at a lower gain) or a second mic
#: beside the first. At 0.5 the sound they share is as strong as what each holds alone (equal
#: independent noise: r = S / (S + N)); clipping alone lowers r little (the arctic sentence
#: clipped 8x over: 0.88; 100x over: 0.65), and a voice beside noise or another voice is
#: near 0. Dimensionless, 0 to 1.
SAME_SOUND_CORRELATION = 0.5
#: A channel with more than this share of its samples at full scale is clipped. A file
#: normalised to full scale has a handful of samples there (a few in a million); a voice
#: driven 1.5x (3.5 dB) over full scale already has 0.2 % (the arctic sentence), 4x over 7 %.
CLIPPED_CHANNEL_FRACTION = 1e-3
#: A clipped channel is replaced by an unclipped one carrying the same sound
#: (``SAME_SOUND_CORRELATION``) down to this far below it, in dB, even when that is below
#: ``SILENT_CHANNEL_DB``: a recorder's safety track sits 6 to 20 dB (some 24 dB or more) under
#: the main one, and clipping flattens every loud vowel while a track 40 dB down still holds
#: the voice 50 dB and more above a 16-bit file's own noise.
SAFETY_TRACK_DB = 40.0
#: Length of the frames whose energies measure how speech-like a channel is, in seconds:
#: shorter than a syllable (100-300 ms), so the loud vowels and the quiet gaps between them fall
#: in different frames; long enough that steady noise varies little from frame to frame.
SPREAD_FRAME_S = 0.025
#: Percentiles of a channel's frame energies whose distance in dB is its "spread": the loud
#: frames (vowels) against the quiet ones (gaps, pauses, the noise floor). Speech is strongly
#: modulated (14 to 50 dB on the clean and noisy read and acted speech in tests/data and
#: samples/audio); steady hiss, hum, fan and traffic noise is not (white 1 dB, pink 3 dB,
#: 40-400 Hz rumble 4-5 dB, mains hum 0 dB).
SPREAD_PERCENTILES = (10.0, 95.0)
#: Frames quieter than this (mean square, in dBFS) are digital silence, not a quiet moment of a
#: voice: an unplugged input, a noise gate, an edit. They are left out of the spread, which would
#: otherwise be as large as the gap to silence itself. A 16-bit file's quietest non-zero frame
#: is -101 dBFS (half an LSB of rounding noise); a microphone preamp's own noise is far above.
DIGITAL_SILENCE_DBFS = -100.0
#: A channel whose spread is at least this sounds like speech. Steady noise stays at or below
#: 5 dB (see ``SPREAD_PERCENTILES``); a voice keeps it with noise as loud as itself (pink noise
#: at the voice's RMS: 9.4 to 11.9 dB for the speech in tests/data; 5 dB quieter: 12 to
#: 16 dB). Music and other strongly varying sounds pass too (plucked notes: 22 dB): among the
#: channels that pass, level and ``OWN_MIC_DB`` decide. In dB.
SPEECH_SPREAD_DB = 9.0
#: When no channel sounds like speech (``SPEECH_SPREAD_DB``), the channels whose spread is
#: within this of the largest are averaged and the others left out: there is no voice to pick,
#: and the least steady channel is the best guess at one (a voice buried in noise) against
#: an open input's hiss or hum. The spreads of one voice differ by a few dB between takes. In
#: dB.
SPEECH_TIE_DB = 6.0
#: Of the channels that sound like speech, one more than this louder than all the others is
#: the speaker's own mic, however noisy: level falls 6 dB per doubling of distance, so a
#: close mic (a headset, a lapel, a desk mic at 30 cm) holds its own talker about 10 dB or
#: more above someone a metre or more away. Channels within it of the loudest are as likely
#: two mics at similar distances, and are told apart by their spread instead: the one that
#: sounds most like speech is used (a voice against music as loud, a clean mic against a
#: noisier one). In dB.
OWN_MIC_DB = 6.0
#: Samples within this distance of full scale count as clipped (full scale = 1.0); in a
#: floating-point file whose peak is above full scale, samples within this share of the peak.
CLIP_MARGIN = 1e-4
#: Encodings that hold samples beyond full scale (1.0) without clipping them: an unnormalised
#: float file is loud, not distorted, and is scaled down by its peak. Integer encodings stop at
#: their largest code, and lossy ones (MP3, Vorbis, Opus) are made from integer audio and
#: decoded a little past 1.0 where it was clipped.
_HEADROOM_SUBTYPES = frozenset({"FLOAT", "DOUBLE"})

# Samples (frames x channels) decoded per block: 4 MB of float32, so a long multichannel file
# never exists in memory at its original width.
_BLOCK_SAMPLES = 1 << 20
# Bytes read from the start of a file to recognise its format.
_HEAD_BYTES = 512
# libsndfile reports this many frames or more when it does not know the length.
_UNKNOWN_FRAMES = 1 << 62
# Longest file (frames at its own rate) decoded whole before resampling: 128 MB of float32,
# 11.6 minutes at 48 kHz. A longer file at a high rate (15 minutes at 768 kHz would be 2.8 GB
# at its own rate) is resampled block by block as it is decoded (soxr's streaming resampler,
# the one librosa uses), so memory is bounded by the 16 kHz result plus one block.
_MAX_WHOLE_FRAMES = 1 << 25

AudioSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]


@dataclass(frozen=True, eq=False, repr=False)
class Signal:
    """A recording, ready for analysis.

    Attributes
    ----------
    y : np.ndarray [shape=(n,), dtype=float64]
        mono samples at ``sr``, full scale = 1.0, as recorded (no DC removal, no normalisation),
        except that a floating-point file whose samples go beyond full scale is scaled down
        so that the peak of the channels used is 1.0
    sr : int
        sample rate of ``y`` in Hz (16000 unless ``load`` was asked otherwise)
    source : str
        the file name as given, the upload's name, or ``"<bytes>"``
    original_sr : int
        sample rate of the file in Hz, before resampling
    channels : int
        number of channels in the file, before mixing down
    clipped_fraction : float
        share of the original samples (of the channels that make up ``y``) at or within
        ``CLIP_MARGIN`` of full scale, or of the format's largest integer code; in a
        floating-point file whose peak is above full scale, within ``CLIP_MARGIN`` of that
        peak (flat runs at it: a clipped float file). 0.0 to 1.0
    left_out : tuple of (int, str)
        the channels with sound in them that ``y`` leaves out, by index (0 = left), each with
        why: ``"clipped"`` (an unclipped copy of the same sound was used instead) or
        ``"different"`` (it carried another sound than the voice kept: a second talker, a
        second microphone, noise). A near-silent input, or a copy of the sound kept, is not
        named. Empty for a mono file or channels averaged
    """

    y: np.ndarray
    sr: int
    source: str
    original_sr: int
    channels: int
    clipped_fraction: float
    left_out: tuple[tuple[int, str], ...] = ()
    #: (seconds read, seconds the file announced or None) when the file ended before its own
    #: header or stream says it should: cut off while being copied or saved (:func:`_ended_early`)
    cut_short: tuple[float, float | None] | None = None

    @property
    def duration_s(self) -> float:
        """Length of the recording in seconds."""
        return self.y.size / float(self.sr)

    def __repr__(self) -> str:
        return (
            f"Signal(source={self.source!r}, sr={self.sr}, duration_s={self.duration_s:.3f}, "
            f"original_sr={self.original_sr}, channels={self.channels}, "
            f"clipped_fraction={self.clipped_fraction:.4g})"
        )


def load(source: AudioSource, *, sr: int = SR) -> Signal:
    """Read a recording and return it as a mono float64 signal at ``sr``.

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file-like
        a path; the bytes of a whole file; or an object with ``.getvalue()`` or ``.read()``
        returning them, such as Streamlit's ``UploadedFile`` or the result of
        ``st.audio_input`` (its ``.name`` becomes ``Signal.source``)
    sr : int > 0
        sample rate of the result in Hz

    Returns
    -------
    Signal
        ``y`` has shape (n,) with n = ceil(frames · sr / original_sr).

    Raises
    ------
    ProsodyError
        for a missing, empty, unreadable, damaged, too short (< 0.5 s), too long (> 15 min) or
        too coarsely sampled (< 8 kHz) recording; the message names the problem and the fix.

    Notes
    -----
    Channels are mixed by what they carry (:func:`_channel_weights`): channels more than
    ``SILENT_CHANNEL_DB`` below the loudest one are left out (speech on one side of a stereo
    file keeps its level instead of losing 6 dB), and a clipped channel gives way to a quieter
    unclipped one carrying the same sound (a safety track); channels carrying nearly the same
    signal (a duplicated mono, a coincident pair) are averaged, if averaging does not cancel
    them (one side wired in reverse polarity: the loudest is used alone); of channels carrying
    different sounds (spaced mics, two talkers, a mic beside an open input's hiss or hum) one is
    used: the speaker's own mic, the loudest of those that sound like speech by a clear margin,
    else of those of about its level the one most like speech, its loud frames farthest above
    its quiet ones. A floating-point file louder than full scale is scaled down by its peak.
    The choice rests on statistics gathered while decoding (:class:`_ChannelStats`), never on
    the file held at full width. Resampling is soxr's "VHQ" (``prosody.dsp.resample``; a long
    file at a high rate streams through soxr's resampler block by block). The file is decoded
    in blocks as float32 and mixed to mono block by block, so memory does not grow with the
    number of channels: loading a 10-minute 48 kHz file peaks at about 260 MB for the whole
    process (110 MB of it numpy, scipy and soundfile themselves), whatever its channel count.
    """
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ProsodyError(f"sr={sr!r} must be a positive whole sample rate in Hz, e.g. sr=16000.")
    sr = int(sr)
    try:
        name, label, data = _resolve(source)
    except ProsodyError:
        raise
    except Exception as exc:  # a path-like or file-like object that misbehaves
        raise ProsodyError(
            f"{source!r} cannot be opened as a recording ({_reason(exc)})."
        ) from None
    description = None
    try:
        kind = _sniff(data)
        description, readable = _KINDS.get(kind, (None, True))
        if not readable:
            raise ProsodyError(_cannot_read(label, name, description))
        y, decoded_sr, original_sr, channels, clipped_fraction, left_out, cut_short = _decode(
            data, label, sr=sr)
        y = _resample(y, original_sr=decoded_sr, sr=sr)
    except ProsodyError:
        raise
    except MemoryError:
        raise ProsodyError(
            f"{label} is too large to load into the available memory; cut it into shorter "
            "practice takes."
        ) from None
    except Exception as exc:
        # Whatever libsndfile, numpy or scipy raise here is the symptom of a damaged file.
        raise ProsodyError(_damaged(label, description, exc)) from exc
    try:
        # check_audio converts to contiguous float64: the only full-precision copy is made last,
        # at 16 kHz, after the original-rate buffer is gone.
        y = check_audio(y, sr)
    except ProsodyError as exc:
        raise ProsodyError(_about(label, str(exc))) from None
    return Signal(
        y=y,
        sr=sr,
        source=name,
        original_sr=original_sr,
        channels=channels,
        clipped_fraction=clipped_fraction,
        left_out=left_out,
        cut_short=cut_short,
    )


# --------------------------------------------------------------------------------------------
# Where the bytes come from


def _resolve(source: AudioSource) -> tuple[str, str, str | bytes]:
    """Return (name, label for messages, path or bytes) for any accepted source."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise ProsodyError(_empty(BYTES_LABEL))
        return "<bytes>", BYTES_LABEL, data
    if isinstance(source, (str, os.PathLike)):
        path = os.fsdecode(os.fspath(source))
        # Where the file is matters when it cannot be found; what it is, by its name alone.
        where = f"'{path}'"
        label = f"'{os.path.basename(path) or path}'"
        if not path:
            raise ProsodyError("the file name is empty; choose a recording.")
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise ProsodyError(
                f"there is no file at {where}; check the name and the folder."
            ) from None
        except (OSError, ValueError) as exc:
            raise ProsodyError(f"{where} cannot be opened ({_reason(exc)}).") from None
        if os.path.isdir(path):
            raise ProsodyError(f"{where} is a folder, not a recording; choose an audio file in it.")
        if not stat.S_ISREG(st.st_mode):
            # a device or a pipe: never opened (reading a pipe nobody writes to waits forever)
            raise ProsodyError(f"{where} is a device or a pipe, not a file; save the recording "
                               "to a file first and give that file's name.")
        if st.st_size == 0:
            raise ProsodyError(_empty(label))
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise ProsodyError(f"{where} cannot be opened ({_reason(exc)}).") from None
        return path, label, path
    if hasattr(source, "read") or hasattr(source, "getvalue"):
        raw_name = getattr(source, "name", None)
        name = os.fsdecode(raw_name) if isinstance(raw_name, (str, bytes)) else "<bytes>"
        label = f"'{os.path.basename(name) or name}'" if name != "<bytes>" else BYTES_LABEL
        try:
            # getvalue() is the whole upload whatever the read position (Streamlit's UploadedFile
            # may have been read already); a plain file is read from where it stands.
            data = source.getvalue() if hasattr(source, "getvalue") else source.read()
        except Exception as exc:  # any failure of a foreign object means "unreadable"
            raise ProsodyError(f"{label} cannot be read ({_reason(exc)}).") from None
        if isinstance(data, str):
            raise ProsodyError(
                f"{label} was opened as text; open audio files in binary mode, open(path, 'rb')."
            )
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ProsodyError(f"{label} gave {type(data).__name__}, not the bytes of a file.")
        data = bytes(data)
        if not data:
            raise ProsodyError(_empty(label))
        return name, label, data
    raise ProsodyError(
        f"source must be a file path, bytes or a binary file object, not {type(source).__name__}."
    )


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


# --------------------------------------------------------------------------------------------
# What the bytes are


# kind -> (how to name it to a person, whether libsndfile may read it)
_KINDS: dict[str, tuple[str, bool]] = {
    "wav": ("a WAV file", True),
    "flac": ("a FLAC file", True),
    "ogg": ("an OGG file", True),
    "ogg-vorbis": ("an OGG Vorbis file", True),
    "ogg-opus": ("an OGG Opus file", True),
    "mp3": ("an MP3 file", True),
    "aiff": ("an AIFF file", True),
    "caf": ("a CAF file", True),
    "m4a": ("an M4A/AAC file", False),
    "mp4": ("an MP4 file", False),
    "mov": ("a QuickTime (MOV) file", False),
    "3gp": ("a 3GP phone recording", False),
    "aac": ("an AAC file", False),
    "webm": ("a WebM file", False),
    "matroska": ("a Matroska (MKV/MKA) file", False),
    "amr": ("an AMR voice recording", False),
    "asf": ("a WMA/WMV (Windows Media) file", False),
    "midi": ("a MIDI file (notes, not a recording)", False),
    "html": ("a web page (HTML), not a recording", False),
    "text": ("a text file, not a recording", False),
    "zip": ("a ZIP archive (or a document packed like one), not a recording", False),
    "pdf": ("a PDF document, not a recording", False),
    "image": ("an image, not a recording", False),
}

_PRINTABLE = frozenset(string.printable.encode("ascii"))


def _sniff(data: str | bytes) -> str | None:
    """Name the format from its magic bytes; ``None`` when it is not recognised."""
    head = _read_at(data, 0)
    if head[:3] == b"ID3" and len(head) >= 10:
        # An ID3v2 tag (sizes are 7 bits per byte) comes before MP3 audio, sometimes before
        # FLAC or AAC: look past it.
        size = int.from_bytes(bytes(b & 0x7F for b in head[6:10]), "big")
        footer = 10 if head[5] & 0x10 else 0
        after = _sniff_head(_read_at(data, 10 + size + footer))
        return after if after in ("flac", "aac") else "mp3"
    return _sniff_head(head)


def _sniff_head(head: bytes) -> str | None:
    if head[:4] in (b"RIFF", b"RIFX", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        if b"OpusHead" in head[:64]:
            return "ogg-opus"
        if b"\x01vorbis" in head[:64]:
            return "ogg-vorbis"
        return "ogg"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "m4a"
        if brand == b"qt  ":
            return "mov"
        if brand[:3] in (b"3gp", b"3g2"):
            return "3gp"
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in head[:64] else "matroska"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # MPEG frame sync; layer bits 00 are ADTS AAC, anything else is MPEG audio (MP1/2/3).
        return "aac" if head[1] & 0x06 == 0 else "mp3"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:4] == b"caff":
        return "caf"
    if head[:5] == b"#!AMR":
        return "amr"
    if head[:4] == b"\x30\x26\xb2\x75":
        return "asf"
    if head[:4] == b"MThd":
        return "midi"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if head[:5] == b"%PDF-":
        return "pdf"
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff" or head[:4] == b"GIF8":
        return "image"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head and b"\x00" not in head:
        # Text: nearly all bytes printable ASCII or part of UTF-8 sequences (>= 0x80).
        plain = sum(b in _PRINTABLE or b >= 0x80 for b in head)
        if plain >= 0.95 * len(head):
            return "text"
    return None


def _read_at(data: str | bytes, offset: int) -> bytes:
    if isinstance(data, bytes):
        return data[offset : offset + _HEAD_BYTES]
    with open(data, "rb") as fh:
        fh.seek(offset)
        return fh.read(_HEAD_BYTES)


def _cannot_read(label: str, name: str, description: str) -> str:
    example = os.path.basename(name) if name != "<bytes>" else "recording.m4a"
    stem = os.path.splitext(example)[0] or "recording"
    if "not a recording" in description:
        return f"{label} is {description}; choose an audio file: {READABLE_FORMATS}."
    return (
        f"{label} is {description}, which Calm Tone Coach cannot read; export or convert it to "
        f"{READABLE_FORMATS}, e.g. `ffmpeg -i {example} {stem}.wav`."
    )


def _empty(label: str) -> str:
    return (
        f"{label} is empty (0 bytes): nothing was recorded, or the file was not saved "
        "completely; record it again or choose another file."
    )


def _damaged(label: str, description: str | None, exc: BaseException) -> str:
    detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    # the decoder names what it was given: "<_io.BytesIO object at 0x7f...>" means nothing to
    # a person, and a path is said by the label already
    detail = re.sub(r"^Error opening .*?:\s*", "", detail)
    detail = re.sub(r"<[\w.]+ object at 0x[0-9a-f]+>", "the recording", detail)
    if description is None:
        return (
            f"{label} is not an audio file Calm Tone Coach recognises ({detail}); "
            f"choose a recording in {READABLE_FORMATS}."
        )
    return (
        f"{label} looks like {description} but cannot be decoded: it is damaged or incomplete "
        f"({detail}); record it again, or export it again as {READABLE_FORMATS}."
    )


def _about(label: str, message: str) -> str:
    """``message`` about the file ``label`` names: after its name, or alone for bytes with no
    name (the app says "We could not use this recording: …" before it)."""
    return message if label == BYTES_LABEL else f"{label}: {message}"


def _too_long(label: str, duration_s: float | None) -> ProsodyError:
    length = f"{duration_s / 60:.1f} min long, " if duration_s is not None else ""
    return ProsodyError(_about(
        label, f"the recording is {length}longer than the {MAX_DURATION_S / 60:g} min limit; "
        "cut it into shorter practice takes."))


# --------------------------------------------------------------------------------------------
# Decoding


#: A file this large whose header claims no frames holds sound its header does not count: a
#: recorder stopped before it wrote the length (headers are 44 bytes to a few kB).
_CUT_OFF_BYTES = 16_384


def _decode(data: str | bytes, label: str, *, sr: int
            ) -> tuple[np.ndarray, int, int, int, float, tuple[tuple[int, str], ...],
                       tuple[float, float | None] | None]:
    """Decode to mono float32: at the file's own rate, or at ``sr`` for a file too long at a
    high rate to hold whole (more than ``_MAX_WHOLE_FRAMES``), which is resampled as it is read.

    Returns
    -------
    y : np.ndarray [shape=(n,), dtype=float32]
    decoded_sr : int
        the rate of ``y`` in Hz: ``original_sr`` or ``sr``
    original_sr : int, in Hz
    channels : int
    clipped_fraction : float
    left_out : tuple of (int, str)
        ``Signal.left_out``
    cut_short : (float, float or None) or None
        ``Signal.cut_short`` (:func:`_ended_early`)
    """
    import soundfile as sf

    def open_file() -> sf.SoundFile:
        return sf.SoundFile(data if isinstance(data, str) else io.BytesIO(data))

    with open_file() as f:
        original_sr, channels, claimed_frames = int(f.samplerate), int(f.channels), f.frames
        clip_level = _full_scale(f.subtype) - CLIP_MARGIN
        headroom = f.subtype in _HEADROOM_SUBTYPES
        if original_sr < MIN_SR_HZ:
            raise ProsodyError(
                f"{label} is sampled at {original_sr} Hz, below the {MIN_SR_HZ} Hz minimum needed "
                "to follow a voice's pitch; record or export it at 16000 Hz or more."
            )
        if original_sr > MAX_SR_HZ:
            raise ProsodyError(
                f"{label} claims a sample rate of {original_sr} Hz, above the {MAX_SR_HZ} Hz of "
                "any recorder: its header is damaged; export the recording again."
            )
        if channels < 1:
            raise ProsodyError(f"{label} has no audio channels; its header is damaged.")
        max_frames = int(MAX_DURATION_S * original_sr)
        known = 0 < claimed_frames < _UNKNOWN_FRAMES
        # The header's length is exact for PCM, FLAC and OGG and an estimate for some MP3s:
        # refuse early only when clearly too long, and count while reading for the rest.
        if known and claimed_frames > 1.02 * max_frames:
            raise _too_long(label, claimed_frames / original_sr)
        if known and claimed_frames * channels > MAX_DECODED_SAMPLES:
            # a few kB of FLAC can hold 15 minutes of 8-channel 192 kHz silence: 25 s of CPU
            raise ProsodyError(_about(label, (
                f"the recording holds {channels} channels at {original_sr} Hz for "
                f"{claimed_frames / original_sr / 60:.1f} min: more sound than a practice take "
                f"needs (at most {MAX_DECODED_SAMPLES / 1e6:.0f} million samples). Export the "
                "channel with your voice alone, at 48000 Hz or less.")))
        streamed = known and claimed_frames > _MAX_WHOLE_FRAMES and original_sr != sr
        if streamed:
            return _decode_streamed(open_file, f, label, sr=sr, clip_level=clip_level,
                                    headroom=headroom, max_frames=max_frames)
        # np.empty only reserves address space; pages a lying header claims are never touched.
        capacity = claimed_frames if known and claimed_frames <= max_frames else 1 << 16
        mono = np.empty(capacity, dtype=np.float32)

        block_frames = max(1, _BLOCK_SAMPLES // channels)
        block = np.empty((block_frames, channels), dtype=np.float32)
        stats = _ChannelStats(channels, original_sr, clip_level, headroom=headroom)
        nonfinite = 0
        n = 0
        while True:
            got = f.read(block_frames, dtype="float32", always_2d=True, out=block)
            k = got.shape[0]
            if k == 0:
                break
            if n + k > max_frames:
                raise _too_long(label, claimed_frames / original_sr if known else None)
            if n + k > mono.size:
                mono = _grow(mono, n + k, max_frames)
            finite = np.isfinite(got)
            if not finite.all():
                # Keep counting for the message; the statistics would be meaningless anyway.
                nonfinite += int(k * channels - np.count_nonzero(finite))
                n += k
                continue
            stats.add(got)
            mono[n : n + k] = got[:, 0] if channels == 1 else got.mean(axis=1)
            n += k
        cut_short = _ended_early(f, n / original_sr)  # its log is complete once read
    if nonfinite:
        raise ProsodyError(
            _about(label, f"the audio contains {nonfinite} NaN or infinite samples; the file "
                   "is damaged, record it again or export it again from the recorder.")
        )
    if n == 0:
        size = len(data) if isinstance(data, bytes) else os.path.getsize(data)
        if size > _CUT_OFF_BYTES:
            raise ProsodyError(
                f"{label} is {size / 1000:.0f} kB, yet its header says it holds no sound: the "
                "recording was probably cut off before the recorder finished saving it. Record "
                "it again, or open it in an audio editor that can import raw audio (Audacity: "
                "File > Import > Raw Data) and export it as WAV.")
    weights = stats.weights()
    clipped_fraction = stats.clipped_fraction(weights)
    gain = stats.gain(weights)
    if channels > 1 and not np.allclose(weights, 1.0 / channels):
        # The first pass stored the plain average; redo the mix with the chosen weights.
        w32 = (weights * gain).astype(np.float32)
        done = 0
        with open_file() as f:
            while done < n:
                got = f.read(
                    min(block_frames, n - done), dtype="float32", always_2d=True, out=block
                )
                k = got.shape[0]
                if k == 0:
                    break
                mono[done : done + k] = got @ w32
                done += k
        n = done
    elif gain != 1.0:
        mono[:n] *= np.float32(gain)
    return (mono[:n], original_sr, original_sr, channels, clipped_fraction,
            stats.left_out(weights), cut_short)


def _decode_streamed(open_file, f, label: str, *, sr: int, clip_level: float,
                     headroom: bool, max_frames: int
                     ) -> tuple[np.ndarray, int, int, int, float, tuple[tuple[int, str], ...],
                                tuple[float, float | None] | None]:
    """:func:`_decode` for a long file at a high rate, in two passes over it.

    The first pass measures the channels for the mix (:class:`_ChannelStats`, as in
    :func:`_decode`) and their clipping; the second mixes each block to mono and resamples it
    to ``sr`` with soxr's streaming resampler ("VHQ": passband flat to 0.01 dB, stopband
    -175 dB), so nothing at the file's own rate is ever held whole.
    """
    import soxr

    original_sr, channels = int(f.samplerate), int(f.channels)
    block_frames = max(1, _BLOCK_SAMPLES // channels)
    block = np.empty((block_frames, channels), dtype=np.float32)
    stats = _ChannelStats(channels, original_sr, clip_level, headroom=headroom)
    nonfinite = n = 0
    while True:
        got = f.read(block_frames, dtype="float32", always_2d=True, out=block)
        k = got.shape[0]
        if k == 0:
            break
        if n + k > max_frames:
            raise _too_long(label, None)
        finite = np.isfinite(got)
        if not finite.all():
            nonfinite += int(k * channels - np.count_nonzero(finite))
        else:
            stats.add(got)
        n += k
    cut_short = _ended_early(f, n / original_sr)
    if nonfinite:
        raise ProsodyError(
            _about(label, f"the audio contains {nonfinite} NaN or infinite samples; the file "
                   "is damaged, record it again or export it again from the recorder.")
        )
    weights = stats.weights()
    clipped_fraction = stats.clipped_fraction(weights)
    left_out = stats.left_out(weights)
    weights = (weights * stats.gain(weights)).astype(np.float32)
    out = np.empty(int(np.ceil(n * sr / original_sr)) + 64, dtype=np.float32)
    stream = soxr.ResampleStream(original_sr, sr, 1, dtype="float32", quality="VHQ")
    filled = done = 0
    with open_file() as g:
        while done < n:
            got = g.read(min(block_frames, n - done), dtype="float32", always_2d=True,
                         out=block)
            k = got.shape[0]
            if k == 0:
                break
            done += k
            mono = got @ weights
            part = stream.resample_chunk(np.ascontiguousarray(mono), last=done >= n)
            part = part[: out.size - filled]
            out[filled : filled + part.size] = part
            filled += part.size
    if done < n:  # the file ended early on the second pass: flush what is in the filter
        part = stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        part = part[: out.size - filled]
        out[filled : filled + part.size] = part
        filled += part.size
    # the length load promises for any rate: ceil(frames * sr / original_sr)
    size = int(np.ceil(done * sr / original_sr))
    if filled < size:
        out[filled:size] = 0.0
    return out[:size], sr, original_sr, channels, clipped_fraction, left_out, cut_short


#: libsndfile's log of a WAV (or AIFF, ...) whose data chunk claims more bytes than the file
#: holds, and the bytes per frame it reads from the header
_CLAIMED_DATA = re.compile(r"\bdata\s*:\s*(\d+)\s*\(should be (\d+)\)")
_BLOCK_ALIGN = re.compile(r"Block Align\s*:\s*(\d+)")
#: A data length at least this large is a streaming writer's "unknown" (0xFFFFFFFF and near), not
#: a promise of 4 GB.
_STREAMED_LENGTH = 0xFFFFFF00
#: A file whose header announces more than it decodes to by this share (and ``_SHORT_BY_S``)
#: ended early; MP3 lengths from a VBR header are estimates within a few percent.
_SHORT_BY, _SHORT_BY_S = 0.05, 0.5


def _ended_early(f, read_s: float) -> tuple[float, float | None] | None:
    """(seconds read, seconds announced or None) when a file ends before it says it does.

    Three signs: a WAV whose data chunk claims more bytes than follow (libsndfile reads what
    is there and logs "data : N (should be M)"); an Ogg stream whose last page lacks its
    end-of-stream mark; any other file (an MP3 with a VBR header) that decodes to clearly less
    than its header announces. A damaged FLAC is refused by the decoder instead. None when the
    file looks whole. ``f`` is the open ``soundfile.SoundFile`` just read to its end (``read_s``
    seconds of it), whose log then holds what the decoder met.
    """
    log, frames, rate = f.extra_info or "", f.frames, float(f.samplerate)
    claimed = _CLAIMED_DATA.search(log)
    if claimed:
        said, held = int(claimed.group(1)), int(claimed.group(2))
        align = _BLOCK_ALIGN.search(log)
        if held < said < _STREAMED_LENGTH and align and int(align.group(1)) > 0:
            return read_s, said / int(align.group(1)) / rate
        return None
    if "lacks an end-of-stream" in log:
        return read_s, None
    announced = frames / rate if 0 < frames < _UNKNOWN_FRAMES else 0.0
    if announced - read_s > max(_SHORT_BY * announced, _SHORT_BY_S):
        return read_s, announced
    return None


def _grow(buf: np.ndarray, needed: int, max_frames: int) -> np.ndarray:
    """A larger buffer holding ``buf`` (when the header's length was missing or too low)."""
    new = np.empty(min(max(needed, 2 * buf.size), max_frames), dtype=buf.dtype)
    new[: buf.size] = buf
    return new


def _full_scale(subtype: str) -> float:
    """Largest sample value the encoding can hold, as decoded to float (1.0 for lossy, and
    the nominal full scale of float, which can go beyond it: ``_HEADROOM_SUBTYPES``)."""
    codes = {
        "PCM_S8": 127 / 128,
        "PCM_U8": 127 / 128,
        "ULAW": 32124 / 32768,
        "ALAW": 32256 / 32768,
        "PCM_16": 32767 / 32768,
    }
    return codes.get(subtype, 1.0)


class _ChannelStats:
    """What the mix is chosen from, gathered block by block as a file is decoded.

    Both :func:`_decode` and :func:`_decode_streamed` feed it every block (frames x channels,
    float32) in order, then ask it for :meth:`weights`. It holds, whatever the file's length, the
    channels' sums of cross-products (``gram``, channels x channels), their sums, their clipped
    sample counts, their peaks, and one energy per channel per ``SPREAD_FRAME_S`` frame: 36 000
    float32 per channel for 15 minutes (144 kB), so the file itself is never kept at full width.

    ``clip_level`` is the level from which a sample counts as clipped; with ``headroom`` (a
    floating-point file, ``_HEADROOM_SUBTYPES``) a channel whose peak is above full scale
    counts instead its samples within ``CLIP_MARGIN`` of that peak.
    """

    def __init__(self, channels: int, sr: int, clip_level: float, *,
                 headroom: bool = False) -> None:
        self.clip_level = clip_level
        self.headroom = headroom
        self.peak = np.zeros(channels)  # largest |x| so far
        self._at_peak = np.zeros(channels, dtype=np.int64)  # samples within CLIP_MARGIN of it
        self.hop = max(1, int(round(SPREAD_FRAME_S * sr)))  # frame length in samples
        self._ones = np.ones(self.hop)
        self.n = 0
        self.gram = np.zeros((channels, channels))  # sum of x_i·x_j over the file
        self.sums = np.zeros(channels)  # sum of x_i over the finished frames: DC, for corr
        self.clipped = np.zeros(channels, dtype=np.int64)
        self._energies: list[np.ndarray] = []  # (frames, channels) mean squares, DC removed
        # the frame a block ended in the middle of: its sums, sums of squares and length so far
        self._part_sum = np.zeros(channels)
        self._part_sq = np.zeros(channels)
        self._part_n = 0

    def add(self, got: np.ndarray) -> None:
        """Take in the next block, shape (frames, channels), all finite."""
        wide = got.astype(np.float64)
        k, hop = wide.shape[0], self.hop
        self.n += k
        self.gram += wide.T @ wide
        magnitude = np.abs(got)
        self.clipped += np.count_nonzero(magnitude >= self.clip_level, axis=0)
        if k:
            self._count_peaks(magnitude)
        i = 0
        if self._part_n:  # finish the frame the last block left open
            i = min(hop - self._part_n, k)
            self._take_part(wide[:i])
            if self._part_n == hop:
                self._energies.append(self._frame_energy(self._part_sum, self._part_sq)[None])
                self.sums += self._part_sum
                self._part_sum[:] = self._part_sq[:] = 0.0
                self._part_n = 0
        whole = (k - i) // hop
        if whole:
            frames = wide[i : i + whole * hop].reshape(whole, hop, -1)
            # a product with ones sums each frame several times faster than .sum(axis=1)
            totals = self._ones @ frames
            self._energies.append(
                self._frame_energy(totals, np.einsum("fhc,fhc->fc", frames, frames)))
            self.sums += totals.sum(axis=0)
            i += whole * hop
        if i < k:
            self._take_part(wide[i:])

    def _count_peaks(self, magnitude: np.ndarray) -> None:
        peak = np.maximum(self.peak, magnitude.max(axis=0))
        if self.headroom:
            # A clearly higher peak starts the count again; one within the margin (the other
            # rail of a clipped wave, a rounding apart) keeps it. Samples already counted that
            # fall out of the margin of a peak found later are not taken back: at most the
            # few nearest the old peak, where a clipped file has its flat runs exactly at it.
            self._at_peak[peak > self.peak * (1.0 + CLIP_MARGIN)] = 0
            level = (peak * (1.0 - CLIP_MARGIN)).astype(magnitude.dtype)
            self._at_peak += np.count_nonzero(magnitude >= level, axis=0)
        self.peak = peak

    def _take_part(self, part: np.ndarray) -> None:
        self._part_sum += part.sum(axis=0)
        self._part_sq += np.einsum("hc,hc->c", part, part)
        self._part_n += part.shape[0]

    def _frame_energy(self, total: np.ndarray, squares: np.ndarray) -> np.ndarray:
        # the frame's variance: its own DC taken out, so an offset does not fill in the gaps;
        # kept in float64 (a float file far beyond full scale, 1e30, overflows float32 here)
        hop = self.hop
        return np.maximum(squares / hop - (total / hop) ** 2, 0.0)

    def spread_db(self) -> np.ndarray:
        """Per channel, how far its loud frames stand above its quiet ones, in dB (shape
        (channels,)): the distance between the ``SPREAD_PERCENTILES`` of its frame energies,
        digital silence left out; 0 for a channel with fewer than two frames of sound."""
        channels = self.gram.shape[0]
        if not self._energies:
            return np.zeros(channels)
        energies = np.concatenate(self._energies)
        floor = 10.0 ** (DIGITAL_SILENCE_DBFS / 10.0)
        spread = np.zeros(channels)
        for c in range(channels):
            sound = energies[:, c][energies[:, c] > floor].astype(np.float64)
            if sound.size >= 2:
                quiet, loud = np.percentile(10.0 * np.log10(sound), SPREAD_PERCENTILES)
                spread[c] = loud - quiet
        return spread

    def correlation(self) -> np.ndarray:
        """Normalised cross-correlation of the channels with their DC removed, shape
        (channels, channels), -1 to 1; 0 where a channel is constant."""
        if self.n == 0:
            return np.eye(self.gram.shape[0])
        mean = (self.sums + self._part_sum) / self.n  # the last frame may be unfinished
        cov = self.gram / self.n - np.outer(mean, mean)
        sd = np.sqrt(np.maximum(np.diag(cov), 0.0))
        scale = np.outer(sd, sd)
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.where(scale > 0, cov / scale, 0.0)
        np.fill_diagonal(corr, 1.0)
        return np.clip(corr, -1.0, 1.0)

    def clipped_counts(self) -> np.ndarray:
        """Clipped samples per channel, shape (channels,): at or above ``clip_level``, or for
        a floating-point channel whose peak is above full scale, within ``CLIP_MARGIN`` of it."""
        if not self.headroom:
            return self.clipped
        return np.where(self.peak > 1.0, self._at_peak, self.clipped)

    def weights(self) -> np.ndarray:
        """Mixing weights, shape (channels,), summing to 1 (:func:`_channel_weights`)."""
        if self.gram.shape[0] == 1:
            return np.ones(1)
        clipped = self.clipped_counts() / self.n if self.n else np.zeros(self.gram.shape[0])
        return _channel_weights(self.gram, self.correlation(), self.spread_db(), clipped)

    def clipped_fraction(self, weights: np.ndarray) -> float:
        """Share of the samples of the channels mixed in (``weights > 0``) that are clipped."""
        used = weights > 0
        if not self.n:
            return 0.0
        return float(self.clipped_counts()[used].sum() / (self.n * used.sum()))

    def left_out(self, weights: np.ndarray) -> tuple[tuple[int, str], ...]:
        """The channels with sound in them that the mix ``weights`` leaves out, each with why
        (``Signal.left_out``): "clipped" when it clips and a kept channel carries the same
        sound (its unclipped copy), else "different". Those more than ``SILENT_CHANNEL_DB``
        below the loudest, and copies of a kept channel (correlation at least
        ``SAME_SIGNAL_CORRELATION`` in either polarity), are not named."""
        used = weights > 0
        if used.all():
            return ()
        power = np.diag(self.gram)
        clipped = self.clipped_counts() / self.n if self.n else np.zeros(power.size)
        corr = self.correlation()
        floor = power.max() * 10.0 ** (-SILENT_CHANNEL_DB / 10.0)
        out: list[tuple[int, str]] = []
        for c in np.flatnonzero(~used):
            similar = np.abs(corr[c, used])
            if clipped[c] > CLIPPED_CHANNEL_FRACTION and (similar >= SAME_SOUND_CORRELATION).any():
                out.append((int(c), "clipped"))  # its quieter, unclipped copy was kept
            elif power[c] >= floor and not (similar >= SAME_SIGNAL_CORRELATION).any():
                out.append((int(c), "different"))  # not a copy of what is kept
        return tuple(out)

    def gain(self, weights: np.ndarray) -> float:
        """What the mix is multiplied by: 1, or for a floating-point file whose channels in use
        (``weights > 0``) go beyond full scale, one over their peak, which then sits at 1.0."""
        peak = float(self.peak[weights > 0].max(initial=0.0))
        return 1.0 / peak if self.headroom and peak > 1.0 else 1.0


def _channel_weights(gram: np.ndarray, corr: np.ndarray, spread_db: np.ndarray,
                     clipped: np.ndarray) -> np.ndarray:
    """Mixing weights, shape (channels,), summing to 1: the channel that carries the
    recording's voice, or the channels carrying nearly the same voice, averaged.

    Parameters
    ----------
    gram : np.ndarray [shape=(channels, channels)]
        the channels' sums of cross-products, so any mix's power is ``w @ gram @ w`` without a
        second pass over the samples
    corr : np.ndarray [shape=(channels, channels)]
        their normalised cross-correlation (:meth:`_ChannelStats.correlation`)
    spread_db : np.ndarray [shape=(channels,)]
        how speech-like each channel is, in dB (:meth:`_ChannelStats.spread_db`)
    clipped : np.ndarray [shape=(channels,)]
        the share of each channel's samples that are clipped, 0 to 1

    Notes
    -----
    1. A clipped channel (more than ``CLIPPED_CHANNEL_FRACTION``) is left out if an unclipped
       one carries the same sound (correlation at least ``SAME_SOUND_CORRELATION`` in either
       polarity) no more than ``SAFETY_TRACK_DB`` below it; that one is kept, however quiet.
    2. Of the others, channels more than ``SILENT_CHANNEL_DB`` below the loudest are left out.
    3. The live channels are grouped by the signal they carry: two are in one group when their
       correlation is at least ``SAME_SIGNAL_CORRELATION`` in either polarity (and groups are
       joined through shared members). A group's level and spread are those of its loudest
       and its most speech-like member.
    4. If a group sounds like speech (spread at least ``SPEECH_SPREAD_DB``), one group is
       kept: of those that do, the loudest, unless another is within ``OWN_MIC_DB`` of its
       level; then, of the ones within it, the most speech-like. Otherwise (hiss, hum, a voice
       buried in noise) the groups whose spread is within ``SPEECH_TIE_DB`` of the largest are
       kept.
    5. The kept channels are averaged; if that cancels the signal (one side wired in reverse
       polarity), the loudest of them is used alone.
    """
    channels = gram.shape[0]
    power = np.diag(gram).copy()
    same_sound = np.abs(corr) >= SAME_SOUND_CORRELATION
    usable = np.ones(channels, dtype=bool)
    rescued = np.zeros(channels, dtype=bool)
    unclipped = clipped <= CLIPPED_CHANNEL_FRACTION
    for c in np.flatnonzero(~unclipped):
        track = unclipped & same_sound[c] & (power >= power[c] * 10.0 ** (-SAFETY_TRACK_DB / 10.0))
        if track.any():
            usable[c] = False
            rescued |= track
    live = rescued | usable & (power >= power[usable].max() * 10.0 ** (-SILENT_CHANNEL_DB / 10.0))
    if live.sum() > 1:
        same = (np.abs(corr) >= SAME_SIGNAL_CORRELATION) & live[:, None] & live[None, :]
        group = np.arange(channels)  # each channel's group: the smallest channel joined to it
        for _ in range(channels):  # join through shared members until nothing changes
            joined = np.array([group[same[c]].min() if live[c] else c for c in range(channels)])
            if np.array_equal(joined, group):
                break
            group = joined
        ids = np.unique(group[live])
        members = [(group == g) & live for g in ids]
        level = np.array([power[m].max() for m in members])
        spread = np.array([spread_db[m].max() for m in members])
        if spread.max() >= SPEECH_SPREAD_DB:
            speech = spread >= SPEECH_SPREAD_DB
            near = speech & (level >= level[speech].max() * 10.0 ** (-OWN_MIC_DB / 10.0))
            kept = ids[[int(np.argmax(np.where(near, spread, -np.inf)))]]
        else:
            kept = ids[spread >= spread.max() - SPEECH_TIE_DB]
        live &= np.isin(group, kept)
    weights = live / live.sum()
    n_live = int(live.sum())
    if n_live > 1:
        mix_power = weights @ gram @ weights
        # Uncorrelated channels lose 10·log10(n_live) dB when averaged; losing 3 dB more means
        # the channels cancel (one wired in reverse polarity): use the loudest alone.
        if mix_power < power[live].mean() / n_live / 2.0:
            weights = np.zeros_like(power)
            weights[int(np.argmax(np.where(live, power, -np.inf)))] = 1.0
    return weights


def _resample(y: np.ndarray, *, original_sr: int, sr: int) -> np.ndarray:
    """Resample ``y`` from ``original_sr`` to ``sr`` (both in Hz), as float64."""
    if original_sr == sr or y.size == 0:
        return y
    from .dsp import resample

    return resample(y, original_sr, sr)
