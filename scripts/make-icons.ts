// Draws the tray and app icons into resources/ as PNG files, with nothing but node:zlib, so the icons are
// reproducible from this file: `node bin/run-ts.mjs scripts/make-icons.ts`. The PNGs are committed; run this only
// to change them.
//   tray-connected  green disc with a check mark        tray-offline  grey ring with a bar (not connected)
//   tray-pending-N  amber disc with the number 1…9       tray-pending-many  amber disc with "9+"
//   icon            the app icon (512 px) for electron-builder
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];
/** Coverage of a pixel by a shape, from its centre in a unit square (0…1 coordinates). */
type Shape = (x: number, y: number) => boolean;

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function png(size: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Layers painted bottom to top, each anti-aliased by 4×4 supersampling. */
function render(size: number, layers: Array<{ shape: Shape; color: Rgba }>): Buffer {
  const samples = 4;
  return png(size, (px, py) => {
    let [r, g, b, a] = [0, 0, 0, 0];
    for (const { shape, color } of layers) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy++)
        for (let sx = 0; sx < samples; sx++)
          if (shape((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits++;
      const alpha = (hits / samples ** 2) * (color[3] / 255);
      // "over" compositing in straight alpha
      const outA = alpha + a * (1 - alpha);
      if (outA > 0) {
        r = (color[0] * alpha + r * a * (1 - alpha)) / outA;
        g = (color[1] * alpha + g * a * (1 - alpha)) / outA;
        b = (color[2] * alpha + b * a * (1 - alpha)) / outA;
      }
      a = outA;
    }
    return [Math.round(r), Math.round(g), Math.round(b), Math.round(a * 255)];
  });
}

const disc =
  (cx: number, cy: number, radius: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
const ring =
  (cx: number, cy: number, outer: number, inner: number): Shape =>
  (x, y) => {
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    return d <= outer ** 2 && d >= inner ** 2;
  };
/** A thick line segment from (x1,y1) to (x2,y2). */
const stroke =
  (x1: number, y1: number, x2: number, y2: number, width: number): Shape =>
  (x, y) => {
    const [dx, dy] = [x2 - x1, y2 - y1];
    const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
    return (x - (x1 + t * dx)) ** 2 + (y - (y1 + t * dy)) ** 2 <= (width / 2) ** 2;
  };
const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((s) => s(x, y));
const roundedSquare =
  (inset: number, radius: number): Shape =>
  (x, y) => {
    const [lo, hi] = [inset + radius, 1 - inset - radius];
    const cx = Math.max(lo, Math.min(hi, x));
    const cy = Math.max(lo, Math.min(hi, y));
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
  };

// 3×5 pixel digits ('+' for "9+"), drawn as blocks inside a box.
const GLYPHS: Record<string, string[]> = {
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['##.', '..#', '.#.', '#..', '###'],
  '3': ['##.', '..#', '.#.', '..#', '##.'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '##.', '..#', '##.'],
  '6': ['.##', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '##.'],
  '+': ['...', '.#.', '###', '.#.', '...'],
};
function text(chars: string, cx: number, cy: number, height: number): Shape {
  const cell = height / 5;
  const gap = cell;
  const width = chars.length * 3 * cell + (chars.length - 1) * gap;
  const left = cx - width / 2;
  const top = cy - height / 2;
  return (x, y) => {
    const row = Math.floor((y - top) / cell);
    if (row < 0 || row > 4) return false;
    const offset = x - left;
    const index = Math.floor(offset / (3 * cell + gap));
    const col = Math.floor((offset - index * (3 * cell + gap)) / cell);
    const glyph = GLYPHS[chars[index] ?? ''];
    return !!glyph && offset >= 0 && col >= 0 && col < 3 && glyph[row]?.[col] === '#';
  };
}

const GREEN: Rgba = [22, 135, 72, 255];
const GREY: Rgba = [110, 118, 129, 255];
const AMBER: Rgba = [196, 98, 0, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const INK: Rgba = [24, 54, 110, 255];

const check = union(stroke(0.3, 0.52, 0.44, 0.66, 0.12), stroke(0.44, 0.66, 0.72, 0.36, 0.12));
const tray: Record<string, Array<{ shape: Shape; color: Rgba }>> = {
  'tray-connected': [
    { shape: disc(0.5, 0.5, 0.46), color: GREEN },
    { shape: check, color: WHITE },
  ],
  'tray-offline': [
    { shape: ring(0.5, 0.5, 0.46, 0.34), color: GREY },
    { shape: stroke(0.3, 0.5, 0.7, 0.5, 0.12), color: GREY },
  ],
  'tray-pending-many': [
    { shape: disc(0.5, 0.5, 0.46), color: AMBER },
    { shape: text('9+', 0.5, 0.5, 0.5), color: WHITE },
  ],
};
for (let n = 1; n <= 9; n++)
  tray[`tray-pending-${n}`] = [
    { shape: disc(0.5, 0.5, 0.46), color: AMBER },
    { shape: text(String(n), 0.5, 0.5, 0.55), color: WHITE },
  ];

for (const [name, layers] of Object.entries(tray)) {
  writeFileSync(join(OUT, `${name}.png`), render(32, layers));
  writeFileSync(join(OUT, `${name}@2x.png`), render(64, layers));
}
writeFileSync(
  join(OUT, 'icon.png'),
  render(512, [
    { shape: roundedSquare(0.06, 0.18), color: INK },
    { shape: disc(0.5, 0.5, 0.3), color: GREEN },
    { shape: check, color: WHITE },
  ]),
);
console.log(`icons written to ${OUT}`);
