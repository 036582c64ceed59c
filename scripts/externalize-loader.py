"""Trunk post-build hook: moves trunk's inline wasm loader into loader-<hash>.js and
locks the page once the WebAssembly is running.

Grove's Content-Security-Policy (index.html) allows scripts from the page's own origin
only ("script-src 'self'"), so the inline <script type="module"> that trunk writes to
start the WebAssembly would be refused. This hook writes that script to a file whose name
carries a hash of its content and refers to it instead. Runs in TRUNK_STAGING_DIR.

The policy in index.html lets the page fetch its own .wasm (connect-src 'self'); nothing
else is fetched. Once the module is instantiated, the loader adds a second policy
(LOCK) that forbids every further request: connections, scripts, styles, fonts, frames,
workers; images only as data: URLs (the PNG export draws the plot from one). Browsers
enforce every policy they are given, so from then on the page cannot reach the network.
"""

LOCK = "default-src 'none'; img-src data:"
LOCK_CODE = """
// Loaded: from here on nothing may leave the page (see scripts/externalize-loader.py).
const lock = document.createElement('meta');
lock.httpEquiv = 'Content-Security-Policy';
lock.content = "%s";
document.head.append(lock);
""" % LOCK

import hashlib
import os
import re
import sys

staging = os.environ.get("TRUNK_STAGING_DIR")
if not staging:
    sys.exit("externalize-loader: TRUNK_STAGING_DIR is not set (run through trunk)")
index = os.path.join(staging, "index.html")
html = open(index, encoding="utf-8").read()

pattern = re.compile(r'<script type="module"(?: nonce="[^"]*")?>(.*?)</script>', re.S)
match = pattern.search(html)
if not match:
    sys.exit("externalize-loader: trunk's inline loader script was not found in index.html")
code = match.group(1).strip() + "\n"
if "await init(" not in code:
    sys.exit("externalize-loader: trunk's loader no longer awaits init(); check where to lock")
after_init = code.index("\n", code.index("await init(")) + 1
code = code[:after_init] + LOCK_CODE + code[after_init:]
name = "loader-%s.js" % hashlib.sha256(code.encode()).hexdigest()[:16]
with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
    f.write(code)
html = html[: match.start()] + '<script type="module" src="/%s"></script>' % name + html[match.end():]
if pattern.search(html):
    sys.exit("externalize-loader: more than one inline script; the policy would refuse it")
open(index, "w", encoding="utf-8").write(html)
