// Warns before the idle logout and lets the user stay logged in without leaving the page (nothing typed is lost).
// GET on the session address tells the seconds left and is not activity; POST pushes the expiry back.
(function () {
  "use strict";
  var dialog = document.getElementById("expiration-session");
  if (!dialog || !window.fetch) {
    return;
  }
  var form = document.getElementById("expiration-session-form");
  var url = form.getAttribute("action");
  var warningMs = Number(dialog.dataset.avertissement) * 1000;
  var timer = null;

  function open() {
    if (window.dsfr) {
      window.dsfr(dialog).modal.disclose();
    } else if (dialog.showModal && !dialog.open) {
      dialog.showModal();
    }
  }

  function close() {
    if (window.dsfr) {
      window.dsfr(dialog).modal.conceal();
    } else if (dialog.open) {
      dialog.close();
    }
  }

  function showEnded() {
    document.getElementById("expiration-session-texte").classList.add("fr-hidden");
    document.getElementById("expiration-session-fin").classList.remove("fr-hidden");
    form.classList.add("fr-hidden");
    open();
  }

  // Checks again when the warning is due: another tab may have kept the session alive meanwhile.
  function schedule(secondsLeft) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(secondsLeft * 1000 - warningMs, 0));
  }

  function answer(response) {
    if (response.status === 401) {
      showEnded();
      return null;
    }
    return response.ok ? response.json() : null;
  }

  function check() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(answer)
      .then(function (data) {
        if (!data) {
          return;
        }
        var left = data.seconds_left;
        if (left * 1000 > warningMs) {
          if (dialog.classList.contains("fr-modal--opened") || dialog.open) {
            close();
          }
          schedule(left);
        } else {
          open();
          // One more check just after the end, to say so if nobody answered.
          window.clearTimeout(timer);
          timer = window.setTimeout(check, (left + 2) * 1000);
        }
      })
      .catch(function () {
        schedule(warningMs / 1000 + 30);
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(url, { method: "POST", credentials: "same-origin", body: new FormData(form) })
      .then(answer)
      .then(function (data) {
        if (data) {
          close();
          schedule(data.seconds_left);
        }
      });
  });

  schedule(Number(dialog.dataset.secondesRestantes));
})();
