// The BOM editor's live cost: every quantity typed posts the editor's form to the preview
// address and swaps in the cost table the server works out (nothing is saved).
(function () {
  var form = document.getElementById("bom-editor");
  var target = document.getElementById("bom-cost-section");
  if (!form || !target) return;
  var pending = null;
  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(form.dataset.preview, {method: "POST", body: new FormData(form),
                                 signal: pending.signal, credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) { target.innerHTML = html; target.dataset.updated = "1"; })
      .catch(function () {});
  }
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
})();
