import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Auth, type AuthContext, Authenticated } from '@sharedcare/auth';
import { Clock } from '@sharedcare/common';
import { renderPlanHtml, SafetyPlanService, SafetyPlanVersionsService } from '@sharedcare/safety-plan';
import type { Response } from 'express';
import { NoQuery } from '../care-record/care-record.dto.js';
import { ClientIdParam } from '../clients/clients.dto.js';
import {
  mapNamedVersion,
  mapNamedVersionPlan,
  mapPlanChanges,
  mapPlanComparison,
  mapSafetyPlan,
  NamedVersionParams,
  NamedVersionPlanResponse,
  NamedVersionRequest,
  NamedVersionResponse,
  NamedVersionsResponse,
  PlanChangesQuery,
  PlanChangesResponse,
  PlanCompareQuery,
  PlanComparisonResponse,
  planPoint,
  SafetyPlanResponse,
} from './safety-plan.dto.js';

const NOT_FOUND =
  '`not_found`: no such client, or the caller may not see it, or their consent does not name safety_plan (the three look the same).';

/** Prefers HTML only when the caller asks for it before JSON (a browser printing the plan). */
function wantsHtml(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  const html = types.indexOf('text/html');
  const json = types.indexOf('application/json');
  return html !== -1 && (json === -1 || html < json);
}

@ApiTags('safety plan')
@ApiUnauthorizedResponse({ description: '`unauthenticated`' })
@ApiBadRequestResponse({ description: '`invalid`: a malformed client id or query parameter' })
@ApiNotFoundResponse({ description: NOT_FOUND })
@Controller('clients/:clientId/safety-plan')
export class SafetyPlanController {
  constructor(
    private readonly safetyPlan: SafetyPlanService,
    private readonly planVersions: SafetyPlanVersionsService,
    private readonly clock: Clock,
  ) {}

  @Authenticated({ permission: 'safety_plan.read' })
  @Get()
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({
    type: SafetyPlanResponse,
    description:
      'The plan, sections in order with their headings and items; with `Accept: text/html`, a printable page for the client.',
  })
  async read(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Query() _query: NoQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SafetyPlanResponse | string> {
    const plan = await this.safetyPlan.read(auth, params.clientId);
    if (!wantsHtml(accept)) return mapSafetyPlan(plan);
    // Everything is escaped; the policy is a second line should that ever slip.
    response
      .type('html')
      .setHeader('cache-control', 'no-store')
      .setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    return renderPlanHtml(plan.sections, this.clock.now());
  }

  @Authenticated({ permission: 'safety_plan.read' })
  @Get('versions')
  @ApiOkResponse({
    type: PlanChangesResponse,
    description: 'Who changed which sections when, newest first.',
  })
  async versions(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Query() query: PlanChangesQuery,
  ): Promise<PlanChangesResponse> {
    return mapPlanChanges(await this.safetyPlan.changes(auth, params.clientId, query));
  }

  @Authenticated({ permission: 'safety_plan.edit' })
  @Post('named-versions')
  @HttpCode(201)
  @ApiCreatedResponse({ type: NamedVersionResponse, description: 'The plan as it stands now, named.' })
  @ApiBadRequestResponse({ description: '`invalid`: the label is empty or longer than 200 characters' })
  async nameVersion(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Body() body: NamedVersionRequest,
  ): Promise<NamedVersionResponse> {
    return mapNamedVersion(await this.planVersions.name(auth, params.clientId, body.label));
  }

  @Authenticated({ permission: 'safety_plan.read' })
  @Get('named-versions')
  @ApiOkResponse({ type: NamedVersionsResponse, description: 'The named versions, newest first.' })
  async namedVersions(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Query() _query: NoQuery,
  ): Promise<NamedVersionsResponse> {
    const list = await this.planVersions.list(auth, params.clientId);
    return { clientId: list.clientId, versions: list.versions.map(mapNamedVersion) };
  }

  @Authenticated({ permission: 'safety_plan.read' })
  @Get('named-versions/:versionId')
  @ApiOkResponse({ type: NamedVersionPlanResponse, description: 'A named version with the plan as it was.' })
  async namedVersion(
    @Auth() auth: AuthContext,
    @Param() params: NamedVersionParams,
    @Query() _query: NoQuery,
  ): Promise<NamedVersionPlanResponse> {
    return mapNamedVersionPlan(await this.planVersions.read(auth, params.clientId, params.versionId));
  }

  @Authenticated({ permission: 'safety_plan.read' })
  @Get('compare')
  @ApiOkResponse({
    type: PlanComparisonResponse,
    description: 'Section by section: the items added, removed and changed between `from` and `to`.',
  })
  @ApiBadRequestResponse({
    description: '`invalid`: `from` or `to` malformed, not a named version of this plan, or past the last change',
  })
  async compare(
    @Auth() auth: AuthContext,
    @Param() params: ClientIdParam,
    @Query() query: PlanCompareQuery,
  ): Promise<PlanComparisonResponse> {
    return mapPlanComparison(
      await this.planVersions.compare(auth, params.clientId, planPoint(query.from), planPoint(query.to)),
    );
  }
}
