// Calm Tone Coach live view: pitch and level every 10 ms, in the browser's audio thread.
//
// A port of prosody/pitch.py (Boersma's autocorrelation method, as Praat's "To Pitch (ac)") and
// prosody/loudness.py (RMS in 25 ms windows), with the constants the server sends
// (prosody/live_browser.py: browser_setup). Differences, kept small on purpose:
// - the path through the candidates is chosen with a short look-ahead (Viterbi over the newest
//   LOOKAHEAD + 1 frames) instead of over the whole take: a reading must come out at once;
// - the "loudest part of the recording" that the unvoiced strength is measured against is the
//   loudest peak of the last few seconds;
// - the speech gate is prosody.record.SpeechGate's rule (noise floor of the last 5 s + margin).
// The audio itself goes to the page in chunks of 16-bit PCM, so the server analyses exactly the
// samples measured here.

const LOOKAHEAD = 2; // frames decided this long after they are measured (20 ms)
const POST_FRAMES = 2; // frames sent to the page together: 50 messages a second, not 100

class CalmtoneLive extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.dec = Math.max(1, o.decimate | 0);
    this.sr = sampleRate / this.dec; // the analysis rate
    const p = o.pitch;
    this.p = p;
    this.fmin = o.range_hz[0];
    this.fmax = Math.min(o.range_hz[1], this.sr / 4);
    this.hop = Math.round(o.frame_s * this.sr);
    const winS = Math.max(p.periods_per_window / this.fmin, p.min_window_s);
    this.win = Math.round(winS * this.sr) | 1;
    this.lwin = Math.round(o.level_window_s * this.sr);
    this.lagMin = Math.max(2, Math.floor(this.sr / this.fmax));
    this.lagMax = Math.min(Math.ceil(this.sr / this.fmin), this.win - 2);
    this.lagHi = Math.max(2, Math.ceil(this.sr / 2500));
    // Hann window without zero end-points, and its own normalised autocorrelation
    this.window = new Float64Array(this.win);
    for (let i = 0; i < this.win; i++) {
      this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 1)) / (this.win + 1));
    }
    this.wAc = new Float64Array(this.lagMax + 2);
    for (let lag = 0; lag < this.lagMax + 2; lag++) {
      let s = 0;
      for (let i = 0; i + lag < this.win; i++) s += this.window[i] * this.window[i + lag];
      this.wAc[lag] = s;
    }
    for (let lag = this.lagMax + 1; lag >= 0; lag--) this.wAc[lag] /= this.wAc[0];
    const bestVoiced = 1 + p.octave_cost * Math.log2(this.fmax / this.fmin);
    const neverVoiced = bestVoiced + 2 * p.voiced_unvoiced_cost;
    this.quietRel = (p.voicing_threshold + 2 - neverVoiced) *
      (p.silence_threshold / (1 + p.voicing_threshold));
    // samples, in a ring long enough for the widest window plus a few frames
    this.size = 1 << Math.ceil(Math.log2(this.win + this.lwin + 8 * this.hop));
    this.ring = new Float64Array(this.size);
    this.n = 0; // analysis samples so far
    this.next = 0; // next frame to measure
    this.reach = Math.max((this.win - 1) / 2, Math.ceil(this.lwin / 2)) | 0;
    this.buf = new Float64Array(this.win);
    this.ac = new Float64Array(this.lagMax + 2);
    // decimation: a windowed-sinc low-pass before keeping one sample in `dec`
    if (this.dec > 1) {
      const taps = 16 * this.dec + 1;
      const fc = 0.45 / this.dec;
      this.fir = new Float64Array(taps);
      let sum = 0;
      for (let i = 0; i < taps; i++) {
        const m = i - (taps - 1) / 2;
        const sinc = m === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * m) / (Math.PI * m);
        const w = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (taps - 1));
        this.fir[i] = sinc * w;
        sum += this.fir[i];
      }
      for (let i = 0; i < taps; i++) this.fir[i] /= sum;
      this.hist = new Float64Array(taps);
      this.histPos = 0;
      this.phase = 0;
    }
    // the loudest peak of the last few seconds, per 100 ms, for the unvoiced strength
    this.peaks = [];
    this.peakNow = 0;
    // speech gate (prosody.record.SpeechGate): levels of 100 ms stretches for the noise floor
    this.gate = o.gate;
    this.tenths = [];
    this.tenth = [];
    // the look-ahead path: candidates of undecided frames
    this.pending = [];
    this.levels = []; // levels of the pending frames
    this.out = []; // frames measured, not yet sent to the page
    this.prevLogF = NaN; // log2 F0 of the last decided frame, NaN when unvoiced
    // PCM chunks for the server
    this.chunkLen = Math.round(o.chunk_s * this.sr);
    this.chunk = new Int16Array(this.chunkLen);
    this.chunkPos = 0;
    this.stopped = false;
    this.port.onmessage = (e) => {
      if (e.data === "stop") {
        this.stopped = true;
        this.flushChunk();
        this.port.postMessage({ type: "stopped", samples: this.n });
      }
    };
  }

  flushChunk() {
    if (this.chunkPos === 0) return;
    const out = this.chunk.slice(0, this.chunkPos);
    this.port.postMessage({ type: "chunk", pcm: out.buffer, sr: this.sr }, [out.buffer]);
    this.chunkPos = 0;
  }

  push(x) {
    this.ring[this.n & (this.size - 1)] = x;
    this.n++;
    const v = Math.max(-32768, Math.min(32767, Math.round(x * 32768)));
    this.chunk[this.chunkPos++] = v;
    if (this.chunkPos === this.chunkLen) this.flushChunk();
    const a = Math.abs(x);
    if (a > this.peakNow) this.peakNow = a;
    if (this.n % Math.round(this.sr / 10) === 0) {
      this.peaks.push(this.peakNow);
      if (this.peaks.length > 30) this.peaks.shift(); // 3 s
      this.peakNow = 0;
    }
  }

  sample(i) {
    return i < 0 || i >= this.n ? 0 : this.ring[i & (this.size - 1)];
  }

  level(k) {
    // RMS of the 25 ms window centred on frame k, its mean removed (prosody.loudness.level_db)
    const c = k * this.hop;
    const start = c - Math.floor(this.lwin / 2);
    let s = 0, s2 = 0;
    for (let i = 0; i < this.lwin; i++) {
      const x = this.sample(start + i);
      s += x;
      s2 += x * x;
    }
    const mean = s / this.lwin;
    const v = Math.max(s2 / this.lwin - mean * mean, 1e-30);
    return Math.max(10 * Math.log10(v), -120);
  }

  candidates(k) {
    // candidates of frame k: [{f, r}], the unvoiced one first (f = NaN)
    const p = this.p;
    const c = k * this.hop;
    const start = c - (this.win - 1) / 2;
    const buf = this.buf;
    let mean = 0;
    for (let i = 0; i < this.win; i++) {
      buf[i] = this.sample(start + i);
      mean += buf[i];
    }
    mean /= this.win;
    let local = 0;
    for (let i = 0; i < this.win; i++) {
      buf[i] -= mean;
      local = Math.max(local, Math.abs(buf[i]));
    }
    let global = this.peakNow;
    for (const q of this.peaks) global = Math.max(global, q);
    const rel = global > 0 ? local / global : 0;
    const unvoiced = p.voicing_threshold +
      Math.max(0, 2 - rel / (p.silence_threshold / (1 + p.voicing_threshold)));
    const out = [{ f: NaN, r: unvoiced }];
    if (!(rel > this.quietRel)) return out;
    for (let i = 0; i < this.win; i++) buf[i] *= this.window[i];
    const ac = this.ac;
    const lo = Math.max(1, this.lagHi - 1);
    const hi = this.lagMax + 1;
    let e = 0;
    for (let i = 0; i < this.win; i++) e += buf[i] * buf[i];
    if (!(e > 0)) return out;
    for (let lag = lo; lag <= hi; lag++) {
      let s = 0;
      const m = this.win - lag;
      for (let i = 0; i < m; i++) s += buf[i] * buf[i + lag];
      ac[lag] = s / e / this.wAc[lag];
    }
    // strongest peak above the ceiling: a periodicity too fast for a speaking voice
    let above = -1;
    for (let lag = this.lagHi; lag <= this.lagMin; lag++) {
      if (lag - 1 >= lo && lag + 1 <= hi && ac[lag] > ac[lag - 1] && ac[lag] >= ac[lag + 1]) {
        above = Math.max(above, ac[lag]);
      }
    }
    for (let lag = this.lagMin; lag <= this.lagMax; lag++) {
      const y0 = ac[lag - 1], y1 = ac[lag], y2 = ac[lag + 1];
      if (!(y1 > y0 && y1 >= y2 && y1 > 0.5 * p.voicing_threshold)) continue;
      const den = y0 - 2 * y1 + y2;
      let d = den < 0 ? (0.5 * (y0 - y2)) / den : 0;
      d = Math.max(-0.5, Math.min(0.5, d));
      let r = y1 - 0.25 * (y0 - y2) * d;
      if (r > 1) r = 1 / r;
      const peakLag = lag + d;
      if (peakLag < this.sr / this.fmax || peakLag > this.sr / this.fmin) continue;
      if (above >= Math.max(r, p.voicing_threshold) - 0.02) continue;
      out.push({ f: this.sr / peakLag, r: r - p.octave_cost * Math.log2((this.fmin * peakLag) / this.sr) });
    }
    return out;
  }

  decide() {
    // Viterbi over the pending frames, starting from the last decided one; the oldest pending
    // frame is decided and returned as F0 in Hz (NaN when unvoiced)
    const p = this.p;
    const frames = this.pending;
    let cost = frames[0].map((c) => {
      const prevVoiced = !Number.isNaN(this.prevLogF);
      const voiced = !Number.isNaN(c.f);
      let t = 0;
      if (prevVoiced && voiced) t = p.octave_jump_cost * Math.abs(Math.log2(c.f) - this.prevLogF);
      else if (prevVoiced !== voiced) t = p.voiced_unvoiced_cost;
      return t - c.r;
    });
    const first = cost.map((_, j) => j); // which frame-0 candidate each path started from
    let origin = first;
    for (let t = 1; t < frames.length; t++) {
      const prev = frames[t - 1];
      const nextCost = [];
      const nextOrigin = [];
      for (const c of frames[t]) {
        let best = Infinity, from = 0;
        for (let j = 0; j < prev.length; j++) {
          const a = prev[j];
          let tr;
          if (Number.isNaN(a.f) && Number.isNaN(c.f)) tr = 0;
          else if (Number.isNaN(a.f) || Number.isNaN(c.f)) tr = p.voiced_unvoiced_cost;
          else tr = p.octave_jump_cost * Math.abs(Math.log2(c.f / a.f));
          const v = cost[j] + tr;
          if (v < best) { best = v; from = j; }
        }
        nextCost.push(best - c.r);
        nextOrigin.push(origin[from]);
      }
      cost = nextCost;
      origin = nextOrigin;
    }
    let best = 0;
    for (let j = 1; j < cost.length; j++) if (cost[j] < cost[best]) best = j;
    const chosen = frames[0][origin[best]];
    frames.shift();
    this.prevLogF = Number.isNaN(chosen.f) ? NaN : Math.log2(chosen.f);
    return chosen.f;
  }

  gateThreshold() {
    const g = this.gate;
    const floor = this.tenths.length ? Math.min(...this.tenths) : -120;
    return Math.min(Math.max(floor + g.margin_db, g.min_threshold_db), g.max_threshold_db);
  }

  measure() {
    // every frame whose windows are complete: candidates now, F0 decided LOOKAHEAD frames later
    const out = [];
    while ((this.next * this.hop) + this.reach < this.n) {
      const k = this.next++;
      const cands = this.candidates(k);
      const levelDb = this.level(k);
      this.tenth.push(levelDb);
      if (this.tenth.length === 10) {
        this.tenths.push(this.tenth.reduce((a, b) => a + b, 0) / 10);
        if (this.tenths.length > this.gate.floor_memory_s * 10) this.tenths.shift();
        this.tenth = [];
      }
      this.pending.push(cands);
      this.levels.push(levelDb);
      if (this.pending.length > LOOKAHEAD) {
        const f0 = this.decide();
        const lv = this.levels.shift();
        const kk = k - LOOKAHEAD;
        const speech = lv > this.gateThreshold() || !Number.isNaN(f0);
        out.push([kk, Number.isNaN(f0) ? 0 : f0, lv, speech ? 1 : 0]);
      }
    }
    return out;
  }

  process(inputs) {
    if (this.stopped) return false;
    const input = inputs[0];
    const x = input && input[0];
    if (x) {
      if (this.dec === 1) {
        for (let i = 0; i < x.length; i++) this.push(x[i]);
      } else {
        const taps = this.fir.length;
        for (let i = 0; i < x.length; i++) {
          this.hist[this.histPos] = x[i];
          this.histPos = (this.histPos + 1) % taps;
          if (++this.phase === this.dec) {
            this.phase = 0;
            let s = 0;
            for (let j = 0; j < taps; j++) s += this.fir[j] * this.hist[(this.histPos + j) % taps];
            this.push(s);
          }
        }
      }
      this.out.push(...this.measure());
      if (this.out.length >= POST_FRAMES) {
        this.port.postMessage({ type: "frames", frames: this.out, samples: this.n });
        this.out = [];
      }
    }
    return true;
  }
}

registerProcessor("calmtone-live", CalmtoneLive);
