import type { PlanItem, PlanSectionJson } from './safety-plan-document.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

const STYLE = `
body { font: 12pt/1.45 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 1.6rem; margin-bottom: .25rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .2rem; border-bottom: 1px solid #999; }
.help { color: #444; font-size: .9rem; margin: 0 0 .4rem; }
.empty { color: #777; font-style: italic; }
.phone { white-space: nowrap; font-weight: 600; }
@media print { body { margin: 0; max-width: none; } section { break-inside: avoid; } a { color: inherit; } }
`;

function itemHtml(item: PlanItem): string {
  const parts = [
    item.name ? `<strong>${escapeHtml(item.name)}</strong>` : '',
    item.phone ? `<span class="phone">${escapeHtml(item.phone)}</span>` : '',
    item.text ? escapeHtml(item.text) : '',
  ].filter((part) => part !== '');
  return `<li>${parts.join(' — ')}</li>`;
}

/** A printable page of the plan for the client to take home; every value is escaped. */
export function renderPlanHtml(sections: PlanSectionJson[], printedAt: Date): string {
  const body = sections
    .map(
      (section, index) => `<section>
<h2>${index + 1}. ${escapeHtml(section.heading)}</h2>
<p class="help">${escapeHtml(section.help)}</p>
${section.items.length === 0 ? '<p class="empty">Nothing written here yet.</p>' : `<ul>${section.items.map(itemHtml).join('')}</ul>`}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>My safety plan</title>
<style>${STYLE}</style>
</head>
<body>
<h1>My safety plan</h1>
<p class="help">Printed ${escapeHtml(printedAt.toISOString().slice(0, 10))}. In an emergency call 911; for a crisis call or text 988.</p>
${body}
</body>
</html>
`;
}
