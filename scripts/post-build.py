"""Trunk post-build hook (runs in TRUNK_STAGING_DIR): makes the built page work from any
path of any static host, offline after the first visit, under a strict
Content-Security-Policy.

1. Loader. Grove's policy (index.html) allows scripts from the page's own origin only
   ("script-src 'self'"), so the inline <script type="module"> that trunk writes to start
   the WebAssembly would be refused. It is written to loader-<hash>.js instead, referred
   to by a relative URL like every other asset (Trunk.toml: public_url = "./").
2. Lock. Once the module is instantiated, the loader adds a second policy (LOCK) that
   forbids every further request: connections, scripts, styles, fonts, frames; images
   only as data: URLs (the PNG export draws the plot from one), the page's own icons and
   web app manifest (the browser reads them under the page's policy), and the page's own
   workers (grove-worker, src/jobs.rs, started when a RevMan review is opened; grove-gosh,
   src/gosh.rs, started when the GOSH view runs). Browsers enforce every policy they are
   given, so from then on the page cannot reach another origin, and its own only for its
   icons, manifest and workers.
3. Offline. Before that, the loader registers sw.js, a service worker written here that
   keeps the page's own files (their names carry trunk's content hashes) in a cache named
   after them. A page is loaded from the network when there is one, so the first load
   after a deploy gets the new version, and from the cache when there is none. A new
   deploy is a new sw.js, which replaces the old cache. Pages opened from disk (file://)
   have no service worker and need none.
4. Style sheet. Comments and the spaces CSS does not need are dropped from the style
   sheet (a quarter of its compressed size), and its integrity hash in index.html is
   made again. Only spaces next to { } ; , and after a property's colon go: the sheet
   has no strings or url() whose spaces matter, and a colon in a selector (a
   pseudo-class) keeps the space before it.
5. Scripts. wasm-bindgen's glue (the page's and the workers') loses its JSDoc comments
   and its indentation (a twentieth of its compressed size), and the page's integrity
   hash is made again. Nothing else changes: a glue with a template literal over several
   lines, whose indentation would matter, is left as it is.
6. Import names. wasm-bindgen names each function the WebAssembly imports from its glue
   after the function and a hash ("__wbg_createElement_8c9931a732ee2fea"): some 230
   names of random digits, written once in the module and once in the glue, that no
   compression shrinks (7 KB of the page's compressed download). Each is renamed, in
   both, to a short name ("a", "b", … "aa"); the module's code is not touched, and the
   integrity hashes are made again. A glue that does not define each import exactly once
   as "NAME: function(" stops the build, as wasm-bindgen's glue would then have changed.
"""

LOCK = "default-src 'none'; img-src 'self' data:; manifest-src 'self'; worker-src 'self'"
LOCK_CODE = """
// Loaded: from here on nothing may leave the page (see scripts/post-build.py).
const lock = document.createElement('meta');
lock.httpEquiv = 'Content-Security-Policy';
lock.content = "%s";
document.head.append(lock);
""" % LOCK

# Registered before the lock, while the policy still allows the page's own scripts.
REGISTER_CODE = """// Offline after the first visit: the page's files are kept by sw.js (scripts/post-build.py).
if ('serviceWorker' in navigator && location.protocol !== 'file:') {
  navigator.serviceWorker.register('./sw.js').catch((e) => console.warn('Grove works online only here:', e.message));
}
"""

SERVICE_WORKER = """// Grove's service worker, written by scripts/post-build.py: it keeps the page's own
// files, named by their content hashes, so that the page opens without a network.
const FILES = %(files)s;
// One cache per build and per place the page is served from.
const PREFIX = 'grove ' + self.registration.scope + ' ';
const CACHE = PREFIX + '%(version)s';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== location.origin) return;
  if (request.mode === 'navigate') {
    // The network first, so that a new version is seen at once; the kept page offline.
    event.respondWith(fetch(request).catch(() => caches.open(CACHE).then((c) => c.match('./'))));
    return;
  }
  // Hashed files never change: the kept copy when there is one.
  event.respondWith(caches.open(CACHE).then((c) => c.match(request)).then((hit) => hit || fetch(request)));
});
"""

import base64
import hashlib
import json
import os
import re
import sys

staging = os.environ.get("TRUNK_STAGING_DIR")
if not staging:
    sys.exit("post-build: TRUNK_STAGING_DIR is not set (run through trunk)")
index = os.path.join(staging, "index.html")
html = open(index, encoding="utf-8").read()

def compact_css(css):
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,])\s*", r"\1", css)
    css = re.sub(r"([{;][-a-z]+):\s+", r"\1:", css)
    return css.replace(";}", "}").strip() + "\n"


for sheet in re.findall(r'<link rel="stylesheet" href="\./([^"]+\.css)"[^>]*>', html):
    path = os.path.join(staging, sheet)
    css = compact_css(open(path, encoding="utf-8").read())
    open(path, "w", encoding="utf-8").write(css)
    digest = base64.b64encode(hashlib.sha384(css.encode()).digest()).decode()
    html, n = re.subn(
        r'(<link rel="stylesheet" href="\./%s" integrity=")sha384-[^"]*"' % re.escape(sheet),
        lambda m: '%ssha384-%s"' % (m.group(1), digest),
        html,
    )
    if n != 1:
        sys.exit("post-build: the style sheet's integrity hash was not found")

