// The Training lab's run player: plays a run the server recorded, on <canvas>, one animation frame at a time.
// Python sends the run once (float32 arrays in base64); Play, Pause, Step, Reset, speed and the scrubber work
// here with no round trip. The playhead goes back to Python (setStateValue "position") only when it matters:
// Pause, Step, Reset, a scrub ending, the run's end, and (trigger "answer") when Python asks because the learning
// rate changed mid-run.
// Its own text comes translated from Python (data.labels, templates with {fields}); English when one is missing.
const SPEEDS = [0.25, 0.5, 1, 2, 4];
const CLASS_COLOURS = ["#1f77b4", "#d62728", "#2ca02c"];

function floats(text) {
  const bytes = Uint8Array.from(atob(text || ""), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

function formatNumber(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : (v > 0 ? "+inf" : "-inf");
  if (v === 0) return "0";
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}

function t(p, key, english, fields = {}) {  // the translated text of ``key``, its {fields} filled in
  const template = (p.text && typeof p.text[key] === "string" && p.text[key]) || english;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in fields ? String(fields[name]) : whole));
}

function applyText(p) {  // the controls' and captions' text, in the page's language
  const q = (s) => p.host.querySelector(s);
  p.play.textContent = p.playing ? t(p, "pause", "Pause") : t(p, "play", "Play");
  q(".sp-step").textContent = t(p, "step", "Step");
  q(".sp-reset").textContent = t(p, "reset", "Reset");
  q(".sp-speed-text").textContent = t(p, "speed", "Speed");
  p.scrub.setAttribute("aria-label", t(p, "scrub", "Epoch"));
  q(".sp-loss-title").textContent = t(p, "loss_title", "Loss of the current run");
  q(".sp-probs-title").textContent = t(p, "probs_title", "Probabilities per sample (outlined: true class)");
}

function setup(host) {
  host.innerHTML = `
    <div class="sp-controls">
      <button type="button" class="sp-play">Play</button>
      <button type="button" class="sp-step">Step</button>
      <button type="button" class="sp-reset">Reset</button>
      <label class="sp-speed-label"><span class="sp-speed-text">Speed</span> <select class="sp-speed">
        ${SPEEDS.map((s) => `<option value="${s}"${s === 1 ? " selected" : ""}>${s}×</option>`).join("")}
      </select></label>
      <span class="sp-epoch" aria-live="off">Epoch 0 / 0</span>
    </div>
    <input type="range" class="sp-scrub" min="0" max="0" value="0" step="1" aria-label="Epoch">
    <div class="sp-readout"></div>
    <div class="sp-charts">
      <figure><figcaption class="sp-loss-title">Loss of the current run</figcaption><canvas class="sp-loss"></canvas></figure>
      <figure><figcaption class="sp-probs-title">Probabilities per sample (outlined: true class)</figcaption><canvas class="sp-probs"></canvas></figure>
    </div>`;
  const q = (s) => host.querySelector(s);
  const p = { host, epoch: 0, playing: false, load: null, run: null, frames: 0, shown: new Set(), speed: 1,
              play: q(".sp-play"), scrub: q(".sp-scrub"), label: q(".sp-epoch"), readout: q(".sp-readout"),
              lossCanvas: q(".sp-loss"), probCanvas: q(".sp-probs"), lastReported: null };
  p.play.addEventListener("click", () => (p.playing ? pause(p, true) : start(p)));
  q(".sp-step").addEventListener("click", () => {
    if (!p.run) return p.args.setTriggerValue("request", "step");
    pause(p, false);
    seek(p, Math.min(p.epoch + 1, p.run.last));
    report(p);
  });
  q(".sp-reset").addEventListener("click", () => {
    if (p.run && p.run.segments.length > 1) return p.args.setTriggerValue("request", "reset");
    pause(p, false);
    seek(p, 0);
    if (p.run) report(p);
  });
  q(".sp-speed").addEventListener("change", (e) => { p.speed = Number(e.target.value) || 1; if (p.playing) restartClock(p); });
  p.scrub.addEventListener("input", () => { pause(p, false); seek(p, Number(p.scrub.value)); });
  p.scrub.addEventListener("change", () => report(p));
  new ResizeObserver(() => draw(p)).observe(host);
  return p;
}

function report(p) {
  if (!p.run || p.lastReported === `${p.load}:${p.epoch}`) return;
  p.lastReported = `${p.load}:${p.epoch}`;
  p.args.setStateValue("position", { load: p.load, epoch: p.epoch });
}

function rate(p) {  // epochs per second: a run plays in about ten seconds at 1×
  return Math.max(5, p.run.epochs / 10) * p.speed;
}

function restartClock(p) { p.clockStart = performance.now(); p.clockEpoch = p.epoch; }

