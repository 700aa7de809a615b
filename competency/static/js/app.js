// Progressive enhancement only: every page works without JavaScript.
//
// The NHS.UK frontend only starts on a <body class="nhsuk-frontend-supported">. Its own page
// template sets that class with an inline script, which our Content-Security-Policy forbids
// (script-src 'self'), so this module sets it: a browser running an ES module has everything the
// design system needs.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";
import { initCapabilityPickers } from "./capability-picker.js";
import { initUploadLimits } from "./upload-limit.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
initCapabilityPickers(document);
initUploadLimits(document);
