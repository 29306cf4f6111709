import { ApiProperty } from '@nestjs/swagger';
import type { AccessReportEntry } from '@sharedcare/consent';

export class AccessReportEntryResponse {
  @ApiProperty({ description: 'Position in the audit trail.' })
  sequence: number;

  @ApiProperty()
  occurredAt: string;

  @ApiProperty({ format: 'uuid' })
  actorId: string;

  @ApiProperty({ nullable: true, type: String, description: 'From the directory, when known.' })
  actorName: string | null;

  @ApiProperty({ example: 'therapist' })
  actorRole: string;

  @ApiProperty({ example: 'client.read' })
  action: string;

  @ApiProperty({ example: 'client' })
  resourceType: string;

  @ApiProperty()
  resourceId: string;

  @ApiProperty({ nullable: true, type: String })
  category: string | null;

  @ApiProperty({ enum: ['success', 'refused', 'failure'] })
  outcome: string;
}

export class AccessReportResponse {
  @ApiProperty({ type: [AccessReportEntryResponse], description: 'Newest first.' })
  entries: AccessReportEntryResponse[];

  @ApiProperty({ nullable: true, type: Number, description: 'Pass as `before` for older entries.' })
  nextBefore: number | null;
}

export function mapAccessReportEntry(entry: AccessReportEntry): AccessReportEntryResponse {
  return {
    sequence: entry.sequence,
    occurredAt: entry.occurredAt.toISOString(),
    actorId: entry.actorId,
    actorName: entry.actorName,
    actorRole: entry.actorRole,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    category: entry.category,
    outcome: entry.outcome,
  };
}
