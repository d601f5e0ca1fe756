// Forms that write through the API, the one place input is checked and scoped: each form.api-form
// sends its fields as JSON to data-api with data-method (POST by default). Accepted, the page goes
// to data-then ({id}: the new object's) or is read again; refused, the reasons are shown in the
// form beside what was typed, which is kept. An empty field is left out, or sent as null where it
// says data-empty="null" (clearing a setting); a checkbox is sent as true or false. A form with
// data-confirm asks first (a delete); a DELETE sends no body.
(() => {
  const csrf = () => (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";

  function body(form) {
    const out = {};
    for (const field of form.elements) {
      if (!field.name || field.disabled) continue;
      if (field.type === "checkbox") out[field.name] = field.checked;
      else if (field.value === "") { if (field.dataset.empty === "null") out[field.name] = null; }
      else out[field.name] = field.type === "number" ? Number(field.value) : field.value;
    }
    return out;
  }

  // DRF's refusal: {"field": ["reason", ...], "non_field_errors": [...]} or {"detail": "..."}.
  function refused(form, answer) {
    const list = form.querySelector(".errors");
    list.replaceChildren();
    for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
    for (const [name, reasons] of Object.entries(answer)) {
      if (name === "code") continue; // the machine's name for the refusal; detail says it in words
      const field = form.querySelector(`[name="${name}"]`);
      const label = field && field.closest("label") ? field.closest("label").firstChild.textContent.trim() : "";
      if (field) field.setAttribute("aria-invalid", "true");
      for (const reason of [].concat(reasons)) {
        const item = document.createElement("li");
        item.textContent = label ? `${label}: ${reason}` : String(reason);
        list.append(item);
      }
    }
    list.hidden = false;
  }

  for (const form of document.querySelectorAll("form.api-form")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
      const method = form.dataset.method || "POST";
      const button = form.querySelector("button[type=submit], button:not([type])");
      if (button) button.disabled = true;
      try {
        const answer = await fetch(form.dataset.api, {
          method,
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
          body: method === "DELETE" ? undefined : JSON.stringify(body(form)),
        });
        const data = answer.status === 204 ? {} : await answer.json().catch(() => ({ detail: answer.statusText }));
        if (!answer.ok) return refused(form, data);
        if (form.dataset.then) window.location.href = form.dataset.then.replace("{id}", data.id);
        else window.location.reload();
      } catch (error) {
        refused(form, { detail: `not sent (${error.message}); try again` });
      } finally {
        if (button) button.disabled = false;
      }
    });
  }
})();
