import type { ErrorBody } from './error-vocabulary.js';
import type { AttestationMethod, ConsentCategory, ConsentPurpose, ConsentStatus } from './consent-vocabulary.js';
import type {
  Instrument,
  MedicationAction,
  MessageKind,
  ReferralDirection,
  ReferralStatus,
  RiskLevel,
} from './message-vocabulary.js';

/**
 * The JSON that crosses the wire (DESIGN.md, Interfaces), as clients read it: dates are ISO
 * strings. The services' OpenAPI document (/docs-json) is the full reference.
 */

export type Role = 'therapist' | 'psychiatrist' | 'care_manager' | 'primary_care' | 'admin';

// Auth service

export interface LoginRequest {
  email: string;
  password: string;
}
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
}
export type LoginResponse = Tokens | { mfaRequired: true; mfaToken: string };
export interface MfaVerifyRequest {
  mfaToken: string;
  code: string;
}

// Consult service, REST

export interface Me {
  providerId: string;
  organisationId: string;
  role: Role;
  displayName: string;
  credential: string;
}

export interface Provider {
  providerId: string;
  displayName: string;
  role: Role;
  credential: string;
  email: string | null;
  status: string;
}

export type AccessBasis = 'care_team' | 'consent' | 'emergency' | 'admin' | 'organisation';

export interface Client {
  clientId: string;
  displayName: string;
  dateOfBirth: string;
  externalId: string | null;
  createdAt: string;
  access: AccessBasis;
}
export interface ClientDetail extends Client {
  careTeamIds: string[];
}
export interface CreateClientRequest {
  displayName: string;
  dateOfBirth: string;
  externalId?: string;
}

export interface Attestation {
  method: AttestationMethod;
  signerName: string;
}
export interface GrantConsentRequest {
  recipientIds: string[];
  categories: ConsentCategory[];
  purpose: ConsentPurpose;
  expiresAt: string;
  attestation: Attestation;
  notes?: string;
}
export interface Consent {
  consentId: string;
  clientId: string;
  recipientIds: string[];
  categories: ConsentCategory[];
  purpose: ConsentPurpose;
  status: ConsentStatus;
  effectiveFrom: string;
  expiresAt: string;
  attestation: Attestation & { recordedBy: string };
  notes: string | null;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revocationReason: string | null;
  redisclosureNotice?: string;
}
export interface EmergencyAccess {
  grantId: string;
  clientId: string;
  openedAt: string;
  expiresAt: string;
  readOnly: true;
}

export interface Thread {
  threadId: string;
  clientId: string;
  subject: string;
  participantIds: string[];
  createdBy: string;
  createdAt: string;
  lastSeq: number;
  unread: number;
}
export interface CreateThreadRequest {
  clientId: string;
  subject: string;
  participantIds: string[];
}

// Message bodies (DESIGN.md, Message bodies)

export interface Measure {
  instrument: Instrument;
  items?: number[];
  score: number;
  observedAt: string;
}
export interface NoteBody {
  text: string;
}
export interface SymptomUpdateBody {
  text?: string;
  measures?: Measure[];
}
export interface MedicationChangeBody {
  action: MedicationAction;
  medication: { name: string; rxnormCode?: string };
  dose?: { value: number; unit: string };
  frequency?: string;
  route?: string;
  effectiveDate: string;
  reason: string;
  monitoring?: string;
  acknowledgeBy?: string;
}
export interface ReferralBody {
  direction: ReferralDirection;
  reasons: string[];
  urgency: 'routine' | 'soon' | 'urgent';
  notes?: string;
}
/** A follow-up moves a referral on; a decline says why. */
export interface ReferralFollowUpBody {
  referralMessageId: string;
  status: Exclude<ReferralStatus, 'sent'>;
  reason?: string;
}
export interface SafetyConcernBody {
  riskLevel: RiskLevel;
  summary: string;
  actionsTaken: string;
  acknowledgeBy?: string;
}
export interface MessageBodies {
  note: NoteBody;
  symptom_update: SymptomUpdateBody;
  medication_change: MedicationChangeBody;
  referral: ReferralBody | ReferralFollowUpBody;
  safety_concern: SafetyConcernBody;
}
export type SendableKind = keyof MessageBodies;

export type SendMessageRequest<K extends SendableKind = SendableKind> = {
  [Kind in K]: { clientMessageId: string; kind: Kind; category: ConsentCategory; body: MessageBodies[Kind] };
}[K];

