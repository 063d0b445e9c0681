// digitcam page: webcam and draw modes, both reading through the /ws socket, and photo mode
// (photo.js, through POST api/read). Message format: README, section "Browser app". One
// frame is in flight per socket at a time.

import { drawBoxes } from "./boxes.js";
import { setupPhoto } from "./photo.js";

const FRAME_INTERVAL_MS = 100;  // webcam: at most 10 frames per second
const SEND_MAX_WIDTH = 640;     // webcam frames are scaled down to at most this width
const JPEG_QUALITY = 0.8;
const DRAW_INTERVAL_MS = 60;    // draw: at most this often while the pen moves
const RECONNECT_MS = 1000;
const INK_WIDTH = 0.075;        // pen width, as a fraction of the pad's height
const SMALL_INK = 0.3;           // draw: ink less tall than this share of the pad is small

const $ = (id) => document.getElementById(id);
const status = (text) => { $("status").textContent = text || ""; };

// A reading socket: own settings, one frame in flight, reconnects when the server restarts.
class ReadingSocket {
  constructor(settings, onReading) {
    this.settings = settings;
    this.onReading = onReading;
    this.onReady = () => {};
    this.onHello = () => {};
    this.ws = null;
    this.busy = false;
    this.sentAt = 0;
  }

  connect() {
    const url = new URL("ws", location.href);  // relative: works behind a path prefix too
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.hash = "";
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: "settings", ...this.settings }));
    ws.onmessage = (event) => this.handle(JSON.parse(event.data));
    ws.onclose = () => {
      this.busy = false;
      status("Connection to the server lost; retrying...");
      setTimeout(() => this.connect(), RECONNECT_MS);
    };
  }

  get open() { return this.ws !== null && this.ws.readyState === WebSocket.OPEN; }

  get ready() { return this.open && !this.busy; }

  // Reserve the socket before an asynchronous encode, then send(blob) or release().
  reserve() { this.busy = true; }

  release() { this.busy = false; }

  send(blob) {
    if (!blob || !this.open) { this.release(); return; }
    this.sentAt = performance.now();
    this.ws.send(blob);
  }

  update(changes) {
    Object.assign(this.settings, changes);
    if (this.open) this.ws.send(JSON.stringify({ type: "settings", ...changes }));
  }

  handle(msg) {
    if (msg.type === "settings") { status(""); this.onReady(); return; }
    if (msg.type === "hello") { this.onHello({ ...msg.settings, ...this.settings }); return; }
    if (msg.type === "error") status(msg.error);
    if (!("frame" in msg)) return;
    this.busy = false;
    if (msg.type === "reading") this.onReading(msg, performance.now() - this.sentAt);
    this.onReady();
  }
}

function sizeCanvasToElement(canvas, element) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(element.clientWidth * ratio);
  canvas.height = Math.round(element.clientHeight * ratio);
}

function showLatency(element, reading, latencyMs) {
  element.textContent = `${Math.round(latencyMs)} ms round trip (server ${reading.server_ms} ms)`;
}

// ---- Webcam mode -------------------------------------------------------------------------

const cam = {
  socket: new ReadingSocket({ details: false }, onCamReading),
  stream: null,
  lastSent: 0,
  timer: 0,
  grab: document.createElement("canvas"),
};
cam.socket.onReady = pumpCamera;

async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status("The camera needs a secure page: open it as http://localhost:PORT or over https.");
    return;
  }
  try {
    cam.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "environment" },
    });
  } catch (err) {
    status(`Camera unavailable: ${err.message || err.name}`);
    return;
  }
  const video = $("video");
  video.srcObject = cam.stream;
  await video.play();
  $("camera").textContent = "Stop camera";
  status("");
  pumpCamera();
}

function stopCamera() {
  for (const track of cam.stream.getTracks()) track.stop();
  cam.stream = null;
  $("video").srcObject = null;
  $("camera").textContent = "Start camera";
  const overlay = $("overlay");
  overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
}

