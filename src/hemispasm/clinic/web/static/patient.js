/* The patient page folds its long lists. A link to one of its sections (the page a saved record
   returns to, or "See the side effects") opens that section's fold, so the row just saved shows. */
(function () {
  "use strict";

  function openFold(hash) {
    if (!hash || hash.length < 2) return;
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    var section = target && target.closest("section");
    var fold = section && section.querySelector("details.fold");
    if (fold) fold.open = true;
  }

  window.addEventListener("hashchange", function () { openFold(window.location.hash); });
  openFold(window.location.hash);
})();
