// Resonance's text-to-speech players, used by resonance/ui/components/waveform.py.
//
// ChunkPlayer: while a generation is being spoken, plays its finished chunks (/api/audio/{id}/chunks/{i}) one
// after another as they become available, so listening starts with the first chunk. The queue lives in this module
// (window.resonanceChunks), not in the component, so playback carries on when the page switches to the waveform.
//
// WaveformPlayer: the finished audio as a WaveSurfer.js waveform (through @wavesurfer/react) with the time display
// and the -10 s / play-pause / +10 s controls. When it is ready it takes over from the chunk queue at the same
// position, or autoplays. The instance is kept in window.resonanceWave for scripts and tests.
import { useEffect, useMemo, useRef, useState } from "react";
import { useWavesurfer } from "@wavesurfer/react";
import { Pause, Play, RotateCcw, RotateCw } from "lucide-react";

const FETCH_PARAMS = { credentials: "include" }; // one object: a new one each render would rebuild the waveform
const SKIP_SECONDS = 10;
const BUTTON_STYLE = {
  display: "inline-flex", alignItems: "center", justifyContent: "center", gap: "2px", minWidth: "36px",
  height: "36px", padding: "0 8px", borderRadius: "999px", border: "1px solid var(--gray-6)",
  background: "var(--color-panel-solid)", color: "var(--gray-12)", cursor: "pointer",
};
const MAIN_BUTTON_STYLE = {
  ...BUTTON_STYLE, width: "44px", height: "44px", border: "none", background: "var(--accent-9)",
  color: "var(--accent-contrast)",
};

function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds || 0));
  return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

// The chunk queue

const queue = {
  id: null, // generation being played
  base: "", // backend URL
  available: 0, // chunks the server has finished
  total: 0,
  index: 0, // chunk playing or next to play
  played: 0, // seconds of the chunks already finished playing
  audio: null,
  // The next chunk, loading while the current one plays so it starts the moment that one ends: one chunk ahead at
  // most, a bounded buffer (each chunk is longer than the one before, so one is enough to stay ahead).
  ahead: null, // { index, audio }
  state: "idle", // idle | playing | buffering (mid-chunk) | waiting (for the next chunk) | blocked | paused | ended | stopped
  log: [],
  listeners: new Set(),

  note(event, detail = {}) {
    this.log.push({ t: Math.round(performance.now()), event, index: this.index, ...detail });
    if (this.log.length > 300) this.log.shift();
    for (const listener of this.listeners) listener();
  },

  url(index) {
    return `${this.base}/api/audio/${encodeURIComponent(this.id)}/chunks/${index}`;
  },

  drop() {
    if (this.audio) this.audio.pause();
    if (this.ahead) this.ahead.audio.removeAttribute("src"); // stops its download
    this.ahead = null;
  },

  reset(id, base) {
    this.drop();
    Object.assign(this, { id, base, available: 0, total: 0, index: 0, played: 0, audio: null, state: "idle" });
    this.note("reset", { id });
  },

  feed(id, base, available, total, done) {
    if (id !== this.id) this.reset(id, base);
    this.available = Math.max(this.available, available);
    this.total = Math.max(this.total, total || 0);
    this.done = Boolean(done);
    this.note("feed", { available: this.available, total: this.total, done: this.done });
    if (this.state === "idle" || this.state === "waiting") this.next();
    else if (this.state !== "ended" && this.state !== "stopped") this.preload();
  },

  // Start loading the chunk after the current one, if the server has it.
  preload() {
    const index = this.index + 1;
    if (index >= this.available || (this.ahead && this.ahead.index === index)) return;
    const audio = new Audio();
    audio.preload = "auto";
    audio.src = this.url(index);
    this.ahead = { index, audio };
    this.note("preload", { chunk: index });
  },

  next() {
    if (this.index >= this.available) {
      this.state = this.done && this.index >= this.total ? "ended" : "waiting";
      this.note(this.state);
      return;
    }
    const ahead = this.ahead;
    this.ahead = null;
    // A preloaded element that failed (the chunk was not there) is replaced by a fresh request.
    const taken = ahead && ahead.index === this.index && !ahead.audio.error;
    const audio = taken ? ahead.audio : new Audio(this.url(this.index));
    this.audio = audio;
    audio.onended = () => {
      if (this.audio !== audio) return;
      // The sound stopped (benches time the gap to the next "start"); `next`: how ready the next chunk is (4: it
      // can play through).
      this.note("end", { next: this.ahead ? this.ahead.audio.readyState : null });
      this.played += audio.duration || 0;
      this.index += 1;
      this.next();
    };
    // The element ran dry mid-chunk (its data is late): say so instead of going silent, until it plays again.
    audio.onwaiting = () => {
      if (this.audio !== audio || this.state !== "playing") return;
      this.state = "buffering";
      this.note("buffering");
    };
    audio.onplaying = () => {
      if (this.audio !== audio) return;
      this.note("start"); // sound (again): the end of any gap
      if (this.state !== "buffering") return;
      this.state = "playing";
      this.note("playing");
    };
    audio.onerror = () => {
      if (this.audio !== audio) return;
      this.state = "waiting"; // not there (yet): the next feed tries again
      this.note("error");
    };
    this.state = "playing";
    audio.play().then(
      () => this.note("playing"),
      (error) => {
        if (this.audio !== audio) return;
        this.state = "blocked"; // autoplay refused: the listener presses play
        this.note("blocked", { error: String(error && error.name) });
      },
    );
    this.preload();
  },

  toggle() {
    if (!this.audio) return;
    if (this.state === "playing" || this.state === "buffering") {
      this.audio.pause();
      this.state = "paused";
      this.note("paused");
    } else if (this.state === "paused" || this.state === "blocked") {
      this.state = "playing";
      this.audio.play().then(() => this.note("playing"), () => { this.state = "blocked"; this.note("blocked"); });
    }
  },

  position() {
    return this.played + (this.audio && this.state !== "ended" ? this.audio.currentTime || 0 : 0);
  },

  // The waveform is ready: hand over where we are, and stop.
  handoff(id) {
    if (id !== this.id) return { started: false };
    const result = { started: this.state !== "idle",
                     playing: ["playing", "buffering", "waiting"].includes(this.state),
                     ended: this.state === "ended", position: this.position() };
    this.stop();
    return result;
  },

  stop() {
    this.drop();
    if (this.state !== "idle") this.state = "stopped";
    this.note("stopped");
  },
};

