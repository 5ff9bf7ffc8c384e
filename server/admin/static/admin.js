// SIKK admin: the only script (CSP 'self'; every page works without it).
// - select.autosubmit / input.autosubmit apply a filter as soon as it changes (a <noscript>
//   "Tampilkan" button does the same without JavaScript);
// - forms with data-confirm ask before destructive actions;
// - review: Tolak and Kembalikan need an Alasan (checked here first, and again by the server);
// - keyboard shortcuts: an element with data-shortcut="t" is clicked when T is pressed outside a
//   text field ("/" focuses the Alasan); shown on the page next to the buttons;
// - the queue's "select all" checkbox.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".autosubmit").forEach(function (el) {
    el.addEventListener("change", function () {
      if (typeof el.reportValidity === "function" && !el.reportValidity()) { return; }
      el.form.submit();
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var review = document.getElementById("review-form");
  if (review) {
    var reason = document.getElementById("reason");
    var reasonError = document.getElementById("reason-error");
    review.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.hasAttribute("data-needs-reason") && !reason.value.trim()) {
        event.preventDefault();
        reasonError.hidden = false;
        reason.setAttribute("aria-invalid", "true");
        reason.focus();
      }
    });
  }

  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) { return; }
    var key = (event.key || "").toLowerCase();
    if (key === "/") {
      var field = document.getElementById("reason");
      if (field) { event.preventDefault(); field.focus(); }
      return;
    }
    var el = document.querySelector('[data-shortcut="' + key + '"]');
    if (!el) { return; }
    event.preventDefault();
    if (el.type === "checkbox") {
      el.checked = !el.checked;
      el.dispatchEvent(new Event("change"));
    } else if (el.tagName === "BUTTON" && el.form && typeof el.form.requestSubmit === "function") {
      el.form.requestSubmit(el);
    } else {
      el.click();
    }
  });
});
