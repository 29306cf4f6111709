import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { AccessReportService, ClientsService, ConsentsService, EmergencyAccessService } from '@sharedcare/consent';
import { AccessReportResponse, mapAccessReportEntry } from './access-report.dto.js';
import {
  AccessReportQuery,
  ClientDetailResponse,
  ClientIdParam,
  ClientListResponse,
  ClientNoticeListResponse,
  CreateClientDto,
  EmergencyAccessDto,
  EmergencyAccessResponse,
  mapClient,
  mapClientDetail,
  mapEmergencyAccess,
  mapNotice,
} from './clients.dto.js';
import { ConsentListResponse, ConsentResponse, GrantConsentDto, mapConsent } from './consents.dto.js';

const NOT_FOUND = '`not_found`: no such client, or the caller may not see it (the two look the same).';

@ApiTags('clients')
@ApiUnauthorizedResponse({ description: '`unauthenticated`' })
@ApiBadRequestResponse({ description: '`invalid`, naming the fields' })
@Controller('clients')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly consents: ConsentsService,
    private readonly emergency: EmergencyAccessService,
    private readonly accessReport: AccessReportService,
  ) {}

  @Authenticated({ permission: 'client.create' })
  @Post()
  @ApiCreatedResponse({ type: ClientDetailResponse, description: 'The caller is on the new client’s care team.' })
  async create(@Auth() auth: AuthContext, @Body() body: CreateClientDto): Promise<ClientDetailResponse> {
    return mapClientDetail(await this.clients.create(auth, body));
  }

  @Authenticated({ permission: 'client.read' })
  @Get()
  @ApiOkResponse({ type: ClientListResponse, description: 'The clients the caller may see.' })
  async list(@Auth() auth: AuthContext): Promise<ClientListResponse> {
    return { clients: (await this.clients.list(auth)).map(mapClient) };
  }

  @Authenticated({ permission: 'client.read' })
  @Get(':clientId')
  @ApiOkResponse({ type: ClientDetailResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async get(@Auth() auth: AuthContext, @Param() params: ClientIdParam): Promise<ClientDetailResponse> {
    return mapClientDetail(await this.clients.get(auth, params.clientId));
  }

  @Authenticated({ permission: 'consent.grant' })
  @Post(':clientId/consents')
  @ApiCreatedResponse({ type: ConsentResponse })
  @ApiNotFoundResponse({ description: `${NOT_FOUND} Only the care team records consent.` })
  async grantConsent(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Body() body: GrantConsentDto,
  ): Promise<ConsentResponse> {
    return mapConsent(
      await this.consents.grant(auth, params.clientId, { ...body, expiresAt: new Date(body.expiresAt) }),
    );
  }

  @Authenticated({ permission: 'consent.read' })
  @Get(':clientId/consents')
  @ApiOkResponse({ type: ConsentListResponse, description: 'Newest first, every status.' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async listConsents(@Auth() auth: AuthContext, @Param() params: ClientIdParam): Promise<ConsentListResponse> {
    return { consents: (await this.consents.list(auth, params.clientId)).map(mapConsent) };
  }

  @Authenticated({ permission: 'emergency_access.open' })
  @Post(':clientId/emergency-access')
  @ApiCreatedResponse({
    type: EmergencyAccessResponse,
    description: 'Read-only access for 60 minutes; audited as high severity and posted to the care team.',
  })
  @ApiNotFoundResponse({ description: '`not_found`: no such client in the caller’s organisation.' })
  async openEmergencyAccess(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Body() body: EmergencyAccessDto,
  ): Promise<EmergencyAccessResponse> {
    return mapEmergencyAccess(await this.emergency.open(auth, params.clientId, body.reason));
  }

  @Authenticated({ permission: 'client.read' })
  @Get(':clientId/notices')
  @ApiOkResponse({ type: ClientNoticeListResponse, description: 'Notices to the care team, newest first.' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async notices(@Auth() auth: AuthContext, @Param() params: ClientIdParam): Promise<ClientNoticeListResponse> {
    return { notices: (await this.emergency.notices(auth, params.clientId)).map(mapNotice) };
  }

  @Authenticated({ permission: 'client.access_report' })
  @Get(':clientId/access-report')
  @ApiOkResponse({ type: AccessReportResponse, description: 'Who accessed the client’s information, newest first.' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async report(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Query() query: AccessReportQuery,
  ): Promise<AccessReportResponse> {
    const page = await this.accessReport.report(auth, params.clientId, {
      before: query.before,
      limit: query.limit ?? 50,
    });
    return { entries: page.entries.map(mapAccessReportEntry), nextBefore: page.nextBefore };
  }
}
