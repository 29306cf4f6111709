import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { PublicRoute } from '../access/authenticated.decorator.js';
import { OutboxRepository } from '../events/outbox.repository.js';
import { NoStore } from '../shared/no-store.decorator.js';
import { InternalKeyGuard } from './internal-key.guard.js';

/** `<epoch milliseconds>:<event id>`: a position in the outbox, opaque to callers. */
const CURSOR = /^(\d{1,15}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const START = `0:00000000-0000-0000-0000-000000000000`;

export class SessionEventsQueryDto {
  @ApiPropertyOptional({ description: 'The previous answer’s nextAfter; without it, only the current position.' })
  @IsOptional()
  @Matches(CURSOR)
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class SessionEventDto {
  @ApiProperty({ enum: ['provider.sessions_revoked', 'provider.disabled'] }) type: string;
  @ApiProperty({ format: 'uuid' }) providerId: string;
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'The sessions (`sid`) it ended; absent on events from before they were named.',
  })
  sessionIds?: string[];
  @ApiProperty() at: string;
}

export class SessionEventsPageDto {
  @ApiProperty({ type: [SessionEventDto] }) events: SessionEventDto[];
  @ApiProperty({ description: 'Ask again with this as `after`.' }) nextAfter: string;
}

const cursorOf = (event: { occurredAt: Date; id: string }) => `${event.occurredAt.getTime()}:${event.id}`;

/**
 * Logout-all and disable for the consult service: the outbox (the same events Redis carries), which
 * it polls, and reads at boot from a position one access-token lifetime back, to learn the sessions
 * that ended while it was not running. Asked without a position, it answers only the current one.
 */
@ApiTags('internal')
@ApiBearerAuth()
@Controller('internal/session-events')
export class SessionEventsController {
  constructor(private readonly outbox: OutboxRepository) {}

  @Get()
  @PublicRoute()
  @UseGuards(InternalKeyGuard)
  @NoStore()
  @ApiOperation({ summary: 'Session events after a position, for a consult service without Redis' })
  @ApiOkResponse({ type: SessionEventsPageDto })
  async list(@Query() query: SessionEventsQueryDto): Promise<SessionEventsPageDto> {
    if (query.after === undefined) {
      const latest = await this.outbox.latest();
      return { events: [], nextAfter: latest ? cursorOf(latest) : START };
    }
    const [, millis, id] = CURSOR.exec(query.after) as RegExpExecArray;
    const events = await this.outbox.after({ occurredAt: new Date(Number(millis)), id }, query.limit ?? 200);
    return {
      events: events.map((event) => ({
        type: event.type,
        providerId: event.providerId,
        organisationId: event.organisationId,
        ...(event.sessionIds ? { sessionIds: event.sessionIds } : {}),
        at: event.occurredAt.toISOString(),
      })),
      nextAfter: events.length > 0 ? cursorOf(events[events.length - 1]) : query.after,
    };
  }
}
