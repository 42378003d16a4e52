// « Ajouter une délégation de droits » opens the DSFR modal when JavaScript runs;
// without it, the link leads to the plain page with the same form.
document.addEventListener("DOMContentLoaded", function () {
  var link = document.getElementById("open-assistant-dialog");
  var dialog = document.getElementById("assistant-dialog");
  if (!link || !dialog || typeof window.dsfr !== "function") return;
  link.addEventListener("click", function (event) {
    event.preventDefault();
    window.dsfr(dialog).modal.disclose();
  });
});
