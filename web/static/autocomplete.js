// <input data-autocomplete="item"> suggests items by SKU or name from the items API
// (/api/v1/items?q=, active ones only; the API checks the user's item.read permission)
// as the user types, and fills in the chosen SKU. Any form, a plugin's included, gets it
// by the attribute alone; rows added later by a script get it too (attached on focus).
// Keyboard: Down/Up move through the suggestions, Enter takes the highlighted one,
// Escape closes the list; typing on keeps the text as typed. A "change" event follows a
// choice, so a form that reacts to the SKU (prices, suggestions) sees it.
(function () {
  "use strict";
  const DELAY = 200;   // ms of quiet typing before asking the server
  const LIMIT = 8;
  const meta = document.querySelector('meta[name="autocomplete-item-url"]');
  const sources = {
    item: {
      url: meta ? meta.content : null,
      params: {active: "true"},
      value: function (item) { return item.sku; },
      label: function (item) { return item.name; }
    }
  };
  const states = new WeakMap();
  let counter = 0;

  function attach(input) {
    const source = sources[input.dataset.autocomplete];
    if (!source || !source.url) { return null; }
    counter += 1;
    const list = document.createElement("ul");
    list.id = "autocomplete-" + counter;
    list.className = "autocomplete-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    document.body.appendChild(list);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.removeAttribute("aria-activedescendant");
    const state = {source: source, list: list, timer: null, asked: 0, active: -1};
    states.set(input, state);
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();  // keeps the focus in the input
      const option = event.target.closest("[role=option]");
      if (option) { choose(input, state, option); }
    });
    return state;
  }

  function close(input, state) {
    state.list.hidden = true;
    state.active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function place(input, list) {
    const box = input.getBoundingClientRect();
    list.style.left = (box.left + window.scrollX) + "px";
    list.style.top = (box.bottom + window.scrollY) + "px";
    list.style.minWidth = box.width + "px";
  }

  function highlight(input, state, index) {
    const options = state.list.querySelectorAll("[role=option]");
    if (!options.length) { return; }
    state.active = (index + options.length) % options.length;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === state.active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", options[state.active].id);
    options[state.active].scrollIntoView({block: "nearest"});
  }

  function choose(input, state, option) {
    input.value = option.dataset.value;
    close(input, state);
    input.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function show(input, state, found) {
    const list = state.list;
    list.innerHTML = "";
    found.forEach(function (entry, i) {
      const option = document.createElement("li");
      option.id = list.id + "-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.value = state.source.value(entry);
      const value = document.createElement("strong");
      value.textContent = option.dataset.value;
      const label = document.createElement("span");
      label.textContent = state.source.label(entry);
      option.appendChild(value);
      option.appendChild(label);
      list.appendChild(option);
    });
    state.active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!found.length || document.activeElement !== input) { close(input, state); return; }
    place(input, list);
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function ask(input, state) {
    const term = input.value.trim();
    clearTimeout(state.timer);
    if (!term) { close(input, state); return; }
    state.timer = setTimeout(function () {
      state.asked += 1;
      const asked = state.asked;
      const params = new URLSearchParams(state.source.params);
      params.set("q", term);
      params.set("limit", String(LIMIT));
      fetch(state.source.url + "?" + params.toString(),
            {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (response) {
          if (response.status === 401 || response.status === 403) { state.source.url = null; }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && asked === state.asked) { show(input, state, data.items || []); }
        })
        .catch(function () {});
    }, DELAY);
  }

  function stateOf(target) {
    if (!(target instanceof HTMLInputElement) || !target.matches("[data-autocomplete]")) {
      return null;
    }
    return states.get(target) || attach(target);
  }

  document.addEventListener("focusin", function (event) { stateOf(event.target); });
  document.addEventListener("input", function (event) {
    const state = stateOf(event.target);
    if (state && state.source.url) { ask(event.target, state); }
  });
  document.addEventListener("keydown", function (event) {
    const input = event.target;
    const state = stateOf(input);
    if (!state) { return; }
    const open = !state.list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) { if (input.value.trim()) { ask(input, state); } return; }
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight(input, state, state.active < 0 ? (step > 0 ? 0 : -1) : state.active + step);
    } else if (event.key === "Enter" && open && state.active >= 0) {
      event.preventDefault();  // takes the suggestion rather than sending the form
      choose(input, state, state.list.querySelectorAll("[role=option]")[state.active]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close(input, state);
    }
  });
  document.addEventListener("focusout", function (event) {
    const state = states.get(event.target);
    if (state) { clearTimeout(state.timer); state.asked += 1; close(event.target, state); }
  });
})();
