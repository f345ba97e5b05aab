/* The words the dashboard's scripts write, in the page's language. The server puts them in #words from its
   gettext catalog (services/metrics/dashboard.py): {English text: translation}, a plural as [one, other].
   Numbers and dates are written with the browser's Intl, in the page's language and the city's time zone. */
(function () {
  "use strict";
  const given = JSON.parse(document.getElementById("words").textContent);
  const lang = given.lang;
  const missing = (v) => v === null || v === undefined;
  const decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  const percentage = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
  let zone = "UTC";

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
  }

  /** The text in the page's language, its {placeholders} filled from `values`. */
  function _(text, values) {
    return fill(given.messages[text] ?? text, values);
  }

  /** The singular or plural form for `count` ({count} is filled, written as a number of the language). */
  function ngettext(singular, plural, count, values) {
    const forms = given.messages[singular] ?? [singular, plural];
    return fill(forms[count === 1 ? 0 : 1], Object.assign({ count: number(count) }, values));
  }

  const number = (v) => (missing(v) ? "–" : decimal.format(v));
  const percent = (ratio) => (missing(ratio) ? "–" : percentage.format(ratio));
  const hours = (v) => (missing(v) ? "–" : `${decimal.format(v)} h`);

  function date(iso) {
    return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: zone }).format(new Date(iso));
  }

  function dateTime(iso) {
    return new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", hour: "numeric",
      minute: "2-digit", timeZone: zone, timeZoneName: "short" }).format(new Date(iso));
  }

  /** A local day of the city ("2026-11-07") as the language writes it. */
  function day(text) {
    return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${text}T00:00:00Z`));
  }

  /** Dates and times are shown in the city's time zone (from /api/geography). */
  function useTimeZone(name) {
    zone = name || "UTC";
  }

  window.City311Words = { lang, _, ngettext, number, percent, hours, date, dateTime, day, useTimeZone };
})();
