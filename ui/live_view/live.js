// Calm Tone Coach live view (a Streamlit components.v2 component; no build step, nothing
// loaded from outside this computer).
//
// The AudioWorklet (worklet.js, inlined below by ui/live_view/__init__.py) measures pitch and
// level every 10 ms; this page script draws them, keeps the test hook on the root element
// (data-testid="calmtone-live": data-frames, data-f0-hz, data-level-db) up to date with every
// reading, and sends the audio to the server every half second, where prosody.live gives the
// pace and the one sparse cue and, at Stop, the take goes through the same analysis and coach
// as a recorded one.

const WORKLET_SOURCE = __CALMTONE_WORKLET__;
const RESEND_MS = 1500; // a message the server has not answered by then is sent again
const HOLD_FRAMES = 50; // the pitch in words stays this many 10 ms frames after the voice stops

const MESSAGES = {
  denied: "The browser did not let this page use the microphone. To see your voice live, " +
    "allow the microphone for this page (the icon at the left of the address bar), then " +
    "press Start live view again. You can still record or upload a take above.",
  missing: "No microphone was found. Plug one in (or choose it in your system's sound " +
    "settings), then press Start live view again. You can still upload a recording above.",
  busy: "The microphone is in use by another program or could not be opened. Close the other " +
    "program and press Start live view again, or upload a recording above.",
  insecure: "This browser does not allow the microphone on this page. Open the app at " +
    "http://127.0.0.1 (or localhost) on this computer; you can still upload a recording above.",
  unsupported: "This browser cannot run the live view (it lacks AudioWorklet). Use a recent " +
    "Chrome, Edge, Firefox or Safari, or record or upload a take above.",
};

function toBase64(int16) {
  const bytes = new Uint8Array(int16.buffer, int16.byteOffset, int16.byteLength);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

function problemOf(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return MESSAGES.denied;
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
    return MESSAGES.missing;
  }
  if (name === "NotReadableError" || name === "AbortError" || name === "TrackStartError") {
    return MESSAGES.busy;
  }
  return MESSAGES.busy;
}

class LiveView {
  constructor(parent) {
    this.root = parent.querySelector("[data-testid='calmtone-live']");
    const q = (c) => this.root.querySelector(c);
    this.startBtn = q(".ctl-start");
    this.stopBtn = q(".ctl-stop");
    this.status = q(".ctl-status");
    this.cue = q(".ctl-cue");
    this.canvas = q(".ctl-trace");
    this.pitchText = q(".ctl-pitch");
    this.levelText = q(".ctl-level");
    this.levelBar = q(".ctl-level-bar");
    this.paceText = q(".ctl-pace");
    this.error = q(".ctl-error");
    this.bandNote = q(".ctl-band-note");
    this.startBtn.addEventListener("click", () => this.start());
    this.stopBtn.addEventListener("click", () => this.stop());
    this.running = false;
    // while a take runs, reloading or closing the tab asks first: the take would be lost
    this.guard = (e) => {
      e.preventDefault();
      e.returnValue = "";
    };
    this.trace = []; // [time_s, f0_hz or 0, level_db, speech]
    this.drawPending = false;
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(this.canvas);
  }

  update(data, send) {
    this.send = send;
    // without a baseline the server places the band once it has heard the voice: keep it
    const placed = this.setup && this.setup.band_source !== "baseline" ? this.setup.band_hz
      : null;
    this.setup = data.setup;
    if (!this.setup.band_hz && placed) this.setup.band_hz = placed;
    const s = data.status;
    if (s && s.sid === this.sid && s.band_hz && this.setup.band_source !== "baseline") {
      this.setup.band_hz = s.band_hz;
    }
    this.showBand();
    if (s && s.sid && !s.done && !this.sid && s.sid !== this.leftSid) {
      // a take of this view was running when it was last drawn (the person left the page, or
      // the page drew the view anew): it has ended; the server keeps what it heard
      this.leftSid = s.sid;
      send("audio", { left: s.sid });
    }
    if (s && s.sid === this.sid) {
      if (s.rtt_t != null && this.sentAt && this.sentAt.has(s.rtt_t)) {
        this.root.dataset.roundtripMs = (performance.now() - this.sentAt.get(s.rtt_t)).toFixed(1);
        this.sentAt.delete(s.rtt_t);
      }
      this.acked = Math.max(this.acked, s.received);
      for (let i = 0; i < this.acked; i++) this.chunks[i] = null; // the server has them
      this.lastAnswer = performance.now();
      if (s.error) this.fail(s.error);
      this.showPace(s.pace);
      this.showLevelRel(s.level);
      this.showCue(s.cue_text || "", s.cue || "");
      if (s.done) this.finished(s.error);
    }
    if (!this.running && !this.sid) this.draw();
  }

