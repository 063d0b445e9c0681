// Photo mode: read an image from disk (button or drag-and-drop) through POST api/read.

import { drawBoxes } from "./boxes.js";

const $ = (id) => document.getElementById(id);

function showPhotoReading(image, reading) {
  const canvas = $("photo-canvas");
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0);
  drawBoxes(ctx, reading, 1, true);
  $("photo-number").textContent = reading.text;
  $("photo-hint").textContent = reading.digits.length ? "" :
    "Nothing read in this photo: no digit-like shape was found (dark or light ink on " +
    "plain paper, each digit a separate shape, reads best).";
}

async function readPhoto(file, model, status) {
  if (!file) return;
  if (file.type && !file.type.startsWith("image/")) {
    status(`${file.name}: not an image`);
    return;
  }
  $("photo-name").textContent = file.name;
  $("photo-number").textContent = "";
  $("photo-hint").textContent = "Reading...";
  const form = new FormData();
  form.append("file", file, file.name);
  const url = new URL("api/read", location.href);
  if (model()) url.searchParams.set("model", model());
  try {
    const answer = await fetch(url, { method: "POST", body: form });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.detail || answer.statusText);
    const image = new Image();
    image.src = URL.createObjectURL(file);
    await image.decode().catch(() => {});
    showPhotoReading(image, body);
    status("");
  } catch (err) {
    $("photo-hint").textContent = "";
    status(`Could not read ${file.name}: ${err.message}`);
  }
}

// `model()`: the model picked on the page; `status(text)`: the page's status line.
export function setupPhoto(model, status) {
  const input = $("photo-file");
  $("photo-choose").addEventListener("click", () => input.click());
  input.addEventListener("change", () => readPhoto(input.files[0], model, status));
  const zone = $("photo-drop");
  for (const target of [zone, document.body]) {
    target.addEventListener("dragover", (e) => {
      e.preventDefault();
      zone.classList.add("over");
    });
    target.addEventListener("dragleave", () => zone.classList.remove("over"));
    target.addEventListener("drop", (e) => {
      e.preventDefault();
      e.stopPropagation();
      zone.classList.remove("over");
      if (location.hash !== "#photo") location.hash = "#photo";
      readPhoto(e.dataTransfer.files[0], model, status);
    });
  }
}