function start(p) {
  if (!p.run) return p.args.setTriggerValue("request", "play");
  if (p.epoch >= p.run.last) seek(p, 0);
  p.playing = true;
  restartClock(p);
  p.play.textContent = t(p, "pause", "Pause");
  const frame = (now) => {
    if (!p.playing || !p.host.isConnected) return;
    const target = Math.min(p.run.last, Math.floor(p.clockEpoch + (now - p.clockStart) / 1000 * rate(p)));
    seek(p, target);
    if (target >= p.run.last) { pause(p, true); return; }
    p.raf = requestAnimationFrame(frame);
  };
  p.raf = requestAnimationFrame(frame);
}

function pause(p, tell) {
  const was = p.playing;
  p.playing = false;
  cancelAnimationFrame(p.raf);
  p.play.textContent = t(p, "play", "Play");
  p.host.dataset.playing = "0";
  if (was && tell) report(p);
}

function seek(p, epoch) {
  p.epoch = Math.max(0, Math.min(epoch, p.run ? p.run.last : 0));
  draw(p);
}

function sizeCanvas(canvas, height) {
  const width = Math.max(200, canvas.parentElement.clientWidth);
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`; canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return [ctx, width, height];
}

function drawLoss(p, ink) {
  const [ctx, w, h] = sizeCanvas(p.lossCanvas, 240);
  const run = p.run, last = run ? run.last : p.budget, logY = p.logY;
  const L = 52, R = 10, T = 8, B = 26;
  const ys = (v) => (logY ? Math.log10(v) : v);
  let lo = Infinity, hi = -Infinity;
  if (run) for (const v of run.loss) if (Number.isFinite(v) && (!logY || v > 0)) { lo = Math.min(lo, ys(v)); hi = Math.max(hi, ys(v)); }
  if (!(hi >= lo)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const X = (k) => L + (w - L - R) * (last ? k / last : 0);
  const Y = (v) => T + (h - T - B) * (1 - (ys(v) - lo) / (hi - lo));
  ctx.strokeStyle = ink; ctx.fillStyle = ink; ctx.lineWidth = 1; ctx.font = "11px sans-serif";
  ctx.globalAlpha = 0.5;
  ctx.beginPath(); ctx.moveTo(L, T); ctx.lineTo(L, h - B); ctx.lineTo(w - R, h - B); ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const t of [lo, (lo + hi) / 2, hi]) {
    const v = logY ? 10 ** t : t;
    ctx.fillText(formatNumber(v), L - 4, T + (h - T - B) * (1 - (t - lo) / (hi - lo)));
  }
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  ctx.fillText("0", X(0), h - B + 4);
  ctx.textAlign = "right"; ctx.fillText(String(last), X(last), h - B + 4); ctx.textAlign = "center";
  ctx.fillText(logY ? t(p, "axis_log", "epoch (loss on a log scale)") : t(p, "axis", "epoch"), (L + w - R) / 2, h - B + 4);
  if (!run) return;
  run.segments.forEach(([startEpoch, lr], i) => {  // where the learning rate changed
    if (i === 0) return;
    ctx.save(); ctx.setLineDash([4, 3]); ctx.strokeStyle = "#ff7f0e";
    ctx.beginPath(); ctx.moveTo(X(startEpoch), T); ctx.lineTo(X(startEpoch), h - B); ctx.stroke();
    ctx.fillStyle = "#ff7f0e"; ctx.textAlign = "left"; ctx.fillText(`lr → ${lr}`, X(startEpoch) + 3, T);
    ctx.restore();
  });
  ctx.strokeStyle = "#1f77b4"; ctx.lineWidth = 2; ctx.beginPath();
  let pen = false;
  const step = Math.max(1, Math.floor(p.epoch / (2 * (w - L - R))));
  for (let k = 0; k <= p.epoch; k += (k + step > p.epoch && k !== p.epoch ? p.epoch - k : step)) {
    const v = run.loss[k];
    if (Number.isFinite(v) && (!logY || v > 0)) { pen ? ctx.lineTo(X(k), Y(v)) : ctx.moveTo(X(k), Y(v)); pen = true; }
    else { pen = false; ctx.fillStyle = "#d62728"; ctx.fillText("×", X(k), T); }
    if (k === p.epoch) break;
  }
  ctx.stroke();
  ctx.strokeStyle = ink; ctx.globalAlpha = 0.35; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(X(p.epoch), T); ctx.lineTo(X(p.epoch), h - B); ctx.stroke(); ctx.globalAlpha = 1;
}

function drawProbs(p, ink) {
  const rows = p.targets.length, cols = p.classes;
  const [ctx, w, h] = sizeCanvas(p.probCanvas, 240);
  const L = 64, T = 18, cw = (w - L - 4) / cols, ch = (h - T - 4) / rows;
  ctx.font = "11px sans-serif"; ctx.textBaseline = "middle"; ctx.textAlign = "center"; ctx.fillStyle = ink;
  for (let c = 0; c < cols; c++) ctx.fillText(t(p, "class", "class {c}", { c }), L + (c + 0.5) * cw, T / 2);
  const base = p.run ? p.epoch * rows * cols : -1;
  for (let r = 0; r < rows; r++) {
    ctx.textAlign = "right"; ctx.fillStyle = ink; ctx.fillText(t(p, "sample", "sample {i}", { i: r }), L - 6, T + (r + 0.5) * ch);
    for (let c = 0; c < cols; c++) {
      const v = base >= 0 ? p.run.probabilities[base + r * cols + c] : NaN;
      const x = L + c * cw, y = T + r * ch;
      ctx.fillStyle = CLASS_COLOURS[c % 3]; ctx.globalAlpha = Number.isFinite(v) ? 0.1 + 0.8 * v : 0.05;
      ctx.fillRect(x + 1, y + 1, cw - 2, ch - 2); ctx.globalAlpha = 1;
      ctx.textAlign = "center"; ctx.fillStyle = ink;
      ctx.fillText(Number.isFinite(v) ? v.toFixed(2) : (base >= 0 ? "NaN" : "–"), x + cw / 2, y + ch / 2);
      if (p.targets[r] === c) { ctx.strokeStyle = ink; ctx.lineWidth = 2; ctx.strokeRect(x + 2, y + 2, cw - 4, ch - 4); }
    }
  }
}

function draw(p) {
  if (!p.host.isConnected) return;
  const ink = getComputedStyle(p.host).color;
  const last = p.run ? p.run.last : 0, N = p.run ? p.run.epochs : p.budget;
  p.label.textContent = t(p, "epoch", "Epoch {k} / {n}", { k: p.epoch, n: N });
  p.scrub.max = String(last); p.scrub.value = String(p.epoch); p.scrub.disabled = !p.run;
  if (!p.run) {
    p.readout.textContent = t(p, "idle", "Press Play or Step: the server trains all {n} epochs at once, then they play here.",
                              { n: N });
  } else {
    const at = p.epoch, accuracy = p.run.accuracy[at];
    const fields = { k: at, loss: formatNumber(p.run.loss[at]),
                     accuracy: Number.isFinite(accuracy) ? Math.round(accuracy * 1000) / 10 : "–" };
    let text = at === 1 ? t(p, "after_one", "After {k} update: loss {loss}, train accuracy {accuracy}%", fields)
      : t(p, "after_many", "After {k} updates: loss {loss}, train accuracy {accuracy}%", fields);
    if (at === last && p.run.diverged) text = t(p, "stopped", "{readout} — stopped: the loss is no longer finite", { readout: text });
    p.readout.textContent = text;
  }
  drawLoss(p, ink);
  drawProbs(p, ink);
  p.frames += 1;
  p.host.dataset.epoch = String(p.epoch);
  p.host.dataset.frames = String(p.frames);
  p.host.dataset.playing = p.playing ? "1" : "0";
}

export default function (args) {
  const { data, parentElement } = args;
  const host = parentElement.querySelector(".sp-player");
  if (!host) return;
  const p = host.__player || (host.__player = setup(host));
  p.args = args;
  if (!data || p.shownData === data) return;
  p.shownData = data;
  p.logY = !!data.log_y; p.budget = data.epochs; p.targets = data.targets || []; p.classes = data.classes;
  p.text = data.labels && typeof data.labels === "object" && !Array.isArray(data.labels) ? data.labels : {};
  applyText(p);
  if (data.load !== p.load) {
    const wasPlaying = p.playing;
    pause(p, false);
    p.load = data.load;
    const r = data.run;
    p.run = r ? { ...r, loss: floats(r.loss), accuracy: floats(r.accuracy), probabilities: floats(r.probabilities) } : null;
    p.epoch = Math.min(data.position || 0, p.run ? p.run.last : 0);
    p.lastReported = `${p.load}:${p.epoch}`;
    if (p.run && (data.intent === "play" || (data.intent === "continue" && wasPlaying))) start(p);
  } else if (data.ask) {  // the lr changed: Python continues the run from wherever the player is now
    // A trigger, not the position state: the answer must arrive even when the playhead has not moved since
    // the last report (a paused player), and Streamlit calls back only when a state value changes.
    p.lastReported = `${p.load}:${p.epoch}`;
    p.args.setTriggerValue("answer", { load: p.load, epoch: p.epoch });
  }
  draw(p);
}