// Send the next frame when the socket is free and the frame interval has passed.
function pumpCamera() {
  const video = $("video");
  if (!cam.stream || !cam.socket.ready || !video.videoWidth) return;
  const wait = cam.lastSent + FRAME_INTERVAL_MS - performance.now();
  clearTimeout(cam.timer);
  if (wait > 0) { cam.timer = setTimeout(pumpCamera, wait); return; }
  cam.lastSent = performance.now();
  const scale = Math.min(1, SEND_MAX_WIDTH / video.videoWidth);
  cam.grab.width = Math.round(video.videoWidth * scale);
  cam.grab.height = Math.round(video.videoHeight * scale);
  cam.grab.getContext("2d").drawImage(video, 0, 0, cam.grab.width, cam.grab.height);
  cam.socket.reserve();
  cam.grab.toBlob((blob) => cam.socket.send(blob), "image/jpeg", JPEG_QUALITY);
}

function onCamReading(reading, latencyMs) {
  $("cam-number").textContent = reading.text;
  showLatency($("cam-latency"), reading, latencyMs);
  const overlay = $("overlay");
  sizeCanvasToElement(overlay, $("video"));
  const ctx = overlay.getContext("2d");
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  if (!cam.stream) return;
  const scale = overlay.width / reading.width;
  drawBoxes(ctx, reading, scale, true);
  ctx.fillStyle = "#3ddc84";
  const banner = `${reading.text || "-"}   ${Math.round(latencyMs)} ms`;
  const size = Math.round(Math.max(18, overlay.height / 12));
  ctx.font = `bold ${size}px system-ui, sans-serif`;
  ctx.textBaseline = "top";
  ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
  ctx.fillRect(0, 0, ctx.measureText(banner).width + size, size * 1.5);
  ctx.fillStyle = "#3ddc84";
  ctx.fillText(banner, size / 2, size / 4);
}

// Show the server's starting settings in the controls.
function showCamSettings(settings) {
  $("threshold-auto").checked = settings.threshold === null;
  if (settings.threshold !== null) $("threshold").value = settings.threshold;
  $("threshold").disabled = settings.threshold === null;
  $("threshold-value").textContent = settings.threshold === null ? "auto" : settings.threshold;
  $("min-confidence").value = settings.min_confidence;
  $("min-confidence-value").textContent = settings.min_confidence.toFixed(2);
  $("read-mode").value = settings.mode;
}

function setupWebcam() {
  cam.socket.onHello = showCamSettings;
  $("camera").addEventListener("click", () => (cam.stream ? stopCamera() : startCamera()));
  const auto = $("threshold-auto");
  const threshold = $("threshold");
  const sendThreshold = () => {
    threshold.disabled = auto.checked;
    $("threshold-value").textContent = auto.checked ? "auto" : threshold.value;
    cam.socket.update({ threshold: auto.checked ? null : Number(threshold.value) });
  };
  auto.addEventListener("change", sendThreshold);
  threshold.addEventListener("input", sendThreshold);
  const minConf = $("min-confidence");
  minConf.addEventListener("input", () => {
    $("min-confidence-value").textContent = Number(minConf.value).toFixed(2);
    cam.socket.update({ min_confidence: Number(minConf.value) });
  });
  $("read-mode").addEventListener("change", (e) => cam.socket.update({ mode: e.target.value }));
}

// ---- Draw mode ---------------------------------------------------------------------------

const pad = {
  socket: new ReadingSocket({ details: true, min_confidence: 0 }, onDrawReading),
  strokes: [],
  current: null,
  dirty: false,
  lastSent: 0,
  timer: 0,
};
pad.socket.onReady = pumpDrawing;

function padPoint(event) {
  const canvas = $("pad");
  const rect = canvas.getBoundingClientRect();
  return [(event.clientX - rect.left) * canvas.width / rect.width,
          (event.clientY - rect.top) * canvas.height / rect.height];
}

