import { createPlanDocument, planToJson } from './safety-plan-document.js';
import { escapeHtml, renderPlanHtml } from './safety-plan-html.js';

describe('the printable safety plan', () => {
  it('escapes every value written into the page', () => {
    const sections = planToJson(createPlanDocument());
    sections[3].items.push({ text: '<script>alert(1)</script>', name: 'A & "B"', phone: "<img src=x onerror='y'>" });
    const html = renderPlanHtml(sections, new Date('2026-03-01T10:00:00Z'));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('A &amp; &quot;B&quot;');
    expect(html).toContain('&lt;img src=x onerror=&#39;y&#39;&gt;');
    expect(html).toContain('Printed 2026-03-01');
  });

  it('lists the sections in plan order, numbered, with 988', () => {
    const sections = planToJson(createPlanDocument());
    const html = renderPlanHtml(sections, new Date());
    const positions = sections.map((section, n) => html.indexOf(`${n + 1}. ${escapeHtml(section.heading)}`));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html).toContain('988 Suicide &amp; Crisis Lifeline');
  });
});
