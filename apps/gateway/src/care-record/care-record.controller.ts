import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { CareRecordService } from '@sharedcare/care-record';
import { ClientIdParam } from '../clients/clients.dto.js';
import {
  mapMeasures,
  mapMedicationList,
  MeasuresResponse,
  MedicationListResponse,
  NoQuery,
} from './care-record.dto.js';

const NOT_FOUND =
  '`not_found`: no such client, or the caller may not see it, or their consent does not name the category (the three look the same).';

@ApiTags('care record')
@ApiUnauthorizedResponse({ description: '`unauthenticated`' })
@ApiBadRequestResponse({ description: '`invalid`: a malformed client id or any query parameter' })
@ApiNotFoundResponse({ description: NOT_FOUND })
@Controller('clients/:clientId')
export class CareRecordController {
  constructor(private readonly careRecord: CareRecordService) {}

  @Authenticated({ permission: 'client.medications' })
  @Get('medications')
  @ApiOkResponse({
    type: MedicationListResponse,
    description:
      'The current medication list, derived from the medication changes of the threads the caller reads (every thread under emergency access), in the categories their consent names. Entered-in-error changes do not count; amended ones count as amended.',
  })
  async medications(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Query() _query: NoQuery,
  ): Promise<MedicationListResponse> {
    return mapMedicationList(await this.careRecord.medications(auth, params.clientId));
  }

  @Authenticated({ permission: 'client.measures' })
  @Get('measures')
  @ApiOkResponse({
    type: MeasuresResponse,
    description:
      'PHQ-9, GAD-7 and C-SSRS screener results by observedAt, from the symptom updates the caller reads, with the collaborative-care PHQ-9 flags.',
  })
  async measures(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Query() _query: NoQuery,
  ): Promise<MeasuresResponse> {
    return mapMeasures(await this.careRecord.measures(auth, params.clientId));
  }
}
