import type { Request } from 'express';
import { errorCodeForStatus, knownErrorCode, routeTemplate, ServiceMetrics, statusClass } from './service-metrics.js';

describe('service metrics labels', () => {
  it('reads the contract code of a refusal from its status, as ContractExceptionFilter sets it', () => {
    expect([200, 201, 304].map(errorCodeForStatus)).toEqual([undefined, undefined, undefined]);
    expect([400, 401, 403, 404, 409, 429, 500].map(errorCodeForStatus)).toEqual([
      'invalid',
      'unauthenticated',
      'consent_required',
      'not_found',
      'conflict',
      'rate_limited',
      'internal',
    ]);
    expect([413, 415, 418, 502].map(errorCodeForStatus)).toEqual(['invalid', 'invalid', 'invalid', 'internal']);
    expect(knownErrorCode('dana@example.org')).toBe('internal');
  });

  it('labels a request by its route template, never by its path', () => {
    const request = (route: unknown, baseUrl = '') =>
      ({ route, baseUrl, path: '/api/clients/x' }) as unknown as Request;
    expect(routeTemplate(request({ path: '/api/clients/:clientId' }))).toBe('/api/clients/:clientId');
    expect(routeTemplate(request(undefined))).toBe('unmatched');
    expect(routeTemplate(request({ path: '/api*path' }))).toBe('unmatched');
    expect([101, 204, 302, 404, 503, 99, 600].map(statusClass)).toEqual([
      '1xx',
      '2xx',
      '3xx',
      '4xx',
      '5xx',
      '1xx',
      '5xx',
    ]);
  });

  it('counts a method no route serves as other', async () => {
    const metrics = new ServiceMetrics();
    metrics.httpRequestFinished('PROPFIND', 'unmatched', 404);
    const text = await metrics.registry.getSingleMetricAsString('sharedcare_http_requests_total');
    expect(text).toContain('sharedcare_http_requests_total{method="other",route="unmatched",status_class="4xx"} 1');
    expect(await metrics.registry.getSingleMetricAsString('sharedcare_refusals_total')).toContain(
      'sharedcare_refusals_total{code="not_found",transport="http"} 1',
    );
  });
});
