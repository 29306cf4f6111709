import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { AuditVerification } from '@sharedcare/audit';

export class AuditVerifyResponse {
  @ApiProperty({ description: 'True when every record links to the one before and matches its hash.' })
  ok: boolean;

  @ApiProperty({ description: 'Records verified before the first broken one (all of them when ok).' })
  count: number;

  @ApiPropertyOptional({ description: 'The sequence of the first record that breaks the chain.' })
  firstBrokenSequence?: number;

  @ApiPropertyOptional({ enum: ['missing_record', 'prev_hash_mismatch', 'hash_mismatch'] })
  reason?: string;
}

export function mapAuditVerification(result: AuditVerification): AuditVerifyResponse {
  return result.ok
    ? { ok: true, count: result.count }
    : { ok: false, count: result.count, firstBrokenSequence: result.firstBrokenSequence, reason: result.reason };
}
