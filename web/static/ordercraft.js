// Small behaviours of every page, wired by data attributes so that no page needs an
// inline script or handler (the Content-Security-Policy allows scripts from this site
// only): <select data-autosubmit> sends its form on change; <button data-print> prints.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target instanceof HTMLElement && target.matches("[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    const target = event.target;
    if (target instanceof Element && target.closest("[data-print]")) {
      window.print();
    }
  });
})();
// <div data-progress-url="..."> polls a background job's progress (JSON: done, total,
// percent, rate, seconds_left, state, error) every second and fills its parts
// ([data-bar], [data-count], [data-rate], [data-left], [data-state], [data-error])
// until the job is done or failed.
(function () {
  "use strict";
  function text(box, name, value) {
    const part = box.querySelector("[data-" + name + "]");
    if (part) { part.textContent = value; }
  }
  function seconds(value) {
    if (value === null || value === undefined) { return "…"; }
    if (value < 60) { return value + " s"; }
    return Math.floor(value / 60) + " min " + (value % 60) + " s";
  }
  function poll(box) {
    fetch(box.dataset.progressUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        const bar = box.querySelector("[data-bar]");
        if (bar) { bar.value = job.done; bar.max = job.total || 1; }
        text(box, "count", job.done + " / " + job.total);
        text(box, "percent", job.percent + "%");
        text(box, "rate", job.rate === null ? "…" : job.rate);
        text(box, "left", seconds(job.seconds_left));
        text(box, "state", box.dataset["label" + job.state[0].toUpperCase() + job.state.slice(1)] || job.state);
        text(box, "error", job.error || "");
        box.dataset.state = job.state;
        if (job.state !== "done" && job.state !== "failed") {
          window.setTimeout(function () { poll(box); }, 1000);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 3000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-progress-url]").forEach(poll);
  });
})();
// <textarea data-code-editor="python"> becomes a CodeMirror editor when the page loads
// the vendored editor (static/vendor/codemirror); without it, it stays a textarea.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (!window.CodeMirror) { return; }
  document.querySelectorAll("textarea[data-code-editor]").forEach(function (area) {
    const editor = window.CodeMirror.fromTextArea(area, {
      mode: area.dataset.codeEditor, lineNumbers: true, indentUnit: 4, tabSize: 4,
      indentWithTabs: false, matchBrackets: true, viewportMargin: Infinity,
      extraKeys: {Tab: function (cm) { cm.execCommand("insertSoftTab"); }}
    });
    editor.on("change", function () { editor.save(); });
    area.codeMirror = editor;
  });
});
