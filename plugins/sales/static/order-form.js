// Order entry: add and remove line rows, search clients, and show suggestions (the
// client's favourites, items bought together) from /api/v1/orders/suggestions.
(function () {
  "use strict";
  const form = document.getElementById("order-form");
  if (!form) return;
  const body = document.querySelector("#order-lines tbody");
  const fields = ["item", "qty", "price", "discount", "tax_rate"];

  function renumber() {
    body.querySelectorAll("tr.line-row").forEach(function (row, index) {
      row.dataset.index = index;
      row.querySelector(".pos").textContent = index + 1;
      fields.forEach(function (name) {
        const input = row.querySelector(".cell-" + name + " input");
        input.name = "lines." + index + "." + name;
        input.id = "f-" + input.name;
      });
    });
  }

  function addRow(sku) {
    const template = body.querySelector("tr.line-row");
    const row = template.cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".error").forEach(function (e) { e.remove(); });
    row.querySelectorAll(".has-error").forEach(function (e) { e.classList.remove("has-error"); });
    body.appendChild(row);
    renumber();
    if (sku) {
      row.querySelector(".cell-item input").value = sku;
      row.querySelector(".cell-qty input").value = "1";
      row.querySelector(".cell-qty input").focus();
      refresh();
    }
    return row;
  }

  function emptyRow() {
    return Array.from(body.querySelectorAll("tr.line-row")).find(function (row) {
      return fields.every(function (name) {
        return !row.querySelector(".cell-" + name + " input").value.trim();
      });
    });
  }

  document.getElementById("add-line").addEventListener("click", function () {
    addRow().querySelector(".cell-item input").focus();
  });
  body.addEventListener("click", function (event) {
    const button = event.target.closest(".remove-line");
    if (!button) return;
    const rows = body.querySelectorAll("tr.line-row");
    const row = button.closest("tr");
    if (rows.length > 1) row.remove();
    else row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    renumber();
    refresh();
  });

  // Clients: a datalist filled from the parties API as the name is typed.
  const client = document.getElementById("f-client");
  const clientOptions = document.getElementById("client-options");
  client.setAttribute("list", "client-options");
  client.setAttribute("autocomplete", "off");
  let clientTimer = null;
  client.addEventListener("input", function () {
    clearTimeout(clientTimer);
    const term = client.value.trim();
    if (term.length < 2) return;
    clientTimer = setTimeout(function () {
      const url = form.dataset.clientsUrl + "?kind=client&limit=8&q=" + encodeURIComponent(term);
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          clientOptions.innerHTML = "";
          data.items.forEach(function (party) {
            const option = document.createElement("option");
            option.value = party.name;
            clientOptions.appendChild(option);
          });
        }).catch(function () {});
    }, 200);
  });

  // Suggestions.
  const panel = document.getElementById("suggestions");
  let suggestTimer = null;
  function skus() {
    return Array.from(body.querySelectorAll(".cell-item input"))
      .map(function (input) { return input.value.trim(); }).filter(Boolean);
  }
  function render(key, entries) {
    const box = panel.querySelector('[data-list="' + key + '"]');
    const list = box.querySelector("ul");
    list.innerHTML = "";
    entries.forEach(function (entry) {
      const item = document.createElement("li");
      const what = document.createElement("span");
      what.className = "what";
      what.textContent = entry.item;
      const detail = document.createElement("small");
      detail.textContent = entry.name + " · in " + entry.orders + " order" + (entry.orders === 1 ? "" : "s");
      what.appendChild(detail);
      const add = document.createElement("button");
      add.type = "button";
      add.className = "secondary";
      add.textContent = "Add";
      add.setAttribute("aria-label", "Add " + entry.item + " to the order");
      add.addEventListener("click", function () {
        const row = emptyRow();
        if (row) {
          row.querySelector(".cell-item input").value = entry.item;
          row.querySelector(".cell-qty input").value = "1";
          row.querySelector(".cell-qty input").focus();
          refresh();
        } else {
          addRow(entry.item);
        }
      });
      item.appendChild(what);
      item.appendChild(add);
      list.appendChild(item);
    });
    box.hidden = entries.length === 0;
    return entries.length;
  }
  function refresh() {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(function () {
      const params = new URLSearchParams();
      if (client.value.trim()) params.append("client", client.value.trim());
      skus().forEach(function (sku) { params.append("item", sku); });
      if (!params.toString()) return;
      fetch(form.dataset.suggestUrl + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          const shown = render("client_favourites", data.client_favourites) +
                        render("bought_together", data.bought_together);
          panel.querySelector("[data-empty]").hidden = shown > 0;
        }).catch(function () {});
    }, 250);
  }
  client.addEventListener("change", refresh);
  body.addEventListener("change", function (event) {
    if (event.target.closest(".cell-item")) refresh();
  });
  refresh();
})();
