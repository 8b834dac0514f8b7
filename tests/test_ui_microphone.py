"""The Practice page's "use this computer's microphone" option, through real PortAudio capture.

With no sound card, an ALSA device backed by a raw speech file stands in for the microphone
(``.asoundrc`` in a temporary HOME makes it the default input). PortAudio reads that file when it
starts, so each run happens in a subprocess with its own HOME.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import PHRASE, espeak, load16

from prosody.record import to_pcm16

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, sys
from streamlit import config
from streamlit.testing.v1 import AppTest
from prosody.store import Store
# what `calmtone ui` sets: the option is offered only when the server listens on this computer
config.set_option("server.address", "127.0.0.1")
at = AppTest.from_file(sys.argv[1], default_timeout=120)
at.run()
at.button(key="guide_skip").click()  # straight to practice
at.run()
at.slider(key="here_seconds").set_value(5)
at.button(key="here_0").click()
at.run()
takes = Store.open().takes()
print(json.dumps({
    "exception": [e.message for e in at.exception],
    "errors": [e.value for e in at.error],
    "metrics": [[m.label, m.value] for m in at.metric],
    "stored": [[t.id, t.score] for t in takes],
}))
"""


def run_app(home: Path) -> dict:
    env = {**os.environ, "HOME": str(home), "CALMTONE_HOME": str(home / "calmtone")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "ui" / "app.py")], env=env,
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_record_with_this_computers_microphone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    speech = load16(espeak(PHRASE, tmp_path / "phrase.wav", voice="en-us+f1", pitch=55))
    speech = np.concatenate([np.zeros(4000), speech, np.zeros(40000)])
    to_pcm16(speech).astype("<i2").tofile(home / "speech.raw")
    (home / ".asoundrc").write_text(
        'pcm.!default { type file slave.pcm "null" file "/dev/null" '
        f'infile "{home / "speech.raw"}" format "raw" }}\n')
    out = run_app(home)
    assert out["exception"] == []
    assert out["errors"] == []
    assert out["metrics"][0][0] == "Calm score"
    [(take_id, score)] = out["stored"]
    assert out["metrics"][0][1] == f"{score:.0f} / 100"
    # what was kept is what the microphone played
    from prosody.store import Store

    kept = Store.open(home / "calmtone").audio(take_id)
    n = min(kept.y.size, speech.size)
    lag = int(np.argmax(np.correlate(kept.y[:n], speech[:n], mode="full"))) - (n - 1)
    a = kept.y[max(lag, 0):][: n - abs(lag)]
    b = speech[max(-lag, 0):][: n - abs(lag)]
    assert np.corrcoef(a, b)[0, 1] > 0.99


def test_no_microphone_says_so(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = run_app(home)  # no .asoundrc and no sound card: nothing can record
    assert out["exception"] == []
    assert any("microphone" in e.lower() for e in out["errors"]), out["errors"]
    assert out["metrics"] == []
    assert out["stored"] == []

