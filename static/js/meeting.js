// The meeting room's keys: one letter decides the card (the form's own buttons, so the page works
// the same without this script), j/h or the arrows move between cards, ? lists the keys. Keys
// never fire while someone types in a field; Escape leaves the field.
(function () {
  "use strict";

  const room = document.querySelector(".room[data-card]");
  const form = document.getElementById("decision-form");
  const help = document.getElementById("room-help");

  function typing(target) {
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  function go(url) {
    if (url) window.location.assign(url);
  }

  // A second press (a double-click, Enter held down) sends nothing more: the first is on its way.
  document.querySelectorAll("form").forEach(function (each) {
    each.addEventListener("submit", function (event) {
      if (each.dataset.sent) {
        event.preventDefault();
        return;
      }
      if (each.method.toLowerCase() === "post") each.dataset.sent = "yes";
    });
  });

  document.querySelectorAll(".room-print").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  if (!room) return;
  const helpButton = document.querySelector(".room-help-open");
  if (helpButton && help) {
    helpButton.hidden = false;
    helpButton.addEventListener("click", function () { help.showModal(); });
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
    } else if (key === "j" || key === "ArrowRight") {
      go(room.dataset.next || room.dataset.minutes);
    } else if (key === "h" || key === "ArrowLeft") {
      go(room.dataset.previous);
    } else if (key === "m") {
      go(room.dataset.minutes);
    } else if (key === "n" && form) {
      const note = form.querySelector("textarea");
      note.focus();
      note.setSelectionRange(note.value.length, note.value.length); // add to what is there
    } else if (form) {
      const button = form.querySelector('button[data-key="' + key.toLowerCase() + '"]');
      if (!button || key.length !== 1) return;
      form.requestSubmit(button);
    } else {
      return;
    }
    event.preventDefault();
  });
})();
