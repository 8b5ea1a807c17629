#!/bin/sh
# Rebuilds editor.js, the CodeMirror 6 bundle of `segql serve`, from the npm packages pinned in package-lock.json.
# Run it here after changing entry.mjs or the versions: `sh build.sh`; then commit editor.js, VERSIONS.txt and
# LICENSES.txt. Nothing else needs Node: the wheel ships the committed editor.js.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
./node_modules/.bin/esbuild entry.mjs --bundle --format=esm --minify --legal-comments=none \
  --target=es2020 --outfile=editor.js
node -e '
const lock = require("./package-lock.json");
const out = [];
const licences = [];
const fs = require("fs");
for (const [path, info] of Object.entries(lock.packages)) {
  if (!path || info.dev) continue;
  const name = path.replace(/^.*node_modules\//, "");
  out.push(`${name} ${info.version} ${info.license || ""}`.trim());
  const dir = path;
  const file = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"].map((f) => `${dir}/${f}`).find((f) => fs.existsSync(f));
  if (file) licences.push(`==== ${name} ${info.version} ====\n\n${fs.readFileSync(file, "utf8").trim()}\n`);
}
fs.writeFileSync("VERSIONS.txt", "editor.js bundles these npm packages (built with esbuild " +
  lock.packages["node_modules/esbuild"].version + "):\n" + out.sort().join("\n") + "\n");
fs.writeFileSync("LICENSES.txt", licences.sort().join("\n"));
'
echo "built editor.js ($(wc -c < editor.js) bytes)"
