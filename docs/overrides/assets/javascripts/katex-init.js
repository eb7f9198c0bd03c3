// Renders the formulas that pymdownx.arithmatex marks, with the KaTeX served by this site.
function renderCourseMath() {
  renderMathInElement(document.body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    ignoredClasses: ["highlight", "jp-OutputArea", "md-search"],
    throwOnError: false,
    errorColor: "#cc0000",
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(renderCourseMath); // Material's page-change stream
} else {
  document.addEventListener("DOMContentLoaded", renderCourseMath);
}
