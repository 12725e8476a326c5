// errstat report: sorting, copying and toggling. Everything else works without this script.
(() => {
  "use strict";
  const root = document.documentElement;
  window.addEventListener("error", (e) => root.setAttribute("data-error", String(e.message)));

  // A click (or Enter) on a header of a sortable table orders its rows by that column:
  // numbers by their data-v value, text by its content; a second click reverses.
  const value = (cell, numeric) => {
    const raw = cell ? (cell.getAttribute("data-v") ?? cell.textContent) : "";
    if (!numeric) return raw;
    const n = parseFloat(raw);
    return Number.isNaN(n) ? -Infinity : n;
  };
  const sort = (table, th, col) => {
    const numeric = th.classList.contains("n");
    const down = th.getAttribute("aria-sort") !== (numeric ? "descending" : "ascending");
    const dir = (numeric ? down : !down) ? -1 : 1;
    for (const h of table.tHead.rows[0].cells) h.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", dir < 0 ? "descending" : "ascending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows, (row, i) => [value(row.cells[col], numeric), i, row]);
    rows.sort((a, b) => (a[0] < b[0] ? -dir : a[0] > b[0] ? dir : a[1] - b[1]));
    for (const [, , row] of rows) body.appendChild(row);
  };
  for (const table of document.querySelectorAll("table.sortable")) {
    Array.from(table.tHead.rows[0].cells).forEach((th, col) => {
      th.tabIndex = 0;
      th.addEventListener("click", () => sort(table, th, col));
      th.addEventListener("keydown", (e) => { if (e.key === "Enter") sort(table, th, col); });
    });
  }

  // Copy buttons put a block's text (RequestIds, one a line) on the clipboard.
  const select = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  };
  for (const button of document.querySelectorAll("button.copy")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const el = document.getElementById(button.getAttribute("data-for"));
      if (!el) return;
      select(el);
      const done = () => { button.textContent = "copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(el.textContent).then(done, () => {});
      else if (document.execCommand("copy")) done();
    });
  }

  // Open or close every message and RequestId list of the code table at once.
  for (const button of document.querySelectorAll("button.toggle")) {
    button.hidden = false;
    button.addEventListener("click", () => {
      const all = document.querySelectorAll(button.getAttribute("data-for") + " details");
      const open = !Array.from(all).every((d) => d.open);
      for (const d of all) d.open = open;
    });
  }

  root.setAttribute("data-ok", "1");
})();
