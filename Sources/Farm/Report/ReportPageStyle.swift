/// The page's inline style sheet and script: the page loads nothing from anywhere.
enum ReportPageStyle {
    static let css = """
        :root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--panel:#f5f6f9;--accent:#2b6cb0;--warn:#8a3b12;--warnbg:#fff4e5;--warnline:#f0b37e}
        *{box-sizing:border-box}
        body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#fff}
        header{padding:18px 28px 10px;border-bottom:1px solid var(--line);background:var(--panel)}
        h1{font-size:22px;margin:0 0 2px}
        h1 .state{font-size:13px;font-weight:600;vertical-align:middle;margin-left:8px;padding:2px 8px;border-radius:10px;background:#e2e8f0;color:var(--muted)}
        h2{font-size:18px;margin:0 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
        h3{font-size:15px;margin:18px 0 2px}
        a{color:var(--accent)}
        nav{margin-top:8px}
        nav a{margin-right:16px;text-decoration:none;font-weight:600}
        main{padding:0 28px 40px;max-width:1800px}
        section{margin-top:28px}
        .sub{color:var(--muted);margin:0 0 8px}
        .banner{margin:10px 0 4px;padding:9px 14px;border-radius:6px;background:var(--warnbg);border:1px solid var(--warnline);color:var(--warn)}
        .note{color:var(--muted);font-style:italic}
        code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
        .digest{word-break:break-all}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums}
        th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        th{font-weight:600;background:var(--panel)}
        td.num,th.num{text-align:right;white-space:nowrap}
        table.summary th{background:none;color:var(--muted);width:170px;font-weight:600}
        table.sortable th{cursor:pointer;user-select:none}
        table.sortable th:hover{color:var(--accent)}
        th[aria-sort=ascending]::after{content:" \\25B2";font-size:10px}
        th[aria-sort=descending]::after{content:" \\25BC";font-size:10px}
        .tables{display:flex;flex-wrap:wrap;gap:18px 32px;align-items:flex-start}
        .tables h3{margin-top:0}
        .scroll{overflow-x:auto;max-width:100%}
        table.grid th,table.grid td{border:none;padding:3px;text-align:center;background:none;vertical-align:middle}
        table.grid thead th{font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap}
        table.grid th.object{text-align:right;padding-right:8px;max-width:160px;overflow-wrap:anywhere}
        .cell img,.ph{width:112px;height:112px;display:block;object-fit:contain;background:#fff;border:1px solid var(--line);border-radius:3px}
        td.ref img,td.ref .ph{border:2px solid var(--accent)}
        .ph{display:flex;align-items:center;justify-content:center;color:var(--muted);background:var(--panel);font-size:12px}
        .ph.missing,.ph.unreadable,.ph.failed{color:#c53030;background:#fff5f5}
        .seeds{font-size:11px;line-height:1.2;margin-top:2px}
        .seeds a{margin:0 2px}
        .plots{display:flex;flex-wrap:wrap;gap:18px}
        figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:10px 10px 6px}
        figcaption{font-weight:600;font-size:13px;margin-bottom:4px}
        svg.chart{display:block}
        svg.chart text{font-size:11px;fill:var(--fg)}
        svg.chart text.label{font-size:12px;fill:var(--muted)}
        svg.chart line.axis{stroke:#8a93a5;stroke-width:1}
        svg.chart line.grid{stroke:#e6e9ef;stroke-width:1}
        .legend{font-size:12px;margin-top:4px;max-width:460px}
        .legend span{margin-right:12px;white-space:nowrap}
        .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
        ul.problems{margin:4px 0;padding-left:20px}
        footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
        """

    /// Sorts a `table.sortable` by the clicked column (a cell's `data-v` number, else its text), and
    /// counts images that failed to load: `body[data-broken-images]` and a visible notice.
    static let script = """
        document.querySelectorAll("table.sortable").forEach(function (table) {
          table.querySelectorAll("thead th").forEach(function (header, column) {
            header.addEventListener("click", function () {
              var ascending = header.getAttribute("aria-sort") !== "ascending";
              table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
              header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
              var body = table.tBodies[0];
              var rows = Array.prototype.slice.call(body.rows);
              function key(row) {
                var cell = row.cells[column];
                if (!cell) { return ""; }
                var value = cell.getAttribute("data-v");
                return value === null ? cell.textContent.trim().toLowerCase() : parseFloat(value);
              }
              rows.sort(function (a, b) {
                var x = key(a), y = key(b);
                if (typeof x === "number" && isNaN(x)) { return 1; }
                if (typeof y === "number" && isNaN(y)) { return -1; }
                return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
              });
              rows.forEach(function (row) { body.appendChild(row); });
            });
          });
        });
        window.addEventListener("load", function () {
          var broken = Array.prototype.filter.call(document.images, function (image) {
            return image.complete && image.naturalWidth === 0;
          });
          document.body.setAttribute("data-broken-images", String(broken.length));
          if (broken.length > 0) {
            var notice = document.getElementById("broken-images");
            notice.textContent = broken.length + " image(s) could not be loaded (moved or deleted since the report was written?), first: "
              + broken[0].getAttribute("src");
            notice.hidden = false;
          }
        });
        """
}
