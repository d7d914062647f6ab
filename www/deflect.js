/*! Deflect loader: the one script a host page includes.
 *
 *   <script>window.Deflect=window.Deflect||function(){(Deflect.q=Deflect.q||[]).push(arguments)}</script>
 *   <script async src="https://cdn.example.com/deflect/widget/deflect.js"
 *           data-index="https://cdn.example.com/deflect/kb/manifest.json"
 *           data-collector="https://collect.example.com" data-contact="mailto:help@example.com"></script>
 *
 * It draws the launcher in a Shadow DOM (isolated both ways) and nothing else: the app and
 * the index are fetched on first interaction (click, hover, touch, focus, Alt+Shift+H, an
 * API call needing them) or, with data-load="idle", when the browser is idle after load.
 * Queued calls are replayed in order. If the app cannot load (CSP, network, old browser)
 * the panel still opens with a way to contact support.
 */
(function () {
  'use strict';
  var w = window, d = document;
  if (w.Deflect && w.Deflect.loaded) return;
  var script = d.currentScript || d.querySelector('script[src*="deflect.js"]');
  var base = new URL('.', script.src).href;
  var ds = script.dataset;
  var queue = (w.Deflect && w.Deflect.q) || [];
  var app = null; // 'loading' | 'ready' | 'failed'
  var wantOpen = false;

  // The host element carries the configuration the app reads (data-*), and the theme.
  var host = d.getElementById('deflect-widget');
  if (!host) {
    host = d.createElement('deflect-widget');
    host.id = 'deflect-widget';
    d.body.appendChild(host);
  }
  ['index', 'collector', 'contact', 'locale', 'theme', 'position', 'queryText', 'pageUrl', 'draftDays', 'indexTimeout', 'meaning'].forEach(function (k) {
    if (ds[k] && !host.dataset[k]) host.dataset[k] = ds[k];
  });
  if (!host.dataset.collector && ds.endpoint) host.dataset.collector = ds.endpoint;
  host.dataset.deflectState = host.dataset.deflectState || 'idle';

  var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
  // The host has no box and no page styles (see widget.css :host); kept for good.
  // Until the app is wanted only the stand-in launcher needs styles: they travel here (one
  // request before interaction). Constructed sheets: a strict style-src needs nothing.
  var hostSheet = null, standIn = null;
  try {
    hostSheet = new CSSStyleSheet();
    hostSheet.replaceSync(':host{all:initial!important;display:contents!important}:host([hidden]){display:none!important}');
    standIn = new CSSStyleSheet();
    standIn.replaceSync(
      '.deflect-launcher{position:fixed;right:var(--deflect-offset-x,24px);bottom:var(--deflect-offset-y,24px);z-index:2147483000;' +
      'background:var(--deflect-accent,#1f5fbf);color:var(--deflect-accent-text,#fff);border:0;border-radius:999px;padding:12px 22px;' +
      'font:600 15px var(--deflect-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);box-shadow:0 4px 14px rgba(0,0,0,.2);cursor:pointer}' +
      '.deflect-launcher:focus-visible{outline:3px solid var(--deflect-text,#1d2330);outline-offset:2px}' +
      ':host([data-position="left"]) .deflect-launcher{right:auto;left:var(--deflect-offset-x,24px)}' +
      '@media (prefers-color-scheme:dark){:host(:not([data-theme="light"])) .deflect-launcher{background:var(--deflect-accent,#8ab4f8);color:var(--deflect-accent-text,#0b1a33)}}' +
      ':host([data-theme="dark"]) .deflect-launcher{background:var(--deflect-accent,#8ab4f8);color:var(--deflect-accent-text,#0b1a33)}' +
      '@media (max-width:480px){.deflect-launcher{right:16px;bottom:16px}}'
    );
    root.adoptedStyleSheets = [hostSheet, standIn];
  } catch (e) {
    hostSheet = standIn = null; // old browser: unstyled until widget.css arrives
  }
  var css = null;
  function styles() {
    if (css) return;
    css = d.createElement('link');
    css.rel = 'stylesheet';
    css.href = base + 'widget.css';
    root.insertBefore(css, root.firstChild);
  }
  var mount = d.createElement('div');
  mount.className = 'deflect-mount';
  root.appendChild(mount);
  // The app announces itself once it listens for commands; it takes the stand-in's place
  // and queued calls are replayed then. A press on the stand-in (pointer, or Space) still
  // in progress holds the swap until it is released: swapped mid-press, the press began on
  // the stand-in and ended on the app's launcher, and neither got the click (a customer who
  // hovers, which starts the app, and clicks as it arrives lost that click). Until the swap,
  // the page's calls keep queuing, so the app gets them in the order the page made them.
  var pressed = false, takeOverOnRelease = false, tookOver = false;
  host.addEventListener('deflect:ready', function () {
    app = 'ready';
    if (pressed) takeOverOnRelease = true;
    else takeOver();
  });
  function release() {
    if (!pressed) return;
    pressed = false;
    if (!takeOverOnRelease) return;
    takeOverOnRelease = false;
    setTimeout(takeOver); // after the click this release produces
  }
  ['pointerup', 'pointercancel', 'keyup'].forEach(function (t) {
    w.addEventListener(t, release, true);
  });
  w.addEventListener('blur', release); // the window's own: a release it will never see

  function takeOver() {
    if (app !== 'ready') return; // the app stopped while a press held the swap
    tookOver = true;
    if (standIn) root.adoptedStyleSheets = [hostSheet];
    // Focus on the stand-in moves to the app's launcher, not to <body>.
    var hadFocus = root.activeElement === launcher;
    if (stub.parentNode) stub.parentNode.removeChild(stub);
    var successor = mount.querySelector('.deflect-launcher');
    if (hadFocus && successor) successor.focus();
    if (wantOpen && !queue.some(function (a) { return a[0] === 'open' || a[0] === 'search'; })) queue.unshift(['open']);
    queue.splice(0).forEach(send);
  }

  // The app stopped (a panic): the stand-in launcher and the contact panel take its place.
  host.addEventListener('deflect:failed', function () {
    var wasOpen = !!mount.querySelector('.deflect-panel');
    var hadFocus = mount.contains(root.activeElement);
    app = 'failed';
    mount.hidden = true;
    if (!stub.parentNode) root.appendChild(stub);
    if (wasOpen) showFallback();
    else if (hadFocus) launcher.focus();
  });

  // A stand-in launcher until the app takes over (same look, same place).
  var stub = d.createElement('div');
  stub.className = 'deflect';
  var launcher = d.createElement('button');
  launcher.type = 'button';
  launcher.className = 'deflect-launcher';
  launcher.setAttribute('aria-haspopup', 'dialog');
  launcher.setAttribute('aria-expanded', 'false');
  launcher.textContent = { de: 'Hilfe', fr: 'Aide' }[lang()] || 'Help';
  stub.appendChild(launcher);
  root.appendChild(stub);

  function lang() {
    return (host.dataset.locale || d.documentElement.lang || navigator.language || 'en').slice(0, 2).toLowerCase();
  }

  function send(args) {
    host.dispatchEvent(new CustomEvent('deflect:command', { detail: { name: args[0], args: [].slice.call(args, 1) } }));
  }

  function call(args) {
    var name = args[0];
    if (name === 'on') {
      // Subscriptions are the loader's: they work before the app exists.
      var fn = args[2];
      host.addEventListener('deflect:' + args[1], function (e) { fn(e.detail); });
      return;
    }
    if (tookOver && app === 'ready') return send(args);
    // Sign-out cannot wait for an app that may never load.
    if (name === 'reset') forget();
    if (name === 'open' || name === 'search') wantOpen = true;
    if (app === 'failed') {
      if (name === 'open' || name === 'search') showFallback();
      if (name === 'close') hideFallback();
      return;
    }
    queue.push(args);
    if (name === 'open' || name === 'search') load(true);
  }

  // As src/storage_keys.rs forget_all: outboxes keep what is undelivered, not the history.
  function forget() {
    try {
      [localStorage, sessionStorage].forEach(function (s) {
        for (var i = s.length - 1; i >= 0; i--) {
          var k = s.key(i), o = null;
          if (k.indexOf('deflect:') !== 0) continue;
          try { o = /^deflect:v1:outbox(:|$)/.test(k) && JSON.parse(s.getItem(k)); } catch (e) {}
          if (o && ((o.cases || []).length || (o.events || []).length)) {
            o.requests = [];
            s.setItem(k, JSON.stringify(o));
          } else s.removeItem(k);
        }
      });
    } catch (e) {}
  }

  // The index the app opens first: its manifest and its hot part start downloading here,
  // beside the wasm, instead of after the app has started (one round trip and the hot part's
  // transfer off a cold open). The app fetches both itself as always; the hot part is
  // content-addressed and served immutable, so its request is answered by the HTTP cache
  // (or joins this one in flight), and the manifest's is a revalidation. Only when the panel
  // opens before the app is running: a hover or focus fetches the app, not the index.
  var indexWarmed = false;
  function warmIndex() {
    if (indexWarmed || !host.dataset.index || !w.fetch || !w.URL) return;
    indexWarmed = true;
    var manifestUrl;
    try { manifestUrl = new URL(host.dataset.index, d.baseURI).href; } catch (e) { return; }
    fetch(manifestUrl)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (m) {
        if (!m || typeof m.pack !== 'string') return;
        return fetch(new URL(m.pack, manifestUrl).href).then(function (r) { return r.arrayBuffer(); });
      })
      .catch(function () {}); // the app's own fetch reports any failure, with the contact path
  }

  function load(open) {
    wantOpen = wantOpen || open;
    if (open) warmIndex();
    if (app) return;
    app = 'loading';
    host.dataset.deflectState = 'loading';
    styles();
    // The wasm downloads (and compiles, streaming) while the glue script is fetched and run.
    var wasm = w.fetch ? fetch(base + 'deflect-widget_bg.wasm') : base + 'deflect-widget_bg.wasm';
    if (wasm.catch) wasm.catch(function () {}); // reported through the import below
    import(base + 'deflect-widget.js')
      .then(function (m) { return m.default({ module_or_path: wasm }); })
      .catch(function (e) {
        app = 'failed';
        host.dataset.deflectState = 'error';
        console.error('deflect: the help widget could not start: ' + (e && e.message ? e.message : e));
        if (wantOpen) showFallback();
      });
  }

  // The contact path that works without the app.
  var fallback = null;
  function showFallback() {
    if (!fallback) {
      var t = {
        en: ['Help', 'Help articles are unavailable right now.', 'Contact support', 'Close help'],
        de: ['Hilfe', 'Die Hilfeartikel sind gerade nicht verfügbar.', 'Support kontaktieren', 'Hilfe schließen'],
        fr: ['Aide', 'Les articles d’aide sont indisponibles pour le moment.', 'Contacter le support', 'Fermer l’aide'],
      }[lang()] || null;
      t = t || ['Help', 'Help articles are unavailable right now.', 'Contact support', 'Close help'];
      fallback = d.createElement('div');
      fallback.className = 'deflect-panel deflect-fallback';
      fallback.setAttribute('role', 'dialog');
      fallback.setAttribute('aria-label', t[0]);
      var p = d.createElement('p');
      p.className = 'deflect-status';
      p.textContent = t[1];
      var a = d.createElement('a');
      a.className = 'deflect-contact';
      a.href = host.dataset.contact || 'mailto:support@example.com';
      a.textContent = t[2];
      var x = d.createElement('button');
      x.type = 'button';
      x.className = 'deflect-close';
      x.setAttribute('aria-label', t[3]);
      x.textContent = '×';
      x.onclick = hideFallback;
      fallback.appendChild(x);
      fallback.appendChild(p);
      fallback.appendChild(a);
      fallback.addEventListener('keydown', function (e) { if (e.key === 'Escape') hideFallback(); });
      stub.insertBefore(fallback, launcher);
    }
    fallback.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    fallback.querySelector('a').focus();
  }
  function hideFallback() {
    if (fallback) fallback.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  launcher.addEventListener('click', function () {
    if (app === 'failed') return fallback && !fallback.hidden ? hideFallback() : showFallback();
    if (app === 'ready') wantOpen = true; // the app is taking over: it opens on arrival
    else load(true);
  });
  launcher.addEventListener('pointerdown', function () { pressed = true; });
  launcher.addEventListener('keydown', function (e) { if (e.key === ' ' || e.key === 'Enter') pressed = true; });
  // Focus, hover or touch on the launcher is a strong hint: start fetching, do not open.
  ['focus', 'pointerenter', 'touchstart'].forEach(function (t) {
    launcher.addEventListener(t, function () { load(false); }, { passive: true });
  });
  d.addEventListener('keydown', function (e) {
    if (e.altKey && e.shiftKey && (e.key === 'H' || e.key === 'h')) {
      e.preventDefault();
      call(['open']);
    }
  });

  // A link between articles opened in a new tab: the customer asked for the article.
  if (/[?&]deflect-article=/.test(location.search)) load(true);

  if (ds.load === 'idle') {
    var idle = function () { (w.requestIdleCallback || setTimeout)(function () { load(false); }); };
    if (d.readyState === 'complete') idle(); else w.addEventListener('load', idle);
  }

  w.Deflect = function () { call(arguments); };
  w.Deflect.loaded = true;
  var early = queue.splice(0);
  early.forEach(call);
})();
