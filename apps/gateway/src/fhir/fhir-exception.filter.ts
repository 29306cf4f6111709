import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { operationOutcome } from '@sharedcare/care-record';
import { toErrorBody } from '@sharedcare/common';
import type { Response } from 'express';

export const FHIR_JSON = 'application/fhir+json';

/** Thrown for a resource type the export does not serve: `invalid`. */
export class UnsupportedResourceType extends Error {}

/**
 * Refusals on the FHIR routes as an OperationOutcome (application/fhir+json) with the HTTP status
 * and stable code the REST API would answer (the code in `issue.details.coding`). Validation
 * problems name their fields in `issue.expression`, never their values.
 */
@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('FhirExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof UnsupportedResourceType) {
      this.send(response, 400, operationOutcome('invalid', error.message));
      return;
    }
    const { status, body, retryAfter } = toErrorBody(error, this.logger);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    const fields = Array.isArray(body.details)
      ? (body.details as { field?: unknown }[]).flatMap((detail) =>
          typeof detail.field === 'string' ? [detail.field] : [],
        )
      : [];
    this.send(response, status, operationOutcome(body.code, body.message, { fields }));
  }

  private send(response: Response, status: number, body: object): void {
    response.status(status).type(FHIR_JSON).send(JSON.stringify(body));
  }
}
