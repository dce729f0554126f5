#!/usr/bin/env node
// Reference GPT-2 token ids from the npm gpt-3-encoder package's own encode(), for the C++
// tokenizer's parity test (tests/core/tokenizer/test_gpt2_parity.cpp) and benchmark.
//
//   node gpt2_encode.js <gpt-3-encoder package dir> <texts.json> <out.json>
//       texts.json: a JSON array of strings. Writes a JSON array with, per text, its ids; exits 1
//       if decode(encode(text)) !== text for any text (the package decodes with TextDecoder, which
//       drops a leading U+FEFF, so a text's leading BOM is not asked back).
//   node gpt2_encode.js <gpt-3-encoder package dir> --bench <text file> [repeats]
//       Encodes the file (UTF-8) and prints JSON {bytes, tokens, seconds} of the fastest run.
'use strict';
const fs = require('fs');
const path = require('path');

function usage() {
  process.stderr.write('usage: gpt2_encode.js <package dir> <texts.json> <out.json>\n' +
                       '       gpt2_encode.js <package dir> --bench <text file> [repeats]\n');
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length < 3) usage();
const pkg = path.resolve(args[0]);
if (!fs.existsSync(path.join(pkg, 'Encoder.js'))) {
  process.stderr.write(`gpt2_encode.js: ${pkg} is not the gpt-3-encoder package; run scripts/fetch-data.sh\n`);
  process.exit(2);
}
const { encode, decode } = require(path.join(pkg, 'index.js'));

if (args[1] === '--bench') {
  // encode() grows its result with Array.concat, which is quadratic on a long text: the text is
  // cut into ~4 KB chunks where the pieces cannot change (after printable non-space ASCII, before
  // ASCII whitespace: no piece of the pattern spans such a point), so the ids are the whole text's.
  const text = fs.readFileSync(args[2], 'utf8');
  const repeats = args.length > 3 ? parseInt(args[3], 10) : 1;
  const chunks = [];
  for (let pos = 0; pos < text.length;) {
    let end = Math.min(pos + 4096, text.length);
    while (end < text.length && !(/[!-~]/.test(text[end - 1]) && /[ \n\t\r\f\v]/.test(text[end]))) end++;
    chunks.push(text.slice(pos, end));
    pos = end;
  }
  let best = Infinity, tokens = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    tokens = 0;
    for (const c of chunks) tokens += encode(c).length;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, s);
  }
  process.stdout.write(JSON.stringify({ bytes: Buffer.byteLength(text, 'utf8'), tokens, seconds: best }) + '\n');
  process.exit(0);
}

const texts = JSON.parse(fs.readFileSync(args[1], 'utf8'));
if (!Array.isArray(texts)) {
  process.stderr.write('gpt2_encode.js: texts.json must hold a JSON array of strings\n');
  process.exit(2);
}
let bad = 0;
const out = texts.map((t, i) => {
  const ids = encode(t);
  const back = t.startsWith('\uFEFF') ? '\uFEFF' + decode(ids) : decode(ids);
  if (back !== t) {
    if (bad++ < 5) process.stderr.write(`gpt2_encode.js: text ${i} does not round-trip: ${JSON.stringify(t)}\n`);
  }
  return ids;
});
fs.writeFileSync(args[2], JSON.stringify(out));
process.exit(bad ? 1 : 0);
