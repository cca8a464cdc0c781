// Turn the live page into compact text for a model, in one pass over the DOM.
//
// Every interactive element gets a short id, stamped on it as data-mira-id so that it
// keeps the same id while it lives and an action can find it again. Same-origin iframes
// and open shadow roots are walked in place; cross-origin iframes are left as
// placeholders that the Python side fills by running this script inside them.
(opts) => {
  const ID = "data-mira-id";
  const FRAME = "data-mira-frame";
  const prefix = opts.prefix || "";
  const maxChars = opts.maxChars;
  const maxItems = opts.maxListItems;
  const maxText = opts.maxTextLength;
  const wantBoxes = !!opts.boxes;
  const st = window.__mira || (window.__mira = { next: 1, frame: 1 });
  if (st.next < opts.startId) st.next = opts.startId;

  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK", "TITLE", "svg", "SVG", "CANVAS", "PATH"]);
  const BLOCK = new Set(["DIV", "P", "LI", "TR", "SECTION", "ARTICLE", "FORM", "FIELDSET", "LEGEND",
    "TABLE", "TBODY", "THEAD", "TFOOT", "UL", "OL", "DL", "DT", "DD", "HEADER", "FOOTER", "NAV", "MAIN",
    "ASIDE", "BR", "HR", "PRE", "BLOCKQUOTE", "FIGURE", "FIGCAPTION", "DETAILS", "DIALOG", "ADDRESS",
    "CAPTION", "H1", "H2", "H3", "H4", "H5", "H6", "BODY", "HTML", "CENTER", "IFRAME"]);
  const HEADING = { H1: "# ", H2: "## ", H3: "### ", H4: "#### ", H5: "##### ", H6: "###### " };
  const ROLES = new Set(["button", "link", "checkbox", "radio", "textbox", "searchbox", "combobox",
    "listbox", "option", "menuitem", "menuitemcheckbox", "menuitemradio", "tab", "switch", "slider",
    "spinbutton", "treeitem", "gridcell"]);
  const INPUT_ROLE = { checkbox: "checkbox", radio: "radio", button: "button", submit: "button",
    reset: "button", image: "button", range: "slider", number: "spinbutton", search: "searchbox",
    file: "file" };
  const TYPED = new Set(["date", "time", "datetime-local", "month", "week", "color", "email", "tel",
    "url", "password", "number"]);

  const lines = [];
  let cur = [];
  let total = 0;
  let cut = false;
  let count = 0;
  const framed = {};
  const opaque = [];
  const boxes = [];
  const usedLabels = new Set();
  let focused = null;

  const squash = (s) => s.replace(/\s+/g, " ").trim();
  const clip = (s, n) => (s.length > n ? s.slice(0, n) + `…(+${s.length - n} chars)` : s);
  const quote = (s) => '"' + s.replace(/"/g, "'") + '"';

  function flush() {
    if (cur.length) {
      const line = cur.join(" ");
      cur = [];
      lines.push(line);
      total += line.length + 1;
      if (total > maxChars) cut = true;
    }
  }

  function textOf(node, skipControls) {
    // Visible-ish text of a subtree without layout (textContent), minus form controls.
    if (!skipControls) return squash(node.textContent || "");
    let out = "";
    for (const c of node.childNodes) {
      if (c.nodeType === 3) out += c.nodeValue;
      else if (c.nodeType === 1 && !/^(INPUT|SELECT|TEXTAREA|BUTTON|SCRIPT|STYLE)$/.test(c.tagName)) {
        const inner = textOf(c, true);
        out += BLOCK.has(c.tagName) ? " " + inner + " " : inner;
      }
    }
    return squash(out);
  }

  // Passwords, card numbers and security codes never leave the page in clear text.
  const CARD = /(card.?num|cc.?num|cardnumber|cvv|cvc|csc|security.?code)/i;
  function secret(el, type) {
    if (type === "password") return true;
    const ac = (el.getAttribute("autocomplete") || "").toLowerCase();
    if (ac === "cc-number" || ac === "cc-csc" || ac === "current-password" || ac === "new-password") return true;
    return CARD.test(el.name || "") || CARD.test(el.id || "");
  }
  function mask(value) {
    const digits = value.replace(/\D/g, "");
    return digits.length >= 12 ? "•••• " + digits.slice(-4) : "••••";
  }

  function byIds(doc, ids) {
    return squash(ids.split(/\s+/).map((i) => { const e = doc.getElementById(i); return e ? e.textContent : ""; }).join(" "));
  }

  function roleOf(el, tag, style, parentPointer) {
    const explicit = el.getAttribute("role");
    if (explicit && ROLES.has(explicit)) return explicit;
    if (explicit === "none" || explicit === "presentation") return null;
    switch (tag) {
      case "A": return el.hasAttribute("href") ? "link" : (style.cursor === "pointer" && !parentPointer ? "link" : null);
      case "BUTTON": return "button";
      case "SELECT": return el.multiple || el.size > 1 ? "listbox" : "combobox";
      case "TEXTAREA": return "textbox";
      case "SUMMARY": return "button";
      case "INPUT": {
        const t = (el.getAttribute("type") || "text").toLowerCase();
        if (t === "hidden") return null;
        return INPUT_ROLE[t] || "textbox";
      }
    }
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return "textbox";
    if (style.cursor === "pointer" && !parentPointer) return "clickable";
    if (el.onclick || el.hasAttribute("onclick") || hasJqueryClick(el)) return "clickable";
    if (!el.firstElementChild && !el.textContent.trim() && (style.backgroundImage !== "none"
        || (style.content && style.content.startsWith("url(")))) return "icon";
    return null;
  }

  // Pages built with jQuery attach click handlers the DOM does not show; jQuery lists them.
  const jq = window.jQuery && window.jQuery._data ? window.jQuery : null;
  function hasJqueryClick(el) {
    if (!jq) return false;
    const events = jq._data(el, "events");
    return !!(events && (events.click || events.mousedown || events.mouseup));
  }

  function nameOf(el, tag, role, doc) {
    if (role === "scrollable") return squash(el.getAttribute("aria-label") || el.getAttribute("title") || "");
    let n = el.getAttribute("aria-labelledby");
    if (n) { n = byIds(doc, n); if (n) return n; }
    n = el.getAttribute("aria-label");
    if (n && n.trim()) return squash(n);
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      const t = (el.getAttribute("type") || "").toLowerCase();
      if (t === "submit" || t === "button" || t === "reset") return el.value || (t === "submit" ? "Submit" : t === "reset" ? "Reset" : "");
      if (t === "image") return el.alt || "Submit";
      const labels = el.labels;
      if (labels && labels.length) {
        const parts = [];
        for (const l of labels) { usedLabels.add(l); parts.push(textOf(l, true)); }
        const s = squash(parts.join(" "));
        if (s) return s;
      }
      return squash(el.getAttribute("placeholder") || el.getAttribute("title") || "");
    }
    if (tag === "IMG") return squash(el.alt || el.title || "");
    let s = textOf(el, false);
    if (!s) {
      const img = el.querySelector("img[alt]");
      s = img ? squash(img.alt) : "";
    }
    s = s || squash(el.getAttribute("title") || "");
    if (!s && (role === "clickable" || role === "icon")) {
      // An icon with no words: its class ("share", "trash-icon") is the best name there is.
      s = squash((typeof el.className === "string" ? el.className : "").replace(/[-_]/g, " "));
    }
    return s;
  }

  function token(el, tag, role, doc, win) {
    let id = el.getAttribute(ID);
    if (!id) { id = prefix + st.next++; el.setAttribute(ID, id); }
    count++;
    const name = clip(nameOf(el, tag, role, doc), 80);
    if (name && cur.length && cur[cur.length - 1] === name) cur.pop();
    let s = `[${id}] ${role}`;
    if (name) s += " " + quote(name);
    if (tag === "INPUT") {
      const t = (el.getAttribute("type") || "text").toLowerCase();
      if (TYPED.has(t)) s += " type=" + t;
      if (role === "checkbox" || role === "radio" || role === "switch") { if (el.checked) s += " checked"; }
      else if (role !== "button" && role !== "file" && el.value) s += " value=" + quote(secret(el, t) ? mask(el.value) : clip(el.value, 80));
      else if (role === "file" && el.files && el.files.length) s += " files=" + el.files.length;
    } else if (tag === "TEXTAREA") {
      if (el.value) s += " value=" + quote(clip(squash(el.value), 120));
    } else if (tag === "SELECT") {
      const sel = el.selectedOptions;
      if (sel && sel.length) s += " value=" + quote(clip(squash(sel[0].textContent), 60));
      const opts = [];
      const all = el.options;
      const n = Math.min(all.length, 25);
      for (let i = 0; i < n; i++) opts.push(clip(squash(all[i].textContent), 40));
      let o = " options=" + quote(opts.join("|"));
      if (all.length > n) o += `(+${all.length - n} more)`;
      s += o;
    } else if (role === "textbox" && el.isContentEditable) {
      const v = squash(el.textContent || "");
      if (v) s += " value=" + quote(clip(v, 120));
    }
    const ac = el.getAttribute("aria-checked");
    if (ac === "true") s += " checked";
    const ex = el.getAttribute("aria-expanded");
    if (ex) s += ex === "true" ? " expanded" : " collapsed";
    if (el.getAttribute("aria-selected") === "true") s += " selected";
    if (el.getAttribute("aria-pressed") === "true") s += " pressed";
    if (el.disabled || el.getAttribute("aria-disabled") === "true") s += " disabled";
    if (el.required || el.getAttribute("aria-required") === "true") s += " required";
    if (el.getAttribute("aria-invalid") === "true") s += " invalid";
    if (el.readOnly) s += " readonly";
    if (doc.activeElement === el && (!doc.defaultView || doc.hasFocus())) { s += " focused"; focused = id; }
    cur.push(s);
    return id;
  }

  function labelsVisibleControl(label) {
    const c = label.control;
    return !!(c && c.getAttribute("type") !== "hidden" && c.checkVisibility({ opacityProperty: true, visibilityProperty: true }));
  }

  // Placed outside the page on purpose (left: -9999px, skip links): never shown.
  function offscreen(r, win) {
    return r.right + win.scrollX <= 0 || r.bottom + win.scrollY <= 0;
  }

  // Rendered: a row a person could scroll to. A filter that hides rows with display:none,
  // the hidden attribute or visibility:hidden leaves them in the DOM, and counting or
  // windowing over them would show the wrong rows (or none). display:contents has no box
  // of its own but its children are shown.
  function rendered(el) {
    if (el.checkVisibility({ visibilityProperty: true })) return true;
    return el.ownerDocument.defaultView.getComputedStyle(el).display === "contents";
  }

  // First of `kids` (rendered, in order) whose bottom edge is inside or below the viewport.
  function firstVisible(kids) {
    let lo = 0, hi = kids.length - 1, ans = kids.length;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (kids[mid].getBoundingClientRect().bottom >= 0) { ans = mid; hi = mid - 1; } else lo = mid + 1;
    }
    return ans;
  }

  function walkChildren(node, ctx) {
    const kids = node.children;
    if (kids && kids.length > maxItems) {
      const all = Array.from(kids).filter(rendered);
      if (all.length > maxItems) {
        // A long list: a window of rendered items around the viewport, and counts of the rest.
        let start = Math.max(0, Math.min(firstVisible(all), all.length - maxItems));
        if (start > 0) { flush(); lines.push(`… ${start} items above (scroll up to see them)`); }
        const end = Math.min(all.length, start + maxItems);
        for (let i = start; i < end && !cut; i++) walk(all[i], ctx);
        if (end < all.length) { flush(); lines.push(`… ${all.length - end} more items below (scroll down to see them)`); }
        return;
      }
    }
    for (let c = node.firstChild; c && !cut; c = c.nextSibling) walk(c, ctx);
  }

  function walk(node, ctx) {
    if (cut) return;
    const type = node.nodeType;
    if (type === 3) {
      if (ctx.skipText) return;
      const t = squash(node.nodeValue);
      if (t) cur.push(clip(t, maxText));
      return;
    }
    if (type === 11) { walkChildren(node, ctx); return; }
    if (type !== 1) return;
    const el = node;
    const tag = el.tagName;
    if (SKIP.has(tag)) return;
    if (el.getAttribute("aria-hidden") === "true" || el.hidden && tag !== "DETAILS") return;
    const win = ctx.win;
    const style = win.getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden" || style.visibility === "collapse" || style.opacity === "0") return;
    const block = BLOCK.has(tag) || style.display === "block" && !/^(A|BUTTON|LABEL|SPAN)$/.test(tag);
    if (block) flush();
    const pointer = style.cursor === "pointer";
    const role = roleOf(el, tag, style, ctx.pointer);
    let handled = false;
    if (role) {
      const r = el.getBoundingClientRect();
      if (offscreen(r, win)) return;
      if (r.width < 1 && r.height < 1) {
        // No box of its own (display: contents, an empty wrapper): its content speaks for it.
      } else if (role === "clickable" && (el.querySelector("a,button,input,select,textarea") || (el.textContent || "").length > 200)) {
        // A pointer cursor on a container says nothing about which part is clickable.
      } else {
        const id = token(el, tag, role, ctx.doc, win);
        if (ctx.frames.length) framed[id] = ctx.frames;
        if (wantBoxes && r.bottom > 0 && r.right > 0 && r.top < win.innerHeight && r.left < win.innerWidth) {
          boxes.push([id, r.left + ctx.dx, r.top + ctx.dy, r.width, r.height]);
        }
        handled = true;
      }
    }
    if (!role && tag !== "BODY" && tag !== "HTML" && (style.overflowY === "auto" || style.overflowY === "scroll")
        && el.scrollHeight > el.clientHeight + 4) {
      // A scrollable box: the scroll action needs its id; its content is walked as usual.
      flush();
      const id = token(el, tag, "scrollable", ctx.doc, win);
      if (ctx.frames.length) framed[id] = ctx.frames;
      flush();
    }
    if (handled) {
      // Links and buttons are named by their text: walk inside only for nested controls.
      if (tag === "SELECT" || tag === "TEXTAREA" || tag === "INPUT") { if (block) flush(); return; }
      if (el.querySelector("a,button,input,select,textarea,[role]")) {
        const inner = Object.assign({}, ctx, { skipText: true, pointer: pointer || ctx.pointer });
        walkChildren(el.shadowRoot || el, inner);
      }
      if (block) flush();
      return;
    }
    if (tag === "IFRAME" || tag === "FRAME") {
      let doc = null;
      try { doc = el.contentDocument; } catch (e) { doc = null; }
      let key = el.getAttribute(FRAME);
      if (!key) { key = String(st.frame++); el.setAttribute(FRAME, key); }
      const title = squash(el.title || el.name || "");
      if (doc && doc.body && doc.defaultView) {
        const r = el.getBoundingClientRect();
        const innerCtx = { doc, win: doc.defaultView, frames: ctx.frames.concat([key]), skipText: false,
          pointer: false, dx: ctx.dx + r.left, dy: ctx.dy + r.top };
        lines.push(`frame${title ? " " + quote(title) : ""}:`);
        walk(doc.body, innerCtx);
        flush();
        lines.push("end of frame");
      } else {
        lines.push(`\u0000frame:${key}:${title}`);
        opaque.push({ key, title, frames: ctx.frames });
      }
      return;
    }
    if (tag === "SLOT") {
      const assigned = el.assignedNodes({ flatten: true });
      if (assigned.length) { for (const n of assigned) walk(n, ctx); return; }
    }
    const heading = HEADING[tag];
    if (heading) cur.push(heading.trim());
    let inner = ctx;
    // A label's words become its control's name; printing them again would only cost tokens.
    const skipText = ctx.skipText || (tag === "LABEL" && (usedLabels.has(el) || labelsVisibleControl(el)));
    if (skipText !== ctx.skipText || pointer !== ctx.pointer) inner = Object.assign({}, ctx, { skipText, pointer });
    if (tag === "TD" || tag === "TH") { if (cur.length) cur.push("|"); }
    if (tag === "IMG") {
      const alt = squash(el.getAttribute("alt") || "");
      if (alt && !ctx.skipText) cur.push(`(image: ${clip(alt, 80)})`);
      return;
    }
    // An open shadow root replaces the light children, which come back through its slots.
    walkChildren(el.shadowRoot || el, inner);
    if (block) flush();
  }

  const doc = document;
  const body = doc.body || doc.documentElement;
  const rootCtx = { doc, win: window, frames: opts.frames || [], skipText: false, pointer: false,
    dx: 0, dy: 0 };
  if (body) walk(body, rootCtx);
  flush();

  // The focused element is always reported; one outside the part shown (beyond a long
  // list's window, or cut by the budget) is described on its own line.
  let focusedText = null;
  let act = doc.activeElement;
  const chain = [];
  while (act && act.shadowRoot && act.shadowRoot.activeElement) act = act.shadowRoot.activeElement;
  if (!focused && act && act !== doc.body) {
    try {
      while (act && (act.tagName === "IFRAME" || act.tagName === "FRAME") && act.contentDocument) {
        chain.push(act.getAttribute(FRAME));
        act = act.contentDocument.activeElement;
        while (act && act.shadowRoot && act.shadowRoot.activeElement) act = act.shadowRoot.activeElement;
      }
    } catch (e) { /* cross-origin */ }
    const own = act && act.ownerDocument;
    if (act && act.getAttribute && act !== own.body && own.defaultView && !chain.includes(null)) {
      const win = own.defaultView;
      const role = roleOf(act, act.tagName, win.getComputedStyle(act), false);
      if (role) {
        const kept = cur;
        cur = [];
        focused = token(act, act.tagName, role, own, win);
        focusedText = cur.join(" ");
        cur = kept;
        if (rootCtx.frames.length || chain.length) framed[focused] = rootCtx.frames.concat(chain);
      } else {
        focused = act.getAttribute(ID);
      }
    }
  }
  const se = doc.scrollingElement || doc.documentElement;
  return {
    text: lines.join("\n"),
    cut,
    count,
    framed,
    opaque,
    boxes,
    focused,
    focusedText,
    nextId: st.next,
    scroll: { x: Math.round(window.scrollX), y: Math.round(window.scrollY),
      width: se ? se.scrollWidth : 0, height: se ? se.scrollHeight : 0,
      viewportWidth: window.innerWidth, viewportHeight: window.innerHeight },
  };
}
