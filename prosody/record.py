"""Recording from this computer's microphone through PortAudio (``sounddevice``).

This module and ``audio.py`` are the only ones that touch devices (DESIGN.md). ``sounddevice``
is imported inside the functions that need it: ``import prosody`` stays fast, and a computer
without PortAudio gets a :class:`MicrophoneError` that says how to install it instead of an
``OSError`` at import time.

A take is captured as 16-bit integers (every input device offers them, and PortAudio converts
when it must), in blocks of ``block_s`` seconds handed to an optional ``on_block`` callback for a
live meter. It stops after ``seconds``, when ``stop_event`` is set (the Enter key, a button), or
after about 1.5 s of silence that follows speech. The result is resampled to the 16 kHz the
analysis uses.

Durations are counted in samples, not wall-clock time, so a device that delivers faster than
real time (the file-backed ALSA device of the tests) gives the same take as a real microphone.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .errors import ProsodyError
from .util import MAX_DURATION_S, SR, power_to_db

__all__ = [
    "Block",
    "InputChoice",
    "InputDevice",
    "MicrophoneError",
    "Recording",
    "SpeechGate",
    "check_input",
    "level_dbfs",
    "list_devices",
    "meter_bar",
    "record",
    "to_pcm16",
]

#: Silence that ends a take once speech has been heard, in seconds.
SILENCE_AFTER_SPEECH_S = 1.5
#: Length of each block handed to ``on_block`` (and of each meter update), in seconds.
BLOCK_S = 0.1
#: A device that sends nothing for this long (wall-clock seconds) is taken to be gone.
STALL_TIMEOUT_S = 2.0
#: Capture rates tried, in order, after the one asked for and the device's own default, in Hz.
FALLBACK_RATES_HZ = (48_000, 44_100, 32_000, 22_050, 16_000, 8_000)
#: Lowest level the meter shows, in dBFS: quieter than any room.
METER_FLOOR_DB = -60.0

PORTAUDIO_MISSING = (
    "recording from the microphone needs the PortAudio library, which is not installed on this "
    "computer. Install it with `sudo apt install libportaudio2` (Debian, Ubuntu), "
    "`sudo dnf install portaudio` (Fedora) or `brew install portaudio` (macOS), then try again. "
    "Recorded files can still be analysed without it."
)
NO_INPUT_DEVICE = (
    "no microphone found: this computer lists no device that can record. Plug one in (or "
    "switch it on), check that it is not disabled in the system's sound settings, then try "
    "again; `calmtone record --list-devices` shows what is found."
)

StopReason = Literal["seconds", "silence", "stopped", "limit"]


class MicrophoneError(ProsodyError):
    """The microphone cannot be used; the message says why and what to do.

    Attributes
    ----------
    driver_stuck : bool
        True when the audio driver did not let go of the device after a failure: the process
        may then hang at exit, so a command line should exit at once after printing the message.
    """

    def __init__(self, message: str, *, driver_stuck: bool = False):
        super().__init__(message)
        self.driver_stuck = driver_stuck


@dataclass(frozen=True)
class InputDevice:
    """A device that can record.

    Attributes
    ----------
    index : int
        PortAudio's number for it (``--device`` accepts it, or a part of the name)
    name : str
    host_api : str
        the sound system it belongs to (ALSA, Core Audio, WASAPI, ...)
    channels : int
        most input channels it offers
    default_sr_hz : float
        the sample rate it prefers, in Hz
    is_default : bool
        the system's default input
    """

    index: int
    name: str
    host_api: str
    channels: int
    default_sr_hz: float
    is_default: bool


@dataclass(frozen=True)
class InputChoice:
    """The device and settings a take will use, checked before recording starts.

    Attributes
    ----------
    device : InputDevice
    capture_sr_hz : int
        the rate the device records at, in Hz (the take is resampled to 16 kHz afterwards)
    channels : int
        channels opened (1, or 2 for devices that refuse mono; they are averaged)
    notes : tuple of str
        what a person should know, e.g. that the rate asked for was not available
    """

    device: InputDevice
    capture_sr_hz: int
    channels: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Block:
    """One block of a take in progress, for live displays.

    Attributes
    ----------
    y : np.ndarray [shape=(n,), dtype=float64]
        mono samples at ``sr``, full scale = 1.0
    sr : int
        capture rate in Hz
    start_s : float
        time of the first sample since the take started, in seconds
    level_db : float
        RMS level of the block, in dBFS
    speech_heard : bool
        speech has been heard since the take started
    silence_s : float
        length of the silence at the end of the take so far, in seconds
    """

    y: np.ndarray
    sr: int
    start_s: float
    level_db: float
    speech_heard: bool
    silence_s: float


@dataclass(frozen=True, eq=False)
class Recording:
    """A finished take.

    Attributes
    ----------
    y : np.ndarray [shape=(n,), dtype=float64]
        mono samples at ``sr``, full scale = 1.0, as recorded (no gain, no trimming)
    sr : int
        sample rate of ``y`` in Hz: 16000, the analysis rate
    device_name : str
    capture_sr_hz : int
        the rate the device recorded at, in Hz
    stopped_because : {'seconds', 'silence', 'stopped', 'limit'}
        the time asked for was reached; silence followed speech; ``stop_event`` was set (Enter);
        the 15-minute limit of one take was reached
    notes : tuple of str
        what a person should know about the take (a rate fallback, lost blocks, no speech)
    input_latency_s : float
        the input latency PortAudio reported for the stream, in seconds: how long sound waits
        in the device and driver before a block reaches ``on_block``
    """

    y: np.ndarray
    sr: int
    device_name: str
    capture_sr_hz: int
    stopped_because: StopReason
    notes: tuple[str, ...] = field(default=())
    input_latency_s: float = 0.0

    @property
    def duration_s(self) -> float:
        return self.y.size / self.sr


# ---------------------------------------------------------------------------------------------
# Levels and the speech gate (pure: no device)


def level_dbfs(y: np.ndarray) -> float:
    """RMS level of a block in dBFS (0 dB = full-scale square wave), -120 dB for silence.

    The block's mean is removed first, so a DC offset does not read as sound.
    """
    y = np.asarray(y, dtype=np.float64)
    if y.size == 0:
        return -120.0
    return float(power_to_db(np.var(y)))


def meter_bar(level_db: float, *, width: int = 24, floor_db: float = METER_FLOOR_DB) -> str:
    """A text level meter: ``width`` cells filled in proportion to the level above ``floor_db``.

    >>> meter_bar(-30.0, width=10)
    '█████░░░░░'
    """
    fraction = float(np.clip((level_db - floor_db) / -floor_db, 0.0, 1.0))
    filled = int(round(fraction * width))
    return "█" * filled + "░" * (width - filled)


class SpeechGate:
    """Tells speech from background sound, block by block, on the level alone.

    The noise floor is the quietest 100 ms seen in the last few seconds (minimum statistics:
    speech always has gaps between words, so the minimum falls back to the room's own sound
    within a phrase or two). A 10 ms frame is speech when it stands ``margin_db`` above that
    floor, and never below ``min_threshold_db`` (digital silence would otherwise make any hiss
    count as speech) nor above ``max_threshold_db`` (a noisy room must not hide a normal voice).
    Speech counts as heard once ``min_speech_s`` of such frames have come in, so a click or a
    bump of the microphone does not arm the silence stop.

    Parameters
    ----------
    sr : int
        sample rate of the blocks, in Hz
    """

    def __init__(self, sr: int, *, margin_db: float = 12.0, min_threshold_db: float = -55.0,
                 max_threshold_db: float = -25.0, min_speech_s: float = 0.3,
                 floor_memory_s: float = 5.0):
        self.sr = int(sr)
        self.margin_db = margin_db
        self.min_threshold_db = min_threshold_db
        self.max_threshold_db = max_threshold_db
        self.min_speech_s = min_speech_s
        self._hop = max(1, int(round(0.01 * sr)))
        self._carry = np.zeros(0)
        # levels of recent 100 ms stretches, for the noise floor
        self._recent_db: deque[float] = deque(maxlen=int(round(floor_memory_s / 0.1)))
        self._tenth: list[float] = []
        self.speech_s = 0.0
        self.silence_s = 0.0

    @property
    def speech_heard(self) -> bool:
        return self.speech_s >= self.min_speech_s

    @property
    def floor_db(self) -> float | None:
        """The room's noise floor: the quietest recent 100 ms, in dBFS (None before any)."""
        return min(self._recent_db) if self._recent_db else None

    @property
    def threshold_db(self) -> float:
        floor = self.floor_db if self.floor_db is not None else -120.0
        return float(np.clip(floor + self.margin_db, self.min_threshold_db,
                             self.max_threshold_db))

    def update(self, y: np.ndarray) -> np.ndarray:
        """Feed one block; returns the level of each complete 10 ms frame in it, in dBFS."""
        y = np.concatenate([self._carry, np.asarray(y, dtype=np.float64)])
        n = y.size // self._hop
        self._carry = y[n * self._hop:]
        if n == 0:
            return np.zeros(0)
        frames = y[: n * self._hop].reshape(n, self._hop)
        level = power_to_db(frames.var(axis=1))
        for db in level:
            self._tenth.append(float(db))
            if len(self._tenth) == 10:  # 100 ms gathered: one value for the floor memory
                self._recent_db.append(float(np.mean(self._tenth)))
                self._tenth.clear()
        threshold = self.threshold_db
        for db in level:
            if db > threshold:
                self.speech_s += 0.01
                self.silence_s = 0.0
            else:
                self.silence_s += 0.01
        return level


