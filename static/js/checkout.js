// Progressive enhancement of checkout: when the country changes, the summary (shipping and total)
// is fetched from the server for that country, so it is the same figure the order will store.
// Without this file the "Update shipping cost" button does the same with a page load.
(function () {
  "use strict";

  var summary = document.getElementById("checkout-summary");
  var country = document.getElementById("id_country");
  var shown = document.getElementById("shown-shipping-cost");
  if (!summary || !country || !shown || !window.fetch) {
    return;
  }
  // Removed rather than hidden: Enter in a field must place the order, not update shipping.
  document.querySelectorAll(".js-hide-when-live").forEach(function (button) {
    button.remove();
  });

  var latest = 0;
  country.addEventListener("change", function () {
    var request = ++latest;
    var url = summary.getAttribute("data-summary-url") + "?country=" + encodeURIComponent(country.value);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("summary " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (request !== latest) {
          return; // a later change is on its way
        }
        summary.innerHTML = html;
        var cost = summary.querySelector("[data-shipping-cost]");
        shown.value = cost ? cost.getAttribute("data-shipping-cost") : "";
      })
      .catch(function () {
        // The summary still shows the old country, and so does the cost sent with the order: the
        // server sees it differs and shows the new total before ordering anything.
      });
  });
})();
