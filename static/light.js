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
// Bank Reconciliation by keyboard: on a focused bank line, j/k move to the next/previous line and
// a, d, m, u, x press its Accept, Decline, Match, Unmatch or Exclude (never while typing).
var RECONCILE_KEYS = {a: "Accept", d: "Decline", m: "Match", u: "Unmatch", x: "Exclude"};
document.addEventListener("keydown", function (event) {
  var row = event.target.closest && event.target.closest("tr.bank-transaction[id^='line-']");
  if (!row || event.ctrlKey || event.metaKey || event.altKey || event.target.matches("input, select, textarea")) { return; }
  if (event.key === "j" || event.key === "k") {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr.bank-transaction[id^='line-']"));
    var next = rows[rows.indexOf(row) + (event.key === "j" ? 1 : -1)];
    if (next) { next.focus(); event.preventDefault(); }
    return;
  }
  var label = RECONCILE_KEYS[event.key];
  var control = label && Array.prototype.find.call(row.querySelectorAll(".match-cell button, .match-cell a"),
    function (el) { return el.textContent.trim() === label; });
  if (control) { control.click(); event.preventDefault(); }
});
// A row swapped in after an action keeps the keyboard where it was.
document.addEventListener("htmx:afterSwap", function (event) {
  var row = event.detail.target;
  if (row && row.matches && row.matches("tr.bank-transaction[id^='line-']") && !document.activeElement.closest("tr")) {
    var fresh = document.getElementById(row.id);
    if (fresh) { fresh.focus(); }
  }
});
// A list's filters on a phone: folded behind "Filters and sort" when the page arrives, unless one
// of them is in use or wrong (data-keep-open); a wide screen always shows them. Without
// JavaScript they stay open. Each fold is folded once, so a list swapped in keeps it as it is.
var NARROW = window.matchMedia("(max-width: 720px)");
function foldFilters() {
  document.querySelectorAll("details.filters-fold").forEach(function (fold) {
    if (!NARROW.matches) { fold.open = true; return; }
    if (fold.dataset.folded) { return; }
    fold.dataset.folded = "1";
    if (!fold.hasAttribute("data-keep-open")) { fold.open = false; }
  });
}
document.addEventListener("DOMContentLoaded", foldFilters);
document.addEventListener("htmx:afterSettle", foldFilters);
NARROW.addEventListener("change", foldFilters);
