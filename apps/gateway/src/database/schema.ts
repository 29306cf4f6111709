import { AuditPending, AuditRecord } from '@sharedcare/audit';
import { CareTeamMember, Client, ClientNotice, Consent, EmergencyAccessGrant } from '@sharedcare/consent';
import { Message, MessageAcknowledgement, Referral, Thread, ThreadParticipant } from '@sharedcare/consult';
import { ClientDataKey } from '@sharedcare/crypto';
import { SafetyPlanSnapshot, SafetyPlanUpdate, SafetyPlanVersion } from '@sharedcare/safety-plan';
import { DirectoryProvider } from '@sharedcare/directory';
import { GatewayInitialSchema1795761000000 } from './migrations/1795761000000-gateway-initial-schema.js';
import { AuditRecords1795765600000 } from './migrations/1795765600000-audit-records.js';
import { ClientDataKeys1795770000000 } from './migrations/1795770000000-client-data-keys.js';
import { SharedClients1795780000000 } from './migrations/1795780000000-shared-clients.js';
import { ClientDataKeyDestruction1795790000000 } from './migrations/1795790000000-client-data-key-destruction.js';
import { ConsultThreads1795800000000 } from './migrations/1795800000000-consult-threads.js';
import { SafetyPlans1795810000000 } from './migrations/1795810000000-safety-plans.js';
import { SafetyPlanVersions1795820000000 } from './migrations/1795820000000-safety-plan-versions.js';
import { AuditChainHead1795900000000 } from './migrations/1795900000000-audit-chain-head.js';
import { AuditPending1795910000000 } from './migrations/1795910000000-audit-pending.js';
import { SchemaInfo } from './schema-info.entity.js';

/** The consult service's own database: its entities and the migrations that build them. */
export const gatewayEntities = [
  SchemaInfo,
  AuditRecord,
  AuditPending,
  ClientDataKey,
  DirectoryProvider,
  Client,
  CareTeamMember,
  Consent,
  EmergencyAccessGrant,
  ClientNotice,
  Thread,
  ThreadParticipant,
  Message,
  MessageAcknowledgement,
  Referral,
  SafetyPlanUpdate,
  SafetyPlanSnapshot,
  SafetyPlanVersion,
];

/** Append-only, in order; never `synchronize`. */
export const gatewayMigrations = [
  GatewayInitialSchema1795761000000,
  AuditRecords1795765600000,
  ClientDataKeys1795770000000,
  SharedClients1795780000000,
  ClientDataKeyDestruction1795790000000,
  ConsultThreads1795800000000,
  SafetyPlans1795810000000,
  SafetyPlanVersions1795820000000,
  AuditChainHead1795900000000,
  AuditPending1795910000000,
];