def leb128(data, i):
    """The unsigned LEB128 number at data[i:], and the index after it."""
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def to_leb128(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def short_name(i):
    """a, b, … z, aa, ab, …"""
    name = ""
    i += 1
    while i:
        i -= 1
        name = chr(ord("a") + i % 26) + name
        i //= 26
    return name


def rename_imports(wasm, js, glue):
    """The module and its glue with each import from the glue renamed (see 6 above)."""
    out = bytearray(wasm[:8])
    i = 8
    renamed = {}
    while i < len(wasm):
        section = wasm[i]
        size, start = leb128(wasm, i + 1)
        body = wasm[start : start + size]
        i = start + size
        if section == 2:  # imports: module name, field name, description
            count, k = leb128(body, 0)
            new = bytearray(to_leb128(count))
            for _ in range(count):
                length, k = leb128(body, k)
                module = body[k : k + length]
                k += length
                length, k = leb128(body, k)
                field = body[k : k + length].decode()
                k += length
                described = k
                kind = body[k]
                k += 1
                if kind == 0:  # function: type index
                    _, k = leb128(body, k)
                elif kind in (1, 2):  # table (element type, limits), memory (limits)
                    k += 1 if kind == 1 else 0
                    flags, k = leb128(body, k)
                    _, k = leb128(body, k)
                    if flags & 1:
                        _, k = leb128(body, k)
                elif kind == 3:  # global: value type, mutability
                    k += 2
                else:
                    sys.exit("post-build: %s imports something unknown (kind %d)" % (glue, kind))
                # The glue's own functions: wasm-bindgen names their module after the
                # glue as it wrote it ("./grove-app_bg.js"), before trunk's hash.
                if kind == 0 and re.fullmatch(r"\./[-\w]+_bg\.js", module.decode()):
                    name = renamed.setdefault(field, short_name(len(renamed)))
                    js, n = re.subn(r"(\n\s*)%s: function\(" % re.escape(field), r"\g<1>%s: function(" % name, js)
                    if n != 1 or field in js:
                        sys.exit("post-build: %s does not define %s once; wasm-bindgen's glue has changed" % (glue, field))
                    field = name
                new += to_leb128(len(module)) + module + to_leb128(len(field)) + field.encode()
                new += body[described:k]
            body = bytes(new)
        out += bytes([section]) + to_leb128(len(body)) + body
    if not renamed:
        sys.exit("post-build: %s's module imports nothing from it; wasm-bindgen has changed" % glue)
    return bytes(out), js


def integrity(data):
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def compact_js(js):
    if any("\n" in t for t in re.findall(r"`[^`]*`", js)):
        return js
    js = re.sub(r"^[ \t]*/\*\*(?:[^*]|\*(?!/))*\*/[ \t]*\n", "", js, flags=re.M)
    return re.sub(r"^[ \t]+", "", js, flags=re.M)


for glue in sorted(os.listdir(staging)):
    if not (glue.startswith("grove-") and glue.endswith(".js")) or glue.endswith("_loader.js"):
        continue
    path = os.path.join(staging, glue)
    js = open(path, encoding="utf-8").read()
    module_path = path.replace(".js", "_bg.wasm")
    module, js = rename_imports(open(module_path, "rb").read(), js, glue)
    open(module_path, "wb").write(module)
    js = compact_js(js)
    open(path, "w", encoding="utf-8").write(js)
    for name, data in ((glue, js.encode()), (os.path.basename(module_path), module)):
        html = re.sub(
            r'(<link rel="(?:modulepreload|preload)" href="\./%s"[^>]* integrity=")sha384-[^"]*"' % re.escape(name),
            lambda m: '%s%s"' % (m.group(1), integrity(data)),
            html,
        )

pattern = re.compile(r'<script type="module"(?: nonce="[^"]*")?>(.*?)</script>', re.S)
match = pattern.search(html)
if not match:
    sys.exit("post-build: trunk's inline loader script was not found in index.html")
code = match.group(1).strip() + "\n"
if "await init(" not in code:
    sys.exit("post-build: trunk's loader no longer awaits init(); check where to lock")
after_init = code.index("\n", code.index("await init(")) + 1
code = REGISTER_CODE + code[:after_init] + LOCK_CODE + code[after_init:]
name = "loader-%s.js" % hashlib.sha256(code.encode()).hexdigest()[:16]
with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
    f.write(code)
html = html[: match.start()] + '<script type="module" src="./%s"></script>' % name + html[match.end():]
if pattern.search(html):
    sys.exit("post-build: more than one inline script; the policy would refuse it")
if re.search(r'(?:src|href)="/', html):
    sys.exit("post-build: an asset URL is absolute; the page would not work under a sub-path")
open(index, "w", encoding="utf-8").write(html)

# Everything built, the page itself as "./" (the address it is opened at).
files = ["./"]
for root, _, names in os.walk(staging):
    for n in sorted(names):
        path = os.path.relpath(os.path.join(root, n), staging).replace(os.sep, "/")
        if path not in ("index.html", "sw.js"):
            files.append("./" + path)
files.sort()
# The cache's name changes with any byte of any file, hashed in its name or not.
digest = hashlib.sha256(html.encode())
for f in files[1:]:
    digest.update(f.encode() + b"\0" + open(os.path.join(staging, f[2:]), "rb").read())
version = digest.hexdigest()[:16]
with open(os.path.join(staging, "sw.js"), "w", encoding="utf-8") as f:
    f.write(SERVICE_WORKER % {"files": json.dumps(files, indent=2), "version": version})
