// Send the current CSRF token with every htmx request. It lives inside <body>, which boosted
// navigation replaces, so it stays right after logging in or out.
document.addEventListener("htmx:configRequest", function (event) {
  var holder = document.getElementById("csrf-token");
  if (holder) { event.detail.headers["X-CSRFToken"] = holder.dataset.token; }
});

// Choosing "New customer…" opens the new-customer fields (without JavaScript they open by hand:
// they are a <details>). Choosing an existing customer closes them again while they are empty.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!(select instanceof HTMLSelectElement) || select.name !== "customer_id" || !select.form) { return; }
  var fields = select.form.querySelector("details.new-customer");
  if (!fields) { return; }
  if (select.value === "new") {
    fields.open = true;
  } else if (!Array.prototype.some.call(fields.querySelectorAll("input, textarea"), function (f) { return f.value; })) {
    fields.open = false;
  }
});

// After a validation error, focus the first field marked invalid, so a keyboard user starts
// there instead of tabbing through the whole form again.
function focusFirstInvalid(root) {
  var invalid = root && root.querySelector('[aria-invalid="true"]');
  if (!invalid) { return; }
  if (!invalid.matches("input, select, textarea")) {  // a fieldset of radios
    invalid = invalid.querySelector("input, select, textarea") || invalid;
  }
  var closed = invalid.closest("details:not([open])");
  if (closed) { closed.open = true; }
  invalid.focus();
}
document.addEventListener("htmx:afterSettle", function (event) {
  var xhr = event.detail.xhr;
  // Not while someone types in a search box: a filter that stays invalid must not steal the focus.
  var config = event.detail.requestConfig, typing = config && config.triggeringEvent && config.triggeringEvent.type === "input";
  if (xhr && xhr.status >= 400 && xhr.status < 500 && !typing) { focusFirstInvalid(document.getElementById("main")); }
});
document.addEventListener("DOMContentLoaded", function () {
  focusFirstInvalid(document.getElementById("main"));
});

// The phone's Menu button opens and closes the main links. Boosted navigation swaps the body,
// so a page always arrives with the menu closed again.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest(".menu-button");
  if (!button) { return; }
  var header = button.closest(".app-header");
  var open = !header.classList.contains("menu-open");
  header.classList.toggle("menu-open", open);
  button.setAttribute("aria-expanded", open ? "true" : "false");
});

// A table wider than the screen scrolls inside its own box (a phone): let the keyboard reach the
// box too, so arrow keys can scroll it, also when it holds no link. Only tables that do scroll.
function focusableScrollBoxes() {
  document.querySelectorAll("main table").forEach(function (table) {
    var scrolls = table.scrollWidth > table.clientWidth + 1;
    if (scrolls && !table.hasAttribute("tabindex")) {
      table.setAttribute("tabindex", "0");
      table.dataset.scrollBox = "1";
    } else if (!scrolls && table.dataset.scrollBox) {
      table.removeAttribute("tabindex");
      delete table.dataset.scrollBox;
    }
  });
}
document.addEventListener("DOMContentLoaded", focusableScrollBoxes);
document.addEventListener("htmx:afterSettle", focusableScrollBoxes);
window.addEventListener("resize", focusableScrollBoxes);
