import type {
  AccessReport,
  ClientDetail,
  Client,
  Consent,
  CreateClientRequest,
  CreateThreadRequest,
  EmergencyAccess,
  ErrorBody,
  GrantConsentRequest,
  LoginResponse,
  Measures,
  MedicationList,
  Me,
  Message,
  MessagePage,
  OverdueAcknowledgements,
  Provider,
  SafetyPlanChanges,
  SafetyPlanComparison,
  SafetyPlanNamedVersion,
  SafetyPlanNamedVersionPlan,
  SafetyPlanNamedVersions,
  SafetyPlanView,
  SendMessageRequest,
  Thread,
  Tokens,
} from '@sharedcare/contract';

/** A refused request: the contract's error code (`not_found`, `invalid`, ...) and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  /** The consult service's origin ('' in a page it serves: same origin). */
  baseUrl: string;
  /** The auth service's origin; defaults to baseUrl (nginx, and the demo's proxy, route /auth/ there). */
  authUrl?: string;
  /** The current access token, or undefined before sign-in. */
  token?: () => string | undefined;
  fetch?: typeof fetch;
}

type Method = 'GET' | 'POST';

async function call<T>(options: ClientOptions, base: string, method: Method, path: string, body?: unknown): Promise<T> {
  const token = options.token?.();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await (options.fetch ?? fetch)(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    // Tokens travel in the Authorization header only; no cookie is ever needed.
    credentials: 'omit',
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = (json as { error?: ErrorBody } | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'unknown',
      error?.message ?? response.statusText,
      error?.details,
    );
  }
  return json as T;
}

const query = (values: Record<string, string | number | undefined>) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
};

/** The auth service's public routes (DESIGN.md, Interfaces). */
export function authClient(options: ClientOptions) {
  const base = options.authUrl ?? options.baseUrl;
  const post = <T>(path: string, body?: unknown) => call<T>(options, base, 'POST', `/auth${path}`, body);
  return {
    login: (email: string, password: string) => post<LoginResponse>('/login', { email, password }),
    verifyMfa: (mfaToken: string, code: string) => post<Tokens>('/mfa/verify', { mfaToken, code }),
    refresh: (refreshToken: string) => post<Tokens>('/refresh', { refreshToken }),
    logout: (refreshToken: string) => post<unknown>('/logout', { refreshToken }),
    /** Signed in (options.token): a TOTP secret to confirm with a code, which turns MFA on. */
    enrollMfa: (password: string) => post<{ secret: string; otpauthUrl: string }>('/mfa/enroll', { password }),
    confirmMfa: (code: string) => post<{ mfaEnabled: true }>('/mfa/confirm', { code }),
  };
}
export type AuthClient = ReturnType<typeof authClient>;

/** The consult service's REST routes under /api (DESIGN.md, Interfaces), typed. */
export function apiClient(options: ClientOptions) {
  const get = <T>(path: string) => call<T>(options, options.baseUrl, 'GET', `/api${path}`);
  const post = <T>(path: string, body?: unknown) =>
    call<T>(options, options.baseUrl, 'POST', `/api${path}`, body ?? {});
  const id = encodeURIComponent;
  return {
    me: () => get<Me>('/me'),
    providers: (search?: string) => get<{ providers: Provider[] }>(`/providers${query({ query: search })}`),
    clients: () => get<{ clients: Client[] }>('/clients'),
    client: (clientId: string) => get<ClientDetail>(`/clients/${id(clientId)}`),
    createClient: (body: CreateClientRequest) => post<Client>('/clients', body),
    consents: (clientId: string) => get<{ consents: Consent[] }>(`/clients/${id(clientId)}/consents`),
    grantConsent: (clientId: string, body: GrantConsentRequest) =>
      post<Consent>(`/clients/${id(clientId)}/consents`, body),
    revokeConsent: (consentId: string, reason: string) =>
      post<Consent>(`/consents/${id(consentId)}/revoke`, { reason }),
    emergencyAccess: (clientId: string, reason: string) =>
      post<EmergencyAccess>(`/clients/${id(clientId)}/emergency-access`, { reason }),
    threads: (clientId: string) => get<{ threads: Thread[] }>(`/threads${query({ clientId })}`),
    thread: (threadId: string) => get<Thread>(`/threads/${id(threadId)}`),
    createThread: (body: CreateThreadRequest) => post<Thread>('/threads', body),
    messages: (threadId: string, after?: number, limit?: number) =>
      get<MessagePage>(`/threads/${id(threadId)}/messages${query({ after, limit })}`),
    send: (threadId: string, body: SendMessageRequest) => post<Message>(`/threads/${id(threadId)}/messages`, body),
    markRead: (threadId: string, uptoSeq: number) =>
      post<{ threadId: string; readSeq: number }>(`/threads/${id(threadId)}/read`, { uptoSeq }),
    acknowledge: (messageId: string) =>
      post<{ messageId: string; acknowledgedAt: string }>(`/messages/${id(messageId)}/acknowledge`),
    overdue: () => get<OverdueAcknowledgements>('/acknowledgements/overdue'),
    medications: (clientId: string) => get<MedicationList>(`/clients/${id(clientId)}/medications`),
    measures: (clientId: string) => get<Measures>(`/clients/${id(clientId)}/measures`),
    safetyPlan: (clientId: string) => get<SafetyPlanView>(`/clients/${id(clientId)}/safety-plan`),
    safetyPlanVersions: (clientId: string) => get<SafetyPlanChanges>(`/clients/${id(clientId)}/safety-plan/versions`),
    /** Names the plan as the service stores it now. */
    nameSafetyPlanVersion: (clientId: string, label: string) =>
      post<SafetyPlanNamedVersion>(`/clients/${id(clientId)}/safety-plan/named-versions`, { label }),
    namedSafetyPlanVersions: (clientId: string) =>
      get<SafetyPlanNamedVersions>(`/clients/${id(clientId)}/safety-plan/named-versions`),
    namedSafetyPlanVersion: (clientId: string, versionId: string) =>
      get<SafetyPlanNamedVersionPlan>(`/clients/${id(clientId)}/safety-plan/named-versions/${id(versionId)}`),
    /** `from` and `to`: a named version's id, a change's seq (0: the new plan), or 'current' (to's default). */
    compareSafetyPlan: (clientId: string, from: string | number, to?: string | number) =>
      get<SafetyPlanComparison>(`/clients/${id(clientId)}/safety-plan/compare${query({ from, to })}`),
    accessReport: (clientId: string, before?: number) =>
      get<AccessReport>(`/clients/${id(clientId)}/access-report${query({ before })}`),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;
