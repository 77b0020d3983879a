// Builds the <iframe> snippet the city web team pastes into its site, with a live
// preview of exactly that snippet's page.

const form = document.getElementById('options');
const code = document.getElementById('code');
const preview = document.getElementById('preview');
const embedUrl = new URL('../embed', window.location.href);

function escapeAttr(s) {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function update() {
  const f = new FormData(form);
  const url = new URL(embedUrl);
  for (const k of ['indicator', 'period', 'lang']) if (f.get(k)) url.searchParams.set(k, f.get(k));
  const width = /^\d+(px|%)?$/.test(f.get('width')) ? f.get('width') : '100%';
  const height = Math.min(2000, Math.max(200, Number(f.get('height')) || 480));
  code.value = `<iframe src="${escapeAttr(url.href)}" title="Peta stunting" width="${escapeAttr(width)}" height="${height}" `
    + 'style="border:0" loading="lazy" referrerpolicy="no-referrer"></iframe>';
  if (preview.src !== url.href) preview.src = url.href;
  preview.style.height = `${height}px`;
}

async function periods() {
  const r = await fetch(new URL('../public/api/summary', window.location.href));
  if (!r.ok) return;
  const select = form.elements.period;
  for (const p of (await r.json()).periods ?? []) select.append(new Option(p, p));
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
