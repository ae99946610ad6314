// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Filters render open so they work without JavaScript; on phones they start folded, and they
  // open again when the screen becomes wide enough for the sidebar.
  var filters = document.getElementById("filters");
  if (filters) {
    var narrow = window.matchMedia("(max-width: 860px)");
    var fit = function () {
      filters.open = !narrow.matches;
    };
    fit();
    narrow.addEventListener("change", fit);
  }

  // Sort and filter selects apply as soon as they change, so their submit buttons can go.
  document.querySelectorAll("select.js-autosubmit").forEach(function (select) {
    var form = select.form;
    if (!form) {
      return;
    }
    form.querySelectorAll(".js-hide-when-autosubmit").forEach(function (button) {
      button.hidden = true;
    });
    select.addEventListener("change", function () {
      form.submit();
    });
  });
})();
