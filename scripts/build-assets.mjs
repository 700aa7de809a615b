// Copies the compiled NHS.UK frontend into competency/static/vendor/nhsuk (git-ignored).
import { cpSync, mkdirSync, rmSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "node_modules", "nhsuk-frontend", "dist", "nhsuk");
const out = join(root, "competency", "static", "vendor", "nhsuk");

if (!existsSync(dist)) {
  console.error("nhsuk-frontend is not installed: run `npm ci` first");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// The stylesheet's @font-face rules fetch the licensed Frutiger font from the NHS's own CDN, which the
// CSP (font-src 'self') refuses and the npm package does not ship: drop them, so pages use the
// design system's own fallback stack (Arial, sans-serif) without a blocked request on every page.
const css = readFileSync(join(dist, "nhsuk-frontend.min.css"), "utf8");
const withoutFonts = css.replace(/@font-face\{[^}]*\}/g, "").replace(/\/\*# sourceMappingURL=[^*]*\*\//, "");
if (/@font-face|https?:\/\/assets\.nhs\.uk/.test(withoutFonts)) {
  console.error("nhsuk-frontend.min.css still refers to remote fonts: update scripts/build-assets.mjs");
  process.exit(1);
}
writeFileSync(join(out, "nhsuk-frontend.min.css"), withoutFonts);
cpSync(join(dist, "nhsuk-frontend.min.js"), join(out, "nhsuk-frontend.min.js"));
cpSync(join(dist, "assets"), join(out, "assets"), { recursive: true });
const axe = join(root, "node_modules", "axe-core", "axe.min.js");
if (existsSync(axe)) {
  mkdirSync(join(root, "competency", "static", "vendor", "axe"), { recursive: true });
  cpSync(axe, join(root, "competency", "static", "vendor", "axe", "axe.min.js"));
}
console.log(`NHS.UK frontend copied to ${out}`);
