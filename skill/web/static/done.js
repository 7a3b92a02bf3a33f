// The done page while the provider has not answered: poll our status (the store's word) and reload when final.
(function () {
  "use strict";
  var box = document.getElementById("done");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var started = Date.now();
  async function tick() {
    try {
      var response = await fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"});
      var data = response.ok ? await response.json() : null;
      if (data && data.payment && data.payment.finished) { window.location.reload(); return; }
    } catch (err) { /* try again */ }
    var wait = Date.now() - started < 60000 ? 1500 : 10000;
    setTimeout(tick, wait);
  }
  setTimeout(tick, 1500);
})();
