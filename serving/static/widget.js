/*! uit-recommendations widget: event recommendations for any web page. Embedding guide: docs/widget.md */
(function (w, d) {
  'use strict';
  var TAG = 'uit-recommendations';
  var VERSION = '1';
  var STORE_KEY = 'uitrec.visitor';
  var script = d.currentScript;
  var api = w.uitRecommendations;

  // Loaded twice (two script tags): the first copy does the work, later tags only add their placement.
  if (api && api.version) {
    try { api._mount(script); } catch (e) { /* never break the host page */ }
    return;
  }
  // Browsers without custom elements or fetch get nothing rather than an error.
  if (!w.customElements || !w.fetch || !Element.prototype.attachShadow) return;

  var TEXT = {
    nl: {
      loc: 'nl-BE', 'for-you': 'Voor jou', similar: 'Vergelijkbare evenementen', popular: 'Populair',
      near: 'Populair in de buurt', free: 'Gratis', until: 't.e.m.', loading: 'Aanbevelingen laden',
      list: 'Aanbevolen evenementen'
    },
    fr: {
      loc: 'fr-BE', 'for-you': 'Pour vous', similar: 'Événements similaires', popular: 'Populaire',
      near: 'Populaire près de chez vous', free: 'Gratuit', until: "jusqu'au",
      loading: 'Chargement des recommandations', list: 'Événements recommandés'
    },
    en: {
      loc: 'en-GB', 'for-you': 'For you', similar: 'Similar events', popular: 'Popular',
      near: 'Popular near you', free: 'Free', until: 'until', loading: 'Loading recommendations',
      list: 'Recommended events'
    }
  };
  // Attributes that describe one placement, never page-wide defaults.
  var PER_ELEMENT = /^(placement|event-id|heading)$/;
  var ATTRS = ['placement', 'event-id', 'lang', 'n', 'user-id', 'url-template', 'municipality', 'region',
    'lat', 'lon', 'radius-km', 'query', 'heading', 'key', 'api', 'timeout', 'collect', 'experiment'];

  // Page-wide defaults come from the first script tag; element attributes override them.
  var defaults = {};
  var consent = false;
  var visitor = null;
  var queue = [];
  var flushTimer = 0;
  var elements = new Set();

  function readScript(s, first) {
    if (!s || !s.dataset) return;
    var ds = s.dataset;
    for (var i = 0; i < ATTRS.length; i++) {
      var k = ATTRS[i];
      var v = ds[k.replace(/-([a-z])/g, function (m, c) { return c.toUpperCase(); })];
      if (v != null && defaults[k] == null && !PER_ELEMENT.test(k)) defaults[k] = v;
    }
    if (defaults.api == null && s.src) {
      // The API lives where widget.js is served from (its folder), unless data-api says otherwise.
      defaults.api = new URL('.', s.src).href;
    }
    if (first && ds.consent != null) consent = /^(1|true|yes|granted)$/i.test(ds.consent);
  }

  function lsGet() {
    try { return w.localStorage.getItem(STORE_KEY); } catch (e) { return null; }
  }
  function lsSet(v) {
    try {
      if (v) w.localStorage.setItem(STORE_KEY, v); else w.localStorage.removeItem(STORE_KEY);
    } catch (e) { /* storage may be blocked (private mode, sandbox): simply not remembered */ }
  }
  function randomId() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    var a = new Uint8Array(16);
    w.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  // Consent decides whether an anonymous visitor id exists at all: without it nothing is read, stored or sent.
  function applyConsent(granted) {
    consent = !!granted;
    if (consent) {
      visitor = lsGet();
      // Anything else in that slot (edited by hand, another script) would be refused by the API: start afresh.
      if (!/^anon:[A-Za-z0-9-]{16,64}$/.test(visitor || '')) {
        visitor = 'anon:' + randomId();
        lsSet(visitor);
      }
    } else {
      visitor = null;
      queue = [];
      lsSet(null);
    }
  }

  function safeUrl(u) {
    if (!u) return null;
    try {
      var url = new URL(u, location.href);
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch (e) { return null; }
  }

  function hue(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 360;
    return h;
  }

  function el(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function formatDate(item, t) {
    var start = item.start ? new Date(item.start) : null;
    var end = item.end ? new Date(item.end) : null;
    var now = Date.now();
    var opts = { timeZone: 'Europe/Brussels', weekday: 'short', day: 'numeric', month: 'short' };
    // A running exhibition or festival: its end date says more than a start in the past.
    var running = (item.reasons || []).indexOf('on-now') >= 0 || (start && start < now && end > now && end - start > 864e5);
    if (running && end && !isNaN(end)) {
      return t.until + ' ' + new Intl.DateTimeFormat(t.loc, { timeZone: 'Europe/Brussels', day: 'numeric', month: 'short' }).format(end);
    }
    if (!start || isNaN(start)) return '';
    opts.hour = '2-digit';
    opts.minute = '2-digit';
    return new Intl.DateTimeFormat(t.loc, opts).format(start);
  }

  function formatPrice(item, t) {
    if (item.free || item.price_eur === 0) return t.free;
    if (item.price_eur == null) return '';
    var p = Number(item.price_eur);
    return new Intl.NumberFormat(t.loc, {
      style: 'currency', currency: 'EUR', minimumFractionDigits: p % 1 ? 2 : 0
    }).format(p);
  }

  // The default reservation is one row of the default theme (343 px) plus room for a scrollbar: from its first
  // frame to the answer the element keeps one height, even where the host reserves nothing.
  var CSS = ':host{display:block;min-height:var(--uit-min-height,360px)}:host([hidden]){display:none}' +
    ':host([state=error]),:host([state=empty]){min-height:0}' +
    // all:initial cuts every inherited property, so host CSS (even !important on *) cannot leak in.
    '.r{all:initial;display:block;font:400 var(--uit-font-size,16px)/1.4 var(--uit-font,system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif);color:var(--uit-text,#1b1b1f);text-align:start}' +
    '.r *{box-sizing:border-box}' +
    'h2{margin:0 0 10px;font-size:var(--uit-heading-size,1.25em);line-height:1.3;font-weight:700;color:var(--uit-heading,inherit)}' +
    '.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}' +
    '.l{list-style:none;margin:0;padding:4px;display:grid;grid-auto-flow:column;grid-auto-columns:minmax(min(var(--uit-card-min,210px),78%),1fr);gap:var(--uit-gap,16px);overflow-x:auto;scroll-snap-type:x mandatory;scrollbar-width:thin}' +
    '.c{display:flex;min-width:0;scroll-snap-align:start}' +
    '.a{display:flex;flex-direction:column;width:100%;color:inherit;text-decoration:none;background:var(--uit-card-bg,#fff);border:1px solid var(--uit-border,#c9c9d3);border-radius:var(--uit-radius,10px);overflow:hidden}' +
    '.a:hover{border-color:var(--uit-accent,#1546c0)}.a:hover .t{text-decoration:underline}' +
    '.a:focus{outline:none}.a:focus-visible{outline:3px solid var(--uit-focus,#1546c0);outline-offset:2px}' +
    '.im{flex:none;height:var(--uit-image-height,128px);background:#e6e6ec;overflow:hidden}' +
    '.im img{display:block;width:100%;height:100%;object-fit:cover}' +
    '.ph{display:flex;align-items:flex-end;padding:10px 12px;color:#fff;font-size:.8125em;font-weight:600;letter-spacing:.02em}' +
    '.b{display:flex;flex-direction:column;gap:2px;padding:10px 12px 12px}' +
    '.t{height:2.5em;overflow:hidden;font-size:1.0625em;font-weight:700;line-height:1.25;color:var(--uit-title,inherit);display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}' +
    '.m{height:1.4em;overflow:hidden;font-size:.875em;white-space:nowrap;text-overflow:ellipsis;color:var(--uit-muted,#4a4a55)}' +
    '.p{font-weight:600;color:var(--uit-text,#1b1b1f)}' +
    '.e{height:2.6em;margin-top:4px;overflow:hidden;font-size:.8125em;line-height:1.3;color:var(--uit-accent-text,#0d5a2c);display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}' +
    '.sk .a{border-color:#e0e0e6}.sk .t,.sk .m,.sk .e{background:#ececf1;border-radius:4px;color:transparent}' +
    '@media (prefers-reduced-motion:no-preference){.sk .im{animation:uitp 1.4s ease-in-out infinite alternate}}' +
    '@keyframes uitp{to{opacity:.55}}';

  // Constructed style sheets are shared by every widget and allowed by a strict Content-Security-Policy
  // (no 'unsafe-inline' needed); older browsers get a <style> element.
  var sheets = {};
  function styles(root, css) {
    try {
      var sheet = sheets[css];
      if (!sheet) {
        sheet = sheets[css] = new CSSStyleSheet();
        sheet.replaceSync(css);
      }
      root.adoptedStyleSheets = [sheet];
      return;
    } catch (e) { /* no constructable style sheets: fall through */ }
    var style = el('style');
    style.textContent = css;
    root.appendChild(style);
  }

  function conf(node, name) {
    var v = node.getAttribute(name);
    return v != null ? v : defaults[name];
  }

  function headingText(node, t) {
    var h = node.getAttribute('heading');
    if (h != null) return h;
    var p = node._placement();
    if (p === 'popular' && (conf(node, 'municipality') || conf(node, 'region') || conf(node, 'lat'))) return t.near;
    return t[p] || t.popular;
  }

  class Recs extends HTMLElement {
    static get observedAttributes() { return ATTRS; }
  }
  var P = Recs.prototype;

  P._lang = function () {
    var l = (conf(this, 'lang') || d.documentElement.lang || 'nl').slice(0, 2).toLowerCase();
    return TEXT[l] ? l : 'nl';
  };
  P._placement = function () {
    var p = conf(this, 'placement') || 'for-you';
    return /^(for-you|similar|popular)$/.test(p) ? p : 'for-you';
  };
  P._n = function () {
    var n = parseInt(conf(this, 'n'), 10);
    return n >= 1 && n <= 20 ? n : 4;
  };
  // Who the list is for: a signed-in user the host names, else the consented anonymous visitor, else nobody.
  P._who = function () { return conf(this, 'user-id') || visitor; };

  P.connectedCallback = function () {
    elements.add(this);
    if (!this.shadowRoot) this.attachShadow({ mode: 'open' });
    this._schedule();
  };
  P.disconnectedCallback = function () {
    elements.delete(this);
    if (this._io) this._io.disconnect();
  };
  P.attributeChangedCallback = function (name, old, val) {
    if (old !== val && this.isConnected) this._schedule();
  };
  P.refresh = function () { this._schedule(); };

  // Attribute changes arrive one by one; load once after they settle.
  P._schedule = function () {
    var self = this;
    if (self._pending) return;
    self._pending = true;
    Promise.resolve().then(function () {
      self._pending = false;
      // An error here would surface as an unhandled rejection on the host page.
      try { self._load(); } catch (e) { self._fail(e, self._seq); }
    });
  };

  // What to ask: {url, body}; a body means POST (the anonymous-visitor endpoint).
  P._request = function () {
    var placement = this._placement();
    var eventId = conf(this, 'event-id');
    var user = conf(this, 'user-id');
    var q = { n: this._n(), lang: this._lang(), explain: true };
    var ctx = ['municipality', 'lat', 'lon', 'radius-km'];
    for (var i = 0; i < ctx.length; i++) {
      var v = conf(this, ctx[i]);
      if (v) q[ctx[i].replace('-', '_')] = v;
    }
    var extra = new URLSearchParams(conf(this, 'query') || '');
    extra.forEach(function (v, k) { q[k] = v; });
    var path;
    var body = null;
    if (placement === 'similar' && eventId) {
      path = 'v1/events/' + encodeURIComponent(eventId) + '/similar';
    } else if (placement === 'for-you' && user) {
      path = 'v1/users/' + encodeURIComponent(user) + '/recommendations';
    } else if (placement === 'for-you') {
      // Anonymous: the page's event seeds the list; the visitor id (consent only) adds their recent clicks.
      path = 'v1/recommendations';
      body = { viewed: eventId ? [eventId] : [] };
      if (visitor) body.visitor_id = visitor;
      for (var k in q) body[k] = LISTS.test(k) ? String(q[k]).split(',').filter(Boolean) : q[k];
    } else {
      path = 'v1/popular';
      var region = conf(this, 'region');
      if (region) q.region = region;
    }
    // An A/B/n experiment: the server assigns the arm from the person's id and logs the list it shows.
    var experiment = conf(this, 'experiment');
    if (experiment && body) body.experiment = experiment;
    else if (experiment) {
      q.experiment = experiment;
      // Similar and popular lists carry no person in their path: name them, their id decides the arm.
      if (placement !== 'for-you' && this._who()) q.user_id = this._who();
    }
    if (body) return { url: base(this) + path, body: body };
    var parts = [];
    for (var name in q) parts.push(encodeURIComponent(name) + '=' + encodeURIComponent(q[name]));
    return { url: base(this) + path + '?' + parts.join('&'), body: null };
  };
  var LISTS = /^(types|exclude_types|themes|exclude_themes)$/;

  function base(node) {
    var a = conf(node, 'api') || '/';
    return a.charAt(a.length - 1) === '/' ? a : a + '/';
  }

  P._load = function () {
    var self = this;
    var seq = self._seq = (self._seq || 0) + 1;
    var t = TEXT[self._lang()];
    var key = conf(self, 'key');
    self._skeleton(t);
    var headers = { Accept: 'application/json' };
    if (key) headers['X-API-Key'] = key;
    var req = self._request();
    var ctl = w.AbortController ? new AbortController() : null;
    var ms = parseInt(conf(self, 'timeout'), 10) || 2500;
    // A slow API must not hold the host page: give up after the timeout and show the fallback.
    var timer = setTimeout(function () { if (ctl) ctl.abort(); }, ms);
    if (req.body) headers['Content-Type'] = 'application/json';
    fetch(req.url, {
      method: req.body ? 'POST' : 'GET', headers: headers, credentials: 'omit',
      body: req.body ? JSON.stringify(req.body) : undefined, signal: ctl ? ctl.signal : undefined
    })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (data) {
        clearTimeout(timer);
        if (seq !== self._seq) return;
        var items = (data && data.items) || [];
        if (!items.length) {
          self._fail(null, seq);
          return;
        }
        self._render(data, items, t);
      })
      .catch(function (e) {
        clearTimeout(timer);
        self._fail(e, seq);
      });
  };

  P._frame = function (t, busy) {
    var root = this.shadowRoot;
    root.textContent = '';
    var r = el('section', 'r');
    // Screen readers pronounce the list in its own language when it is not the page's.
    var lang = this._lang();
    var around = this.closest('[lang]');
    if (!around || around.lang.slice(0, 2).toLowerCase() !== lang) r.lang = lang;
    var h = headingText(this, t);
    var hid = 'h';
    var head = el('h2', h ? '' : 'vh', h || t.list);
    head.id = hid;
    r.setAttribute('aria-labelledby', hid);
    if (busy) r.setAttribute('aria-busy', 'true');
    r.appendChild(head);
    var list = el('ul', 'l');
    list.setAttribute('role', 'list');
    list.setAttribute('aria-label', t.list);
    r.appendChild(list);
    styles(root, CSS);
    root.appendChild(r);
    return list;
  };

  // Placeholder cards with the exact size of real ones: the page does not jump when the answer arrives.
  P._skeleton = function (t) {
    this.setAttribute('state', 'loading');
    var list = this._frame(t, true);
    list.setAttribute('aria-label', t.loading);
    for (var i = 0; i < this._n(); i++) {
      var li = el('li', 'c sk');
      li.setAttribute('aria-hidden', 'true');
      var a = el('div', 'a');
      a.appendChild(el('div', 'im'));
      var b = el('div', 'b');
      b.appendChild(el('span', 't', '\u00a0'));
      for (var j = 0; j < 3; j++) b.appendChild(el('span', 'm', '\u00a0'));
      b.appendChild(el('span', 'e', '\u00a0'));
      a.appendChild(b);
      li.appendChild(a);
      list.appendChild(li);
    }
  };

  P._render = function (data, items, t) {
    var self = this;
    var list = self._frame(t, false);
    var template = conf(self, 'url-template');
    var lang = self._lang();
    var placement = self._placement();
    items.forEach(function (item, i) {
      var id = String(item.event_id);
      var href = template
        ? template.replace(/\{event_id\}/g, encodeURIComponent(id)).replace(/\{lang\}/g, lang)
        : item.url;
      var li = el('li', 'c');
      var a = el('a', 'a');
      a.href = safeUrl(href) || '#';
      a.setAttribute('data-id', id);
      a.setAttribute('data-pos', String(i));
      var im = el('div', 'im');
      var types = item.types || [];
      var label = types.length ? types[0].label : '';
      var ph = function () {
        im.textContent = '';
        im.className = 'im ph';
        im.style.background = 'hsl(' + hue(types.length ? types[0].id : id) + ',42%,30%)';
        im.textContent = label;
        im.setAttribute('aria-hidden', 'true');
      };
      var src = safeUrl(item.image_url);
      if (src) {
        var img = el('img');
        // Decorative: the title is in the same link, so a description would only repeat it.
        img.alt = '';
        img.loading = 'lazy';
        img.decoding = 'async';
        img.onerror = ph;
        img.src = src;
        im.appendChild(img);
      } else {
        ph();
      }
      a.appendChild(im);
      var b = el('div', 'b');
      b.appendChild(el('span', 't', item.title || ''));
      var when = el('time', 'm', formatDate(item, t));
      if (item.start) when.setAttribute('datetime', item.start);
      b.appendChild(when);
      var where = [item.venue, item.municipality].filter(Boolean).join(', ');
      if (item.distance_km != null && isFinite(item.distance_km)) {
        where += (where ? ' · ' : '') + Math.round(item.distance_km) + ' km';
      }
      b.appendChild(el('span', 'm', where || '\u00a0'));
      b.appendChild(el('span', 'm p', formatPrice(item, t) || '\u00a0'));
      b.appendChild(el('span', 'e', item.explanation || '\u00a0'));
      a.appendChild(b);
      li.appendChild(a);
      list.appendChild(li);
    });
    self.setAttribute('state', 'ready');
    self._ctx = {
      placement: placement, request_id: data.request_id, model_version: data.model_version, source: data.source
    };
    list.addEventListener('click', function (ev) { self._click(ev); });
    // auxclick also fires for the right button (context menu): only a middle click opens the event.
    list.addEventListener('auxclick', function (ev) { if (ev.button === 1) self._click(ev); });
    self._observe(list);
    emit(self, 'load', { count: items.length, source: data.source, modelVersion: data.model_version });
  };

  P._fail = function (err, seq) {
    if (seq !== this._seq) return;
    var root = this.shadowRoot;
    root.textContent = '';
    // Light-DOM children are the host's own fallback (a link to its agenda, say); without them the widget collapses.
    styles(root, ':host{display:block}:host([hidden]){display:none}');
    root.appendChild(el('slot'));
    this.setAttribute('state', err ? 'error' : 'empty');
    emit(this, err ? 'error' : 'empty', { error: err ? String(err.message || err) : null });
  };

  P._click = function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('a[data-id]') : null;
    if (!a) return;
    var id = a.getAttribute('data-id');
    var pos = +a.getAttribute('data-pos');
    emit(this, 'click', { eventId: id, position: pos, href: a.href });
    track(this, 'click', id, pos);
    // The page is about to navigate: send now, surviving the unload.
    flush(true);
  };

  // Impressions count only cards that were really on screen (half visible), once per card and page view.
  P._observe = function (list) {
    var self = this;
    if (self._io) self._io.disconnect();
    if (!self._who() || !w.IntersectionObserver) return;
    var seen = {};
    self._io = new IntersectionObserver(function (entries) {
      entries.forEach(function (en) {
        var a = en.target;
        var id = a.getAttribute('data-id');
        if (en.isIntersecting && !seen[id]) {
          seen[id] = 1;
          track(self, 'impression', id, +a.getAttribute('data-pos'));
        }
      });
    }, { threshold: 0.5 });
    list.querySelectorAll('a[data-id]').forEach(function (a) { self._io.observe(a); });
  };

  function emit(node, name, detail) {
    try {
      node.dispatchEvent(new CustomEvent('uit-recommendations:' + name, { detail: detail, bubbles: true, composed: true }));
    } catch (e) { /* old browsers without CustomEvent: no events, still a list */ }
  }

  // Nothing is queued for a visitor without consent (or without a signed-in id from the host).
  function track(node, kind, eventId, pos) {
    var who = node._who();
    if (!who) return;
    var c = node._ctx || {};
    var context = { position: String(pos), page: location.pathname.slice(0, 200) };
    ['request_id', 'model_version', 'source'].forEach(function (k) { if (c[k]) context[k] = String(c[k]); });
    // No timestamp: the server stamps arrival, so a wrong visitor clock cannot misdate anything.
    queue.push({
      node: node,
      body: { id: 'w-' + randomId(), user_id: who, event_id: eventId, kind: kind, placement: c.placement, context: context }
    });
    if (!flushTimer) flushTimer = setTimeout(function () { flush(false); }, 2000);
  }

  // Batches per (API, key, collect URL); keepalive lets a request outlive the page.
  function flush(unloading) {
    clearTimeout(flushTimer);
    flushTimer = 0;
    if (!queue.length) return;
    var groups = {};
    queue.forEach(function (q) {
      var key = conf(q.node, 'key') || '';
      var url = conf(q.node, 'collect') || base(q.node) + 'v1/interactions';
      var g = groups[url + '\n' + key] || (groups[url + '\n' + key] = { url: url, key: key, items: [] });
      g.items.push(q.body);
    });
    queue = [];
    Object.keys(groups).forEach(function (k) {
      var g = groups[k];
      for (var i = 0; i < g.items.length; i += 100) send(g, g.items.slice(i, i + 100), unloading);
    });
  }

  function send(g, items, unloading) {
    var body = JSON.stringify({ interactions: items });
    try {
      // sendBeacon cannot carry the X-API-Key header, so the beacon form puts the key in the body.
      if (unloading && w.navigator.sendBeacon && g.url.slice(-16) === '/v1/interactions') {
        var beacon = g.url.slice(0, -16) + '/widget/beacon';
        var payload = JSON.stringify({ key: g.key, interactions: items });
        if (w.navigator.sendBeacon(beacon, payload)) return;
      }
      var headers = { 'Content-Type': 'application/json' };
      if (g.key) headers['X-API-Key'] = g.key;
      fetch(g.url, { method: 'POST', headers: headers, body: body, keepalive: true, credentials: 'omit' })
        .catch(function () { /* feedback is best effort */ });
    } catch (e) { /* never throw into the host page */ }
  }

  function onHide() { flush(true); }

  function mount(s) {
    readScript(s, false);
    if (!s || !s.dataset || !s.dataset.placement) return;
    var ds = s.dataset;
    var node = d.createElement(TAG);
    for (var i = 0; i < ATTRS.length; i++) {
      var k = ATTRS[i];
      var v = ds[k.replace(/-([a-z])/g, function (m, c) { return c.toUpperCase(); })];
      if (v != null) node.setAttribute(k, v);
    }
    var target = ds.target ? d.querySelector(ds.target) : null;
    if (target) target.appendChild(node);
    else if (s.parentNode && s.parentNode !== d.head) s.parentNode.insertBefore(node, s.nextSibling);
    else d.body.appendChild(node);
  }

  function rerender() {
    elements.forEach(function (node) { node.refresh(); });
  }

  try {
    readScript(script, true);
    // A consent tool that decided before this async script ran can leave its answer here.
    if (w.uitRecommendationsConsent != null) consent = !!w.uitRecommendationsConsent;
    applyConsent(consent);
    w.uitRecommendations = {
      version: VERSION,
      /** Tell the widget the visitor's choice; true creates (or reuses) the anonymous id, false erases it. */
      setConsent: function (granted) {
        var before = consent;
        applyConsent(granted);
        if (before !== consent) rerender();
      },
      hasConsent: function () { return consent; },
      visitorId: function () { return visitor; },
      refresh: rerender,
      flush: function () { flush(false); },
      _mount: mount
    };
    w.addEventListener('uit-recommendations:consent', function (ev) {
      w.uitRecommendations.setConsent(!!(ev && ev.detail));
    });
    w.addEventListener('pagehide', onHide);
    d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') onHide(); });
    if (!w.customElements.get(TAG)) w.customElements.define(TAG, Recs);
    mount(script);
  } catch (e) { /* the host page must never see our errors */ }
})(window, document);