function paintStrokes() {
  const canvas = $("pad");
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = ctx.fillStyle = "#fff";
  ctx.lineWidth = canvas.height * INK_WIDTH;
  ctx.lineCap = ctx.lineJoin = "round";
  for (const stroke of pad.strokes) {
    ctx.beginPath();
    if (stroke.length === 1) {
      ctx.arc(stroke[0][0], stroke[0][1], ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
      continue;
    }
    ctx.moveTo(...stroke[0]);
    for (const p of stroke.slice(1)) ctx.lineTo(...p);
    ctx.stroke();
  }
}

function changed() {
  paintStrokes();
  pad.dirty = true;
  pumpDrawing();
}

// Send the drawing when it changed and the socket is free; never more than one in flight.
function pumpDrawing() {
  if (!pad.dirty) return;
  if (pad.strokes.length === 0) {
    pad.dirty = false;
    onDrawReading({ text: "", digits: [], server_ms: 0, width: 1 }, null);
    return;
  }
  if (!pad.socket.ready) return;
  const wait = pad.lastSent + DRAW_INTERVAL_MS - performance.now();
  clearTimeout(pad.timer);
  if (wait > 0) { pad.timer = setTimeout(pumpDrawing, wait); return; }
  pad.dirty = false;
  pad.lastSent = performance.now();
  pad.socket.reserve();
  $("pad").toBlob((blob) => pad.socket.send(blob), "image/png");
}

function topThree(probs) {
  return probs.map((p, digit) => ({ digit, p })).sort((a, b) => b.p - a.p).slice(0, 3);
}

function digitCard(d) {
  const item = document.createElement("li");
  const img = document.createElement("img");
  img.src = d.crop;
  img.alt = `28x28 input read as ${d.digit}`;
  img.width = img.height = 84;
  item.append(img);
  const list = document.createElement("ul");
  for (const { digit, p } of topThree(d.probs)) {
    const row = document.createElement("li");
    row.innerHTML = `<b>${digit}</b><span class="meter"><span style="width:${(p * 100).toFixed(1)}%"></span></span>` +
      `<span class="pct">${(p * 100).toFixed(1)}%</span>`;
    list.append(row);
  }
  item.append(list);
  return item;
}

function onDrawReading(reading, latencyMs) {
  const boxes = $("pad-boxes");
  const ctx = boxes.getContext("2d");
  ctx.clearRect(0, 0, boxes.width, boxes.height);
  if (pad.strokes.length === 0) reading = { text: "", digits: [] };
  $("draw-number").textContent = reading.text;
  $("draw-latency").textContent = "";
  if (latencyMs !== null && pad.strokes.length) showLatency($("draw-latency"), reading, latencyMs);
  drawBoxes(ctx, reading, boxes.width / $("pad").width, false);
  $("draw-digits").replaceChildren(...reading.digits.map(digitCard));
  $("draw-hint").textContent = latencyMs !== null && pad.strokes.length && !reading.digits.length
    ? whyNothing() : "";
}

// Why a drawing read nothing: most often a digit so small that the pen fills it in.
function whyNothing() {
  const ys = pad.strokes.flat().map((p) => p[1]);
  const inkHeight = Math.max(...ys) - Math.min(...ys) + $("pad").height * INK_WIDTH;
  if (inkHeight < SMALL_INK * $("pad").height) {
    return "Nothing read: the digit is too small for the pen, its strokes merge into a " +
      "blob. Write it taller, about half the height of the pad.";
  }
  return "Nothing read: no digit-like shape found. Write each digit on its own, side by " +
    "side, without touching the next one.";
}

function setupDraw() {
  const canvas = $("pad");
  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    pad.current = [padPoint(e)];
    pad.strokes.push(pad.current);
    changed();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!pad.current) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of (events.length ? events : [e])) pad.current.push(padPoint(ev));
    changed();
  });
  const end = () => { pad.current = null; };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  $("undo").addEventListener("click", () => { pad.strokes.pop(); changed(); });
  $("clear").addEventListener("click", () => { pad.strokes = []; changed(); });
  paintStrokes();
}

// ---- Page --------------------------------------------------------------------------------

function showMode() {
  const mode = { "#draw": "draw", "#photo": "photo" }[location.hash] || "webcam";
  for (const name of ["webcam", "draw", "photo"]) {
    $(name).hidden = name !== mode;
    $(`tab-${name}`).setAttribute("aria-selected", String(name === mode));
  }
}

async function setupModels() {
  const select = $("model");
  try {
    const answer = await (await fetch("api/models")).json();
    for (const m of answer.models) {
      const option = new Option(m.name, m.name, false, m.name === answer.default);
      option.title = m.description;
      select.append(option);
    }
  } catch (err) {
    status(`Could not list the models: ${err.message}`);
  }
  select.addEventListener("change", () => {
    cam.socket.update({ model: select.value });
    pad.socket.update({ model: select.value });
  });
}

setupWebcam();
setupDraw();
setupPhoto(() => $("model").value, status);
setupModels();
showMode();
window.addEventListener("hashchange", showMode);
cam.socket.connect();
pad.socket.connect();