def to_pcm16(y: np.ndarray) -> np.ndarray:
    """Float samples (full scale = 1.0) to 16-bit PCM, the exact inverse of reading PCM as
    ``int / 32768``: a take recorded at 16 kHz is written back bit for bit."""
    return np.clip(np.round(np.asarray(y) * 32768.0), -32768, 32767).astype(np.int16)


# ---------------------------------------------------------------------------------------------
# Devices


def _sounddevice():
    """Import ``sounddevice``, turning a missing PortAudio into a message a person can act on."""
    try:
        import sounddevice as sd
    except OSError as exc:  # sounddevice found, the PortAudio library it loads not
        raise MicrophoneError(PORTAUDIO_MISSING) from exc
    except ImportError as exc:
        raise MicrophoneError(
            "recording from the microphone needs the Python package sounddevice "
            "(`pip install sounddevice`) and the PortAudio library "
            "(`sudo apt install libportaudio2` on Debian/Ubuntu, `brew install portaudio` on "
            "macOS)."
        ) from exc
    except Exception as exc:  # PortAudio present but failed to start (its PortAudioError)
        raise MicrophoneError(
            f"the sound system could not start ({exc}); check that libportaudio2 is installed "
            "and that no other program holds the sound device, then try again."
        ) from exc
    return sd


