// Send the current CSRF token with every htmx request. It lives inside <body>, which boosted
// navigation replaces, so it stays right after logging in or out.
document.addEventListener("htmx:configRequest", function (event) {
  var holder = document.getElementById("csrf-token");
  if (holder) { event.detail.headers["X-CSRFToken"] = holder.dataset.token; }
});
