// The evidence form's capability picker: filter the checkboxes as the person types or changes a
// filter, instead of pressing "Show matching capabilities" (which still works without JavaScript).
// A chosen capability always stays visible; hidden ones are still submitted.

function words(text) {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

function setUp(root) {
  const search = root.querySelector("[data-picker-search]");
  const level = root.querySelector("[data-picker-level]");
  const pillar = root.querySelector("[data-picker-pillar]");
  const count = root.querySelector("[data-picker-count]");
  const empty = root.querySelector("[data-picker-empty]");
  const items = Array.from(root.querySelectorAll("[data-picker-item]"));
  const groups = Array.from(root.querySelectorAll("[data-picker-group]"));
  if (!search || !level || !pillar || !items.length) return;

  root.querySelector("[data-picker-apply]")?.remove();
  let timer;

  function update() {
    const wanted = words(search.value);
    let shown = 0;
    let chosen = 0;
    for (const item of items) {
      const checked = item.querySelector("input").checked;
      const fits = (level.value === "all" || item.dataset.level === level.value)
        && (pillar.value === "all" || item.dataset.pillar === pillar.value)
        && wanted.every((word) => item.dataset.text.includes(word));
      item.hidden = !(fits || checked);
      if (!item.hidden) shown += 1;
      if (checked) chosen += 1;
    }
    for (const group of groups) {
      group.hidden = !group.querySelector("[data-picker-item]:not([hidden])");
    }
    if (empty) empty.hidden = shown > 0;
    // Announced politely (role="status"), after a pause in typing rather than on every key.
    clearTimeout(timer);
    timer = setTimeout(() => {
      count.textContent = `${shown} of ${items.length} capabilities shown${chosen ? `, ${chosen} chosen` : ""}.`;
    }, 400);
  }

  search.addEventListener("input", update);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // filtering is live: Enter must not save the form
  });
  level.addEventListener("change", update);
  pillar.addEventListener("change", update);
  root.addEventListener("change", (event) => {
    if (event.target.matches("[data-picker-item] input")) update();
  });
}

export function initCapabilityPickers(scope) {
  scope.querySelectorAll('[data-module="app-capability-picker"]').forEach(setUp);
}
