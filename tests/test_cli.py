"""``calmtone analyze``: JSON Lines, per-file errors and the readable table."""

import json
import warnings

import numpy as np
import pytest
import soundfile as sf
from conftest import DATA, SR
from test_analysis import DESIGN_KEYS

from prosody.cli import main

ARCTIC = str(DATA / "arctic_a0007.wav")


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_analyze_json_lines(capsys):
    assert main(["analyze", "--json", ARCTIC, ARCTIC]) == 0
    records = lines(capsys.readouterr().out)
    assert len(records) == 2
    assert records[0]["file"] == ARCTIC
    assert list(records[0]["summary"]) == DESIGN_KEYS
    assert "tracks" not in records[0]
    assert records[0]["summary"]["syllables_source"] == "acoustic"


def test_analyze_tracks_and_text(capsys):
    text = "And you always want to see it in the superlative degree."
    assert main(["analyze", "--json", "--tracks", "--text", text, ARCTIC]) == 0
    record = lines(capsys.readouterr().out)[0]
    tracks = record["tracks"]
    assert record["summary"]["syllables"] == 16
    assert record["summary"]["syllables_source"] == "text"
    assert len(tracks["time_s"]) == len(tracks["f0_hz"]) == len(tracks["loudness_db"])
    assert tracks["time_s"][1] - tracks["time_s"][0] == pytest.approx(0.01)
    assert len(tracks["syllable_times_s"]) == 16
    voiced = [f for f in tracks["f0_hz"] if f is not None]
    assert 80 < np.median(voiced) < 200
    assert all(len(p) == 2 for p in tracks["phrases"])


def test_a_bad_file_reports_and_the_rest_still_run(tmp_path, capsys):
    bad = tmp_path / "notes.wav"
    bad.write_text("this is a shopping list, not a recording")
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0), SR)
    assert main(["analyze", "--json", str(bad), ARCTIC, str(empty)]) == 1
    records = lines(capsys.readouterr().out)
    assert [r["file"] for r in records] == [str(bad), ARCTIC, str(empty)]
    assert "error" in records[0]
    assert "summary" not in records[0]
    assert "WAV" in records[0]["error"]  # says which formats work
    assert "summary" in records[1]
    assert "empty" in records[2]["error"]


def test_readable_table(capsys):
    assert main(["analyze", ARCTIC]) == 0
    out = capsys.readouterr().out
    assert "Pitch, median" in out
    assert "Articulation rate" in out
    assert "note: no pause" in out  # warnings shown in words
    # the measures the coach judges are in the table, with the values of --json
    assert main(["analyze", "--json", ARCTIC]) == 0
    summary = lines(capsys.readouterr().out)[0]["summary"]
    rows = {line[:36].strip(): line[36:].split()[0] for line in out.splitlines()[1:]
            if line.startswith("  ") and not line.startswith("  note")}
    assert float(rows["Pace over the voiced span"]) == pytest.approx(
        summary["voiced_rate_syl_per_s"], abs=0.006)
    assert float(rows["Speech level (active)"]) == pytest.approx(
        summary["speech_level_db"], abs=0.06)
    assert float(rows["Spectral centroid (edge)"]) == pytest.approx(
        summary["spectral_centroid_hz"], abs=0.6)


def test_table_error_goes_to_stderr(tmp_path, capsys):
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"RIFF\x00\x00")
    assert main(["analyze", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "cannot analyse" in captured.err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "analyze" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["history", "show", "9" * 23], "take numbers (see `calmtone history list`) run from 1"),
        (["history", "delete", "--take", "9" * 23, "--yes"], "take numbers"),
        (["history", "show", "abc"], "'abc' is not a whole number"),
        (["ui", "--port", "99999"], "ports run from 1 to 65535; got 99999"),
        (["ui", "--port", "-1"], "ports run from 1 to 65535; got -1"),
        (["history", "list", "--limit", "0"], "counts run from 1"),
        (["history", "list", "--since", "tomorrow"], "'tomorrow' is not a date or time"),
        (["history", "list", "--until", "2026-13-45"], "'2026-13-45' is not a date or time"),
    ],
)
def test_numbers_out_of_range_are_a_usage_error(argv, said, tmp_path, monkeypatch, capsys):
    """A number no history or socket can take is refused by name with exit status 2, before
    anything is opened (they crashed with OverflowError deep in SQLite or the socket)."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert said in err
    assert "Traceback" not in err
    assert not (tmp_path / "home").exists()


def test_a_note_from_the_library_is_one_plain_line(tmp_path, monkeypatch, capsys):
    """A name mixing alphabets is said as a note, without Python's file, line and source."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    with warnings.catch_warnings():
        warnings.simplefilter("default")  # as a user's Python shows them (the tests: errors)
        assert main(["coach", "--save", "--person", "\u0410udit", ARCTIC]) == 0  # Cyrillic А
    err = capsys.readouterr().err
    assert "calmtone: note: the name" in err
    assert "mixes Cyrillic and Latin" in err
    assert ".py:" not in err
    assert "Warning:" not in err


