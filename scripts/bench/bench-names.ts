/** The token issuer and audience the benchmark's consult service trusts (no auth service runs). */
export const BENCH_ISSUER = 'http://bench.invalid';
export const BENCH_AUDIENCE = 'sharedcare-api';