if (typeof window !== "undefined") window.resonanceChunks = queue;

function useQueueState() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    queue.listeners.add(listener);
    return () => queue.listeners.delete(listener);
  }, []);
  return queue;
}

const CHUNK_LABELS = {
  playing: (q) => `Playing part ${q.index + 1} of ${q.total || "?"}`,
  buffering: () => "Buffering…", // the audio ran dry: a visible state, not silence
  waiting: () => "Buffering…", // the next part is not made yet
  paused: (q) => `Paused at part ${q.index + 1}`,
  blocked: () => "Press play to listen while it is generated",
  ended: () => "Played every part",
};

export function ChunkPlayer({ generationId, baseUrl, available, total, status }) {
  const q = useQueueState();
  useEffect(() => {
    const running = status === "queued" || status === "running";
    // A finished generation only tells a queue already playing it that no more parts are coming.
    if (!generationId || available <= 0 || (!running && !(status === "done" && queue.id === generationId))) return;
    queue.feed(generationId, baseUrl || "", available, total, status === "done");
  }, [generationId, baseUrl, available, total, status]);
  useEffect(() => () => queue.stop(), []); // leaving the page stops playback

  const mine = q.id === generationId && q.state !== "idle" && q.state !== "stopped";
  const label = mine && CHUNK_LABELS[q.state] ? CHUNK_LABELS[q.state](q) : "";
  const canToggle = mine && ["playing", "buffering", "paused", "blocked"].includes(q.state);
  return (
    <div id="chunk-player" data-chunk-host="1" data-chunk-state={mine ? q.state : "idle"}
         data-chunk-index={String(q.index)} style={{ display: label ? "flex" : "none", alignItems: "center",
         gap: "0.5em", fontSize: "var(--font-size-2)", color: "var(--gray-11)" }}>
      <button type="button" id="chunk-toggle" className="player-button" disabled={!canToggle}
              onClick={() => queue.toggle()} aria-label={q.state === "playing" ? "Pause" : "Play"}
              style={BUTTON_STYLE}>
        {q.state === "playing" ? <Pause size={14} /> : <Play size={14} />}
      </button>
      <span id="chunk-status">{label}</span>
    </div>
  );
}

