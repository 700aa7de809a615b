// Tell the person at once when a chosen file is over the size limit, before a long upload that
// the server would refuse (it still does, on the form, with everything typed kept).

function megabytes(bytes) {
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
}

function check(input) {
  const limit = Number(input.dataset.maxBytes);
  const group = input.closest(".nhsuk-form-group");
  const id = `${input.name}-size-error`;
  document.getElementById(id)?.remove();
  const tooBig = Array.from(input.files || []).filter((file) => file.size > limit);
  group?.classList.toggle("app-form-group--client-error", tooBig.length > 0);
  if (!tooBig.length) return;
  const message = document.createElement("p");
  message.className = "nhsuk-error-message";
  message.id = id;
  message.setAttribute("role", "alert");
  message.textContent = tooBig
    .map((file) => `“${file.name}” is ${megabytes(file.size)}, more than the ${megabytes(limit)} limit for each file. Choose a smaller file.`)
    .join(" ");
  (input.closest(".nhsuk-file-upload") || input).insertAdjacentElement("afterend", message);
}

export function initUploadLimits(scope) {
  scope.querySelectorAll("input[type=file][data-max-bytes]").forEach((input) => {
    input.addEventListener("change", () => check(input));
  });
}
