/**
 * Checked by `npm run typecheck` only: what the consult service answers (its response DTOs) must be
 * assignable to the wire types the typed client (libs/client) hands to the web app and the tests,
 * so the two cannot drift apart unnoticed. Nothing here runs.
 */
import type {
  AccessReport,
  Client,
  ClientDetail,
  Consent,
  Me,
  Measures,
  MedicationList,
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
  Thread,
} from '@sharedcare/client';
import type { MeasuresResponse, MedicationListResponse } from '../../apps/gateway/src/care-record/care-record.dto.js';
import type { AccessReportResponse } from '../../apps/gateway/src/clients/access-report.dto.js';
import type { ClientDetailResponse, ClientResponse } from '../../apps/gateway/src/clients/clients.dto.js';
import type { ConsentResponse } from '../../apps/gateway/src/clients/consents.dto.js';
import type { MeResponse } from '../../apps/gateway/src/providers/me.dto.js';
import type { ProviderResponse } from '../../apps/gateway/src/providers/providers.dto.js';
import type {
  NamedVersionPlanResponse,
  NamedVersionResponse,
  NamedVersionsResponse,
  PlanChangesResponse,
  PlanComparisonResponse,
  SafetyPlanResponse,
} from '../../apps/gateway/src/safety-plan/safety-plan.dto.js';
import type {
  MessagePageResponse,
  MessageResponse,
  OverdueResponse,
  ThreadResponse,
} from '../../apps/gateway/src/threads/threads.dto.js';

type Conforms<Answer extends Wire, Wire> = Answer;

export type ContractConformance = [
  Conforms<ClientResponse, Client>,
  Conforms<ClientDetailResponse, ClientDetail>,
  Conforms<ConsentResponse, Consent>,
  Conforms<MeResponse, Me>,
  Conforms<ProviderResponse, Provider>,
  Conforms<MessageResponse, Message>,
  Conforms<MessagePageResponse, MessagePage>,
  Conforms<ThreadResponse, Thread>,
  Conforms<OverdueResponse, OverdueAcknowledgements>,
  Conforms<MedicationListResponse, MedicationList>,
  Conforms<MeasuresResponse, Measures>,
  Conforms<SafetyPlanResponse, SafetyPlanView>,
  Conforms<PlanChangesResponse, SafetyPlanChanges>,
  Conforms<NamedVersionResponse, SafetyPlanNamedVersion>,
  Conforms<NamedVersionsResponse, SafetyPlanNamedVersions>,
  Conforms<NamedVersionPlanResponse, SafetyPlanNamedVersionPlan>,
  Conforms<PlanComparisonResponse, SafetyPlanComparison>,
  Conforms<AccessReportResponse, AccessReport>,
];
