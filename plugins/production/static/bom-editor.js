// The BOM editor's live tree and cost: every quantity typed posts the editor's form to the
// preview address, which answers the page's content worked out with those quantities
// (nothing is saved); its tree and its cost table are swapped in.
(function () {
  var form = document.getElementById("bom-editor");
  var target = document.getElementById("bom-cost-section");
  if (!form || !target) return;
  var pending = null;
  function swap(fresh, id) {
    var part = fresh.getElementById(id), shown = document.getElementById(id);
    if (part && shown) { shown.innerHTML = part.innerHTML; shown.dataset.updated = "1"; }
  }
  function refresh() {
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(form.dataset.preview, {method: "POST", body: new FormData(form),
                                 signal: pending.signal, credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        swap(fresh, "bom-tree");
        swap(fresh, "bom-cost-section");
      })
      .catch(function () {});
  }
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
})();
