// Builds the <iframe> snippet the city web team pastes into its site, with a live
// preview of the same page served from here.

const form = document.getElementById('options');
const code = document.getElementById('code');
const preview = document.getElementById('preview');
// The snippet points at the server's public address when it has one (`[server]
// public_url`, from the summary: an admin may open this page through an internal
// address the city's visitors cannot reach), else at this page's own address. The
// preview always loads from this page's address (the page may only frame itself).
// A published map (`sigap publish`, <html data-static="1">) has the embed beside this
// page as index.html and its summary in data/.
const STATIC = document.documentElement.dataset.static === '1';
const localEmbed = new URL(STATIC ? 'index.html' : '../embed', window.location.href);
let sharedEmbed = localEmbed;

function escapeAttr(s) {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function update() {
  const f = new FormData(form);
  const url = new URL(localEmbed);
  for (const k of ['indicator', 'period', 'lang']) if (f.get(k)) url.searchParams.set(k, f.get(k));
  const shared = new URL(`${sharedEmbed.href}${url.search}`);
  const width = /^\d+(px|%)?$/.test(f.get('width')) ? f.get('width') : '100%';
  const height = Math.min(2000, Math.max(200, Number(f.get('height')) || 480));
  code.value = `<iframe src="${escapeAttr(shared.href)}" title="Peta stunting" width="${escapeAttr(width)}" height="${height}" `
    + 'style="border:0" loading="lazy" referrerpolicy="no-referrer"></iframe>';
  if (preview.src !== url.href) preview.src = url.href;
  preview.style.height = `${height}px`;
}

async function periods() {
  const r = await fetch(new URL(STATIC ? 'data/summary.json' : '../public/api/summary', window.location.href));
  if (!r.ok) return;
  const summary = await r.json();
  if (summary.public_url && !STATIC) sharedEmbed = new URL('embed', `${summary.public_url.replace(/\/+$/, '')}/`);
  const select = form.elements.period;
  for (const p of summary.periods ?? []) select.append(new Option(p, p));
}

form.addEventListener('input', update);
document.getElementById('copy').addEventListener('click', async () => {
  code.select();
  try {
    await navigator.clipboard.writeText(code.value);
    document.getElementById('copied').textContent = 'Tersalin.';
  } catch {
    document.getElementById('copied').textContent = 'Salin dengan Ctrl+C.';
  }
});
periods().finally(update);
