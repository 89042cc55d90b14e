// Resonance voice tools: one-at-a-time previews, the chosen or recorded sample, microphone recording to WAV
// (mono, 44.1 kHz, 16-bit PCM) with a live level, and the raw-body upload to /api/voices/create.
// Loaded by the /voices page; Reflex calls it with rx.call_script("window.resonanceVoice.…").
(function () {
  "use strict";
  if (window.resonanceVoice) return;

  const WAV_RATE = 44100;
  const files = { upload: null, record: null };
  const urls = { upload: null, record: null };
  const player = { audio: null, key: null, state: "idle" };
  let recorder = null;

  // Previews: any element with data-preview-key plays data-preview-src ("file:upload" / "file:record" for the
  // sample in the dialog); its data-state is idle | loading | playing, and CSS shows the matching icon.

  function syncButtons() {
    document.querySelectorAll("[data-preview-key]").forEach((el) => {
      const state = el.dataset.previewKey === player.key ? player.state : "idle";
      if (el.dataset.state !== state) el.dataset.state = state;
    });
  }

  function setPlayer(state) {
    player.state = state;
    syncButtons();
  }

  function stopPlayback() {
    const audio = player.audio;
    player.audio = null;
    player.key = null;
    if (audio) {
      audio.pause();
      audio.removeAttribute("src");
      audio.load();
    }
    setPlayer("idle");
  }

  function play(key, src) {
    stopPlayback();
    const audio = new Audio();
    audio.preload = "auto";
    player.audio = audio;
    player.key = key;
    const mine = () => player.audio === audio;
    audio.addEventListener("playing", () => mine() && setPlayer("playing"));
    audio.addEventListener("waiting", () => mine() && setPlayer("loading"));
    audio.addEventListener("ended", () => mine() && stopPlayback());
    audio.addEventListener("error", () => {
      if (mine()) {
        stopPlayback();
        console.warn("Preview failed", src);
      }
    });
    setPlayer("loading");
    audio.src = src;
    audio.play().catch((error) => {
      if (mine() && error.name !== "AbortError") stopPlayback();
    });
  }

  function toggle(key, src) {
    if (player.key === key) stopPlayback();
    else if (src) play(key, src);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-preview-key]");
    if (!button || button.disabled) return;
    event.preventDefault();
    const src = button.dataset.previewSrc || "";
    toggle(button.dataset.previewKey, src.startsWith("file:") ? urls[src.slice(5)] : src);
  });

  // Keep icons right when React re-renders or reorders the buttons.
  new MutationObserver(syncButtons).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-preview-key"],
  });

  // The sample in the dialog: one file per tab.

  function setFile(slot, file) {
    if (player.key && player.key.endsWith(slot)) stopPlayback();
    if (urls[slot]) URL.revokeObjectURL(urls[slot]);
    files[slot] = file;
    urls[slot] = file ? URL.createObjectURL(file) : null;
  }

  function describe(file) {
    return { name: file.name, size: file.size, type: file.type || "" };
  }

  // Called from the file input's change: keep the file, or refuse it when it is too large.
  function pick(inputId, maxBytes) {
    const input = document.getElementById(inputId);
    const file = input && input.files && input.files[0];
    if (!file) return null;
    if (file.size > maxBytes) {
      input.value = "";
      return { error: "Audio file exceeds the 20 MB size limit" };
    }
    setFile("upload", file);
    return describe(file);
  }

  function removeFile(slot, inputId) {
    setFile(slot, null);
    const input = inputId && document.getElementById(inputId);
    if (input) input.value = "";
  }

  // Dropping a file on the upload zone puts it in the file input, so it takes the same path as choosing it.
  document.addEventListener("dragover", (event) => {
    const zone = event.target.closest && event.target.closest("[data-drop-input]");
    if (zone) {
      event.preventDefault();
      zone.dataset.dragging = "true";
    }
  });
  document.addEventListener("dragleave", (event) => {
    const zone = event.target.closest && event.target.closest("[data-drop-input]");
    if (zone) delete zone.dataset.dragging;
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target.closest && event.target.closest("[data-drop-input]");
    if (!zone) return;
    event.preventDefault();
    delete zone.dataset.dragging;
    const input = document.getElementById(zone.dataset.dropInput);
    if (!input || !event.dataTransfer || !event.dataTransfer.files.length) return;
    const transfer = new DataTransfer();
    transfer.items.add(event.dataTransfer.files[0]);
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // Recording: raw samples from an AudioWorklet (ScriptProcessor where worklets are missing), resampled to 44.1 kHz
  // and written as 16-bit PCM WAV when stopped. The timer and level are drawn straight into the page.

  const WORKLET = `
    class ResonanceCapture extends AudioWorkletProcessor {
      process(inputs) {
        const channel = inputs[0] && inputs[0][0];
        if (channel) this.port.postMessage(channel.slice(0));
        return true;
      }
    }
    registerProcessor("resonance-capture", ResonanceCapture);`;

  async function captureNode(context, source, chunks) {
    const sink = context.createGain();
    sink.gain.value = 0; // pulled by the destination, silent
    sink.connect(context.destination);
    if (context.audioWorklet && window.AudioWorkletNode) {
      const url = URL.createObjectURL(new Blob([WORKLET], { type: "application/javascript" }));
      try {
        await context.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
      const node = new AudioWorkletNode(context, "resonance-capture", { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1 });
      node.port.onmessage = (event) => chunks.push(event.data);
      source.connect(node).connect(sink);
      return node;
    }
    const node = context.createScriptProcessor(4096, 1, 1);
    node.onaudioprocess = (event) => chunks.push(event.inputBuffer.getChannelData(0).slice(0));
    source.connect(node).connect(sink);
    return node;
  }

  function clock(seconds) {
    const pad = (n) => String(Math.floor(n)).padStart(2, "0");
    return `${pad(seconds / 3600)}:${pad((seconds % 3600) / 60)}:${pad(seconds % 60)}`;
  }

  function drawLevel(rec) {
    const canvas = document.getElementById("record-level");
    const timer = document.getElementById("record-timer");
    if (timer) timer.textContent = clock((performance.now() - rec.started) / 1000);
    const data = new Float32Array(rec.analyser.fftSize);
    rec.analyser.getFloatTimeDomainData(data);
    let sum = 0;
    for (const v of data) sum += v * v;
    const rms = Math.sqrt(sum / data.length);
    rec.levels.push(Math.min(1, Math.sqrt(rms) * 1.6));
    if (!canvas) return;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(canvas.clientWidth * ratio), height = Math.round(canvas.clientHeight * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, width, height);
    g.fillStyle = getComputedStyle(canvas).color || "#0d9488";
    const bar = 3 * ratio, gap = 2 * ratio, count = Math.floor(width / (bar + gap));
    const recent = rec.levels.slice(-count);
    recent.forEach((level, i) => {
      const h = Math.max(2 * ratio, level * height);
      const x = width - (recent.length - i) * (bar + gap);
      g.fillRect(x, (height - h) / 2, bar, h);
    });
  }

  async function startRecording() {
    stopPlayback();
    await cancelRecording();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return { error: "failed" };
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
    } catch (error) {
      const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      return { error: denied ? "denied" : "failed" };
    }
    try {
      const context = new AudioContext();
      const source = context.createMediaStreamSource(stream);
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      const rec = { stream, context, analyser, chunks: [], levels: [], started: performance.now() };
      rec.node = await captureNode(context, source, rec.chunks);
      if (context.state === "suspended") await context.resume();
      rec.timer = setInterval(() => drawLevel(rec), 50);
      recorder = rec;
      return { ok: true };
    } catch (error) {
      stream.getTracks().forEach((t) => t.stop());
      console.warn("Recording failed", error);
      return { error: "failed" };
    }
  }

  async function release(rec) {
    clearInterval(rec.timer);
    rec.stream.getTracks().forEach((t) => t.stop());
    try {
      rec.node.disconnect();
      await rec.context.close();
    } catch (error) { /* already closed */ }
  }

  async function cancelRecording() {
    const rec = recorder;
    recorder = null;
    if (rec) await release(rec);
  }

  async function resample(samples, rate) {
    if (rate === WAV_RATE || !samples.length) return samples;
    const length = Math.max(1, Math.round(samples.length * WAV_RATE / rate));
    const offline = new OfflineAudioContext(1, length, WAV_RATE);
    const buffer = offline.createBuffer(1, samples.length, rate);
    buffer.copyToChannel(samples, 0);
    const source = offline.createBufferSource();
    source.buffer = buffer;
    source.connect(offline.destination);
    source.start();
    return (await offline.startRendering()).getChannelData(0);
  }

  function wav(samples, rate) {
    const view = new DataView(new ArrayBuffer(44 + samples.length * 2));
    const text = (offset, s) => [...s].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
    text(0, "RIFF"); view.setUint32(4, 36 + samples.length * 2, true); text(8, "WAVE");
    text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
    view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true);
    view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, samples.length * 2, true);
    samples.forEach((v, i) => {
      const s = Math.max(-1, Math.min(1, v));
      view.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    });
    return view.buffer;
  }

  async function stopRecording() {
    const rec = recorder;
    recorder = null;
    if (!rec) return { error: "failed" };
    const rate = rec.context.sampleRate;
    await release(rec);
    const total = rec.chunks.reduce((n, c) => n + c.length, 0);
    const merged = new Float32Array(total);
    let offset = 0;
    for (const chunk of rec.chunks) {
      merged.set(chunk, offset);
      offset += chunk.length;
    }
    const samples = await resample(merged, rate);
    const file = new File([wav(samples, WAV_RATE)], "recording.wav", { type: "audio/wav" });
    setFile("record", file);
    return { ...describe(file), duration: samples.length / WAV_RATE };
  }

  // Upload: the file is the raw request body; the answer comes back as {status, body}.
  async function create(url, slot) {
    const file = files[slot];
    if (!file) return { status: 0, body: { error: "Audio file is required" } };
    try {
      const response = await fetch(url, {
        method: "POST", credentials: "include",
        headers: { "Content-Type": file.type || "application/octet-stream" }, body: file,
      });
      const text = await response.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch (error) {
        body = { error: text || response.statusText };
      }
      return { status: response.status, body };
    } catch (error) {
      return { status: 0, body: { error: "Could not reach the server. Please try again." } };
    }
  }

  async function reset() {
    stopPlayback();
    await cancelRecording();
    removeFile("upload");
    removeFile("record");
    return true;
  }

  window.resonanceVoice = {
    toggle, stopPlayback, pick, removeFile, startRecording, stopRecording, cancelRecording, create, reset,
  };
})();