def list_devices() -> tuple[InputDevice, ...]:
    """Every device that can record, in PortAudio's order.

    Raises
    ------
    MicrophoneError
        when PortAudio is not installed
    """
    sd = _sounddevice()
    return _inputs(sd)


def _inputs(sd) -> tuple[InputDevice, ...]:
    try:
        default_in = sd.default.device[0]  # PortAudio's default input, -1 when none
        devices = sd.query_devices()
    except sd.PortAudioError as exc:
        raise MicrophoneError(f"the sound system could not list the devices ({exc}).") from exc
    out = []
    for info in devices:
        if info["max_input_channels"] > 0:
            out.append(InputDevice(
                index=int(info["index"]),
                name=str(info["name"]),
                host_api=str(sd.query_hostapis(info["hostapi"])["name"]),
                channels=int(info["max_input_channels"]),
                default_sr_hz=float(info["default_samplerate"]),
                is_default=int(info["index"]) == default_in,
            ))
    return tuple(out)


def _pick_device(sd, device: int | str | None) -> InputDevice:
    inputs = _inputs(sd)
    if not inputs:
        raise MicrophoneError(NO_INPUT_DEVICE)
    if device is None:
        return next((d for d in inputs if d.is_default), inputs[0])
    names = "; ".join(f"{d.index}: {d.name}" for d in inputs)
    if isinstance(device, int) or str(device).strip().isdigit():
        index = int(device)
        for d in inputs:
            if d.index == index:
                return d
        raise MicrophoneError(
            f"there is no microphone number {index}; the devices that can record are "
            f"{names}. Pass one of these numbers, or a part of the name, to --device."
        )
    wanted = str(device).lower()
    exact = [d for d in inputs if d.name.lower() == wanted]
    matches = exact or [d for d in inputs if wanted in d.name.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise MicrophoneError(
            f"no microphone called {device!r} was found (was it unplugged?); the devices that "
            f"can record are {names}."
        )
    raise MicrophoneError(
        f"{device!r} matches several microphones: "
        + "; ".join(f"{d.index}: {d.name}" for d in matches)
        + ". Pass the number of the one you mean to --device."
    )


def check_input(*, device: int | str | None = None,
                samplerate: float | None = None) -> InputChoice:
    """Choose the device, rate and channels for a take, without recording.

    Parameters
    ----------
    device : int, str or None
        a device number, a part of its name, or None for the system's default input
    samplerate : number or None
        the capture rate to ask for, in Hz; None asks for 16 kHz, the analysis rate. A rate the
        device refuses falls back to its own default rate or a common one, and the take is
        resampled to 16 kHz (the returned ``notes`` say so).

    Returns
    -------
    InputChoice

    Raises
    ------
    MicrophoneError
        no PortAudio, no input device, an unknown device, or no usable rate
    """
    sd = _sounddevice()
    if samplerate is not None and not (np.isfinite(samplerate) and samplerate > 0):
        raise MicrophoneError(f"samplerate={samplerate!r} must be a rate in Hz, e.g. 48000.")
    dev = _pick_device(sd, device)
    channels = 1
    if not _accepts(sd, dev.index, 1, SR) and not _accepts(sd, dev.index, 1, dev.default_sr_hz):
        channels = min(2, dev.channels)  # some devices open in stereo only; averaged later
    asked = int(round(samplerate)) if samplerate is not None else SR
    candidates = [asked, int(round(dev.default_sr_hz)), *FALLBACK_RATES_HZ]
    notes: list[str] = []
    for rate in dict.fromkeys(candidates):  # ordered, without repeats
        if rate >= 8_000 and _accepts(sd, dev.index, channels, rate):
            if rate != asked and samplerate is not None:
                notes.append(
                    f"the microphone {dev.name!r} does not record at {asked} Hz; recording at "
                    f"{rate} Hz instead and resampling to {SR} Hz."
                )
            return InputChoice(dev, rate, channels, tuple(notes))
    raise MicrophoneError(
        f"the microphone {dev.name!r} accepts none of the usual sample rates "
        f"({', '.join(str(r) for r in dict.fromkeys(candidates))} Hz); choose another device "
        "with --device, or check its format in the system's sound settings."
    )


def _accepts(sd, index: int, channels: int, rate: float) -> bool:
    try:
        sd.check_input_settings(device=index, channels=channels, dtype="int16",
                                samplerate=rate)
    except Exception:  # PortAudioError or ValueError: this combination does not work
        return False
    return True


def _open_error(sd, exc: Exception, name: str) -> MicrophoneError:
    text = str(exc)
    code = exc.args[1] if isinstance(exc, sd.PortAudioError) and len(exc.args) > 1 else None
    if code == -9985 or "busy" in text.lower():  # paDeviceUnavailable, or EBUSY from the host
        return MicrophoneError(
            f"the microphone {name!r} is busy: another program is using it (a video call, "
            "another recorder). Close that program, or choose another device with --device, "
            "and try again."
        )
    return MicrophoneError(
        f"the microphone {name!r} could not be opened ({text}). Check that it is plugged in "
        "and not used by another program, or choose another with --device."
    )


# ---------------------------------------------------------------------------------------------
# Recording


def record(
    seconds: float | None = None,
    *,
    device: int | str | None = None,
    samplerate: float | None = None,
    stop_on_silence: bool = True,
    silence_s: float = SILENCE_AFTER_SPEECH_S,
    on_block: Callable[[Block], None] | None = None,
    stop_event: threading.Event | None = None,
    block_s: float = BLOCK_S,
    stall_timeout_s: float = STALL_TIMEOUT_S,
) -> Recording:
    """Record one take from a microphone.

    Parameters
    ----------
    seconds : float or None
        stop after this many seconds; None records until silence, ``stop_event`` or the
        15-minute limit
    device : int, str or None
        a device number, a part of its name, or None for the default input (see
        :func:`list_devices`)
    samplerate : number or None
        capture rate to ask the device for, in Hz (None: 16 kHz); refused rates fall back, see
        :func:`check_input`
    stop_on_silence : bool
        stop after ``silence_s`` seconds of silence that follow speech
    silence_s : float
        length of that silence, in seconds
    on_block : callable or None
        called with each :class:`Block` as it arrives, in the recording thread (keep it short)
    stop_event : threading.Event or None
        set it from another thread (the Enter key, a button) to stop; the take is kept
    block_s : float
        block length in seconds
    stall_timeout_s : float
        wall-clock seconds without sound from the device before it counts as unplugged

    Returns
    -------
    Recording
        at 16 kHz

    Raises
    ------
    MicrophoneError
        no PortAudio, no input device, the device busy, or the device gone mid-take
    """
    if seconds is not None and not (np.isfinite(seconds) and seconds > 0):
        raise MicrophoneError(f"seconds={seconds!r} must be a positive duration, e.g. 10.")
    if not 0.005 <= block_s <= 1.0:
        raise MicrophoneError(f"block_s={block_s!r} must be between 0.005 and 1 second.")
    choice = check_input(device=device, samplerate=samplerate)
    sd = _sounddevice()
    sr = choice.capture_sr_hz
    name = choice.device.name
    limit_s = MAX_DURATION_S if seconds is None else min(float(seconds), MAX_DURATION_S)
    n_target = int(round(limit_s * sr))
    block = max(1, int(round(block_s * sr)))

    # The PortAudio thread only copies blocks into the queue. A device that delivers faster than
    # real time fills it; waiting for room (and never past `done`) keeps memory bounded.
    chunks: queue.Queue = queue.Queue(maxsize=max(8, int(30.0 / block_s)))
    done = threading.Event()
    overflows = [0]

    def callback(indata, frames, time_info, status):
        if status.input_overflow:
            overflows[0] += 1
        data = indata.copy()
        while not done.is_set():
            try:
                chunks.put(data, timeout=0.05)
                return
            except queue.Full:
                continue
        raise sd.CallbackAbort

    try:
        stream = sd.InputStream(device=choice.device.index, samplerate=sr,
                                channels=choice.channels, dtype="int16", blocksize=block,
                                callback=callback)
        stream.start()
    except Exception as exc:  # PortAudioError or ValueError from the host API
        raise _open_error(sd, exc, name) from exc
    latency_s = float(stream.latency)

    gate = SpeechGate(sr)
    parts: list[np.ndarray] = []
    n_got = 0
    reason: StopReason | None = None
    failure: str | None = None
    try:
        while reason is None:
            waited_s = 0.0
            data = None
            while data is None:
                if stop_event is not None and stop_event.is_set():
                    reason = "stopped"
                    break
                try:
                    data = chunks.get(timeout=0.05)
                except queue.Empty:
                    waited_s += 0.05
                    # PortAudio ends the stream itself when the host reports the device gone
                    if waited_s >= stall_timeout_s or not stream.active:
                        failure = (
                            f"the microphone {name!r} stopped sending sound after "
                            f"{n_got / sr:.1f} s: was it unplugged, or taken over by another "
                            "program? Plug it back in (or close the other program) and record "
                            "again; nothing was kept of this take."
                        )
                        break
            if reason is not None or failure is not None:
                break
            y = data.astype(np.float64).mean(axis=1) / 32768.0
            y = y[: n_target - n_got]
            start_s = n_got / sr
            parts.append(y)
            n_got += y.size
            gate.update(y)
            if on_block is not None:
                on_block(Block(y=y, sr=sr, start_s=start_s, level_db=level_dbfs(y),
                               speech_heard=gate.speech_heard, silence_s=gate.silence_s))
            if n_got >= n_target:
                reason = "limit" if limit_s == MAX_DURATION_S else "seconds"
            elif stop_on_silence and gate.speech_heard and gate.silence_s >= silence_s:
                reason = "silence"
    finally:
        done.set()
        closed = _close(stream)
    if failure is not None:
        raise MicrophoneError(failure, driver_stuck=not closed)

    y = np.concatenate(parts) if parts else np.zeros(0)
    notes = list(choice.notes)
    if overflows[0]:
        notes.append(
            f"{overflows[0]} block(s) of sound were lost because the computer fell behind; "
            "close other busy programs if the take sounds choppy."
        )
    if y.size and not gate.speech_heard:
        notes.append("no speech was heard: check that the microphone is on and not muted.")
    if sr != SR and y.size:
        from .dsp import resample

        y = resample(y, sr, SR)
    return Recording(y=y, sr=SR, device_name=name, capture_sr_hz=sr, stopped_because=reason,
                     notes=tuple(notes), input_latency_s=latency_s)


def _close(stream, timeout_s: float = 2.0) -> bool:
    """Stop and close a stream; False when the driver did not let go within ``timeout_s``.

    A device that hangs inside the driver (a wedged USB microphone) blocks PortAudio's abort
    forever; closing in a helper thread lets the caller report the problem instead of freezing.
    """

    def close():
        try:
            stream.abort()
        finally:
            stream.close()

    closer = threading.Thread(target=close, name="calmtone-close-mic", daemon=True)
    closer.start()
    closer.join(timeout_s)
    return not closer.is_alive()