def test_a_saved_take_keeps_its_note_about_the_recording(tmp_path, monkeypatch, capsys):
    """A take whose mains hum was taken out says so when it is coached and when it is shown
    again from the history."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    y, sr = sf.read(DATA / "arctic_a0007.wav")
    t = np.arange(y.size) / sr
    loud = np.sqrt(np.mean(np.sort(y ** 2)[-y.size // 3:]))
    path = tmp_path / "hummed.wav"
    sf.write(path, y + 0.3 * loud * np.sqrt(2) * np.sin(2 * np.pi * 50.0 * t), sr)
    assert main(["coach", "--save", "--person", "Sam", str(path)]) == 0
    said = "About the recording: A steady mains hum at 50 Hz was filtered out"
    assert said in capsys.readouterr().out
    assert main(["history", "show", "1"]) == 0
    assert said in capsys.readouterr().out


def test_a_file_cut_off_while_copied_says_so(tmp_path, monkeypatch, capsys):
    """A WAV whose last half never arrived (its header still announcing all of it) was judged
    as if whole, without a word."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    whole = (DATA / "arctic_a0007.wav").read_bytes()
    path = tmp_path / "cut.wav"
    path.write_bytes(whole[: 44 + (len(whole) - 44) // 2 // 2 * 2])
    announced = sf.info(DATA / "arctic_a0007.wav").duration
    assert main(["coach", "--save", "--person", "Sam", str(path)]) == 0
    said = (f"About the recording: The file ends early: {announced / 2:.1f} s of the "
            f"{announced:.1f} s it announces could be read")
    assert said in capsys.readouterr().out
    assert main(["history", "show", "1"]) == 0
    assert said in capsys.readouterr().out


def test_what_the_room_left_unjudged_is_said_once_in_plain_names(tmp_path, capsys):
    """A soft take in a noisy room: the measures left out are named as the table names them
    ("pace", not the profile's key "tempo"), each with the SNR it needs, and the advice once."""
    import re

    from conftest import add_noise

    y, sr = sf.read(DATA / "arctic_a0007.wav")
    path = tmp_path / "noisy.wav"
    sf.write(path, add_noise(y, 2.0, np.random.default_rng(5)), sr)
    assert main(["coach", str(path)]) == 0
    out = capsys.readouterr().out
    said = "\n".join(line for line in out.splitlines() if "not judged" in line.lower())
    # pace holds down to 11 dB SNR (guards.snr_limits_db)
    assert re.search(r"too noisy .*\bpace \((needs )?11 dB\)", said), out
    for key in ("tempo", "pitch_level", "attack", "final_falls", "phrase_length"):
        assert key not in said
    assert out.count("Record in a quieter spot") == 1


@pytest.mark.parametrize("name", ["seed-calm.flac", "seed-tense.flac"])
def test_the_command_line_says_what_the_app_says_about_a_take(name, capsys):
    """The band's line and as many changes as the app lists: a calm take gets at most one
    detail to polish, not the three tips a tense one gets."""
    from prosody.coach import coach
    from prosody.explain import read_feedback
    from prosody.feedback import score_band
    from prosody.profile import load_profile
    from prosody.samples import sample_path

    path = str(sample_path("audio", name))
    assert main(["coach", path]) == 0
    out = capsys.readouterr().out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from prosody import analyze_file

        fb = coach(analyze_file(path), profile="soothing")
    reading = read_feedback(fb.to_dict(), load_profile("soothing"))
    assert reading.verdict in out
    listed = [line for line in out.splitlines() if line.startswith("    ") and ". " in line[:8]]
    assert len(listed) == len(reading.changes) <= score_band(fb.score).max_changes


@pytest.mark.parametrize("command", ["coach", "record"])
def test_a_person_without_save_is_a_usage_error(command, tmp_path, monkeypatch, capsys):
    """``--person Sam`` without ``--save`` kept nothing and said nothing, so Sam thought the
    take was in their history: it is refused with status 2, before anything is recorded or
    opened."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    out = tmp_path / "take.wav"
    target = ARCTIC if command == "coach" else str(out)
    assert main([command, "--person", "Sam", target]) == 2
    err = capsys.readouterr().err
    assert "add --save to keep it, or leave --person out" in err
    assert not out.exists()
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize("command", [["history", "list"], ["users", "list"], ["ui"],
                                     ["coach", "--save", "--person", "Sam", ARCTIC]])
@pytest.mark.parametrize("url", ["postgresql://calmtone:s3cret-pw@127.0.0.1:5/calmtone",
                                 "postgresql://calmtone@127.0.0.1/calmtone?password=s3cret-pw"])
def test_a_password_in_db_is_refused_without_repeating_it(command, url, tmp_path, monkeypatch,
                                                          capsys):
    """Any user of the computer reads a command line (`ps`): a database password in --db is
    refused (status 2) before anything is opened, and the message does not show it again."""
    monkeypatch.setenv("CALMTONE_HOME", str(tmp_path / "home"))
    with pytest.raises(SystemExit) as exit_:
        main([*command[:2], "--db", url, *command[2:]] if command[0] != "ui"
             else ["ui", "--db", url])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "CALMTONE_DB" in err
    assert "s3cret-pw" not in err
    assert not (tmp_path / "home").exists()
