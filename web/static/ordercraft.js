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
