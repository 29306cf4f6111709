import { describeEndpoints } from '@sharedcare/auth';
import { startTestGateway, type TestGateway } from '../../../test/support/gateway-app.js';
import { servedPath } from './gateway-app.js';

/**
 * Who can reach what (CONVENTIONS 2): the whole table of the consult service's routes and socket
 * events with their declared permissions. A change here changes access: review it as such.
 */
describe('consult service endpoints and their permissions', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('matches the reviewed table', () => {
    expect(describeEndpoints(gateway.app, servedPath)).toEqual([
      {
        transport: 'http',
        endpoint: 'GET /api/acknowledgements/overdue',
        handler: 'ThreadsController.overdue',
        access: 'acknowledgement.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/audit/verify',
        handler: 'AuditController.verify',
        access: 'audit.verify',
      },
      { transport: 'http', endpoint: 'GET /api/clients', handler: 'ClientsController.list', access: 'client.read' },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId',
        handler: 'ClientsController.get',
        access: 'client.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/access-report',
        handler: 'ClientsController.report',
        access: 'client.access_report',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/consents',
        handler: 'ClientsController.listConsents',
        access: 'consent.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/measures',
        handler: 'CareRecordController.measures',
        access: 'client.measures',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/medications',
        handler: 'CareRecordController.medications',
        access: 'client.medications',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/notices',
        handler: 'ClientsController.notices',
        access: 'client.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/safety-plan',
        handler: 'SafetyPlanController.read',
        access: 'safety_plan.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/safety-plan/compare',
        handler: 'SafetyPlanController.compare',
        access: 'safety_plan.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/safety-plan/named-versions',
        handler: 'SafetyPlanController.namedVersions',
        access: 'safety_plan.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/safety-plan/named-versions/:versionId',
        handler: 'SafetyPlanController.namedVersion',
        access: 'safety_plan.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/clients/:clientId/safety-plan/versions',
        handler: 'SafetyPlanController.versions',
        access: 'safety_plan.read',
      },
      { transport: 'http', endpoint: 'GET /api/me', handler: 'MeController.me', access: 'provider.me' },
      {
        transport: 'http',
        endpoint: 'GET /api/providers',
        handler: 'ProvidersController.search',
        access: 'provider.read',
      },
      { transport: 'http', endpoint: 'GET /api/threads', handler: 'ThreadsController.list', access: 'thread.list' },
      {
        transport: 'http',
        endpoint: 'GET /api/threads/:threadId',
        handler: 'ThreadsController.get',
        access: 'thread.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/threads/:threadId/messages',
        handler: 'ThreadsController.history',
        access: 'thread.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /api/threads/:threadId/referrals',
        handler: 'ThreadsController.referralList',
        access: 'thread.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /fhir/R4/:resourceType',
        handler: 'FhirController.unsupported',
        access: 'fhir.search',
      },
      {
        transport: 'http',
        endpoint: 'GET /fhir/R4/AuditEvent',
        handler: 'FhirController.auditEvents',
        access: 'client.access_report',
      },
      {
        transport: 'http',
        endpoint: 'GET /fhir/R4/CarePlan',
        handler: 'FhirController.carePlans',
        access: 'safety_plan.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /fhir/R4/Communication',
        handler: 'FhirController.communications',
        access: 'client.messages',
      },
      {
        transport: 'http',
        endpoint: 'GET /fhir/R4/Consent',
        handler: 'FhirController.consents',
        access: 'consent.read',
      },
      {
        transport: 'http',
        endpoint: 'GET /fhir/R4/MedicationStatement',
        handler: 'FhirController.medicationStatements',
        access: 'client.medications',
      },
      {
        transport: 'http',
        endpoint: 'GET /fhir/R4/Observation',
        handler: 'FhirController.observations',
        access: 'client.measures',
      },
      {
        transport: 'http',
        endpoint: 'GET /fhir/R4/ServiceRequest',
        handler: 'FhirController.serviceRequests',
        access: 'client.messages',
      },
      { transport: 'http', endpoint: 'GET /health', handler: 'HealthController.check', access: 'public' },
      { transport: 'http', endpoint: 'GET /health/live', handler: 'HealthController.live', access: 'public' },
      { transport: 'http', endpoint: 'GET /health/ready', handler: 'HealthController.ready', access: 'public' },
      {
        transport: 'http',
        endpoint: 'POST /api/clients',
        handler: 'ClientsController.create',
        access: 'client.create',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/clients/:clientId/consents',
        handler: 'ClientsController.grantConsent',
        access: 'consent.grant',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/clients/:clientId/emergency-access',
        handler: 'ClientsController.openEmergencyAccess',
        access: 'emergency_access.open',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/clients/:clientId/safety-plan/named-versions',
        handler: 'SafetyPlanController.nameVersion',
        access: 'safety_plan.edit',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/consents/:consentId/revoke',
        handler: 'ConsentsController.revoke',
        access: 'consent.revoke',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/messages/:messageId/acknowledge',
        handler: 'ThreadsController.acknowledge',
        access: 'message.acknowledge',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/messages/:messageId/amend',
        handler: 'ThreadsController.amend',
        access: 'message.correct',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/messages/:messageId/entered-in-error',
        handler: 'ThreadsController.enteredInError',
        access: 'message.correct',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/threads',
        handler: 'ThreadsController.create',
        access: 'thread.create',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/threads/:threadId/messages',
        handler: 'ThreadsController.send',
        access: 'message.send',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/threads/:threadId/participants',
        handler: 'ThreadsController.addParticipants',
        access: 'thread.manage',
      },
      {
        transport: 'http',
        endpoint: 'POST /api/threads/:threadId/read',
        handler: 'ThreadsController.read',
        access: 'message.receipt',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult message.acknowledge',
        handler: 'ConsultGateway.acknowledge',
        access: 'message.acknowledge',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult message.read',
        handler: 'ConsultGateway.read',
        access: 'message.receipt',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult message.send',
        handler: 'ConsultGateway.send',
        access: 'message.send',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult safetyPlan.awareness',
        handler: 'ConsultGateway.planAwareness',
        access: 'safety_plan.read',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult safetyPlan.join',
        handler: 'ConsultGateway.joinPlan',
        access: 'safety_plan.read',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult safetyPlan.update',
        handler: 'ConsultGateway.updatePlan',
        access: 'safety_plan.edit',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult thread.join',
        handler: 'ConsultGateway.join',
        access: 'thread.read',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult thread.leave',
        handler: 'ConsultGateway.leave',
        access: 'thread.read',
      },
      {
        transport: 'socket.io',
        endpoint: '/consult typing',
        handler: 'ConsultGateway.typing',
        access: 'message.receipt',
      },
    ]);
  });

  it('declares every route and event @Public or @Authenticated', () => {
    const undeclared = describeEndpoints(gateway.app, servedPath).filter((row) => row.access === 'UNDECLARED');
    expect(undeclared).toEqual([]);
  });

  it('serves each route of the table at its path, refusing the non-public ones without a token', async () => {
    for (const row of describeEndpoints(gateway.app, servedPath).filter((r) => r.transport === 'http')) {
      const [method, path] = row.endpoint.split(' ');
      const response = await fetch(`${gateway.url}${path.replace(/:[^/]+/g, '00000000-0000-4000-8000-000000000000')}`, {
        method,
      });
      const outcome =
        row.access === 'public' ? ([401, 404].includes(response.status) ? 'refused' : 'reached') : response.status;
      expect({ endpoint: row.endpoint, outcome }).toEqual({
        endpoint: row.endpoint,
        outcome: row.access === 'public' ? 'reached' : 401,
      });
    }
  });
});
