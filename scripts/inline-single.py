"""Makes one self-contained HTML file of a built page (scripts/build-single): the style
sheet, the JavaScript and the WebAssembly (gzip-compressed, base64) inlined, so that the
file works opened from disk (file://), from a USB stick or an e-mail attachment, with no
network and no server.

Its Content-Security-Policy admits exactly the inlined script and style by their SHA-256
hashes ('unsafe-inline' is never needed), WebAssembly compiled from those bytes, and
images as data: URLs; it allows no connection at all. Once the module runs, a lock like
the served page's (scripts/post-build.py) is added. There is no service worker (file://
has none) and no web app manifest (installing needs a served page).

The page's workers are inlined too (grove-worker, src/jobs.rs, and the GOSH worker,
grove-gosh, src/gosh.rs): each one's script and WebAssembly become a blob: URL that the
page starts it from (window.groveWorker, window.groveGosh). A blob:
worker runs under the page's policies, so both allow what it needs and nothing more:
`worker-src blob:` to start it, and `'wasm-unsafe-eval'` (compiling WebAssembly from
bytes, which fetches nothing) in the lock as well.

Usage: inline-single.py BUILD_DIR OUT_FILE
"""

import base64
import gzip
import hashlib
import json
import os
import re
import sys

LOCK = "default-src 'none'; img-src data:; worker-src blob:; script-src 'wasm-unsafe-eval'"

build, out = sys.argv[1], sys.argv[2]
html = open(os.path.join(build, "index.html"), encoding="utf-8").read()


def one(pattern, what):
    found = re.findall(pattern, html)
    if len(found) != 1:
        sys.exit("inline-single: expected one %s in index.html, found %d" % (what, len(found)))
    return found[0]


css_name = one(r'<link rel="stylesheet" href="\./([^"]+\.css)"[^>]*/?>', "style sheet")
glue_name = one(r'<link rel="modulepreload" href="\./([^"]+\.js)"[^>]*>', "module preload")
wasm_name = one(r'<link rel="preload" href="\./([^"]+\.wasm)"[^>]*>', "wasm preload")

css = open(os.path.join(build, css_name), encoding="utf-8").read()
glue = open(os.path.join(build, glue_name), encoding="utf-8").read()
wasm = open(os.path.join(build, wasm_name), "rb").read()

# The glue is an ES module; inlined, its exports become plain declarations.
glue = re.sub(r"^export (class|function|const|let) ", r"\1 ", glue, flags=re.M)
glue = re.sub(r"^export \{[^}]*\};?\s*$", "", glue, flags=re.M)
if re.search(r"^export ", glue, flags=re.M) or "__wbg_init" not in glue:
    sys.exit("inline-single: the wasm-bindgen glue has changed shape; update this script")


def pack(data):
    return base64.b64encode(gzip.compress(data, 9, mtime=0)).decode()


UNPACK = """
const unpack = async (packed) => new Response(new Blob([Uint8Array.from(atob(packed), (c) => c.charCodeAt(0))])
  .stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
"""



def worker(name):
    """A worker's script with its WebAssembly inlined, as the text of a blob: URL."""
    glue = open(os.path.join(build, name + ".js"), encoding="utf-8").read()
    wasm = open(os.path.join(build, name + "_bg.wasm"), "rb").read()
    if "wasm_bindgen" not in glue:
        sys.exit("inline-single: the %s worker's glue has changed shape; update this script" % name)
    return glue + UNPACK + 'unpack("%s").then((bytes) => wasm_bindgen({ module_or_path: bytes }));\n' % pack(wasm)


packed = pack(wasm)
script = glue + UNPACK + """
// The workers, started from blob: URLs (src/jobs.rs reads window.groveWorker, src/gosh.rs
// window.groveGosh).
window.groveWorker = URL.createObjectURL(new Blob([%s], { type: 'text/javascript' }));
window.groveGosh = URL.createObjectURL(new Blob([%s], { type: 'text/javascript' }));""" % (
    json.dumps(worker("grove-worker")), json.dumps(worker("grove-gosh"))) + """
// The WebAssembly, gzip-compressed and base64-encoded (scripts/inline-single.py).
await __wbg_init({ module_or_path: await unpack("%s") });
// Loaded: from here on nothing may leave the page.
const lock = document.createElement('meta');
lock.httpEquiv = 'Content-Security-Policy';
lock.content = "%s";
document.head.append(lock);
""" % (packed, LOCK)


def sha(text):
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


policy = (
    "default-src 'none'; script-src %s 'wasm-unsafe-eval'; style-src %s; img-src data:; "
    "worker-src blob:; connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'"
    % (sha(script), sha(css))
)
icon = "data:image/svg+xml;base64," + base64.b64encode(
    open(os.path.join(build, "icons", "grove.svg"), "rb").read()
).decode()

html = re.sub(r'<meta http-equiv="Content-Security-Policy"\s+content="[^"]*"\s*/>',
              lambda _: '<meta http-equiv="Content-Security-Policy" content="%s" />' % policy, html)
html = re.sub(r'<link rel="stylesheet"[^>]*/?>', lambda _: "<style>%s</style>" % css, html)
html = re.sub(r'<link rel="(?:modulepreload|preload|manifest)"[^>]*/?>', "", html)
html = re.sub(r'<link rel="icon"[^>]*/?>', lambda _: '<link rel="icon" href="%s" />' % icon, html)
html = re.sub(r'<script type="module" src="[^"]*"></script>',
              lambda _: '<script type="module">%s</script>' % script, html)
for leftover in ('src="./', 'href="./', "sha256-'"):
    if leftover in html:
        sys.exit("inline-single: %r left in the page; it would not work from disk" % leftover)
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
open(out, "w", encoding="utf-8").write(html)
print("%s: %d bytes (WebAssembly %d bytes, gzip %d)" % (out, len(html.encode()), len(wasm), len(packed) * 3 // 4))
