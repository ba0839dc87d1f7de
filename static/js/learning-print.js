// The learning plan's Print button: the browser's own print dialog, with the print
// stylesheet (static/css/portal.css, @media print) laying the plan out for A4.
document.getElementById("print-plan")?.addEventListener("click", () => window.print());
