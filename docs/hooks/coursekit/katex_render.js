// Renders TeX to HTML with the KaTeX that the site serves (its UMD build loads in Node).
// One request per line on stdin: {"tex": "...", "display": true}; one answer per line on
// stdout: {"html": "..."} or {"error": "..."}. Used by coursekit/katex.py at build time.
"use strict";
const katex = require(process.argv[2]);
const readline = require("readline");

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const { tex, display } = JSON.parse(line);
  let answer;
  try {
    // HTML only (no MathML copy: it doubled a page's elements); the hook labels it for screen
    // readers with the TeX itself.
    const options = { displayMode: display, throwOnError: true, output: "html" };
    answer = { html: katex.renderToString(tex, options) };
  } catch (error) {
    answer = { error: String(error.message || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