  async start() {
    if (this.running) return;
    this.hideError();
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.fail(MESSAGES.insecure);
      return;
    }
    const setup = this.setup;
    // the context is made in the click itself, so the browser lets it run
    let ctx;
    try {
      ctx = new AudioContext({ sampleRate: setup.sr, latencyHint: "interactive" });
    } catch (e) {
      ctx = new AudioContext({ latencyHint: "interactive" });
    }
    if (!ctx.audioWorklet) {
      ctx.close();
      this.fail(MESSAGES.unsupported);
      return;
    }
    this.startBtn.disabled = true;
    this.setStatus("Asking for the microphone…");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: setup.constraints, video: false });
    } catch (err) {
      ctx.close();
      this.startBtn.disabled = false;
      this.setStatus("");
      this.fail(problemOf(err));
      return;
    }
    let source;
    try {
      source = ctx.createMediaStreamSource(stream);
    } catch (err) {
      // a browser that cannot resample the microphone to 16 kHz: work at its own rate
      ctx.close();
      ctx = new AudioContext({ latencyHint: "interactive" });
      source = ctx.createMediaStreamSource(stream);
    }
    try {
      const url = URL.createObjectURL(new Blob([WORKLET_SOURCE], { type: "text/javascript" }));
      await ctx.audioWorklet.addModule(url);
      URL.revokeObjectURL(url);
    } catch (err) {
      stream.getTracks().forEach((t) => t.stop());
      ctx.close();
      this.startBtn.disabled = false;
      this.fail(MESSAGES.unsupported);
      return;
    }
    const decimate = Math.max(1, Math.floor(ctx.sampleRate / setup.sr));
    const node = new AudioWorkletNode(ctx, "calmtone-live", {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
      processorOptions: { ...setup, decimate },
    });
    // a new take: its state is ready before the first message of the audio thread
    Object.assign(this, { ctx, stream, node, source, running: true, stopping: false });
    this.sid = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    this.chunks = [];
    this.acked = 0;
    this.sr = ctx.sampleRate / decimate;
    this.trace = [];
    this.run = null;
    this.held = null;
    this.heldLevel = null;
    this.sentAt = new Map();
    this.frames = 0;
    this.root.dataset.frames = "0";
    this.root.dataset.f0Hz = "";
    this.root.dataset.levelDb = "";
    this.root.dataset.sampleRate = String(this.sr);
    this.showCue("", "");
    this.showPace(null);
    this.startBtn.hidden = true;
    this.startBtn.disabled = false;
    this.stopBtn.hidden = false;
    this.stopBtn.focus();
    this.setStatus("Listening. Speak when you are ready.");
    window.addEventListener("beforeunload", this.guard);
    this.resendTimer = setInterval(() => this.resend(), RESEND_MS / 2);
    node.port.onmessage = (e) => this.onWorklet(e.data);
    const mute = ctx.createGain();
    mute.gain.value = 0; // the node must be pulled by the output to run; nothing is heard
    source.connect(node).connect(mute).connect(ctx.destination);
    await ctx.resume();
  }

  onWorklet(msg) {
    if (msg.type === "frames") {
      const frameS = this.setup.frame_s;
      for (const [k, f0, level, speech] of msg.frames) {
        const point = [k * frameS, f0, level, speech];
        this.trace.push(point);
        this.followRun(point);
        this.frames = k + 1;
        this.lastF0 = f0;
        this.lastLevel = level;
        this.lastSpeech = speech;
      }
      const cut = this.frames * frameS - this.setup.trace_s;
      while (this.trace.length && this.trace[0][0] < cut) this.trace.shift();
      // the test hook and the readings, with every message of the audio thread
      const root = this.root;
      root.dataset.frames = String(this.frames);
      root.dataset.f0Hz = this.lastF0 > 0 ? this.lastF0.toFixed(1) : "";
      root.dataset.levelDb = this.lastLevel.toFixed(1);
      root.dataset.speech = String(this.lastSpeech);
      root.dataset.samples = String(msg.samples);
      // words and trace once per painted frame: the screen shows no more than that
      if (!this.drawPending) {
        this.drawPending = true;
        requestAnimationFrame(() => {
          this.drawPending = false;
          this.showReadings();
          this.draw();
        });
      }
    } else if (msg.type === "chunk") {
      this.chunks.push(toBase64(new Int16Array(msg.pcm)));
      if (!this.stopping) this.post(false); // the last one goes with "stopped", in one message
    } else if (msg.type === "stopped") {
      this.post(true);
      this.stream.getTracks().forEach((t) => t.stop());
      this.ctx.close();
    }
  }

  followRun(point) {
    // a short voiced run over an octave from the voice's centre is a consonant's or a breath's
    // chance periodicity, which the analysis drops too: once it ends, the trace drops it
    if (point[1] > 0) {
      (this.run = this.run || []).push(point);
      return;
    }
    const run = this.run;
    this.run = null;
    if (!run || run.length > this.setup.pitch.stray_run_frames) return;
    const others = this.trace.filter((p) => p[1] > 0 && !run.includes(p)).map((p) => p[1]);
    if (others.length < 10) return;
    others.sort((a, b) => a - b);
    const centre = others[others.length >> 1];
    const mid = run.map((p) => p[1]).sort((a, b) => a - b)[run.length >> 1];
    if (Math.abs(Math.log2(mid / centre)) > 1) run.forEach((p) => { p[1] = 0; });
  }

  post(stopped) {
    if (!this.send || !this.sid) return;
    const t = Math.round(performance.now() * 1000);
    this.sentAt.set(t, performance.now());
    if (this.sentAt.size > 50) this.sentAt.delete(this.sentAt.keys().next().value);
    this.stoppedSent = this.stoppedSent || stopped;
    this.lastSent = performance.now();
    this.send("audio", {
      sid: this.sid, first: this.acked, sr: this.sr, t,
      chunks: this.chunks.slice(this.acked), stopped: this.stoppedSent,
    });
  }

  resend() {
    // the server answers every message; one lost on the way (or merged with the next) is sent
    // again with every chunk the server has not taken
    if (!this.sid) return;
    const waiting = this.stoppedSent || this.chunks.length > this.acked;
    if (waiting && performance.now() - (this.lastAnswer || 0) > RESEND_MS &&
        performance.now() - (this.lastSent || 0) > RESEND_MS) {
      this.post(this.stoppedSent);
    }
  }

  stop() {
    if (!this.running || this.stopping) return;
    this.stopping = true;
    this.stopBtn.disabled = true;
    this.setStatus("Listening back to your take…");
    this.node.port.postMessage("stop"); // the worklet sends its last chunk, then "stopped"
  }

  finished(error) {
    clearInterval(this.resendTimer);
    window.removeEventListener("beforeunload", this.guard);
    // the server may end a take itself (its longest length, an error): let go of the microphone
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    if (this.ctx && this.ctx.state !== "closed") this.ctx.close();
    this.running = false;
    this.sid = null;
    this.stoppedSent = false;
    this.chunks = [];
    this.stopBtn.hidden = true;
    this.stopBtn.disabled = false;
    this.startBtn.hidden = false;
    this.setStatus(error ? "" : "Your take is below.");
    this.showCue("", "");
  }

  destroy() {
    clearInterval(this.resendTimer);
    window.removeEventListener("beforeunload", this.guard);
    this.resize.disconnect();
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    if (this.ctx && this.ctx.state !== "closed") this.ctx.close();
  }

  setText(el, text) {
    if (el.textContent !== text) el.textContent = text; // no layout when nothing changed
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  fail(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  hideError() {
    this.error.hidden = true;
    this.error.textContent = "";
  }

  showCue(text, word) {
    // the server decides when a cue changes (prosody.live: it must settle, then hold)
    if (this.cue.textContent !== text) this.cue.textContent = text;
    this.cue.dataset.cue = word;
  }

  showBand() {
    if (!this.bandNote) return;
    const band = this.setup.band_hz;
    if (!band) {
      this.bandNote.textContent = this.setup.band_source === "baseline" ? ""
        : "The general calm band appears once you have spoken for a moment; record a " +
          "baseline to get your own.";
      return;
    }
    const fmt = (v) => (v == null ? "" : `${Math.round(v)} Hz`);
    const edges = band[0] != null && band[1] != null ? `${fmt(band[0])}–${fmt(band[1])}`
      : band[0] != null ? `above ${fmt(band[0])}` : `below ${fmt(band[1])}`;
    this.bandNote.textContent = this.setup.band_source === "baseline"
      ? `Shaded: your calm band (${edges}), from your everyday voice.`
      : `Shaded: the general calm band for a voice like yours (${edges}); record a baseline ` +
        "to get your own.";
  }

  showReadings() {
    // the words hold the last voiced pitch for half a second and give the level of the recent
    // speech, so they do not blink at every consonant; the meter follows the sound itself
    const band = this.setup.band_hz;
    if (this.lastF0 > 0) this.held = { f0: this.lastF0, frame: this.frames };
    if (this.held && this.frames - this.held.frame <= HOLD_FRAMES) {
      const f0 = this.held.f0;
      let where = "";
      if (band) {
        if (band[1] != null && f0 > band[1]) where = " · above the calm band";
        else if (band[0] != null && f0 < band[0]) where = " · below the calm band";
        else where = " · in the calm band";
      }
      this.setText(this.pitchText, `${Math.round(f0)} Hz${where}`);
    } else {
      this.setText(this.pitchText, "—");
    }
    // level in words: the median of the speech in the reading window, held through pauses
    const recent = [];
    const since = this.frames * this.setup.frame_s - this.setup.reading_window_s;
    for (let i = this.trace.length - 1; i >= 0 && this.trace[i][0] >= since; i--) {
      if (this.trace[i][3]) recent.push(this.trace[i][2]);
    }
    if (recent.length) this.heldLevel = recent.sort((a, b) => a - b)[recent.length >> 1];
    const text = this.heldLevel == null ? "—"
      : `${Math.round(this.heldLevel)} dBFS${this.levelRel || ""}`;
    this.setText(this.levelText, text);
    this.levelBar.value = Math.max(0, Math.min(60, this.lastLevel + 60));
  }

  showLevelRel(level) {
    this.levelRel = level && level.unit === "dB"
      ? ` (${level.value > 0 ? "+" : ""}${level.value.toFixed(0)} dB against your everyday voice)`
      : "";
  }

  showPace(pace) {
    if (!pace) {
      this.paceText.textContent = "—";
    } else if (pace.unit === "%") {
      const v = Math.round(pace.value);
      this.paceText.textContent = v === 0 ? "as your everyday voice"
        : `${Math.abs(v)} % ${v < 0 ? "slower" : "faster"} than your everyday voice`;
    } else {
      this.paceText.textContent = `${pace.value.toFixed(1)} syllables a second`;
    }
  }

  draw() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr));
    const h = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    const g = c.getContext("2d");
    if (!this.colors || !this.running) {
      // the theme's colours, read once per take (reading styles in every frame costs a lot)
      const style = getComputedStyle(this.root);
      const get = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
      this.colors = {
        ink: get("--ctl-ink", "#31333f"), band: get("--ctl-band", "rgba(0,128,96,0.16)"),
        inside: get("--ctl-in", "#0a7d5a"), outside: get("--ctl-out", "#b45309"),
      };
    }
    const { ink, band: soft, inside, outside } = this.colors;
    g.clearRect(0, 0, w, h);
    const setup = this.setup;
    if (!setup) return;
    const band = setup.band_hz || [null, null];
    const ref = setup.ref_hz || Math.sqrt(setup.range_hz[0] * setup.range_hz[1]);
    // the axis: about an octave either side of the band, within the search range
    const lo = Math.max(setup.range_hz[0], (band[0] || ref / 1.4) / 1.6);
    const hi = Math.min(setup.range_hz[1], (band[1] || ref * 1.4) * 1.6);
    const y = (f) => h - ((Math.log2(f) - Math.log2(lo)) / (Math.log2(hi) - Math.log2(lo))) * h;
    const span = setup.trace_s;
    const now = this.frames * setup.frame_s;
    const x = (t) => w - ((now - t) / span) * w;
    if (setup.band_hz) {
      const top = band[1] != null ? y(band[1]) : 0;
      const bottom = band[0] != null ? y(band[0]) : h;
      g.fillStyle = soft;
      g.fillRect(0, top, w, bottom - top);
    }
    g.font = `${12 * dpr}px sans-serif`;
    g.fillStyle = ink;
    g.globalAlpha = 0.7;
    g.fillText(`${Math.round(hi)} Hz`, 4 * dpr, 14 * dpr);
    g.fillText(`${Math.round(lo)} Hz`, 4 * dpr, h - 4 * dpr);
    g.globalAlpha = 1;
    const r = 2.2 * dpr;
    for (const [t, f0] of this.trace) {
      if (!(f0 > 0)) continue;
      const out = (band[1] != null && f0 > band[1]) || (band[0] != null && f0 < band[0]);
      g.fillStyle = out ? outside : inside;
      if (f0 > hi || f0 < lo) {
        // off the chart (a raised, tense voice above it most of all): pinned to its edge as a
        // wider mark, never left out, so the trace never goes blank while the voice climbs
        g.fillRect(x(t) - r, f0 > hi ? 0 : h - r, 2 * r, r);
        continue;
      }
      g.fillRect(x(t) - r / 2, y(f0) - r / 2, r, r);
    }
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let view = parentElement.__calmtoneLive;
  if (!view) {
    view = new LiveView(parentElement);
    parentElement.__calmtoneLive = view;
  }
  view.update(data, setTriggerValue);
  return () => {
    view.destroy();
    parentElement.__calmtoneLive = null;
  };
}
