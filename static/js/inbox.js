// The inbox's keys: j/k move between candidates, a accepts as the form says, d goes to the dismiss
// reason, b to the open briefs (arrows choose, Enter attaches), ? lists the keys. Every key presses
// or focuses something of the page's own forms and links, so the page works the same without this
// script. Keys never fire while someone types in a field; Escape leaves the field.
(function () {
  "use strict";

  const inbox = document.querySelector(".inbox");
  const help = document.getElementById("inbox-help");
  if (!inbox) return;

  function typing(target) {
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) &&
      !["radio", "checkbox", "submit", "button"].includes(target.type);
  }

  function go(url) {
    if (url) window.location.assign(url);
  }

  // A second press (a double-click, a key held down) sends nothing more: the first is on its way.
  document.querySelectorAll("form[method=post]").forEach(function (each) {
    each.addEventListener("submit", function (event) {
      if (each.dataset.sent) {
        event.preventDefault();
        return;
      }
      each.dataset.sent = "yes";
    });
  });

  // The last call's result arrived with the page, and a live region is silent about what it held
  // when the page loaded: put it back a moment later so screen readers read it out (the standing
  // second-factor reminder stays where it is, unrepeated).
  const result = document.getElementById("inbox-result");
  if (result) {
    result.querySelectorAll("ul.messagelist:not(:has(#second-factor-missing))").forEach(function (list) {
      const mark = document.createComment("result");
      list.replaceWith(mark);
      window.setTimeout(function () { mark.replaceWith(list); }, 150);
    });
  }

  const helpButton = document.querySelector(".inbox-help-open");
  if (helpButton && help) {
    helpButton.hidden = false;
    helpButton.addEventListener("click", function () { help.showModal(); });
  }

  const accept = document.getElementById("accept-form");
  const dismiss = document.getElementById("dismiss-form");
  const attach = document.getElementById("attach-form");

  // Enter on a brief attaches it, as Enter in a text field sends its form.
  if (attach) {
    attach.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.type === "radio") {
        event.preventDefault();
        attach.requestSubmit();
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (typing(event.target) || (help && help.open)) return;
    const key = event.key;
    if (key === "?") {
      if (help) help.showModal();
    } else if (key === "j") {
      go(inbox.dataset.next);
    } else if (key === "k") {
      go(inbox.dataset.previous);
    } else if (key === "a" && accept) {
      accept.requestSubmit();
    } else if (key === "d" && dismiss) {
      dismiss.querySelector("input[name=reason]").focus();
    } else if (key === "b" && attach) {
      const brief = attach.querySelector("input[name=brief]:checked") || attach.querySelector("input[name=brief]");
      if (!brief) return;
      brief.focus();
    } else {
      return;
    }
    event.preventDefault();
  });
})();
