/* Forms, with no inline script (the Content-Security-Policy allows only the site's own files).
   - The error summary of a refused form (core/_error_summary.html) takes the focus, so it is read first.
   - A checkbox with data-implies="id1 id2" ticks those boxes when ticked, and is unticked when one of them is:
     the rights that need « Consulter les dossiers » (delegations/policy.py) show it on screen. The change is
     said in the live region named by data-announce on the box's fieldset. */
(function () {
  "use strict";

  var summary = document.getElementById("resume-erreurs");
  if (summary) {
    summary.focus();
  }

  function labelOf(box) {
    var label = document.querySelector('label[for="' + box.id + '"]');
    return label ? label.textContent.trim() : "";
  }

  function announce(box, text) {
    var fieldset = box.closest("fieldset");
    var region = fieldset && document.getElementById(fieldset.getAttribute("data-announce"));
    if (region) {
      region.textContent = text;
    }
  }

  var boxes = document.querySelectorAll("input[type=checkbox][data-implies]");
  boxes.forEach(function (box) {
    var implied = box.getAttribute("data-implies").split(" ").map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);

    box.addEventListener("change", function () {
      if (!box.checked) {
        return;
      }
      var ticked = implied.filter(function (other) { return !other.checked; });
      ticked.forEach(function (other) { other.checked = true; });
      if (ticked.length) {
        announce(box, "« " + ticked.map(labelOf).join(" », « ") + " » a été coché aussi : « " + labelOf(box) + " » le nécessite.");
      }
    });

    implied.forEach(function (other) {
      other.addEventListener("change", function () {
        if (!other.checked && box.checked) {
          box.checked = false;
          announce(other, "« " + labelOf(box) + " » a été décoché aussi : il nécessite « " + labelOf(other) + " ».");
        }
      });
    });
  });
})();
