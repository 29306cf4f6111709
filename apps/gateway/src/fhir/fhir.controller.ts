import { Controller, Get, Header, Param, Query, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Bundle } from '@medplum/fhirtypes';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { FHIR_RESOURCE_TYPES, FhirExportService } from '@sharedcare/care-record';
import { FHIR_JSON, FhirExceptionFilter, UnsupportedResourceType } from './fhir-exception.filter.js';
import { FhirSearchQuery, patientId } from './fhir.dto.js';

export const FHIR_BASE = 'fhir/R4';

const BUNDLE = {
  description: 'A `searchset` Bundle (application/fhir+json).',
  schema: { type: 'object', properties: { resourceType: { type: 'string', enum: ['Bundle'] } } },
};

/**
 * FHIR R4 export of one client (issue 5), outside /api. Each resource type declares the permission
 * of the API it mirrors and calls the same rules; refusals are OperationOutcomes (FhirExceptionFilter).
 */
@ApiTags('FHIR R4')
@ApiProduces(FHIR_JSON)
@ApiUnauthorizedResponse({ description: 'OperationOutcome, `unauthenticated` (issue type `login`)' })
@ApiBadRequestResponse({
  description:
    'OperationOutcome, `invalid`: `patient` missing or not a client id, another parameter, or a resource type not served',
})
@ApiNotFoundResponse({
  description: 'OperationOutcome, `not_found` (issue type `not-found`): no such client, or the caller may not see it',
})
@UseFilters(FhirExceptionFilter)
@Controller(FHIR_BASE)
export class FhirController {
  constructor(private readonly fhir: FhirExportService) {}

  @Authenticated({ permission: 'client.access_report' })
  @Get('AuditEvent')
  @Header('Content-Type', FHIR_JSON)
  @ApiOkResponse({ ...BUNDLE, description: 'The newest 1000 entries of the access report, its audience only.' })
  auditEvents(@Auth() auth: AuthContext, @Query() query: FhirSearchQuery): Promise<Bundle> {
    return this.fhir.auditEvents(auth, patientId(query));
  }

  @Authenticated({ permission: 'safety_plan.read' })
  @Get('CarePlan')
  @Header('Content-Type', FHIR_JSON)
  @ApiOkResponse({ ...BUNDLE, description: 'The safety plan as one CarePlan, one activity per item.' })
  carePlans(@Auth() auth: AuthContext, @Query() query: FhirSearchQuery): Promise<Bundle> {
    return this.fhir.carePlans(auth, patientId(query));
  }

  @Authenticated({ permission: 'client.messages' })
  @Get('Communication')
  @Header('Content-Type', FHIR_JSON)
  @ApiOkResponse({ ...BUNDLE, description: 'The messages of the threads the caller reads, in their categories.' })
  communications(@Auth() auth: AuthContext, @Query() query: FhirSearchQuery): Promise<Bundle> {
    return this.fhir.communications(auth, patientId(query));
  }

  @Authenticated({ permission: 'consent.read' })
  @Get('Consent')
  @Header('Content-Type', FHIR_JSON)
  @ApiOkResponse({ ...BUNDLE, description: 'The consents GET /api/clients/:clientId/consents lists.' })
  consents(@Auth() auth: AuthContext, @Query() query: FhirSearchQuery): Promise<Bundle> {
    return this.fhir.consents(auth, patientId(query));
  }

  @Authenticated({ permission: 'client.medications' })
  @Get('MedicationStatement')
  @Header('Content-Type', FHIR_JSON)
  @ApiOkResponse({ ...BUNDLE, description: 'The medication list, one statement per medication.' })
  medicationStatements(@Auth() auth: AuthContext, @Query() query: FhirSearchQuery): Promise<Bundle> {
    return this.fhir.medicationStatements(auth, patientId(query));
  }

  @Authenticated({ permission: 'client.measures' })
  @Get('Observation')
  @Header('Content-Type', FHIR_JSON)
  @ApiOkResponse({ ...BUNDLE, description: 'The screener results (LOINC 44261-6 PHQ-9, 70274-6 GAD-7).' })
  observations(@Auth() auth: AuthContext, @Query() query: FhirSearchQuery): Promise<Bundle> {
    return this.fhir.observations(auth, patientId(query));
  }

  @Authenticated({ permission: 'client.messages' })
  @Get('ServiceRequest')
  @Header('Content-Type', FHIR_JSON)
  @ApiOkResponse({ ...BUNDLE, description: 'The referrals of the threads the caller reads, in their categories.' })
  serviceRequests(@Auth() auth: AuthContext, @Query() query: FhirSearchQuery): Promise<Bundle> {
    return this.fhir.serviceRequests(auth, patientId(query));
  }

  /** Declared last: Express tries routes in order, so the types above are matched first. */
  @Authenticated({ permission: 'fhir.search' })
  @Get(':resourceType')
  @ApiBadRequestResponse({ description: 'Always: the export serves only ' + FHIR_RESOURCE_TYPES.join(', ') })
  unsupported(@Param('resourceType') _resourceType: string): never {
    throw new UnsupportedResourceType(`Not a resource type this export serves (${FHIR_RESOURCE_TYPES.join(', ')})`);
  }
}
