// axe-core in the page: its script is served by the loopback renderer server (same origin, so the page's strict
// CSP allows it without bypassing anything), then axe.run checks the whole document.
import type { Page } from '@playwright/test';

export const AXE_PATH = '/__test__/axe.min.js';

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Every violation as one readable line: rule, impact, help, and the elements that fail it. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ url: AXE_PATH });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[]; passes: unknown[] }> };
      }
    ).axe;
    const results = await axe.run(document, { resultTypes: ['violations'] });
    return { violations: results.violations, passes: results.passes.length };
  });
  // A run that checked (almost) nothing would also report no violations: make sure it really looked.
  if (violations.passes < 10) throw new Error(`axe checked only ${violations.passes} rules: was the page empty?`);
  return violations.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`).join('; ')}`,
  );
}
