// Where the widget's wasm bytes go: reads a wasm file that still has its name section (a
// cargo build before wasm-bindgen, or a wasm-opt run with -g), attributes every function
// body and data segment to a crate by its demangled Rust path, and prints the largest
// crates and functions. It needs no tool beyond node, so it runs where twiggy is not
// installed; the per-function sizes are the same "shallow" sizes twiggy reports.
//
//   node bench/wasm-size/profile.mjs FILE.wasm [--top N] [--functions N]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (!file) {
  console.error('usage: node bench/wasm-size/profile.mjs FILE.wasm [--top N] [--functions N]');
  process.exit(2);
}
const bytes = readFileSync(file);
if (bytes.readUInt32LE(0) !== 0x6d736100) {
  console.error(`${file}: not a wasm module (no \\0asm magic)`);
  process.exit(1);
}

let pos = 8;
function leb() {
  let result = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return result;
}
function name() {
  const n = leb();
  const s = bytes.toString('utf8', pos, pos + n);
  pos += n;
  return s;
}

const sections = []; // { id, name, size }
let importedFunctions = 0;
const bodies = []; // size of each defined function's body, in order
const names = new Map(); // function index -> name
let dataBytes = 0;
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = leb();
  const start = pos;
  const end = start + size;
  let label = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'][id];
  if (id === 0) {
    label = `custom:${name()}`;
    if (label === 'custom:name') {
      while (pos < end) {
        const sub = bytes[pos++];
        const subSize = leb();
        const subEnd = pos + subSize;
        if (sub === 1) {
          const count = leb();
          for (let i = 0; i < count; i++) {
            const index = leb();
            names.set(index, name());
          }
        }
        pos = subEnd;
      }
    }
  } else if (id === 2) {
    const count = leb();
    for (let i = 0; i < count; i++) {
      name();
      name();
      const kind = bytes[pos++];
      if (kind === 0) { leb(); importedFunctions++; }
      else if (kind === 1) { pos++; const f = leb(); leb(); if (f & 1) leb(); }
      else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); }
      else if (kind === 3) { pos += 2; }
      else if (kind === 4) { pos++; leb(); }
    }
  } else if (id === 10) {
    const count = leb();
    for (let i = 0; i < count; i++) {
      const s = leb();
      bodies.push(s); // body size (without its own length prefix)
      pos += s;
    }
  } else if (id === 11) {
    dataBytes = size;
  }
  sections.push({ label, size });
  pos = end;
}

// Rust's legacy mangling: _ZN <len><segment>... [17h<hash>] E, with $LT$/$GT$/$u20$/.. escapes.
function demangle(sym) {
  const m = /^_?_ZN(.*)E$/.exec(sym);
  if (!m) return sym;
  const parts = [];
  let s = m[1];
  while (s.length && /^\d/.test(s)) {
    const len = parseInt(s, 10);
    const digits = String(len).length;
    parts.push(s.slice(digits, digits + len));
    s = s.slice(digits + len);
  }
  if (parts.length && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts
    .join('::')
    .replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ')
    .replace(/\$RF\$/g, '&').replace(/\$BP\$/g, '*').replace(/\$C\$/g, ',')
    .replace(/\$u7b\$/g, '{').replace(/\$u7d\$/g, '}').replace(/\$u5b\$/g, '[').replace(/\$u5d\$/g, ']')
    .replace(/\$u27\$/g, "'").replace(/\$u3b\$/g, ';').replace(/\$u21\$/g, '!').replace(/\$u2b\$/g, '+')
    .replace(/\.\./g, '::');
}

// The crate a function belongs to: for `<A as B>::f` the implementing type's crate (A) —
// that is where the code was instantiated from — else the first path segment.
function crateOf(path) {
  // v0 mangling (the standard library's): the crate root is `C[s<hash>_]<len><name>`.
  const v0 = /^_R/.test(path) && /C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(path);
  if (v0) return v0[2].slice(0, +v0[1]);
  // A legacy-mangled path starting with an impl (`<A as B>::f`) demangles to `_<A as B>…`.
  let p = path.replace(/^_(?=<)/, '').replace(/^<+/, '').replace(/^(&|\*const |\*mut |mut |dyn )+/, '');
  if (p.startsWith('[') || p.startsWith('(')) return '(slices/tuples)';
  const c = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(p);
  if (!c) return '(other)';
  const first = c[1];
  // `<T as Trait>::f`: a blanket impl's copy for some type; the path does not say whose.
  if (/^[A-Z]$/.test(first)) return '(blanket impls)';
  // Primitive types' impls (`<u32 as core::fmt::Display>`) are core's code.
  if (/^(u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|f32|f64|bool|char|str)$/.test(first)) return 'core';
  if (!path.includes('::')) return /^(__wbg|__wbindgen|wasm_bindgen)/.test(path) ? 'wasm_bindgen' : '(unnamed/libc)';
  return first;
}

const codeTotal = bodies.reduce((a, b) => a + b, 0);
const byCrate = new Map();
const functions = [];
bodies.forEach((size, i) => {
  const raw = names.get(importedFunctions + i) ?? `func[${importedFunctions + i}]`;
  const path = demangle(raw);
  const crate = crateOf(path);
  byCrate.set(crate, (byCrate.get(crate) ?? 0) + size);
  functions.push({ size, path });
});

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const pct = (n) => `${((100 * n) / bytes.length).toFixed(1)} %`;
console.log(`${file}: ${bytes.length} bytes, ${bodies.length} functions (${names.size} named)\n`);
console.log('| Section | Bytes | Share |\n|---|---|---|');
for (const s of sections.sort((a, b) => b.size - a.size).slice(0, 8)) console.log(`| ${s.label} | ${kb(s.size)} | ${pct(s.size)} |`);
console.log(`\n| Crate (code) | Bytes | Share of code |\n|---|---|---|`);
for (const [crate, size] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, opt('--top', 25))) {
  console.log(`| ${crate} | ${kb(size)} | ${((100 * size) / codeTotal).toFixed(1)} % |`);
}
console.log(`\n| Function | Bytes |\n|---|---|`);
for (const f of functions.sort((a, b) => b.size - a.size).slice(0, opt('--functions', 25))) {
  console.log(`| \`${f.path.length > 110 ? f.path.slice(0, 107) + '...' : f.path}\` | ${f.size} |`);
}
