// Every photo gets a client-made idempotency key, so a resent form never makes a second capture.
(function () {
  const key = document.getElementById("idempotency-key");
  if (key) key.value = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
})();
