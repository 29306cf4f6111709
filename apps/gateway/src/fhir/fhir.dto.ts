import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

const PATIENT = /^(Patient\/)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The one search parameter the export takes; any other is refused (`invalid`), never ignored. */
export class FhirSearchQuery {
  @ApiProperty({
    description: 'The client’s id (FHIR Patient id); `Patient/<id>` is accepted too.',
    example: '3f0c1c52-8f6e-4c1b-9a53-2b9a4a3d6a10',
  })
  @Matches(PATIENT)
  patient: string;
}

export const patientId = (query: FhirSearchQuery) => query.patient.replace(/^Patient\//, '');