export interface Message {
  messageId: string;
  threadId: string;
  clientId: string;
  seq: number;
  senderId: string;
  clientMessageId: string;
  kind: MessageKind;
  /** A ConsentCategory. */
  category: string;
  /** The kind's body; null when withheld. */
  body: unknown;
  withheld?: 'consent_required';
  createdAt: string;
  priority: boolean;
  acknowledgeBy: string | null;
  amendsMessageId: string | null;
  /** current, amended or entered_in_error. */
  state: string;
  stateChangedAt: string | null;
  stateChangedBy: string | null;
  /** A ReferralStatus. */
  referralStatus?: string;
  amendmentReason?: string;
  crisisLine?: { name: string; phone: string; text: string };
  redisclosureNotice?: string;
}
/** How far a participant has received and read a thread. */
export interface ParticipantPosition {
  providerId: string;
  deliveredSeq: number;
  readSeq: number;
}
/** A clinical acknowledgement of a medication change or safety concern. */
export interface Acknowledgement {
  messageId: string;
  providerId: string;
  acknowledgedAt: string;
}
/**
 * What a page of history says that live `receipt` events said before the reader arrived (or while
 * it was away): every participant's positions, and the acknowledgements of the page's messages
 * whose body the reader may see (none for a withheld one); on the last page (`nextAfter` null), of
 * every message up to it.
 */
export interface ThreadReceipts {
  positions: ParticipantPosition[];
  acknowledgements: Acknowledgement[];
}
export interface MessagePage {
  messages: Message[];
  nextAfter: number | null;
  receipts: ThreadReceipts;
}

export interface OverdueAcknowledgement {
  messageId: string;
  threadId: string;
  clientId: string;
  /** medication_change or safety_concern. */
  kind: string;
  acknowledgeBy: string;
  senderId: string;
  /** Who has not acknowledged. */
  providerId: string;
}
export interface OverdueAcknowledgements {
  owedByMe: OverdueAcknowledgement[];
  owedToMe: OverdueAcknowledgement[];
}

// Live events on /consult (DESIGN.md, Live events)

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export interface Receipt {
  threadId: string;
  providerId: string;
  kind: 'delivered' | 'read' | 'acknowledged';
  uptoSeq?: number;
  messageId?: string;
  /** On `acknowledged`: when (the first time, if they acknowledged twice). */
  acknowledgedAt?: string;
}

/** What the server emits. */
export interface ServerEvents {
  'message.new': (payload: { message: Message }) => void;
  receipt: (receipt: Receipt) => void;
  typing: (payload: { threadId: string; providerId: string }) => void;
  presence: (payload: { threadId: string; providerIds: string[] }) => void;
  'access.revoked': (payload: { clientId: string; threadIds: string[] }) => void;
  'client.notice': (payload: {
    clientId: string;
    kind: 'emergency_access';
    providerId: string;
    expiresAt: string;
  }) => void;
  'safetyPlan.update': (payload: { clientId: string; update: string; authorId: string }) => void;
  'safetyPlan.awareness': (payload: { clientId: string; update: string; providerId: string }) => void;
  'session.expired': () => void;
  'server.shutdown': () => void;
  error: (error: ErrorBody) => void;
}

/** What a client sends, each with the answer its acknowledgement callback gets. */
export interface ClientEvents {
  'thread.join': (payload: { threadId: string; afterSeq?: number }, ack: (answer: Ack<MessagePage>) => void) => void;
  'thread.leave': (payload: { threadId: string }, ack: (answer: Ack) => void) => void;
  'message.send': (
    payload: SendMessageRequest & { threadId: string },
    ack: (answer: Ack<{ message: Message }>) => void,
  ) => void;
  'message.read': (
    payload: { threadId: string; uptoSeq: number },
    ack: (answer: Ack<{ threadId: string; readSeq: number }>) => void,
  ) => void;
  'message.acknowledge': (
    payload: { messageId: string },
    ack: (answer: Ack<{ messageId: string; acknowledgedAt: string }>) => void,
  ) => void;
  typing: (payload: { threadId: string }, ack: (answer: Ack<{ throttled?: boolean }>) => void) => void;
  'safetyPlan.join': (
    payload: { clientId: string },
    ack: (answer: Ack<{ clientId: string; update: string }>) => void,
  ) => void;
  'safetyPlan.update': (
    payload: { clientId: string; update: string },
    ack: (answer: Ack<{ seq: number }>) => void,
  ) => void;
  'safetyPlan.awareness': (payload: { clientId: string; update: string }, ack: (answer: Ack) => void) => void;
}
