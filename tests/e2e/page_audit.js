// What a person would see wrong on the page as laid out now: returns {contrast, overlap, clipped, scroll, nesting}.
// Run by tests/e2e/test_page_audit.py through execute_script; arguments[0] caps the findings of each kind.
const cap = arguments[0];
const canvas = document.createElement("canvas");
canvas.width = canvas.height = 1;
const ctx = canvas.getContext("2d", {willReadFrequently: true});

// Any CSS colour (hex, rgb, display-p3, oklch...) as sRGB [r, g, b, a 0..1], the way the browser paints it.
function rgba(css) {
  if (!css || css === "transparent") return [0, 0, 0, 0];
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = "rgba(0,0,0,0)";
  ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2], d[3] / 255];
}
const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
function luminance(c) {
  const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function ratio(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}
const hex = c => "#" + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, "0")).join("");
const label = el => (el.id ? `#${el.id}` : el.tagName.toLowerCase() +
  (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).slice(0, 2).join(".") : ""));
const shown = el => el.checkVisibility({opacityProperty: true, visibilityProperty: true}) &&
  (r => r.width > 1 && r.height > 1)(el.getBoundingClientRect());

// The colours a text sits on: its own and its ancestors' backgrounds (pseudo-elements included, as Radix cards
// paint theirs in ::before), down to the first opaque one. A gradient counts as each of its colours.
function backdrops(el) {
  const layers = [];
  let bases = null;
  for (let node = el; node && node.nodeType === 1 && !bases; node = node.parentElement) {
    for (const pseudo of ["::after", "::before", null]) {
      const style = getComputedStyle(node, pseudo);
      if (pseudo && (style.content === "none" || style.content === "normal")) continue;
      // A pseudo-element paints behind the text only where it covers the box (a tab's underline does not).
      if (pseudo && !(parseFloat(style.height) >= node.getBoundingClientRect().height / 2)) continue;
      const image = style.backgroundImage;
      if (image && image.includes("gradient")) {
        const stops = image.match(/(rgba?|color|oklch|oklab|lab|lch|hsla?)\([^()]*\)|#[0-9a-f]{3,8}\b/gi) || [];
        bases = stops.map(rgba).map(c => over(c, [255, 255, 255, 1]));
        break;
      }
      const color = rgba(style.backgroundColor);
      if (color[3] > 0) layers.push(color);
      if (color[3] >= 1) { bases = [layers.pop()]; break; }
    }
  }
  if (!bases) bases = [document.documentElement.classList.contains("dark") ? [0, 0, 0, 1] : [255, 255, 255, 1]];
  return bases.map(base => layers.reduceRight((under, top) => over(top, under), base));
}

function opacity(el) {
  let o = 1;
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) o *= parseFloat(getComputedStyle(node).opacity);
  return o;
}

const contrast = [];
const seen = new Set();
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT,
  {acceptNode: n => n.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
for (let n = walker.nextNode(); n && contrast.length < cap; n = walker.nextNode()) {
  const el = n.parentElement;
  if (!el || seen.has(el)) continue;
  seen.add(el);
  // WCAG leaves out disabled controls and text nobody sees.
  if (el.closest("script, style, noscript, :disabled, [aria-disabled=true], [data-disabled], [aria-hidden=true]")) continue;
  if (!shown(el)) continue;
  const style = getComputedStyle(el);
  const size = parseFloat(style.fontSize);
  const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight, 10) >= 700);
  const needed = large ? 3 : 4.5;
  const fg = rgba(style.color);
  fg[3] *= opacity(el);
  for (const bg of backdrops(el)) {
    const value = ratio(over(fg, bg), bg);
    if (value < needed) {
      contrast.push(`${label(el)} "${n.nodeValue.trim().slice(0, 40)}": ${value.toFixed(2)}:1 ` +
                    `(${hex(over(fg, bg))} on ${hex(bg)}, needs ${needed}:1)`);
      break;
    }
  }
}

// Interactive elements: none may cover another, none may be cut off by the window or a clipping container.
const interactive = [...document.querySelectorAll(
  "a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=tab], [role=checkbox], " +
  "[role=radio], [role=combobox], [role=slider], [role=switch], [role=menuitem]")]
  .filter(el => shown(el) && !el.closest("[data-sonner-toaster], [aria-hidden=true]"));
const overlap = [];
for (let i = 0; i < interactive.length && overlap.length < cap; i++) {
  const a = interactive[i], ra = a.getBoundingClientRect();
  for (let j = i + 1; j < interactive.length; j++) {
    const b = interactive[j];
    if (a.contains(b) || b.contains(a)) continue;
    const rb = b.getBoundingClientRect();
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 1 && h > 1) overlap.push(`${label(a)} "${a.innerText.trim().slice(0, 30)}" and ${label(b)} "${b.innerText.trim().slice(0, 30)}"`);
  }
}
const clipped = [];
for (const el of interactive) {
  if (clipped.length >= cap) break;
  const r = el.getBoundingClientRect();
  let box = {left: 0, right: innerWidth};
  for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
    const s = getComputedStyle(node);
    if (s.overflowX !== "visible") {
      const c = node.getBoundingClientRect();
      box = {left: Math.max(box.left, c.left), right: Math.min(box.right, c.right)};
    }
  }
  if (r.left < box.left - 1 || r.right > box.right + 1)
    clipped.push(`${label(el)} "${el.innerText.trim().slice(0, 30)}" spans ${Math.round(r.left)}..${Math.round(r.right)} px, ` +
                 `visible ${Math.round(box.left)}..${Math.round(box.right)} px`);
}

// Button and tab labels broken over two lines ("Need / help?"): a text node whose line boxes start at different heights.
const wrapped = [];
for (const el of interactive) {
  if (wrapped.length >= cap) break;
  if (!el.matches("button, [role=button], [role=tab], [role=menuitem]")) continue;
  const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT,
    {acceptNode: n => n.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
  for (let n = texts.nextNode(); n; n = texts.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(n);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (lines.size > 1) {
      wrapped.push(`${label(el)} "${n.nodeValue.trim().slice(0, 30)}" takes ${lines.size} lines`);
      break;
    }
  }
}

// Block content inside a paragraph: the browser's parser splits it, so the server's HTML and React's disagree.
const nesting = [...document.querySelectorAll("p :is(p, div, h1, h2, h3, h4, h5, h6, ul, ol, table, section, form)")]
  .slice(0, cap).map(el => `${label(el)} inside ${label(el.closest("p"))}`);

const width = document.scrollingElement.scrollWidth;
return {contrast, overlap, clipped, wrapped, nesting, scroll: width > innerWidth ? `${width} px wide in a ${innerWidth} px window` : ""};
