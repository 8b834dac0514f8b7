"""``calmtone record`` and ``calmtone live``: the microphone from the terminal.

Results go to standard output (the coach's feedback, the live view, the report); the countdown,
the level meter and status lines go to standard error, so that ``calmtone record --coach
take.wav > feedback.txt`` keeps only the feedback.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from ..errors import ProsodyError
from .analyze import person_without_save
from .format import clock, format_feedback, format_table, format_update

#: Seconds of countdown before an interactive take.
COUNTDOWN_S = 3
#: Silence after speech that ends a live session, in seconds: longer than a take's, because a
#: warm-up has pauses to think and breathe.
LIVE_SILENCE_S = 4.0
#: Block length of the live view, in seconds: 20 updates a second.
LIVE_BLOCK_S = 0.05
#: Without a terminal, the record meter prints a line this often, in seconds of audio.
PLAIN_METER_EVERY_S = 1.0


def add_parsers(sub) -> None:
    """Register ``record`` and ``live`` on the ``calmtone`` sub-command parser."""
    r = sub.add_parser(
        "record", help="record a take from this computer's microphone",
        description="Record from the microphone into OUT.wav (16 kHz, 16-bit). Stops when you "
                    "press Enter, after --seconds, or after about 1.5 s of silence once you "
                    "have spoken.")
    r.add_argument("out", nargs="?", metavar="OUT.wav", help="the WAV file to write")
    r.add_argument("--seconds", type=float, help="stop after this many seconds")
    r.add_argument("--device", help="microphone number or part of its name (see --list-devices)")
    r.add_argument("--samplerate", type=float, metavar="HZ",
                   help="rate to ask the microphone for (default 16000); the file is 16 kHz")
    r.add_argument("--coach", action="store_true",
                   help="print the coach's feedback on the take, as `calmtone coach OUT.wav`")
    r.add_argument("--save", action="store_true",
                   help="also keep the take, coached, in the practice history (needs --person)")
    r.add_argument("--person", help="who is speaking (needed with --save)")
    r.add_argument("--list-devices", action="store_true",
                   help="list the microphones found, then exit")
    r.add_argument("--overwrite", action="store_true",
                   help="replace OUT.wav if it exists (by default an existing file is kept)")
    r.set_defaults(func=_cmd_record)

    lv = sub.add_parser(
        "live", help="a live calm meter while you warm up, then the full report",
        description="Show pitch, level and pace as you speak, each against its target, with one "
                    "word of advice. Stops when you press Enter, after --seconds, or after "
                    f"{LIVE_SILENCE_S:g} s of silence; then reports on everything you said.")
    lv.add_argument("--baseline", metavar="FILE",
                    help="a recording of your everyday voice: readings are relative to it")
    lv.add_argument("--device", help="microphone number or part of its name")
    lv.add_argument("--seconds", type=float, help="stop after this many seconds")
    lv.set_defaults(func=_cmd_live)


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _say(text: str = "", *, end: str = "\n") -> None:
    """A status line on standard error (the meter, the countdown, what happened)."""
    print(text, end=end, file=sys.stderr, flush=True)


def _fail(command: str, exc: ProsodyError) -> int:
    _say(f"calmtone {command}: {exc}")
    if getattr(exc, "driver_stuck", False):
        # the audio driver still holds the device: a normal exit would wait on it forever
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    return 1


def _enter_stops(stop: threading.Event) -> None:
    """Set ``stop`` when Enter is pressed; only when a person is at the keyboard (a pipe or a
    closed stdin would stop the take at once)."""
    if not (sys.stdin and sys.stdin.isatty()):
        return

    def wait() -> None:
        try:
            line = sys.stdin.readline()
        except (OSError, ValueError):
            return
        if line:  # Enter; an empty read is the end of input (Ctrl+D), not a request to stop
            stop.set()

    threading.Thread(target=wait, name="calmtone-enter", daemon=True).start()


def _countdown() -> None:
    if not sys.stderr.isatty():
        return
    for k in range(COUNTDOWN_S, 0, -1):
        _say(f"\rRecording in {k}…  ", end="")
        time.sleep(1.0)
    _say("\r" + " " * 24 + "\r", end="")


_REASONS = {
    "seconds": "Stopped after {seconds:g} s.",
    "silence": "Stopped after {silence:g} s of silence.",
    "stopped": "Stopped.",
    "limit": "Stopped at the 15-minute limit of one take.",
}


# ---------------------------------------------------------------------------------------------
# calmtone record


def _cmd_record(args) -> int:
    from .. import record as mic

    try:
        if args.list_devices:
            return _list_devices(mic)
        if not args.out:
            _say("calmtone record: give the WAV file to write, e.g. `calmtone record take.wav` "
                 "(or --list-devices).")
            return 2
        wrong = person_without_save("record", args.person, args.save)
        if wrong is not None:
            return wrong
        if args.save and not (args.person and args.person.strip()):
            # said before recording, not after: the take would be lost to a missing name
            _say("calmtone record: --save needs --person NAME (who is speaking), so that the "
                 "takes of different people stay apart.")
            return 2
        from ..store.files import check_new_file, check_output

        # before recording, not after: a take written over a saved one (or over a recording
        # kept elsewhere, unasked) would lose it
        check_output(args.out)
        if not args.overwrite:
            check_new_file(args.out)
        choice = mic.check_input(device=args.device, samplerate=args.samplerate)
    except ProsodyError as exc:
        return _fail("record", exc)
    _say(f"Microphone: {choice.device.name} ({choice.device.host_api}), "
         f"recording at {choice.capture_sr_hz} Hz.")
    for note in choice.notes:
        _say(f"Note: {note}")

    stop = threading.Event()
    _countdown()
    how = "Press Enter to stop; it" if sys.stdin and sys.stdin.isatty() else "It"
    limit = f" or after {args.seconds:g} s" if args.seconds else ""
    _say(f"Speak now. {how} also stops after {mic.SILENCE_AFTER_SPEECH_S:g} s of silence{limit}.")
    _enter_stops(stop)
    meter = _Meter(mic, tty=sys.stderr.isatty())
    try:
        take = mic.record(args.seconds, device=choice.device.index,
                          samplerate=choice.capture_sr_hz, on_block=meter.show, stop_event=stop)
    except KeyboardInterrupt:
        meter.done()
        _say("Recording cancelled; nothing was written.")
        return 130
    except ProsodyError as exc:
        meter.done()
        return _fail("record", exc)
    meter.done()
    _say(_REASONS[take.stopped_because].format(seconds=args.seconds or 0,
                                               silence=mic.SILENCE_AFTER_SPEECH_S))
    for note in take.notes:
        if note not in choice.notes:
            _say(f"Note: {note}")

    import soundfile as sf

    try:
        sf.write(args.out, mic.to_pcm16(take.y), take.sr, subtype="PCM_16", format="WAV")
    except (OSError, RuntimeError) as exc:  # soundfile reports unwritable paths as RuntimeError
        _say(f"calmtone record: cannot write {args.out}: {exc}")
        return 1
    _say(f"Wrote {args.out} ({take.duration_s:.1f} s, {take.sr // 1000} kHz, 16-bit).")

    if args.coach or args.save:
        return _coach_file(args.out, show=args.coach, save=args.save, person=args.person)
    return 0


def _list_devices(mic) -> int:
    devices = mic.list_devices()
    if not devices:
        _say(f"calmtone record: {mic.NO_INPUT_DEVICE}")
        return 1
    print("Microphones (use the number or a part of the name with --device):")
    for d in devices:
        star = "*" if d.is_default else " "
        print(f"{star} {d.index:>3}  {d.name}  ({d.host_api}, {d.channels} ch, "
              f"{d.default_sr_hz:g} Hz)")
    print("* the system's default input")
    return 0


class _Meter:
    """The live level meter: one line redrawn in a terminal, a plain line a second otherwise."""

    def __init__(self, mic, *, tty: bool):
        self.mic = mic
        self.tty = tty
        self.next_plain_s = 0.0
        self.drawn = False
        self.peak_db = -120.0

    def show(self, block) -> None:
        end_s = block.start_s + block.y.size / block.sr
        self.peak_db = max(self.peak_db, block.level_db)
        if self.tty:
            bar = self.mic.meter_bar(block.level_db)
            _say(f"\r● {clock(end_s)}  ▕{bar}▏ {block.level_db:6.1f} dBFS", end="")
            self.drawn = True
        elif end_s >= self.next_plain_s:
            _say(f"recording {clock(end_s)}  level {self.peak_db:6.1f} dBFS")
            self.peak_db = -120.0
            self.next_plain_s += PLAIN_METER_EVERY_S

    def done(self) -> None:
        if self.drawn:
            _say()
            self.drawn = False


def _coach_file(path: str, *, show: bool, save: bool, person: str | None) -> int:
    """Coach the take as ``calmtone coach PATH`` does (saving it with ``save``), so that the
    feedback and the saved take are exactly the coach's."""
    from .analyze import run_coach

    sys.stdout.flush()
    return run_coach([path], save=save, person=person, show=show)


