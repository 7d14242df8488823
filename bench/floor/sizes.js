// raw, gzip -9 (the gzip CLI), brotli quality 11 / lgwin 22 (Node's zlib; = brotli crate defaults used by cargo-leptos --precompress)
const fs = require('fs'); const zlib = require('zlib'); const { execFileSync } = require('child_process');
for (const f of process.argv.slice(2)) {
  const raw = fs.readFileSync(f);
  const gz = execFileSync('gzip', ['-9', '-n', '-c', f], { maxBuffer: 1 << 30 }).length;
  const br = zlib.brotliCompressSync(raw, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }).length;
  console.log(`${f}\traw ${raw.length}\tgzip9 ${gz}\tbrotli11 ${br}`);
}
