// Progressive enhancement: the header search is a plain GET form that works without this file.
// This adds suggestions as you type, as an ARIA 1.2 combobox: arrow keys move through the list,
// Enter opens the highlighted product (or searches, when none is highlighted), Escape closes it.
(function () {
  "use strict";

  var input = document.getElementById("site-search-q");
  if (!input || !input.form || !window.fetch || !window.AbortController) {
    return;
  }
  var url = input.getAttribute("data-suggest-url");
  var form = input.form;
  var MIN_LENGTH = 2;
  var DELAY_MS = 150;

  var list = document.createElement("ul");
  list.id = "site-search-suggestions";
  list.className = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Product suggestions");
  list.hidden = true;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.appendChild(list);
  form.appendChild(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  var suggestions = [];
  var active = -1;
  var timer = null;
  var request = null;
  var shownFor = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    options.forEach(function (option, position) {
      option.setAttribute("aria-selected", position === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open(index) {
    window.location.assign(suggestions[index].url);
  }

  function render(data) {
    suggestions = data.suggestions;
    list.textContent = "";
    suggestions.forEach(function (suggestion, index) {
      var option = document.createElement("li");
      option.id = list.id + "-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      var name = document.createElement("span");
      name.textContent = suggestion.name;
      var brand = document.createElement("span");
      brand.className = "suggestion-brand";
      brand.textContent = suggestion.brand;
      option.appendChild(name);
      option.appendChild(brand);
      // mousedown, not click: it comes before the input's blur, which closes the list.
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        open(index);
      });
      list.appendChild(option);
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (suggestions.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    } else {
      close();
    }
    var count = suggestions.length;
    status.textContent = count
      ? count + (count === 1 ? " suggestion" : " suggestions") + (data.corrected_query ? " for " + data.corrected_query : "") +
        ". Use the arrow keys to choose one."
      : "";
  }

  function fetchSuggestions() {
    var query = input.value.slice(0, 100);
    if (query.trim().length < MIN_LENGTH) {
      shownFor = null;
      close();
      return;
    }
    if (query === shownFor) {
      return;
    }
    if (request) {
      request.abort();
    }
    request = new AbortController();
    fetch(url + "?" + new URLSearchParams({ q: query }).toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: request.signal,
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        // A slow answer for an older query is dropped; a refused one (429) leaves the form as it is.
        if (data && input.value.slice(0, 100) === query) {
          shownFor = query;
          render(data);
        }
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(fetchSuggestions, DELAY_MS);
  });

  input.addEventListener("keydown", function (event) {
    var count = suggestions.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) {
        if (count && shownFor === input.value.slice(0, 100)) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        return;
      }
      event.preventDefault();
      // Down from the last option (or up from the first) goes back to the typed text (-1).
      var next = active + (event.key === "ArrowDown" ? 1 : -1);
      if (next >= count) {
        next = -1;
      } else if (next < -1) {
        next = count - 1;
      }
      highlight(next);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      open(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", close);
})();
