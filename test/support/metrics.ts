import { ERROR_CODES, HTTP_METHODS, OTHER_LABEL, REFUSAL_TRANSPORTS, STATUS_CLASSES } from '@sharedcare/common';

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text format prom-client serves (`name{label="value",...} number`). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

export async function scrape(url: string): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`scrape of ${url} answered ${response.status}`);
  const text = await response.text();
  return { text, samples: parseExposition(text) };
}

/** The value of one series, or undefined when the scrape has none with exactly these labels. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  return samples.find(
    (sample) =>
      sample.name === name &&
      Object.keys(sample.labels).length === wanted.length &&
      wanted.every(([label, value]) => sample.labels[label] === value),
  )?.value;
}

export type AllowedValues = readonly string[] | RegExp;

/**
 * Every label a scrape may carry, with the values it may take. Ours are closed lists; prom-client's
 * default process metrics name Node's own heap spaces, GC kinds, resource types and version.
 * A label not listed here fails the check, so a new label must be added here, and reviewed.
 */
export function allowedLabels(service: { routes: AllowedValues; events?: AllowedValues }) {
  return {
    method: [...HTTP_METHODS, OTHER_LABEL],
    route: service.routes,
    status_class: STATUS_CLASSES,
    code: ERROR_CODES,
    transport: REFUSAL_TRANSPORTS,
    event: service.events ?? [],
    le: /^(\+Inf|\d+(\.\d+)?(e[-+]\d+)?)$/,
    space: /^[a-z_]+$/,
    kind: ['major', 'minor', 'incremental', 'weakcb'],
    type: /^[A-Za-z]+$/,
    version: /^v\d+\.\d+\.\d+$/,
    major: /^\d+$/,
    minor: /^\d+$/,
    patch: /^\d+$/,
  } satisfies Record<string, AllowedValues>;
}

/** `name{label="value"}` for every label value outside the allow-list (none, in a passing test). */
export function labelsOutside(samples: Sample[], allowed: Record<string, AllowedValues>): string[] {
  const outside = new Set<string>();
  for (const sample of samples) {
    for (const [label, value] of Object.entries(sample.labels)) {
      const values = allowed[label];
      const ok = values === undefined ? false : values instanceof RegExp ? values.test(value) : values.includes(value);
      if (!ok) outside.add(`${sample.name}{${label}="${value}"}`);
    }
  }
  return [...outside];
}
