"""Trunk post-build hook: moves trunk's inline wasm loader into loader-<hash>.js.

Grove's Content-Security-Policy (index.html) allows scripts from the page's own origin
only ("script-src 'self'"), so the inline <script type="module"> that trunk writes to
start the WebAssembly would be refused. This hook writes that script to a file whose name
carries a hash of its content and refers to it instead. Runs in TRUNK_STAGING_DIR.
"""

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
name = "loader-%s.js" % hashlib.sha256(code.encode()).hexdigest()[:16]
with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
    f.write(code)
html = html[: match.start()] + '<script type="module" src="/%s"></script>' % name + html[match.end():]
if pattern.search(html):
    sys.exit("externalize-loader: more than one inline script; the policy would refuse it")
open(index, "w", encoding="utf-8").write(html)
