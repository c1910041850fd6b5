// Aiguillage chat widget. A library pastes one tag into any page:
//   <script src="https://…/static/widget.js" data-bot-url="https://…/webhooks/rest/webhook" defer></script>
// Options (data- attributes): data-title, data-color (#rrggbb), data-phone (said when the assistant does not
// answer), data-lang, data-offset-bottom (room the page keeps at the bottom of the window, e.g. "5rem").
// Everything lives in a Shadow DOM, so the host page's styles and ours never mix. The launcher moves up, out of
// the way of the page's own fixed or sticky controls at the bottom of the window (docs/widget.md).
// It talks to Rasa's REST channel (docs/contract.md §2) and keeps the conversation in sessionStorage across pages.
// Bot text is only ever set with textContent: links are <a> elements built here, for http(s) addresses only.
(function () {
  "use strict";

  const script = document.currentScript || document.querySelector("script[data-bot-url]");
  if (!script || !script.dataset.botUrl) {
    return;
  }
  const TIMEOUT_MS = 15000;
  const SCALES = [1, 1.25, 1.5, 1.75, 2];
  const LEVELS = { debutant: "débutant", intermediaire: "intermédiaire", avance: "avancé" };
  const DAYS = { Mo: "lundi", Tu: "mardi", We: "mercredi", Th: "jeudi", Fr: "vendredi", Sa: "samedi", Su: "dimanche" };
  const MONTHS = { Jan: "janvier", Feb: "février", Mar: "mars", Apr: "avril", May: "mai", Jun: "juin", Jul: "juillet",
                   Aug: "août", Sep: "septembre", Oct: "octobre", Nov: "novembre", Dec: "décembre" };
  const DEFAULT_INPUT = { label: "Votre message", type: "text", autocomplete: "off" };
  const ANSWER = { label: "Votre réponse", type: "text", autocomplete: "off" };
  // The input for each `custom.ask` (docs/contract.md §4): its label says what is asked, its type picks the keyboard.
  const INPUTS = {
    site: { label: "La bibliothèque de votre choix", type: "text", autocomplete: "off" },
    slot: { label: "Le jour qui vous va", type: "text", autocomplete: "off" },
    topic: { label: "Ce que vous voulez faire", type: "text", autocomplete: "off" },
    level: ANSWER,
    consent: ANSWER,
    contact: { label: "Votre numéro de téléphone", type: "tel", autocomplete: "tel", other: "email" },
    email: { label: "Votre adresse e-mail", type: "email", autocomplete: "email", other: "contact" },
    first_name: { label: "Votre prénom", type: "text", autocomplete: "given-name", autocapitalize: "words" },
    booking_code: { label: "Votre code de rendez-vous", type: "text", autocomplete: "off",
                    autocapitalize: "characters", spellcheck: "false" },
    commune: { label: "Votre commune ou son code postal", type: "text", autocomplete: "address-level2" },
  };
  const SWITCH_TEXT = { email: "J'ai plutôt une adresse e-mail", contact: "J'ai plutôt un téléphone" };

  const config = {
    botUrl: script.dataset.botUrl,
    title: script.dataset.title || "Aide numérique",
    color: /^#[0-9a-f]{6}$/i.test(script.dataset.color || "") ? script.dataset.color : "#0b4f9c",
    phone: script.dataset.phone || "",
    lang: script.dataset.lang || "fr",
    offsetBottom: /^(0|\d+(\.\d+)?(px|rem|em))$/.test(script.dataset.offsetBottom || "")
      ? script.dataset.offsetBottom : "",
  };
  const scriptUrl = new URL(script.src, document.baseURI);
  const storageKey = "aiguillage:" + config.botUrl;
  const state = load();
  const speech = window.speechSynthesis;
  let busy = false;
  let speaking = null; // the "Écouter" button whose message is being read

  // --- Stored conversation ---------------------------------------------------------------------------------

  function newSender() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (byte) { return byte.toString(16).padStart(2, "0"); }).join("");
  }

  function load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storageKey));
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.turns)) {
        return saved;
      }
    } catch (error) {
      // No storage, or a damaged entry: start a new conversation.
    }
    return { sender: newSender(), open: false, scale: 0, turns: [] };
  }

  function save() {
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(state));
    } catch (error) {
      // Private browsing without storage: the conversation lasts as long as the page.
    }
  }

  // --- Building elements, never from HTML --------------------------------------------------------------------

  function el(tag, attributes, children) {
    const element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      element.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      element.append(child);
    });
    return element;
  }

  function button(text, onClick, attributes) {
    const element = el("button", Object.assign({ type: "button" }, attributes), [text]);
    element.addEventListener("click", onClick);
    return element;
  }

  // The address if it is http(s), else null: javascript:, data:, null and the like never become links.
  function safeUrl(value) {
    if (typeof value !== "string" || !value) {
      return null;
    }
    try {
      const url = new URL(value, document.baseURI);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function link(text, href) {
    return el("a", { href: href, rel: "noopener noreferrer" }, [text]);
  }

  // A link to another site opens a new tab, which its name announces: the conversation stays where it is.
  function externalLink(text, href) {
    const element = link(text, href);
    element.target = "_blank";
    element.append(el("span", { class: "visually-hidden" }, [" (nouvel onglet)"]));
    return element;
  }

  // Text with its http(s) addresses made links; the end punctuation of a sentence stays out of the link.
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    const pattern = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)»]/g;
    let start = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      const href = safeUrl(match[0]);
      fragment.append(text.slice(start, match.index), href ? link(match[0], href) : match[0]);
      start = match.index + match[0].length;
    }
    fragment.append(text.slice(start));
    return fragment;
  }

  function telHref(phone) {
    return "tel:" + String(phone).replace(/[^\d+]/g, "");
  }

  // "+33261910201" → "02 61 91 02 01"; other numbers as they are.
  function phoneText(phone) {
    const french = /^\+33(\d{9})$/.exec(phone);
    return french ? ("0" + french[1]).replace(/(\d\d)(?=\d)/g, "$1 ") : phone;
  }

  function time(hours, minutes) {
    return Number(hours) + " h " + minutes;
  }

  // "Jul,Aug" → "en juillet et août", "Jul-Aug" → "de juillet à août".
  function monthsText(months) {
    const names = months.replace(/[A-Z][a-z]{2}/g, function (month) { return MONTHS[month]; });
    return names.indexOf("-") >= 0 ? "de " + names.replace("-", " à ")
      : "en " + names.replace(/,([^,]*)$/, " et $1").replace(/,/g, ", ");
  }

  // OpenStreetMap opening hours in plain French: "Mo-Fr 08:30-12:00; Jul,Aug Sa 10:00-12:00; PH off" →
  // "Du lundi au vendredi de 8 h 30 à 12 h 00. En juillet et août : samedi de 10 h 00 à 12 h 00. Fermé les jours
  // fériés." Unknown parts stay as they are.
  function hoursText(spec) {
    const day = "(Mo|Tu|We|Th|Fr|Sa|Su)";
    const month = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    const text = String(spec)
      .replace(/"([^"]*)"/g, "($1)")
      .replace(/(\d\d):(\d\d)-(\d\d):(\d\d)/g, function (_, h1, m1, h2, m2) {
        return "de " + time(h1, m1) + " à " + time(h2, m2);
      })
      .replace(/,\s*de /g, " et de ")
      .replace(/\bPH off\b/g, "fermé les jours fériés")
      .replace(new RegExp("\\b(" + month + ") off\\b", "g"), function (_, name) { return "fermé en " + MONTHS[name]; })
      .replace(new RegExp("\\b(" + month + "(?:[,-]" + month + ")*) ", "g"), function (_, months) {
        return monthsText(months) + " : ";
      })
      .replace(/\boff\b/g, "fermé")
      .replace(new RegExp("\\b" + day + "-" + day + "\\b", "g"), function (_, first, last) {
        return "du " + DAYS[first] + " au " + DAYS[last];
      })
      .replace(new RegExp("\\b" + day + "\\b", "g"), function (_, name) { return DAYS[name]; })
      .replace(/,(?=\S)/g, ", ")
      .split(/\s*;\s*/)
      .map(function (part) { return part.charAt(0).toUpperCase() + part.slice(1); })
      .join(". ");
    return text + ".";
  }

  // --- Rendering messages ----------------------------------------------------------------------------------

  function card(heading, lines) {
    return el("div", { class: "card" }, [el("h3", {}, [heading])].concat(lines.filter(Boolean)));
  }

  function tutorialCard(tutorial) {
    const href = safeUrl(tutorial.url);
    const level = LEVELS[tutorial.level] || tutorial.level;
    return card(String(tutorial.title), [
      el("p", {}, ["Fiche pas à pas" + (level ? ", niveau " + level : "") + "."]),
      href && el("p", {}, [link("Lire la fiche", href)]),
    ]);
  }

  // The place on OpenStreetMap, or null when it has no coordinates.
  function mapHref(place) {
    const lat = place.latitude;
    const lon = place.longitude;
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) {
      return null;
    }
    return "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon;
  }

  // « Appeler le 02 61 91 02 01 », its number kept on one line when it fits.
  function callLink(phone) {
    const call = link("Appeler le ", telHref(phone));
    call.append(el("span", { class: "number" }, [phoneText(String(phone))]));
    return call;
  }

  // « Appeler » (a big tel: link), « Voir sur la carte » with coordinates, « Site internet » with an http(s) url,
  // « Prendre rendez-vous en ligne » when the place books online.
  function placeActions(place) {
    const map = mapHref(place);
    const website = safeUrl(place.url);
    const booking = safeUrl(place.booking_url);
    const actions = [
      place.phone && callLink(place.phone),
      map && externalLink("Voir sur la carte", map),
      booking && booking !== website && externalLink("Prendre rendez-vous en ligne", booking),
      website && externalLink("Site internet", website),
    ].filter(Boolean);
    return actions.length ? el("div", { class: "actions" }, actions) : null;
  }

  // What partner and site cards show: name, address, open or closed now (unknown hours: no colour), hours, the
  // actions, then `lines`.
  function placeCard(place, lines) {
    const state = place.open_now === true ? "status open" : place.open_now === false ? "status closed" : "status";
    return card(String(place.name), [
      place.address && el("p", {}, [String(place.address)]),
      place.status && el("p", { class: state }, [String(place.status)]),
      place.opening_hours && el("p", {}, ["Horaires : " + hoursText(place.opening_hours)]),
      placeActions(place),
    ].concat(lines));
  }

  function services(labels) {
    const items = (Array.isArray(labels) ? labels : []).map(function (label) { return el("li", {}, [String(label)]); });
    return items.length ? [el("p", {}, ["Sur place :"]), el("ul", { class: "services" }, items)] : [];
  }

  // A partner place: how far, free, itinerant (the national data's « lieux de médiation numérique » say so).
  function partnerCard(place) {
    const kilometres = Number(place.distance_km);
    const facts = [
      place.distance_km != null && Number.isFinite(kilometres) &&
        (kilometres < 1 ? "À moins d'un kilomètre" : "À " + Math.round(kilometres) + " km"),
      place.free === true && "Gratuit",
      place.itinerant === true && "Lieu itinérant : appelez avant de venir",
    ].filter(Boolean);
    return placeCard(place, facts.length ? [el("p", {}, [facts.join(" · ")])] : []);
  }

  function siteCard(site) {
    return placeCard(site, [
      site.how_to_come && el("p", {}, [String(site.how_to_come)]),
      site.accessibility && el("p", {}, ["Accessibilité : " + String(site.accessibility)]),
    ].concat(services(site.services)));
  }

  function bookingCard(booking) {
    const code = String(booking.code);
    if (booking.status === "cancelled") {
      return card("Rendez-vous annulé", [el("p", {}, ["Code : " + code])]);
    }
    const when = new Intl.DateTimeFormat("fr-FR", {
      weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit", timeZone: "Europe/Paris",
    }).format(new Date(booking.start));
    const calendar = new URL("/rendez-vous/" + encodeURIComponent(code) + ".ics", scriptUrl).href;
    return card("Votre rendez-vous", [
      el("p", {}, ["Le " + when + "."]),
      el("p", {}, ["Votre code : ", el("strong", {}, [code])]),
      el("p", {}, [link("Ajouter à mon agenda", calendar)]),
    ]);
  }

  // The visible part of one message of the REST channel, or null (custom.triage and custom.ask show nothing).
  function content(item) {
    const custom = item.custom || {};
    if (custom.partner) {
      return partnerCard(custom.partner);
    }
    if (custom.site) {
      return siteCard(custom.site);
    }
    if (item.text) {
      return el("p", { class: "text" }, [linkified(String(item.text))]);
    }
    if (custom.tutorial) {
      return tutorialCard(custom.tutorial);
    }
    if (custom.booking) {
      return bookingCard(custom.booking);
    }
    return null;
  }

  // Rasa's REST channel sends a message's text and its custom apart: a text just before a partner or site card is
  // the card's one-line summary, which « Écouter » reads and the card shows.
  function isCardSummary(items, index) {
    const next = items[index + 1] || {};
    const custom = next.custom || {};
    return Boolean(items[index].text && !next.text && (custom.partner || custom.site));
  }

  // What « Écouter » reads of a turn: the text of each message in order, card summaries included.
  function spokenText(items) {
    return items.map(function (item) { return String(item.text || "").trim(); }).filter(Boolean).join("\n");
  }

  function listenButton(text) {
    const listen = button("Écouter", function () {
      const wasSpeaking = speaking === listen;
      stopSpeaking();
      if (wasSpeaking) {
        return;
      }
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = config.lang === "fr" ? "fr-FR" : config.lang;
      utterance.addEventListener("end", function () {
        if (speaking === listen) {
          stopSpeaking();
        }
      });
      speaking = listen;
      listen.textContent = "Arrêter";
      speech.speak(utterance);
    }, { class: "listen" });
    return listen;
  }

  function stopSpeaking() {
    if (speaking) {
      speaking.textContent = "Écouter";
      speaking = null;
    }
    if (speech) {
      speech.cancel();
    }
  }

  // « Écouter » at the end of `message`, reading `text`, where the browser can speak.
  function addListen(message, text) {
    if (speech && text) {
      message.append(listenButton(text));
    }
  }

  function botMessage(said) {
    return el("div", { class: "message bot" }, [el("span", { class: "visually-hidden" }, ["L'assistant : "]), said]);
  }

  function patronMessage(text) {
    return el("div", { class: "message patron" }, [el("span", { class: "visually-hidden" }, ["Vous : "]), el("p", { class: "text" }, [text])]);
  }

  function choices(items) {
    const group = el("div", { class: "choices", role: "group", "aria-label": "Choisissez une réponse" });
    items.forEach(function (item) {
      (item.buttons || []).forEach(function (choice) {
        group.append(button(String(choice.title), function () {
          send(String(choice.payload), String(choice.title));
        }));
      });
    });
    return group.childElementCount ? group : null;
  }

  // A bot turn: its messages, one « Écouter » for the whole turn after the last one, then its buttons.
  function botTurn(items, withChoices) {
    const fragment = document.createDocumentFragment();
    let last = null;
    items.forEach(function (item, index) {
      const said = !isCardSummary(items, index) && content(item);
      if (said) {
        last = botMessage(said);
        fragment.append(last);
      }
    });
    if (last) {
      addListen(last, spokenText(items));
    }
    const group = withChoices && choices(items);
    if (group) {
      fragment.append(group);
    }
    return fragment;
  }

  function turnNode(turn, isLast) {
    return turn.from === "patron" ? patronMessage(turn.text) : botTurn(turn.items, isLast);
  }

  function lastAsk(items) {
    const asks = items.filter(function (item) { return item.custom && item.custom.ask; });
    return asks.length ? String(asks[asks.length - 1].custom.ask) : null;
  }

  // --- The widget ------------------------------------------------------------------------------------------

  const host = el("div", { class: "aiguillage-widget" });
  host.style.setProperty("--accent", config.color);
  host.style.setProperty("--on-accent", textColourOn(config.color));
  // The room a page reserves is a length: any other value of its --aiguillage-offset-bottom counts as none.
  try {
    CSS.registerProperty({ name: "--aiguillage-offset-bottom", syntax: "<length>", inherits: true,
                           initialValue: "0px" });
  } catch (error) {
    // Registered already (another copy of the widget on the page), or a browser that cannot.
  }
  if (config.offsetBottom) {
    host.style.setProperty("--aiguillage-offset-bottom", config.offsetBottom);
  }
  host.style.setProperty("--aiguillage-lift", "0px");
  host.style.display = "none"; // until the stylesheet is loaded
  const root = host.attachShadow({ mode: "open" });
  const stylesheet = el("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href });
  ["load", "error"].forEach(function (event) {
    stylesheet.addEventListener(event, function () {
      host.style.removeProperty("display");
      place();
    });
  });
  const launcher = button("Besoin d'aide ?", function () { setOpen(true); },
                          { class: "launcher", "aria-expanded": "false", "aria-controls": "panel" });
  const title = el("h2", { id: "title" }, [config.title]);
  const smaller = button("A-", function () { setScale(state.scale - 1); }, { "aria-label": "A- : texte plus petit" });
  const bigger = button("A+", function () { setScale(state.scale + 1); }, { "aria-label": "A+ : texte plus grand" });
  const close = button("Fermer", function () { setOpen(false); }, { class: "close" });
  const log = el("div", { class: "log", role: "log", "aria-label": "Conversation", tabindex: "0" });
  const typing = el("p", { class: "typing", role: "status" });
  const label = el("label", { for: "input" });
  const input = el("input", { id: "input", name: "message" });
  const inputSwitch = button("", function () { setInput(INPUTS[input.dataset.other]); input.focus(); },
                             { class: "switch" });
  const form = el("form", { novalidate: "" }, [
    label, el("div", { class: "row" }, [input, el("button", { type: "submit" }, ["Envoyer"])]), inputSwitch,
  ]);
  const panel = el("section", { id: "panel", class: "panel", role: "dialog", "aria-modal": "false",
                                "aria-labelledby": "title", lang: config.lang }, [
    el("div", { class: "header" }, [title, el("div", { class: "tools" }, [smaller, bigger, close])]),
    log, typing, form,
  ]);
  root.append(stylesheet, el("aside", { "aria-label": "Assistant : " + config.title, lang: config.lang },
                                     [launcher, panel]));

  // Black or white, whichever contrasts more with the library's colour (WCAG relative luminance).
  function textColourOn(hex) {
    const channels = [1, 3, 5].map(function (at) {
      const value = parseInt(hex.slice(at, at + 2), 16) / 255;
      return value <= 0.03928 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4);
    });
    const luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
    return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#000000" : "#ffffff";
  }

  function setInput(spec) {
    ["type", "autocomplete", "autocapitalize", "spellcheck", "data-other"].forEach(function (name) {
      input.removeAttribute(name);
    });
    label.textContent = spec.label;
    input.type = spec.type;
    input.setAttribute("autocomplete", spec.autocomplete);
    if (spec.autocapitalize) {
      input.setAttribute("autocapitalize", spec.autocapitalize);
    }
    if (spec.spellcheck) {
      input.setAttribute("spellcheck", spec.spellcheck);
    }
    inputSwitch.hidden = !spec.other;
    if (spec.other) {
      input.dataset.other = spec.other;
      inputSwitch.textContent = SWITCH_TEXT[spec.other];
    }
  }

  function setScale(index) {
    state.scale = Math.max(0, Math.min(SCALES.length - 1, index));
    panel.style.setProperty("--scale", String(SCALES[state.scale]));
    smaller.disabled = state.scale === 0;
    bigger.disabled = state.scale === SCALES.length - 1;
    save();
  }

  function setOpen(open) {
    state.open = open;
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    save();
    place();
    if (open) {
      log.scrollTop = log.scrollHeight;
      input.focus();
    } else {
      stopSpeaking();
      launcher.focus();
    }
  }

  // --- Out of the way of the page's own controls ------------------------------------------------------------
  // The launcher (and the panel, when it does not fill the window) sits at the bottom right, above the room the
  // page reserves (--aiguillage-offset-bottom), and above whatever of the page it would cover there that stays put
  // while the page scrolls (a fixed or sticky element: a step bar, a cookie banner) or has the keyboard focus
  // (WCAG 2.4.11). The points of its own box are probed with document.elementsFromPoint, at most every 100 ms, on
  // load, resize, scroll, focus changes, the end of transitions and changes of the page. It never goes above the
  // middle of the window: what starts higher cannot be avoided by moving up.

  const GAP = 8; // px between the page's element and ours
  const PROBE_STEP = 20; // px between probed points: below the smallest target WCAG 2.5.8 allows (24 px)
  const PANEL_STRIP = 48; // px: how high a strip of the panel's bottom is probed
  const fullWindow = window.matchMedia("(max-width: 30rem), (max-height: 30rem)");
  let lift = 0; // px the launcher and panel are moved up
  let planned = false;
  let lastPlaced = 0;

  // The top of `element` if the page keeps it in place while it scrolls (fixed or sticky), else null.
  function pinnedTop(element, seen) {
    if (!seen.has(element)) {
      const position = element === host ? "" : getComputedStyle(element).position;
      seen.set(element, position === "fixed" || position === "sticky" ? element.getBoundingClientRect().top : null);
    }
    return seen.get(element);
  }

  // The tops of the page's pinned elements and of its focused element found in the box (viewport pixels).
  function obstacles(box, seen) {
    const tops = [];
    const columns = Math.max(1, Math.ceil((box.right - box.left) / PROBE_STEP));
    const rows = Math.max(1, Math.ceil((box.bottom - box.top) / PROBE_STEP));
    for (let column = 0; column <= columns; column++) {
      for (let row = 0; row <= rows; row++) {
        const x = box.left + 1 + (box.right - box.left - 2) * column / columns;
        const y = box.top + 1 + (box.bottom - box.top - 2) * row / rows;
        document.elementsFromPoint(x, y).forEach(function (element) {
          const top = pinnedTop(element, seen);
          if (top !== null) {
            tops.push(top);
          }
        });
      }
    }
    const focused = document.activeElement;
    if (focused && focused !== host && focused !== document.body && focused !== document.documentElement) {
      const rect = focused.getBoundingClientRect();
      if (rect.left < box.right && rect.right > box.left && rect.top < box.bottom && rect.bottom > box.top) {
        tops.push(rect.top);
      }
    }
    return tops;
  }

  // Move the launcher, or the open panel, up above what of the page it would cover; back down when it is gone.
  function place() {
    const floating = state.open ? panel : launcher;
    const box = floating.getBoundingClientRect();
    if (state.open && fullWindow.matches) {
      setLift(0);
      return;
    }
    if (!box.width) {
      return; // not shown yet
    }
    const middle = window.innerHeight / 2;
    const height = state.open ? PANEL_STRIP : box.height;
    const lowest = box.bottom + lift; // its bottom edge, not lifted
    const seen = new Map();
    let bottom = lowest;
    for (let round = 0; round < 8; round++) {
      const top = Math.max(bottom - height, middle);
      const tops = top < bottom ? obstacles({ left: box.left, right: box.right, top: top, bottom: bottom }, seen)
        .filter(function (value) { return value >= middle && value < bottom; }) : [];
      if (!tops.length) {
        break;
      }
      bottom = Math.min.apply(null, tops) - GAP;
    }
    setLift(Math.max(0, Math.round(lowest - bottom)));
  }

  function setLift(value) {
    if (value !== lift) {
      lift = value;
      host.style.setProperty("--aiguillage-lift", value + "px");
    }
  }

  // place() on the next frame, at most every 100 ms.
  function schedule() {
    if (planned) {
      return;
    }
    planned = true;
    setTimeout(function () {
      requestAnimationFrame(function () {
        planned = false;
        lastPlaced = performance.now();
        place();
      });
    }, Math.max(0, lastPlaced + 100 - performance.now()));
  }

  function removeChoices() {
    log.querySelectorAll(".choices, .outage").forEach(function (node) { node.remove(); });
  }

  function append(node) {
    log.append(node);
    log.scrollTop = log.scrollHeight;
  }

  function setBusy(value) {
    busy = value;
    typing.textContent = value ? "L'assistant écrit" : "";
    typing.classList.toggle("active", value);
  }

  function outage(message) {
    const said = el("p", { class: "text" }, ["Désolé, l'assistant ne répond pas pour le moment. "]);
    if (config.phone) {
      said.append("Appelez la médiathèque au ", link(config.phone, telHref(config.phone)), ".");
    } else {
      said.append("Demandez à l'accueil de la médiathèque.");
    }
    const node = botMessage(said);
    node.classList.add("outage");
    addListen(node, said.textContent);
    node.append(button("Réessayer", function () {
      node.remove();
      input.focus();
      post(message);
    }));
    return node;
  }

  // Post one message to the REST channel and show the answer, or the outage message with the phone number.
  async function post(message) {
    setBusy(true);
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    try {
      const response = await fetch(config.botUrl, {
        method: "POST", headers: { "Content-Type": "application/json" }, signal: controller.signal,
        body: JSON.stringify({ sender: state.sender, message: message }),
      });
      const items = response.ok ? await response.json() : null;
      if (!Array.isArray(items)) {
        throw new Error("the assistant answered " + response.status);
      }
      if (items.some(function (item) { return item.custom && item.custom.forget === true; })) {
        forgetConversation();
      }
      state.turns.push({ from: "bot", items: items });
      save();
      setInput(INPUTS[lastAsk(items)] || DEFAULT_INPUT);
      append(botTurn(items, true));
    } catch (error) {
      append(outage(message));
    } finally {
      clearTimeout(timer);
      setBusy(false);
    }
  }

  // « Supprimer mes données » done (custom.forget): the page forgets the conversation too, and starts a new one.
  function forgetConversation() {
    state.sender = newSender();
    state.turns = [];
    log.replaceChildren();
  }

  // The patron says something: `shown` in the conversation, `message` (text or a button's payload) to the bot.
  function send(message, shown) {
    if (busy || !message.trim()) {
      return;
    }
    removeChoices();
    state.turns.push({ from: "patron", text: shown });
    save();
    append(patronMessage(shown));
    setInput(DEFAULT_INPUT);
    input.focus();
    post(message);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    send(text, text);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      setOpen(false);
    }
  });
  window.addEventListener("pagehide", stopSpeaking);
  ["load", "resize"].forEach(function (event) { window.addEventListener(event, schedule); });
  ["scroll", "focusin", "focusout", "transitionend", "animationend"].forEach(function (event) {
    document.addEventListener(event, schedule, { capture: true, passive: true });
  });
  new MutationObserver(function (changes) {
    if (changes.some(function (change) { return change.target !== host; })) {
      schedule();
    }
  }).observe(document.body, { childList: true, subtree: true, attributes: true,
                              attributeFilter: ["class", "style", "hidden", "open"] });

  // The saved conversation goes in before the log is in the page, so screen readers do not announce it again.
  state.turns.forEach(function (turn, index) {
    log.append(turnNode(turn, index === state.turns.length - 1));
  });
  const last = state.turns[state.turns.length - 1];
  setInput((last && last.from === "bot" && INPUTS[lastAsk(last.items)]) || DEFAULT_INPUT);
  setScale(state.scale);
  panel.hidden = !state.open;
  launcher.hidden = state.open;
  launcher.setAttribute("aria-expanded", String(state.open));
  document.body.append(host);
  log.scrollTop = log.scrollHeight;
})();
