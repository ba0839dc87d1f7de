"use strict";
// Every control of the admin's forms has an accessible name (axe: label, select-name,
// aria-input-field-name), loaded on every admin page by templates/admin/base_site.html.
//
// 1. A tabular inline (the targets of a competency, the mappings of an assessment) labels its
//    columns only in the table's header, which names no control: each control is named by its
//    column's header and its row's object ("Target level: Operator").
// 2. The autocomplete boxes (select2) hide the real <select> and name their own box by the
//    current choice only, so an empty box has no name at all and a filled one does not say
//    which field it is: each box is named by its field's label (or its column's name).
//    djangoAdminSelect2 (admin/js/autocomplete.js, run before this deferred script, called
//    once the page is ready) is wrapped to label each box as it is built.
{
  const CONTROLS = "input:not([type=hidden]), select, textarea";

  const hasName = (control) =>
    control.hasAttribute("aria-label") ||
    control.hasAttribute("aria-labelledby") ||
    (control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`));

  const labelTabularRow = (row) => {
    const table = row.closest("table");
    const headers = table ? Array.from(table.querySelectorAll("thead th")) : [];
    const original = row.querySelector("td.original p");
    const rowName = original ? original.textContent.trim() : "";
    Array.from(row.children).forEach((cell, index) => {
      // "Delete?" reads as "Delete" before the row's name.
      const header = headers[index] ? headers[index].textContent.trim().replace(/[?:]$/, "") : "";
      if (!header) {
        return;
      }
      cell.querySelectorAll(CONTROLS).forEach((control) => {
        if (!hasName(control)) {
          control.setAttribute("aria-label", rowName ? `${header}: ${rowName}` : header);
        }
      });
    });
  };

  const labelBox = (select) => {
    const box = select.nextElementSibling; // select2 puts its box right after the <select>
    if (!box || !box.classList.contains("select2")) {
      return;
    }
    const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
    const single = box.querySelector(".select2-selection--single");
    const rendered = box.querySelector(".select2-selection__rendered");
    const search = box.querySelector(".select2-search__field");
    if (label) {
      if (!label.id) {
        label.id = `${select.id}-label`;
      }
      if (single) {
        single.setAttribute("aria-labelledby", rendered && rendered.id ? `${label.id} ${rendered.id}` : label.id);
      }
      [rendered, search].forEach((part) => part && part.setAttribute("aria-labelledby", label.id));
    } else if (select.hasAttribute("aria-label")) {
      const name = select.getAttribute("aria-label");
      if (single) {
        single.removeAttribute("aria-labelledby");
        single.setAttribute("aria-label", name);
      }
      [rendered, search].forEach((part) => part && part.setAttribute("aria-label", name));
    }
  };

  document.querySelectorAll(".tabular tbody tr.form-row").forEach(labelTabularRow);

  const $ = window.django && window.django.jQuery;
  if ($ && $.fn.djangoAdminSelect2) {
    const build = $.fn.djangoAdminSelect2;
    $.fn.djangoAdminSelect2 = function (...args) {
      const built = build.apply(this, args);
      this.each((index, select) => labelBox(select));
      return built;
    };
  }

  // A row added with "Add another": autocomplete.js has built its boxes already (its listener
  // came first), so they are labelled again once the row's controls have their names.
  document.addEventListener("formset:added", (event) => {
    if (event.target.matches(".tabular tr.form-row")) {
      labelTabularRow(event.target);
      event.target.querySelectorAll("select.admin-autocomplete").forEach(labelBox);
    }
  });
}