# ---------------------------------------------------------------------------------------------
# calmtone live


def _cmd_live(args) -> int:
    from .. import live
    from .. import record as mic
    from .analyze import baseline_from_file

    baseline = None
    if args.baseline:
        analysis, error = baseline_from_file(args.baseline, None)
        if error:
            _say(f"calmtone live: cannot use this recording as the baseline: {error}")
            return 1
    try:
        if args.baseline:
            baseline = live.LiveBaseline.from_analysis(analysis)
        choice = mic.check_input(device=args.device)
        view = live.LiveView(choice.capture_sr_hz, baseline=baseline)
    except ProsodyError as exc:
        return _fail("live", exc)

    tty = sys.stdout.isatty()
    _say(f"Microphone: {choice.device.name}. Live view: pitch, level and pace over the last "
         f"{live.WINDOW_S:g} s, " + ("against your baseline." if baseline else
                                     "without a baseline (give --baseline FILE to compare)."))
    stop = threading.Event()
    _countdown()
    how = "Press Enter to stop; it" if sys.stdin and sys.stdin.isatty() else "It"
    _say(f"Speak now. {how} stops after {LIVE_SILENCE_S:g} s of silence"
         + (f" or after {args.seconds:g} s." if args.seconds else "."))
    _enter_stops(stop)

    def show(block) -> None:
        update = view.push(block.y)
        line = format_update(update, ascii_only=not tty)
        if tty:
            print("\r" + line + "\x1b[K", end="", flush=True)
        else:
            print(line, flush=True)

    try:
        take = mic.record(args.seconds, device=choice.device.index,
                          samplerate=choice.capture_sr_hz, silence_s=LIVE_SILENCE_S,
                          on_block=show, stop_event=stop, block_s=LIVE_BLOCK_S)
    except KeyboardInterrupt:
        take = None  # Ctrl+C ends the warm-up; the report still follows
    except ProsodyError as exc:
        if tty:
            print()
        return _fail("live", exc)
    if tty:
        print()
    if take is not None:
        _say(_REASONS[take.stopped_because].format(seconds=args.seconds or 0,
                                                   silence=LIVE_SILENCE_S))
    try:
        rep = view.report()
    except ProsodyError as exc:
        return _fail("live", exc)
    print()
    print(f"What you said ({view.audio().size / view.sr:.1f} s):")
    # the coach command's own report, then the measurements behind it
    print(format_feedback("live take", rep.feedback))
    print()
    print(format_table("live take", rep.analysis))
    return 0
