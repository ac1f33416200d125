"""The HTML report's one inline script: filter fragile prompts by family and priority, fold and unfold.

The page still works without it (every section readable, ``<details>`` fold
natively). The filter state lives in the query string (``?family=casing&priority=P0``,
``?open=all``) so a filtered view is a link someone can send, and a link to a
prompt (``#prompt-x``) unfolds that prompt. The Content-Security-Policy allows
this script by its hash and nothing else: no other script, no network.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from html import escape

SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var family = document.getElementById("filter-family");
  var priority = document.getElementById("filter-priority");
  var count = document.getElementById("filter-count");
  function preset(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { select.value = value; }
    }
  }
  function remember() {
    var query = new URLSearchParams();
    if (family.value) { query.set("family", family.value); }
    if (priority.value) { query.set("priority", priority.value); }
    var search = query.toString();
    try { history.replaceState(null, "", (search ? "?" + search : location.pathname) + location.hash); } catch (e) {}
  }
  function apply() {
    var shown = 0, total = 0;
    document.querySelectorAll("[data-filter-priority]").forEach(function (element) {
      var families = element.getAttribute("data-filter-families").split(" ");
      var match = (!priority.value || element.getAttribute("data-filter-priority") === priority.value) &&
        (!family.value || families.indexOf(family.value) >= 0);
      element.hidden = !match;
      if (element.tagName === "DETAILS") { total += 1; shown += match ? 1 : 0; }
    });
    count.textContent = shown + " of " + total + " fragile prompts shown";
    document.body.setAttribute("data-filtered", family.value || priority.value ? "yes" : "no");
  }
  function fold(open) {
    document.querySelectorAll("details").forEach(function (element) { element.open = open; });
  }
  function reveal(id) {
    var name = typeof id === "string" ? id : decodeURIComponent(location.hash.slice(1));
    var target = name ? document.getElementById(name) : null;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
  }
  var query = new URLSearchParams(location.search);
  preset(family, query.get("family") || "");
  preset(priority, query.get("priority") || "");
  if (query.get("open") === "all") { fold(true); }
  if (query.get("open") === "none") { fold(false); }
  family.addEventListener("change", function () { apply(); remember(); });
  priority.addEventListener("change", function () { apply(); remember(); });
  document.getElementById("expand-all").addEventListener("click", function () { fold(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { fold(false); });
  window.addEventListener("hashchange", reveal);
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (link) { reveal(decodeURIComponent(link.getAttribute("href").slice(1))); }
  });
  form.hidden = false;
  apply();
  reveal();
})();
""".strip()


def script_hash() -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")


# A page with no script (the trend page) keeps STATIC_CSP; the report allows its one script by hash.
STATIC_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSP = f"{STATIC_CSP}; script-src '{script_hash()}'"


def script_tag() -> str:
    return f"<script>{SCRIPT}</script>"


def filter_form(families: Iterable[str], priorities: Iterable[str]) -> str:
    """The filter bar; hidden until the script runs (without it there is nothing to filter with)."""

    def options(values: Iterable[str]) -> str:
        return '<option value="">all</option>' + "".join(
            f'<option value="{escape(value)}">{escape(value)}</option>' for value in values
        )

    return (
        '<form id="filters" class="filters" hidden>'
        f'<label>Family <select id="filter-family">{options(families)}</select></label> '
        f'<label>Priority <select id="filter-priority">{options(priorities)}</select></label> '
        '<button type="button" id="expand-all">Expand all</button> '
        '<button type="button" id="collapse-all">Collapse all</button> '
        '<span id="filter-count" class="muted"></span>'
        "</form>"
    )
