// Boxes and their labels over a picture (webcam overlay, photo, drawing pad).
// Labels never overlap: each goes above its box, else below it, else inside its top, else
// further up, the first place that is free and on the canvas.

export const BOX_COLOUR = "#3ddc84";
const LABEL_BG = "rgba(0, 0, 0, 0.65)";

const overlaps = (a, b) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

// Rectangles {x, y, w, h} for labels of sizes [{w, h}] beside boxes [[x, y, w, h]], none
// overlapping another, all inside width x height.
export function placeLabels(boxes, sizes, width, height) {
  const placed = [];
  const order = boxes.map((_, i) => i).sort((a, b) => boxes[a][0] - boxes[b][0]);
  const result = new Array(boxes.length);
  for (const i of order) {
    const [x, y, w, h] = boxes[i];
    const { w: lw, h: lh } = sizes[i];
    const ys = [y - lh - 2, y + h + 2, y + 2];
    for (let k = 2; k <= 6; k++) ys.push(y - k * (lh + 2), y + h + 2 + (k - 1) * (lh + 2));
    const xs = [x, x + w - lw, x - lw - 2, x + w + 2];
    let best = null;
    search: for (const cy of ys) {
      for (const cx of xs) {
        const rect = { x: Math.min(Math.max(cx, 0), Math.max(width - lw, 0)),
                       y: Math.min(Math.max(cy, 0), Math.max(height - lh, 0)), w: lw, h: lh };
        if (!placed.some((p) => overlaps(p, rect))) { best = rect; break search; }
      }
    }
    best = best || { x: Math.max(0, Math.min(x, width - lw)), y: Math.max(0, y - lh - 2),
                     w: lw, h: lh };
    placed.push(best);
    result[i] = best;
  }
  return result;
}

export function drawBoxes(ctx, reading, scale, labels) {
  ctx.lineWidth = Math.max(2, 2 * scale);
  ctx.strokeStyle = BOX_COLOUR;
  const boxes = reading.digits.map((d) => d.box.map((v) => v * scale));
  for (const [x, y, w, h] of boxes) ctx.strokeRect(x, y, w, h);
  if (!labels || !boxes.length) return [];
  const size = Math.round(Math.max(14, 18 * scale));
  ctx.font = `bold ${size}px system-ui, sans-serif`;
  ctx.textBaseline = "top";
  const texts = reading.digits.map((d) => `${d.digit} ${Math.round(d.confidence * 100)}%`);
  const sizes = texts.map((t) => ({ w: Math.ceil(ctx.measureText(t).width) + 6, h: size + 4 }));
  const rects = placeLabels(boxes, sizes, ctx.canvas.width, ctx.canvas.height);
  rects.forEach((r, i) => {
    ctx.fillStyle = LABEL_BG;
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.fillStyle = BOX_COLOUR;
    ctx.fillText(texts[i], r.x + 3, r.y + 2);
  });
  return rects;
}
