// Renders TeX to MathML with KaTeX (its UMD build loads in Node), when the site is built.
// One request per line on stdin: {"tex": "...", "display": true}; one answer per line on
// stdout: {"html": "..."} or {"error": "..."}. Used by coursekit/katex.py.
"use strict";
const katex = require(process.argv[2]);
const readline = require("readline");

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const { tex, display } = JSON.parse(line);
  let answer;
  try {
    // MathML only: browsers lay it out natively in the site's math font, screen readers read
    // it, and it takes a third of the elements KaTeX's HTML takes.
    const options = { displayMode: display, throwOnError: true, output: "mathml" };
    answer = { html: katex.renderToString(tex, options) };
  } catch (error) {
    answer = { error: String(error.message || error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
