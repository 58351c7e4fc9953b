// The live configurator: every change posts the form to the preview address and swaps in
// the fragment the server renders (prices, margin, broken rules). No page reload.
(function () {
  var form = document.getElementById("configurator");
  if (!form) return;
  var target = document.getElementById("preview");
  var pending = null;
  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(form.dataset.preview, {method: "POST", body: new FormData(form),
                                 signal: pending.signal, credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) { target.innerHTML = html; })
      .catch(function () {});
  }
  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);
})();
