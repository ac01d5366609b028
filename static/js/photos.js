// Photos are checked in the browser before anything is sent: their type and size, with the messages
// the server would give (the input's data-* attributes). The server checks again by content.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
  const maxBytes = Number(input.dataset.maxBytes);
  const maxCount = Number(input.dataset.maxCount);
  const allowed = (input.accept || "").split(",").map((type) => type.trim()).filter(Boolean);
  const files = Array.from(input.files || []);
  const problems = [];
  if (files.length > maxCount) problems.push(input.dataset.tooMany.replace("999999", String(files.length)));
  for (const file of files) {
    if (allowed.length && !allowed.includes(file.type)) {
      problems.push(input.dataset.notImage.replace("{name}", file.name));
    } else if (file.size > maxBytes) {
      problems.push(input.dataset.tooLarge.replace("{name}", file.name));
    }
  }
  const message = problems.join(" ");
  input.setCustomValidity(message);
  input.classList.toggle("is-invalid", Boolean(message));
  const shown = document.getElementById(`${input.id}_client_error`);
  if (shown) {
    shown.textContent = message;
    shown.hidden = !message;
  }
});
