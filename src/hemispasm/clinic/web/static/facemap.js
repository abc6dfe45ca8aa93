/* The injection-session form, enhanced: a clickable face map kept in step with the sites table,
 * live volumes, totals per side and dose-limit warnings. The form works without this file; the
 * server checks everything again when the form is saved. */
(function () {
  "use strict";

  var form = document.getElementById("session-form");
  var dataBlock = document.getElementById("facemap-data");
  if (!form || !dataBlock) return;

  var data = JSON.parse(dataBlock.textContent);
  var tbody = document.getElementById("site-rows");
  var template = document.getElementById("site-row-template");
  var map = form.querySelector(".facemap-svg");
  var status = document.getElementById("facemap-status");
  var hover = document.getElementById("facemap-hover");
  var product = document.getElementById("product");
  var productName = document.getElementById("product_name");
  var dilution = document.getElementById("dilution_units_per_0_1_ml");
  var sessionOn = document.getElementById("session_on");
  var confirmBlock = document.getElementById("confirm-block");
  var confirmBox = document.getElementById("doses_confirmed");
  var NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
  var MAX_DILUTION = 50;
  var PART_LABELS = { muscle: "Muscle, row %(row)s", side: "Patient's side, row %(row)s", units: "Units, row %(row)s" };
  var confirmHadError = confirmBlock && confirmBlock.classList.contains("has-error");

  /* A sentence in the page's language: the page gives each one (``text`` in the data block,
   * from script_text.py), keyed by its English, which is also the fallback. "%(name)s" in a
   * sentence is filled from ``values``. */
  function t(english, values) {
    var text = (data.text && data.text[english]) || english;
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function num(text) {
    text = (text || "").trim();
    return NUMBER.test(text) ? parseFloat(text) : null;
  }

  function fmt(x) {
    return String(Math.round(x * 1000) / 1000);
  }

  function rows() {
    return Array.prototype.slice.call(tbody.querySelectorAll("tr.site-row"));
  }

  function sites() {
    return Array.prototype.slice.call(map.querySelectorAll(".fm-site[data-muscle]"));
  }

  function boxes(tr) {
    return {
      muscle: tr.querySelector(".site-muscle"),
      side: tr.querySelector(".site-side"),
      units: tr.querySelector(".site-units")
    };
  }

  function isBlank(tr) {
    var b = boxes(tr);
    return !b.muscle.value && !b.side.value && !b.units.value.trim();
  }

  function siteName(muscle, side) {
    var words = { muscle: data.labels[muscle] || muscle };
    return side === "left" ? t("Left %(muscle)s", words) : t("Right %(muscle)s", words);
  }

  function siteLimit(muscle) {
    var limits = data.limits[product.value];
    if (!limits) return null;
    var limit = limits.site;
    var lower = limits.lower_face_site;
    if (data.lower_face.indexOf(muscle) >= 0 && lower !== null && lower !== undefined) {
      limit = Math.min(limit, lower);
    }
    return limit;
  }

  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function setWarning(cell, text) {
    cell.textContent = "";
    if (!text) return;
    var span = document.createElement("span");
    span.className = "warning-text";
    var icon = document.createElement("span");
    icon.className = "warn-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = "!";
    span.appendChild(icon);
    span.appendChild(document.createTextNode(" " + text));
    cell.appendChild(span);
  }

  function nextIndex() {
    var highest = -1;
    rows().forEach(function (tr) {
      var i = parseInt(tr.getAttribute("data-row"), 10);
      if (!isNaN(i) && i > highest) highest = i;
    });
    return highest + 1;
  }

  function addRow() {
    var i = nextIndex();
    var html = template.innerHTML.replace(/__i__/g, String(i)).replace(/__n__/g, String(rows().length + 1));
    tbody.insertAdjacentHTML("beforeend", html);
    var tr = tbody.lastElementChild;
    addRemoveButton(tr);
    return tr;
  }

  function removeRow(tr) {
    var all = rows();
    var at = all.indexOf(tr);
    tr.parentNode.removeChild(tr);
    if (!rows().length) addRow();
    return rows()[Math.min(at, rows().length - 1)];
  }

  function addRemoveButton(tr) {
    var cell = tr.querySelector(".row-actions");
    if (!cell || cell.querySelector("button")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "icon-button remove-row";
    button.title = t("Remove this row");
    button.textContent = "\u2715";
    var word = document.createElement("span");
    word.className = "remove-word";
    word.textContent = " " + t("Remove");
    button.appendChild(word);
    cell.appendChild(button);
  }

  function update() {
    var d = num(dilution.value);
    var dilutionOk = d !== null && d > 0 && d <= MAX_DILUTION;
    var units = { right: 0, left: 0 };
    var ml = { right: 0, left: 0 };
    var marked = {};
    var warned = false;

    rows().forEach(function (tr, k) {
      var b = boxes(tr);
      var u = num(b.units.value);
      var good = u !== null && u > 0;
      tr.querySelector(".site-volume").textContent = good && dilutionOk ? fmt(u / d * 0.1) + " mL" : "";
      if (good && (b.side.value === "left" || b.side.value === "right")) {
        units[b.side.value] += u;
        if (dilutionOk) ml[b.side.value] += u / d * 0.1;
      }
      if (b.muscle.value && b.side.value) {
        var key = b.muscle.value + ":" + b.side.value;
        marked[key] = (marked[key] || 0) + (good ? u : 0);
      }
      var limit = b.muscle.value ? siteLimit(b.muscle.value) : null;
      var text = "";
      if (good && limit !== null && u > limit) {
        text = t("%(units)s U is above this clinic's limit of %(limit)s U per site", { units: fmt(u), limit: fmt(limit) });
        warned = true;
      }
      setWarning(tr.querySelector(".site-warning"), text);
      ["muscle", "side", "units"].forEach(function (part) {
        var label = tr.querySelector("label[for='" + b[part].id + "']");
        if (label) label.textContent = t(PART_LABELS[part], { row: k + 1 });
      });
      var remove = tr.querySelector(".remove-row");
      if (remove) {
        var what = b.muscle.value && b.side.value ? siteName(b.muscle.value, b.side.value) : t("row %(row)s", { row: k + 1 });
        remove.setAttribute("aria-label", t("Remove %(what)s", { what: what }));
      }
    });

    ["right", "left"].forEach(function (side) {
      document.getElementById("total-" + side).textContent = fmt(units[side]);
      document.getElementById("total-" + side + "-ml").textContent = dilutionOk ? fmt(ml[side]) : "—";
    });
    var total = units.right + units.left;
    document.getElementById("total-units").textContent = fmt(total);
    document.getElementById("total-ml").textContent = dilutionOk ? fmt(ml.right + ml.left) : "—";
    var name = product.value === "other" ? productName.value.trim() || t("another product") : (data.products[product.value] || product.value);
    document.getElementById("totals-product").textContent = product.value ? t("of %(product)s", { product: name }) : "";

    var limits = data.limits[product.value];
    var sessionWarning = document.getElementById("session-warning");
    if (limits && total > limits.session) {
      document.getElementById("session-warning-text").textContent =
        t("%(units)s U is above this clinic's limit of %(limit)s U per session", { units: fmt(total), limit: fmt(limits.session) });
      sessionWarning.hidden = false;
      warned = true;
    } else {
      sessionWarning.hidden = true;
    }

    if (confirmBlock) {
      var show = warned || confirmHadError;
      if (!show && !confirmBlock.hidden) confirmBox.checked = false;
      confirmBlock.hidden = !show;
    }

    sites().forEach(function (g) {
      var key = g.getAttribute("data-muscle") + ":" + g.getAttribute("data-side");
      var on = Object.prototype.hasOwnProperty.call(marked, key);
      g.setAttribute("aria-pressed", on ? "true" : "false");
      g.classList.toggle("is-marked", on);
      var label = g.parentNode.querySelector(".fm-units");
      if (label) label.textContent = on && marked[key] > 0 ? fmt(marked[key]) + " U" : "";
    });

    var nameField = document.getElementById("product-name-field");
    if (nameField) {
      nameField.hidden = product.value !== "other" && !productName.value && !nameField.querySelector(".field-error");
    }
    var earliest = form.getAttribute("data-earliest");
    var early = document.getElementById("early-note");
    if (early) early.hidden = !(earliest && sessionOn.value && sessionOn.value < earliest);
  }

  function toggle(g) {
    var muscle = g.getAttribute("data-muscle");
    var side = g.getAttribute("data-side");
    var name = siteName(muscle, side);
    var matching = rows().filter(function (tr) {
      var b = boxes(tr);
      return b.muscle.value === muscle && b.side.value === side;
    });
    if (matching.length) {
      matching.forEach(removeRow);
      update();
      showName(g);
      say(t("Removed %(what)s from the table.", { what: name }));
      return;
    }
    var tr = rows().filter(isBlank)[0] || addRow();
    var b = boxes(tr);
    b.muscle.value = muscle;
    b.side.value = side;
    update();
    showName(g);
    say(t("Added %(what)s. Enter its units in the table.", { what: name }));
    b.units.focus();
  }

  function siteOf(target) {
    return target && target.closest ? target.closest(".fm-site[data-muscle]") : null;
  }

  function showName(g) {
    if (!g) { hover.textContent = ""; return; }
    var text = siteName(g.getAttribute("data-muscle"), g.getAttribute("data-side"));
    var units = g.parentNode.querySelector(".fm-units");
    if (units && units.textContent) text += ": " + units.textContent;
    hover.textContent = text;
  }

  map.addEventListener("click", function (event) {
    var g = siteOf(event.target);
    if (g) toggle(g);
  });
  /* The keyboard on the map: one Tab stop (a roving tabindex). Up and Down go through the
   * muscles of one side, forehead to neck; Left and Right go to the same muscle on the side
   * shown there; Home and End to the first and last site; Enter or Space adds or removes. */
  function makeCurrent(g) {
    sites().forEach(function (other) { other.setAttribute("tabindex", other === g ? "0" : "-1"); });
  }

  function focusSite(g) {
    makeCurrent(g);
    g.focus();
  }

  function neighbour(g, key) {
    var all = sites();
    var at = all.indexOf(g);
    var right = g.getAttribute("data-side") === "right";  // the patient's right: the viewer's left
    var next = {
      ArrowDown: at + 2,
      ArrowUp: at - 2,
      ArrowRight: right ? at + 1 : at,
      ArrowLeft: right ? at : at - 1,
      Home: 0,
      End: all.length - 1
    }[key];
    return next === undefined ? undefined : all[Math.max(0, Math.min(all.length - 1, next))];
  }

  map.addEventListener("keydown", function (event) {
    var g = siteOf(event.target);
    if (!g) return;
    if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
      event.preventDefault();
      makeCurrent(g);
      toggle(g);
      return;
    }
    var next = neighbour(g, event.key);
    if (next !== undefined) {
      event.preventDefault();
      focusSite(next);
    }
  });
  map.addEventListener("click", function (event) {
    var g = siteOf(event.target);
    if (g) makeCurrent(g);
  });

  /* Enter (or Escape) in a row's units box: back to the map, at that row's site. */
  tbody.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== "Escape") return;
    if (!event.target.classList || !event.target.classList.contains("site-units")) return;
    event.preventDefault();
    var b = boxes(event.target.closest("tr"));
    var g = map.querySelector('.fm-site[data-muscle="' + b.muscle.value + '"][data-side="' + b.side.value + '"]')
      || map.querySelector('.fm-site[tabindex="0"]') || sites()[0];
    focusSite(g);
    say(t("Back on the map at %(what)s.", { what: siteName(g.getAttribute("data-muscle"), g.getAttribute("data-side")) }));
  });
  map.addEventListener("mouseover", function (event) { showName(siteOf(event.target)); });
  map.addEventListener("mouseleave", function () { showName(null); });
  map.addEventListener("focusin", function (event) { showName(siteOf(event.target)); });
  map.addEventListener("focusout", function () { showName(null); });

  tbody.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".remove-row") : null;
    if (!button) return;
    var tr = button.closest("tr");
    var b = boxes(tr);
    var what = b.muscle.value && b.side.value ? siteName(b.muscle.value, b.side.value) : t("the row");
    var next = removeRow(tr);
    update();
    say(t("Removed %(what)s.", { what: what }));
    if (next) boxes(next).muscle.focus();
  });

  form.addEventListener("input", update);
  form.addEventListener("change", update);

  document.getElementById("add-site-row").addEventListener("click", function () {
    var tr = addRow();
    update();
    boxes(tr).muscle.focus();
  });

  makeCurrent(map.querySelector(".fm-site.is-marked[data-muscle]") || sites()[0]);
  form.classList.add("js-on");
  var addWrap = form.querySelector(".add-row-wrap");
  if (addWrap) addWrap.hidden = false;
  rows().forEach(addRemoveButton);
  update();

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
