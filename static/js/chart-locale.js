// Every chart speaks the page's language. Load it after Chart.js and before a page's chart script.
// Chart.js formats the numbers of its ticks and tooltips with Intl for Chart.defaults.locale: set
// here to the page's <html lang>, so they read as Django writes the page's own (87.5 / 87,5).
// window.portalFormat gives a chart script the same rules for the texts it writes itself: a
// percentage in the page's pattern (data-percent-pattern: "{number}%", "{number} %") and a date
// as DATE_FORMAT writes it ("12 May 2026", "12 Mei 2026"), in the portal's time zone.
(function () {
  "use strict";
  const root = document.documentElement;
  const locale = root.lang || "en-GB";
  if (typeof Chart !== "undefined") {
    Chart.defaults.locale = locale;
  }
  const number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  const day = new Intl.DateTimeFormat(locale, {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: root.dataset.timeZone || undefined,
  });
  const pattern = root.dataset.percentPattern || "{number}%";
  window.portalFormat = {
    number: (value) => number.format(value),
    percent: (value) => pattern.replace("{number}", number.format(value)),
    // A day's text, for a timestamp in milliseconds; equal texts mean the same day.
    day: (ms) => day.format(ms),
  };
})();