// The waveform player

export function WaveformPlayer({ url, generationId, duration, height, waveColor, progressColor, cursorColor }) {
  const container = useRef(null);
  const [total, setTotal] = useState(duration || 0);
  const options = useMemo(() => ({
    container, url, height: height || 80, waveColor, progressColor, cursorColor, cursorWidth: 2,
    barWidth: 2, barGap: 2, barRadius: 2, barMinHeight: 4, normalize: true, dragToSeek: true,
    fetchParams: FETCH_PARAMS,
  }), [url, height, waveColor, progressColor, cursorColor]);
  const { wavesurfer, isReady, isPlaying, currentTime } = useWavesurfer(options);

  useEffect(() => {
    if (!wavesurfer) return undefined;
    window.resonanceWave = wavesurfer;
    const off = wavesurfer.on("ready", (seconds) => {
      setTotal(seconds);
      const taken = queue.handoff(generationId);
      if (taken.ended) return; // everything was heard already while it was being made
      if (taken.started) wavesurfer.setTime(Math.min(taken.position, seconds));
      wavesurfer.play().then(() => queue.note("waveform"), () => {}); // autoplay may be refused until the page is touched
    });
    return () => {
      off();
      if (window.resonanceWave === wavesurfer) window.resonanceWave = null;
    };
  }, [wavesurfer, generationId]);

  const skip = (delta) => {
    if (!wavesurfer) return;
    const length = wavesurfer.getDuration();
    wavesurfer.setTime(Math.max(0, Math.min(length, wavesurfer.getCurrentTime() + delta)));
  };

  return (
    <div className="waveform-player" data-ready={isReady ? "1" : "0"} data-playing={isPlaying ? "1" : "0"}
         style={{ width: "100%", display: "flex", flexDirection: "column", gap: "0.75em" }}>
      <div style={{ position: "relative", minHeight: `${height || 80}px` }}>
        <div id="waveform" ref={container} style={{ width: "100%", opacity: isReady ? 1 : 0.3 }} />
        {!isReady && (
          <div id="waveform-loading" style={{ position: "absolute", inset: 0, display: "flex", alignItems: "center",
                                              justifyContent: "center", color: "var(--gray-11)",
                                              fontSize: "var(--font-size-2)" }}>
            Loading audio...
          </div>
        )}
      </div>
      {/* Laid out by .player-controls in assets/styles.css: the time beside the buttons, or above them when narrow. */}
      <div className="player-controls">
        <span id="player-time" className="player-time">{clock(currentTime)} / {clock(total)}</span>
        <div className="player-buttons">
          <button type="button" id="player-back" title="Back 10 seconds" aria-label="Back 10 seconds"
                  disabled={!isReady} onClick={() => skip(-SKIP_SECONDS)} style={BUTTON_STYLE}>
            <RotateCcw size={16} /><span style={{ fontSize: "11px" }}>10</span>
          </button>
          <button type="button" id="player-toggle" title={isPlaying ? "Pause" : "Play"}
                  aria-label={isPlaying ? "Pause" : "Play"} data-playing={isPlaying ? "1" : "0"}
                  disabled={!isReady} onClick={() => wavesurfer && wavesurfer.playPause()} style={MAIN_BUTTON_STYLE}>
            {isPlaying ? <Pause size={18} /> : <Play size={18} />}
          </button>
          <button type="button" id="player-forward" title="Forward 10 seconds" aria-label="Forward 10 seconds"
                  disabled={!isReady} onClick={() => skip(SKIP_SECONDS)} style={BUTTON_STYLE}>
            <span style={{ fontSize: "11px" }}>10</span><RotateCw size={16} />
          </button>
        </div>
      </div>
    </div>
  );
}
